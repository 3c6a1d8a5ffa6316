export { WorkflowValidationError } from "./errors";

import { WorkflowValidationError } from "./errors";
import type { StateNode } from "./node";
import { Scope, type ScopeOptions } from "./scope";
import type { Task } from "./states/task";
import type { AslDefinition, JsonValue, StateJson } from "./types";

/** Options of a state graph. */
export type StateGraphOptions = ScopeOptions;

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
 * The state machine: the top scope, found from a start state by following Next/Catch/Choice references (plus any
 * states added explicitly), which validates everything nested in it before it renders.
 * @example new StateGraph(Chain.start(a).next(b), { comment: "…" }).render()
 */
export class StateGraph extends Scope {
  /** Every problem of this graph and its nested graphs, each naming the state and the fix. Empty when valid. */
  validate(): string[] {
    const problems = this.validateScope();
    // Names must be unique across the whole state machine, nested scopes included.
    const byName = new Map<string, Set<StateNode>>();
    const places = new Map<StateNode, number>();
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
  find(name: string): StateNode | undefined {
    return this.allStates().find((s) => s.name === name);
  }
}
