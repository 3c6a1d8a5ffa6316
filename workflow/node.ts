/**
 * What a state is to a chain and to a graph: its name and type, its outgoing transitions, its nested scopes and its
 * rendering. The state classes (`states/`) implement these shapes; `chain.ts`, `scope.ts` and `graph.ts` see states
 * only through them, so the builders depend on each other one way: graph → states → chain and scope → node → types.
 */
import type { JsonObject, StateJson } from "./types";

/** Type names of the Amazon States Language. */
export type StateType = "Task" | "Pass" | "Choice" | "Wait" | "Succeed" | "Fail" | "Parallel" | "Map";

/** Where a transition goes: a state object, or the name of a state of the same scope. */
export type Target = StateNode | string;

/** One outgoing edge of a state, for validation and diagrams. */
export interface Transition {
  target: Target;
  kind: "next" | "catch" | "choice" | "default";
  /** Human label (the Catch's errors, a Choice rule). */
  label?: string;
}

/** Anything a chain or a graph can start from: a state or a chain. */
export interface Chainable {
  readonly startState: StateNode;
}

/** A state as chains and graphs see it. */
export interface StateNode extends Chainable {
  readonly type: StateType;
  readonly name: string;
  /** Outgoing transitions (Next, Catch, Choice rules, Default). */
  transitions(): Transition[];
  /** Nested scopes (Parallel branches, Map processor). */
  children(): readonly ScopeNode[];
  /** Problems this state can see by itself, each naming the state and the fix. */
  validate(): string[];
  /** The rendered state. */
  toStateJson(): StateJson;
}

/** A state that continues with `next()` (Task, Pass, Wait, Parallel, Map); Choice, Succeed and Fail do not. */
export interface ContinuableNode extends StateNode {
  next(target: Target | Chainable): unknown;
}

/** Whether `state` can be continued with `next()`. */
export function isContinuable(state: StateNode): state is ContinuableNode {
  return typeof (state as Partial<ContinuableNode>).next === "function";
}

/** The states of one scope (a state machine, a Parallel branch, a Map processor) as a nesting state holds them. */
export interface ScopeNode {
  readonly startState: StateNode;
  /** The states of this scope (not nested ones), in discovery order from the start. */
  states(): StateNode[];
  /** Every state of this scope and of nested scopes, depth first. */
  allStates(): StateNode[];
  /** Problems of this scope and its nested scopes (names, references, reachability). */
  validateScope(): string[];
  /** The rendered scope without validation. */
  renderBody(): JsonObject;
}

/** Name of a target, for rendering. */
export function targetName(target: Target): string {
  return typeof target === "string" ? target : target.name;
}
