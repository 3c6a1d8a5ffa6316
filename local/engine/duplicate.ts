/**
 * The `duplicate-event` fault: EventBridge delivers at least once, so one upload can start two executions. A local
 * run with the fault starts a second execution of the same definition for the same upload, once the first has
 * ended, and reports how it ended.
 */
import { STATE_NAMES } from "../../workflow/pipeline";
import type { Json, TaskHandler } from "./invoke";
import type { LoadedPipeline } from "./pipeline-source";
import { startPipelineExecution } from "./run-execution";

/** A second execution for the same upload, as the run document lists it (`duplicateExecutions`). */
export interface DuplicateExecution {
  executionName: string;
  status: "SUCCEEDED" | "FAILED";
  /** `duplicate`: it found the upload claimed and ended in the Duplicate state; `processed`: it went on. */
  outcome: "duplicate" | "processed";
}

/** What a second delivery runs with: the first execution's definition, handlers and input. */
export interface DuplicateDelivery {
  pipeline: LoadedPipeline;
  handlers: Record<string, TaskHandler>;
  input: Json;
  executionName: string;
  startTime: string;
}

/**
 * Runs the same input through the definition again under another execution name and reports how it ended.
 * @example await deliverAgain({ pipeline, handlers: tasks.handlers, input, executionName, startTime })
 */
export async function deliverAgain(delivery: DuplicateDelivery): Promise<DuplicateExecution> {
  const { executionName } = delivery;
  const execution = startPipelineExecution(delivery);
  const outcome = await execution.done;
  const last = outcome.timeline.at(-1)?.state;
  return {
    executionName,
    status: outcome.status,
    outcome: outcome.status === "SUCCEEDED" && last === STATE_NAMES.duplicate ? "duplicate" : "processed",
  };
}
