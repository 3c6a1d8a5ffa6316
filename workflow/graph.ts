export { WorkflowValidationError } from "./errors";

import { WorkflowValidationError } from "./errors";
import type { Chainable, State, Target } from "./states/state";
import type { Task } from "./states/task";
import type { AslDefinition, JsonObject, JsonValue, StateJson } from "./types";

/** Options of a state graph. */
export interface StateGraphOptions {
  /** Top-level Comment. */
  comment?: string;
  /** Execution timeout (top level only). */
  timeoutSeconds?: number;
  /** States that are not reachable by object references from the start (e.g. targets named by string). */
  states?: State[];
  /** Describes where this graph sits, for messages ("branch 0 of Parallel …"). */
  scope?: string;
}

/** One state of a rendered definition, as `walkDefinition` finds it. */
export interface RenderedState {
  name: string;
  state: StateJson;
  /** The Parallel and Map states it is nested in, outermost first (empty at the top level). */
  parents: string[];
}

/**
 * Every state of a rendered definition (`render()` output, or the same JSON read back): the top level, then each
 * Parallel branch and Map processor (`ItemProcessor`, or the older `Iterator`) where its state appears, depth first.
 * @example walkDefinition(graph.render()).filter((s) => s.state.Type === "Task").map((s) => s.name)
 */
export function walkDefinition(definition: unknown): RenderedState[] {
  const out: RenderedState[] = [];
  const visit = (body: unknown, parents: string[]) => {
    const states = (body as Partial<AslDefinition> | null | undefined)?.States ?? {};
    for (const [name, state] of Object.entries(states)) {
      out.push({ name, state, parents });
      const nested = [...((state.Branches as JsonValue[] | undefined) ?? []), state.ItemProcessor ?? state.Iterator];
      for (const body of nested) if (body) visit(body, [...parents, name]);
    }
  };
  visit(definition, []);
  return out;
}

/** The resources a state machine's Task states call, for its IAM policy. */
export interface GraphResources {
  lambdas: string[];
  topics: string[];
}

/**
 * The states of one scope (the state machine, a Parallel branch or a Map processor), found from a start state by
 * following Next/Catch/Choice references, plus any states added explicitly.
 * @example new StateGraph(Chain.start(a).next(b), { comment: "…" }).render()
 */
export class StateGraph {
  readonly startState: State;
  private readonly extra: State[];
  private readonly options: StateGraphOptions;

  constructor(start: Chainable, options: StateGraphOptions = {}) {
    this.startState = start.startState;
    this.extra = [...(options.states ?? [])];
    this.options = options;
  }

  /** Adds states that are only referenced by name. */
  add(...states: State[]): this {
    this.extra.push(...states);
    return this;
  }

  /** The states of this scope (not nested ones), in discovery order from the start. */
  states(): State[] {
    const found: State[] = [];
    const seen = new Set<State>();
    const queue: State[] = [this.startState, ...this.extra];
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
  allStates(): State[] {
    const out: State[] = [];
    for (const s of this.states()) {
      out.push(s);
      for (const child of s.children()) out.push(...child.allStates());
    }
    return out;
  }

  /** Every problem of this graph and its nested graphs, each naming the state and the fix. Empty when valid. */
  validate(): string[] {
    const problems = this.validateScope();
    // Names must be unique across the whole state machine, nested scopes included.
    const byName = new Map<string, Set<State>>();
    const places = new Map<State, number>();
    for (const s of this.allStates()) {
      if (!byName.has(s.name)) byName.set(s.name, new Set());
      byName.get(s.name)!.add(s);
      places.set(s, (places.get(s) ?? 0) + 1);
    }
    for (const [name, set] of byName)
      if (set.size > 1)
        problems.push(
          `State "${name}": the name is used by ${set.size} different states; give each state its own name`,
        );
    for (const [s, n] of places)
      if (n > 1)
        problems.push(
          `State "${s.name}": the same state object is used in ${n} scopes; create one state per branch/processor`,
        );
    if (
      this.options.timeoutSeconds !== undefined &&
      !(Number.isInteger(this.options.timeoutSeconds) && this.options.timeoutSeconds >= 1)
    )
      problems.push(`TimeoutSeconds is ${this.options.timeoutSeconds}; use a whole number of seconds ≥ 1`);
    return problems;
  }

  private validateScope(): string[] {
    const problems: string[] = [];
    const states = this.states();
    const names = new Map<string, State>();
    for (const s of states) if (!names.has(s.name)) names.set(s.name, s);
    const where = this.options.scope ? ` in ${this.options.scope}` : "";
    const resolve = (t: Target): State | undefined => (typeof t === "string" ? names.get(t) : t);

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
    const reached = new Set<State>();
    const queue: State[] = [this.startState];
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

  /** Validates (throwing one `WorkflowValidationError` listing every problem) and renders `{ Comment, StartAt, States }`. */
  render(): AslDefinition {
    const problems = this.validate();
    if (problems.length > 0) throw new WorkflowValidationError(problems);
    return this.renderBody() as unknown as AslDefinition;
  }

  /** `render()` as JSON text. */
  toJsonString(space?: number): string {
    return JSON.stringify(this.render(), null, space);
  }

  /** The Lambda functions and SNS topics the Task states call (nested included), de-duplicated, in order of appearance. */
  resources(): GraphResources {
    const lambdas = new Set<string>();
    const topics = new Set<string>();
    for (const s of this.allStates()) {
      if (s.type !== "Task") continue;
      const task = s as Task;
      const fn = task.lambdaFunction();
      if (fn !== undefined) lambdas.add(fn);
      const topic = task.snsTopic();
      if (topic !== undefined) topics.add(topic);
    }
    return { lambdas: [...lambdas], topics: [...topics] };
  }

  /** Finds a state by name anywhere in the graph. */
  find(name: string): State | undefined {
    return this.allStates().find((s) => s.name === name);
  }
}
