import type { Chainable, ScopeNode, StateNode, Target } from "./node";
import type { JsonObject, StateJson } from "./types";

/** Options of a scope (and of a state graph). */
export interface ScopeOptions {
  /** Top-level Comment. */
  comment?: string;
  /** Execution timeout (top level only). */
  timeoutSeconds?: number;
  /** States that are not reachable by object references from the start (e.g. targets named by string). */
  states?: StateNode[];
  /** Describes where this graph sits, for messages ("branch 0 of Parallel …"). */
  scope?: string;
}

/**
 * The states of one scope (the state machine, a Parallel branch or a Map processor), found from a start state by
 * following Next/Catch/Choice references, plus any states added explicitly.
 * A Parallel branch or a Map processor is a Scope; the state machine is a `StateGraph` (`graph.ts`), the Scope that
 * also validates names across scopes and renders.
 */
export class Scope implements ScopeNode {
  readonly startState: StateNode;
  private readonly extra: StateNode[];
  protected readonly options: ScopeOptions;

  constructor(start: Chainable, options: ScopeOptions = {}) {
    this.startState = start.startState;
    this.extra = [...(options.states ?? [])];
    this.options = options;
  }

  /** Adds states that are only referenced by name. */
  add(...states: StateNode[]): this {
    this.extra.push(...states);
    return this;
  }

  /** The states of this scope (not nested ones), in discovery order from the start. */
  states(): StateNode[] {
    const found: StateNode[] = [];
    const seen = new Set<StateNode>();
    const queue: StateNode[] = [this.startState, ...this.extra];
    while (queue.length > 0) {
      const s = queue.shift()!;
      if (seen.has(s)) continue;
      seen.add(s);
      found.push(s);
      for (const t of s.transitions()) if (typeof t.target !== "string") queue.push(t.target);
    }
    return found;
  }

  /** Every state of this scope and of nested scopes, depth first. */
  allStates(): StateNode[] {
    const out: StateNode[] = [];
    for (const s of this.states()) {
      out.push(s);
      for (const child of s.children()) out.push(...child.allStates());
    }
    return out;
  }

  /** Problems of this scope and its nested scopes: each state's own, unknown names, unreachable states. */
  validateScope(): string[] {
    const problems: string[] = [];
    const states = this.states();
    const names = new Map<string, StateNode>();
    for (const s of states) if (!names.has(s.name)) names.set(s.name, s);
    const where = this.options.scope ? ` in ${this.options.scope}` : "";
    const resolve = (t: Target): StateNode | undefined => (typeof t === "string" ? names.get(t) : t);

    for (const s of states) {
      problems.push(...s.validate());
      for (const t of s.transitions()) {
        if (typeof t.target === "string" && !names.has(t.target)) {
          const what =
            t.kind === "next"
              ? "Next"
              : t.kind === "catch"
                ? "Catch Next"
                : t.kind === "default"
                  ? "Default"
                  : "Choice Next";
          problems.push(
            `State "${s.name}": ${what} "${t.target}" is not a state${where}; add that state to the graph or fix the name` +
              (names.size ? ` (states here: ${[...names.keys()].join(", ")})` : ""),
          );
        }
      }
      for (const child of s.children()) problems.push(...child.validateScope());
    }
    // Reachability by name from the start.
    const reached = new Set<StateNode>();
    const queue: StateNode[] = [this.startState];
    while (queue.length > 0) {
      const s = queue.shift()!;
      if (reached.has(s)) continue;
      reached.add(s);
      for (const t of s.transitions()) {
        const target = resolve(t.target);
        if (target) queue.push(target);
      }
    }
    for (const s of states)
      if (!reached.has(s))
        problems.push(
          `State "${s.name}" is unreachable from "${this.startState.name}"${where}; wire a Next/Catch/Choice to it or remove it`,
        );
    return problems;
  }

  /** The rendered scope without validation (used by Parallel and Map, whose top graph validates everything). */
  renderBody(): JsonObject {
    const States: Record<string, StateJson> = {};
    for (const s of this.states()) States[s.name] = s.toStateJson();
    const body: JsonObject = {};
    if (this.options.comment !== undefined) body.Comment = this.options.comment;
    body.StartAt = this.startState.name;
    if (this.options.timeoutSeconds !== undefined) body.TimeoutSeconds = this.options.timeoutSeconds;
    body.States = States;
    return body;
  }
}
