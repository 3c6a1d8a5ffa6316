import type { Chainable } from "../node";
import { Scope } from "../scope";
import type { StateJson } from "../types";
import { RetryableState } from "./retryable";
import type { IoProps } from "./state";

/** Fields of a Parallel state. */
export type ParallelProps = IoProps;

/**
 * A Parallel state: runs every branch on the same input; its result is the array of the branches' outputs.
 * @example new Parallel("ResultProcessing").branch(aggregate).branch(check).end()
 */
export class Parallel extends RetryableState {
  readonly type = "Parallel" as const;
  private readonly branches: Scope[] = [];

  constructor(name: string, props: ParallelProps = {}) {
    super(name, props);
  }

  /** Adds a branch starting at a state or chain. */
  branch(start: Chainable): this {
    this.branches.push(new Scope(start, { scope: `branch ${this.branches.length} of Parallel "${this.name}"` }));
    return this;
  }

  override children(): Scope[] {
    return [...this.branches];
  }

  override validate(): string[] {
    const problems = super.validate();
    if (this.branches.length === 0) problems.push(this.problem("has no branches; add one with branch(state)"));
    return problems;
  }

  toStateJson(): StateJson {
    return {
      ...this.renderHead(),
      Branches: this.branches.map((b) => b.renderBody()),
      ...this.renderIo(),
      ...this.renderErrorHandling(),
      ...this.renderTail(),
    };
  }
}
