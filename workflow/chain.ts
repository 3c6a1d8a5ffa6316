import { WorkflowValidationError } from "./errors";
import { type Chainable, isContinuable, type StateNode } from "./node";

/**
 * A sequence of states wired with Next: `Chain.start(a).next(b).next(c)`. A chain remembers where it starts (for a
 * graph, a Parallel branch or a Map processor) and which state it ends with (where `next()` continues).
 */
export class Chain implements Chainable {
  private constructor(
    readonly startState: StateNode,
    private readonly tail: StateNode | undefined,
  ) {}

  /** Starts a chain at a state (or continues an existing chain). */
  static start(start: StateNode | Chain): Chain {
    return start instanceof Chain ? start : new Chain(start, start);
  }

  /** The chain `from` → `to` (used by `NextableState.next`). */
  static between(from: StateNode, to: Chainable): Chain {
    const end = to instanceof Chain ? to.tail : to.startState;
    return new Chain(from, end);
  }

  /** A chain whose last state continues to a state given by name: nothing can follow it. */
  static closed(from: StateNode): Chain {
    return new Chain(from, undefined);
  }

  /** The last state of the chain, when it can be continued. */
  get endState(): StateNode | undefined {
    return this.tail;
  }

  /**
   * Appends `target` after the chain's last state. Throws when the last state cannot continue (Choice, Succeed, Fail,
   * a state that already has Next or End, or a chain closed by a name reference).
   */
  next(target: StateNode | Chain): Chain {
    const tail = this.tail;
    if (tail === undefined)
      throw new WorkflowValidationError([
        `The chain starting at "${this.startState.name}" ends with a reference by name; it cannot continue`,
      ]);
    if (!isContinuable(tail))
      throw new WorkflowValidationError([
        `The chain starting at "${this.startState.name}" ends with ${tail.type} state "${tail.name}", which has no Next; wire its branches instead`,
      ]);
    tail.next(target);
    const end = target instanceof Chain ? target.tail : target;
    return new Chain(this.startState, end);
  }
}
