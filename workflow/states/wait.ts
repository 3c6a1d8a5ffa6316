import { checkPath } from "../jsonpath";
import { defined, type StateJson } from "../types";
import { NextableState } from "./state";

/** Fields of a Wait state: exactly one of seconds, timestamp, secondsPath, timestampPath. */
export interface WaitProps {
  comment?: string;
  inputPath?: string | null;
  outputPath?: string | null;
  seconds?: number;
  timestamp?: string;
  secondsPath?: string;
  timestampPath?: string;
}

/** A Wait state: pauses for a duration or until a time. */
export class Wait extends NextableState {
  readonly type = "Wait" as const;
  private readonly props: WaitProps;

  constructor(name: string, props: WaitProps) {
    const { comment, inputPath, outputPath } = props;
    super(name, { comment, inputPath, outputPath });
    this.props = { ...props };
  }

  override validate(): string[] {
    const problems = super.validate();
    const { seconds, timestamp, secondsPath, timestampPath } = this.props;
    const given = [seconds, timestamp, secondsPath, timestampPath].filter((v) => v !== undefined).length;
    if (given !== 1)
      problems.push(this.problem(`sets ${given} of Seconds, Timestamp, SecondsPath, TimestampPath; set exactly one`));
    if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 0))
      problems.push(this.problem(`Seconds is ${seconds}; use a whole number ≥ 0`));
    if (timestamp !== undefined && Number.isNaN(Date.parse(timestamp)))
      problems.push(this.problem(`Timestamp "${timestamp}" is not an ISO-8601 time; write e.g. 2024-01-31T09:00:00Z`));
    for (const [field, value] of [
      ["SecondsPath", secondsPath],
      ["TimestampPath", timestampPath],
    ] as const) {
      const p = value === undefined ? undefined : checkPath(value, { context: true });
      if (p) problems.push(this.problem(`${field} ${p}`));
    }
    return problems;
  }

  toStateJson(): StateJson {
    const { seconds, timestamp, secondsPath, timestampPath } = this.props;
    return {
      ...this.renderHead(),
      ...defined({ Seconds: seconds, Timestamp: timestamp, SecondsPath: secondsPath, TimestampPath: timestampPath }),
      ...this.renderIo(),
      ...this.renderTail(),
    };
  }
}
