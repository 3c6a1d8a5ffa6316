import { checkIntrinsic, checkPath } from "../jsonpath";
import { defined, type StateJson } from "../types";
import { State } from "./state";

/** Fields of a Fail state: a fixed Error/Cause or a path to one (not both). */
export interface FailProps {
  comment?: string;
  error?: string;
  cause?: string;
  errorPath?: string;
  causePath?: string;
}

/** A Fail state: ends the execution (or branch) as failed with an Error name and a Cause. */
export class Fail extends State {
  readonly type = "Fail" as const;
  private readonly props: FailProps;

  constructor(name: string, props: FailProps = {}) {
    super(name, { comment: props.comment });
    this.props = { ...props };
  }

  override validate(): string[] {
    const problems = super.validate();
    const { error, cause, errorPath, causePath } = this.props;
    if (error !== undefined && errorPath !== undefined)
      problems.push(this.problem("sets both Error and ErrorPath; keep one"));
    if (cause !== undefined && causePath !== undefined)
      problems.push(this.problem("sets both Cause and CausePath; keep one"));
    for (const [field, value] of [
      ["ErrorPath", errorPath],
      ["CausePath", causePath],
    ] as const) {
      if (value === undefined) continue;
      const p = value.startsWith("States.") ? checkIntrinsic(value) : checkPath(value, { context: true });
      if (p) problems.push(this.problem(`${field} ${p}`));
    }
    return problems;
  }

  toStateJson(): StateJson {
    const { error, cause, errorPath, causePath } = this.props;
    return {
      ...this.renderHead(),
      ...defined({ Error: error, ErrorPath: errorPath, Cause: cause, CausePath: causePath }),
    };
  }
}
