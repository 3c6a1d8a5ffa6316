/** Typed Amazon States Language builders: states, chains, graphs, validation. */
export { Chain } from "./chain";
export { type GraphResources, StateGraph, type StateGraphOptions, WorkflowValidationError } from "./graph";
export { checkIntrinsic, checkPath, checkPayloadTemplate } from "./jsonpath";
export {
  type Chainable,
  type ContinuableNode,
  isContinuable,
  type ScopeNode,
  type StateNode,
  type StateType,
  type Target,
  type Transition,
  targetName,
} from "./node";
export { Scope, type ScopeOptions } from "./scope";
export { Choice, Condition } from "./states/choice";
export { Fail } from "./states/fail";
export { MapState } from "./states/map";
export { Parallel } from "./states/parallel";
export { Pass } from "./states/pass";
export { type CatchProps, RetryableState, type RetryProps } from "./states/retryable";
export { NextableState, State } from "./states/state";
export { Succeed } from "./states/succeed";
export { LAMBDA_INVOKE, SNS_PUBLISH, Task } from "./states/task";
export { Wait } from "./states/wait";
export * from "./types";
