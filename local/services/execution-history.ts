/**
 * GetExecutionHistory's events for a local execution, read from the states it entered (./executions): the shapes
 * of Step Functions' `HistoryEvent` (`timestamp`, `type`, `id`, `previousEventId` and one `…EventDetails`), so the
 * SDK and `aws stepfunctions get-execution-history` read them as they read AWS's. The states of a Distributed Map's
 * iterations run in child executions on AWS and are not in the parent's history; here neither.
 */
import type { LocalExecutionRecord, LocalStateStep } from "./executions";

/** One history event as the API returns it (timestamps in epoch seconds, as awsJson sends them). */
export interface HistoryEvent {
  timestamp: number;
  type: string;
  id: number;
  previousEventId: number;
  [details: string]: unknown;
}

/** A step's entered/exited event type: `TaskStateEntered`, `MapStateExited`, … (Type as the definition names it). */
function stateEventType(step: LocalStateStep, edge: "Entered" | "Exited"): string {
  return `${step.type}State${edge}`;
}

/**
 * Every event of the execution so far, oldest first: ExecutionStarted, each top-level state's Entered (and its
 * Exited once it succeeded or a Catch took its failure over), and the execution's end event once it ended.
 */
export function executionHistory(record: LocalExecutionRecord): HistoryEvent[] {
  const started = Date.parse(record.startDate);
  const origin = record.originMs ?? started;
  const raw: { at: number; type: string; details: Record<string, unknown> }[] = [
    {
      at: started,
      type: "ExecutionStarted",
      details: { executionStartedEventDetails: { input: record.input, inputDetails: { truncated: false } } },
    },
  ];
  for (const step of record.steps ?? []) {
    if (step.index !== undefined) continue;
    raw.push({
      at: origin + step.startMs,
      type: stateEventType(step, "Entered"),
      details: { stateEnteredEventDetails: { name: step.state } },
    });
    if (step.endMs !== undefined && (step.outcome === "succeeded" || step.outcome === "caught")) {
      raw.push({
        at: origin + step.endMs,
        type: stateEventType(step, "Exited"),
        details: { stateExitedEventDetails: { name: step.state } },
      });
    }
  }
  const stopped = record.stopDate === undefined ? undefined : Date.parse(record.stopDate);
  if (stopped !== undefined) {
    const failure = {
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.cause !== undefined ? { cause: record.cause } : {}),
    };
    if (record.status === "SUCCEEDED")
      raw.push({
        at: stopped,
        type: "ExecutionSucceeded",
        details: { executionSucceededEventDetails: { output: record.output ?? "null" } },
      });
    else if (record.status === "FAILED")
      raw.push({ at: stopped, type: "ExecutionFailed", details: { executionFailedEventDetails: failure } });
    else if (record.status === "ABORTED")
      raw.push({ at: stopped, type: "ExecutionAborted", details: { executionAbortedEventDetails: failure } });
    else if (record.status === "TIMED_OUT")
      raw.push({ at: stopped, type: "ExecutionTimedOut", details: { executionTimedOutEventDetails: failure } });
  }
  // Entered/exited times interleave across steps: events are numbered in time order, as Step Functions numbers them.
  const ordered = raw.map((e, i) => ({ ...e, i })).sort((a, b) => a.at - b.at || a.i - b.i);
  return ordered.map((e, i) => ({
    timestamp: e.at / 1000,
    type: e.type,
    id: i + 1,
    previousEventId: i,
    ...e.details,
  }));
}
