/**
 * AggregateResults and how it meets the check: before it (sequential pattern) or beside it in a Parallel (parallel
 * pattern). It runs in both patterns, and also after a failed split or Map: it composes what the chunks that ran
 * wrote (rejected rows, errors) and writes the manifest naming what is missing.
 */
import { type AggregateInput, type AggregateOutput, STATE_NAMES as N } from "../../functions/contract";
import { LAMBDA_RETRY, LAMBDA_THROTTLE_RETRY } from "../lambda-retry";
import { Parallel } from "../states/parallel";
import { Pass } from "../states/pass";
import type { State } from "../states/state";
import { Task } from "../states/task";
import { PATHS, pick, RUN_FIELDS, type Template } from "./layout";

/** Input of {@link aggregateTask}. */
export interface AggregateTaskProps {
  functionArn: string;
  timeoutSeconds: number;
  /** Sequential pattern: the result is kept at `$.aggregate`, where the check reads it. */
  beforeCheck: boolean;
}

/** Builds AggregateResults. */
export function aggregateTask(props: AggregateTaskProps): Task {
  const aggregateFields: (keyof AggregateOutput & string)[] = [
    "rows",
    "valid",
    "invalid",
    "byType",
    "bySeverity",
    "chunks",
    "failedChunks",
    "resultKey",
  ];
  const aggregateInput: Template<AggregateInput> = {
    ...RUN_FIELDS,
    "key.$": "$.split.key",
    "header.$": "$.split.header",
    "headerRange.$": "$.split.headerRange",
    "splitStatus.$": "$.split.status",
    "chunkCount.$": "$.split.chunkCount",
    "chunkResults.$": PATHS.chunkResults,
  };
  return Task.lambdaInvoke(N.aggregateResults, {
    comment:
      "Sum the chunk counts, compose the run's rejected rows.csv and errors.csv from the chunks' parts, write the manifest",
    functionArn: props.functionArn,
    payload: aggregateInput,
    resultSelector: pick<AggregateOutput>(aggregateFields),
    resultPath: props.beforeCheck ? PATHS.aggregate : undefined,
    timeoutSeconds: props.timeoutSeconds,
  })
    .addRetry(LAMBDA_RETRY)
    .addRetry(LAMBDA_THROTTLE_RETRY);
}

/** The results step: where a failed split or Map continues (`startState`) and the state that continues (`end`). */
export interface ResultsFragment {
  readonly startState: State;
  /** The state whose failure pages on-call and which leads to RunOutcome. */
  readonly end: Task | Parallel;
}

/**
 * Sequential pattern: the check runs after the aggregation, so the rejected folder its notice links to is there. A
 * failed aggregation is caught into its own field, which the check is given: `$.failure` keeps telling it what
 * failed before. The check then says the rejected files could not be written and fails the run (RunOutcome).
 */
export function aggregationThenCheck(aggregate: Task, check: Task): ResultsFragment {
  aggregate.addCatch(check, { resultPath: PATHS.aggregationFailure });
  aggregate.next(check);
  return { startState: aggregate, end: check };
}

/**
 * Parallel pattern: ResultProcessing runs the aggregation beside the check. A failed aggregation is recorded as its
 * branch's result (AggregationFailed), which RunOutcome reads; the check in the other branch still runs.
 */
export function aggregationBesideCheck(aggregate: Task, check: Task): ResultsFragment {
  check.end();
  const aggregationFailed = new Pass(N.aggregationFailed, {
    comment: "Record the aggregation failure; the check in the other branch still runs",
    parameters: { failed: true, "error.$": PATHS.aggregationFailure },
  }).end();
  aggregate.addCatch(aggregationFailed, { resultPath: PATHS.aggregationFailure }).end();
  const resultProcessing = new Parallel(N.resultProcessing, {
    comment: "Aggregate results beside the error check",
    resultSelector: { "aggregate.$": "$[0]", "check.$": "$[1]" },
    resultPath: PATHS.results,
  })
    .branch(aggregate)
    .branch(check);
  return { startState: resultProcessing, end: resultProcessing };
}
