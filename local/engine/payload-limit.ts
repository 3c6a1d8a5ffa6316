/**
 * Step Functions' payload limit in the local engine. On AWS a state's input after Parameters, a task's result and a
 * state's output may each hold at most 262,144 bytes (UTF-8 JSON); past that the execution fails with
 * `States.DataLimitExceeded`, a terminal error that no Retry and no Catch (not even `States.ALL`) handles — so the
 * run's check never runs and nobody is paged. aws-local-stepfunctions enforces none of it: this module makes the
 * local run fail the same way.
 *
 * Where it measures: every state's input as it enters (the execution's input, each Map item after ItemSelector, a
 * Parallel branch's input), every state's output as it leaves (after ResultSelector / ResultPath / OutputPath — a
 * Map's or a Parallel's gathered results included), and for Task states the input after Parameters and the task's
 * own result. The engine runs each state machine (the top one and every Map iteration or Parallel branch) through
 * `StateMachine.prototype.execute` with its own event logger; the guard wraps that logger's state events, so a
 * payload over the limit fails the state at once, inside the engine, before the next state starts.
 */
import { StateMachine } from "aws-local-stepfunctions";
import { AWS_LIMITS, jsonBytes, type LimitLedger } from "../services/aws-limits";
import type { TaskHandler } from "./invoke";

/** The name under which the guard rides in the engine's run options (they are handed to nested machines). */
export const PAYLOAD_GUARD_OPTION = "csvPipelinePayloadGuard";

/** What the guard enforces and where it records sizes. */
export interface PayloadGuard {
  /** Bytes a payload may hold (AWS: 262,144). */
  maxBytes: number;
  ledger?: LimitLedger;
}

/**
 * `States.DataLimitExceeded`: neither retryable nor catchable (the engine asks `isRetryable` / `isCatchable`), as on
 * AWS, where it ends the execution whatever the state's Retry and Catch say.
 */
export class DataLimitExceededError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(message: string) {
    super(message);
    this.name = "States.DataLimitExceeded";
  }
}

/** Measures one payload: records it, and returns the error when it is over the limit. */
function measure(guard: PayloadGuard, what: string, state: string, value: unknown): DataLimitExceededError | null {
  const bytes = jsonBytes(value);
  guard.ledger?.observe(AWS_LIMITS.statePayload, bytes, state);
  if (bytes <= guard.maxBytes) return null;
  return new DataLimitExceededError(
    `The ${what} of state "${state}" is ${bytes.toLocaleString("en-US")} bytes of JSON (UTF-8), more than the ${guard.maxBytes.toLocaleString("en-US")}-byte payload limit of Step Functions.`,
  );
}

/** The part of the engine's event logger the guard wraps (the package does not export its type). */
interface EngineLogger {
  dispatchStateEnteredEvent(name: string, type: string, input: unknown): void;
  dispatchStateExitedEvent(name: string, type: string, input: unknown, output: unknown): void;
  dispatchStateFailedEvent(name: string, type: string, input: unknown, error: Error): void;
}
interface EngineOptions {
  runOptions?: Record<string, unknown>;
  eventLogger: EngineLogger;
}
type Execute = (this: unknown, input: unknown, options: EngineOptions, cleanup: () => void) => Promise<unknown>;

function guardLogger(logger: EngineLogger, guard: PayloadGuard): void {
  const entered = logger.dispatchStateEnteredEvent.bind(logger);
  const exited = logger.dispatchStateExitedEvent.bind(logger);
  const failed = logger.dispatchStateFailedEvent.bind(logger);
  logger.dispatchStateEnteredEvent = (name, type, input) => {
    entered(name, type, input);
    const error = measure(guard, "input", name, input);
    if (error) {
      failed(name, type, input, error);
      throw error;
    }
  };
  logger.dispatchStateExitedEvent = (name, type, input, output) => {
    const error = measure(guard, "output", name, output);
    if (error) {
      failed(name, type, input, error);
      throw error;
    }
    exited(name, type, input, output);
  };
}

let installed = false;

/**
 * Makes the engine enforce the payload limit for every run started with `{ [PAYLOAD_GUARD_OPTION]: guard }` among
 * its run options (and their Map iterations and Parallel branches, which get the same options). Runs without it
 * behave as before. Idempotent.
 */
export function installPayloadGuard(): void {
  if (installed) return;
  installed = true;
  const proto = StateMachine.prototype as unknown as { execute: Execute };
  const original = proto.execute;
  proto.execute = function (input, options, cleanup) {
    const guard = options.runOptions?.[PAYLOAD_GUARD_OPTION] as PayloadGuard | undefined;
    if (guard !== undefined) guardLogger(options.eventLogger, guard);
    return original.call(this, input, options, cleanup);
  };
}

/** A Task state's handler that measures its input (after Parameters) and its result against the limit. */
export function guardTask(state: string, handler: TaskHandler, guard: PayloadGuard): TaskHandler {
  return async (input) => {
    const tooLarge = measure(guard, "input after Parameters", state, input);
    if (tooLarge) throw tooLarge;
    const result = await handler(input);
    const resultTooLarge = measure(guard, "task result", state, result);
    if (resultTooLarge) throw resultTooLarge;
    return result;
  };
}
