/**
 * The CSV pipeline's state machine, in both patterns.
 *
 * Payload budget (Step Functions keeps at most 256 KiB = 262,144 bytes of state):
 * - SplitCsv returns at most MAX_CHUNKS (256) chunk refs of ≈ 90 bytes each (≈ 23 KB), the header's names when they
 *   fit HEADER_INLINE_MAX_BYTES (16 KiB; a longer header stays in the object, passed as its byte range), counts and
 *   the object version it read (ETag, version id);
 * - Prepare keeps the execution's input as `$.upload` (bucket, key and, from the S3 event, ETag / version id /
 *   sequencer: well under 4 KB);
 * - each Distributed Map child returns counts only (≈ 250 bytes; ResultSelector drops anything else): ≤ 64 KB for
 *   256 chunks in `$.chunkResults`;
 * - AggregateResults is handed the chunk results and the header already in state (its payload ≤ 70 KB, below the
 *   256 KiB an invocation's payload may hold) and returns counts and the manifest key (≤ 1 KB; the row outcomes go to
 *   S3, never into state), which the sequential check is handed too; the check returns a bounded summary (≤ 4 KB;
 *   never error items);
 * - failures carry one `{ Error, Cause }` each (the run's, the aggregation's, the check's).
 * Worst case < 100 KB of state — far below 256 KiB, whatever the number of rows or errors.
 */
import {
  type AggregateInput,
  type AggregateOutput,
  type CheckInput,
  type CheckOutput,
  type ChunkResult,
  FAILURE_FIELD,
  type ProcessChunkInput,
  type SplitResult,
  STATE_NAMES,
  UNKNOWN_FEED,
} from "../functions/contract";
import { Chain } from "./chain";
import { checkFailurePage } from "./check-failure-page";
import { WorkflowValidationError } from "./errors";
import { StateGraph } from "./graph";
import { LAMBDA_RETRY, LAMBDA_THROTTLE_RETRY, UNPROCESSED_ITEMS_RETRY } from "./lambda-retry";
import { Choice, Condition } from "./states/choice";
import { Fail } from "./states/fail";
import { MapState } from "./states/map";
import { Parallel } from "./states/parallel";
import { Pass } from "./states/pass";
import { Succeed } from "./states/succeed";
import { Task } from "./states/task";
import type { JsonObject } from "./types";

/** The two shapes of the pipeline: the check alone after the Map, or beside result aggregation. */
export const PIPELINE_PATTERNS = ["sequential", "parallel"] as const;
export type PipelinePattern = (typeof PIPELINE_PATTERNS)[number];

/** ARNs the definition calls. */
export interface PipelineResources {
  splitCsv: string;
  processChunk: string;
  checkErrors: string;
  aggregateResults: string;
  alertTopic: string;
}

/** Tunables of the definition. */
export interface PipelineOptions {
  /** Distributed Map children at once (default 100). */
  mapConcurrency?: number;
  /** Share of failed chunks the Map tolerates, 0..100 (default 0: any failed chunk fails the Map → the check is told). */
  toleratedFailurePercentage?: number;
  /** Timeout of the split and chunk tasks (default 900 s). */
  taskTimeoutSeconds?: number;
  /** Timeout of the aggregation task, which composes the run's rejected files and manifest (default 300 s). */
  aggregateTimeoutSeconds?: number;
  /** Timeout of the check task (default 300 s). */
  checkTimeoutSeconds?: number;
}

/** Input of `buildPipeline`. */
export interface PipelineProps {
  pattern: PipelinePattern;
  resources: PipelineResources;
  options?: PipelineOptions;
}

/** State names, shared with the handlers, the local runner and the tests; they live with the contract. */
export { STATE_NAMES };

/** Well-formed but fake ARNs (ap-northeast-1, account 123456789012) for synthesis, diagrams and local runs. */
export const PLACEHOLDER_RESOURCES: PipelineResources = {
  splitCsv: "arn:aws:lambda:ap-northeast-1:123456789012:function:csv-pipeline-split-csv",
  processChunk: "arn:aws:lambda:ap-northeast-1:123456789012:function:csv-pipeline-process-chunk",
  checkErrors: "arn:aws:lambda:ap-northeast-1:123456789012:function:csv-pipeline-check-errors-and-notify",
  aggregateResults: "arn:aws:lambda:ap-northeast-1:123456789012:function:csv-pipeline-aggregate-results",
  alertTopic: "arn:aws:sns:ap-northeast-1:123456789012:csv-pipeline-oncall",
};

/** Defaults of `PipelineOptions`. */
export const DEFAULT_PIPELINE_OPTIONS: Required<PipelineOptions> = {
  mapConcurrency: 100,
  toleratedFailurePercentage: 0,
  taskTimeoutSeconds: 900,
  aggregateTimeoutSeconds: 300,
  checkTimeoutSeconds: 300,
};

export { LAMBDA_RETRY, LAMBDA_THROTTLE_RETRY, UNPROCESSED_ITEMS_RETRY } from "./lambda-retry";

/** Where a Catch puts the aggregation's error: apart from `$.failure`, which tells the check what failed before. */
const AGGREGATION_FAILURE_FIELD = "aggregationFailure";
/** Where the aggregation's result goes in the sequential pattern (AggregateOutput; Prepare's null until it succeeds). */
const AGGREGATE_FIELD = "aggregate";
/** What the check is told only in the sequential pattern, where the aggregation has ended before it begins. */
type AfterAggregation = typeof AGGREGATION_FAILURE_FIELD | "composed";

/** Where each piece of state lives. */
const PATHS = {
  upload: "$.upload",
  split: "$.split",
  chunkResults: "$.chunkResults",
  failure: `$.${FAILURE_FIELD}`,
  check: "$.check",
  aggregate: `$.${AGGREGATE_FIELD}`,
  results: "$.results",
  checkFailure: "$.checkFailure",
  aggregationFailure: `$.${AGGREGATION_FAILURE_FIELD}`,
} as const;

/** Keys of T mapped to JSONPath strings: keeps templates in step with the contract (a renamed field fails to compile). */
type Template<T> = { [K in keyof T as `${K & string}.$`]-?: string };
/** Picks fields of `$.Payload` (a Lambda result) by name. */
function pick<T>(fields: readonly (keyof T & string)[]): JsonObject {
  return Object.fromEntries(fields.map((f) => [`${f}.$`, `$.Payload.${f}`]));
}

const RUN_FIELDS = {
  "executionName.$": "$.executionName",
  "startTime.$": "$.startTime",
  "bucket.$": "$.bucket",
  "key.$": "$.key",
} as const;

/**
 * Builds the pipeline's state graph. Render it with `.render()`; list what it calls with `.resources()`.
 * @example buildPipeline({ pattern: "parallel", resources: PLACEHOLDER_RESOURCES }).render()
 */
export function buildPipeline(props: PipelineProps): StateGraph {
  const { pattern, resources } = props;
  if (!PIPELINE_PATTERNS.includes(pattern))
    throw new WorkflowValidationError([
      `Unknown pipeline pattern "${String(pattern)}"; use "sequential" or "parallel"`,
    ]);
  for (const key of Object.keys(PLACEHOLDER_RESOURCES) as (keyof PipelineResources)[])
    if (typeof resources?.[key] !== "string" || resources[key].length === 0)
      throw new WorkflowValidationError([
        `Pipeline resource "${key}" is missing; give its ARN (e.g. ${PLACEHOLDER_RESOURCES[key]})`,
      ]);
  const o = { ...DEFAULT_PIPELINE_OPTIONS, ...stripUndefined(props.options ?? {}) };
  const N = STATE_NAMES;

  const prepare = new Pass(N.prepare, {
    comment: "Fix the run's identity and defaults, so every later path resolves whatever fails",
    parameters: {
      "executionName.$": "$$.Execution.Name",
      "startTime.$": "$$.Execution.StartTime",
      "bucket.$": "$.bucket",
      "key.$": "$.key",
      // The input as the rule sent it: the upload's ETag, version id and sequencer, when the event carried them.
      "upload.$": "$",
      // `feed` stays unknown when the split does not return: the check finds it from the key, the page cannot.
      split: {
        status: "NOT_RUN",
        "key.$": "$.key",
        feed: UNKNOWN_FEED,
        chunkCount: 0,
        encoding: "utf-8",
        header: [],
        headerRange: null,
        chunks: [],
      },
      chunkResults: [],
      [FAILURE_FIELD]: null,
      // The check reads both (sequential pattern): a path that is absent would fail the check's payload, uncatchably.
      // `aggregate` stays null when the aggregation fails: then nothing was composed.
      ...(pattern === "sequential" ? { [AGGREGATION_FAILURE_FIELD]: null, [AGGREGATE_FIELD]: null } : {}),
    },
  });

  const split = Task.lambdaInvoke(N.splitCsv, {
    comment:
      "Claim the upload for this execution, then cut the CSV into chunks at row boundaries; returns a small manifest",
    functionArn: resources.splitCsv,
    payload: { ...RUN_FIELDS, "upload.$": PATHS.upload },
    resultSelector: pick<SplitResult>([
      "status",
      "key",
      "feed",
      "chunkCount",
      "encoding",
      "header",
      "headerRange",
      "chunks",
      "bytes",
      "etag",
      "versionId",
    ]),
    resultPath: PATHS.split,
    timeoutSeconds: o.taskTimeoutSeconds,
  })
    .addRetry(LAMBDA_RETRY)
    .addRetry(LAMBDA_THROTTLE_RETRY);

  const itemSelector: Template<Omit<ProcessChunkInput, "uniquePartitions" | "duplicatePartitions">> = {
    ...RUN_FIELDS,
    // The key split-csv found: an S3 event may carry it URL-encoded.
    "key.$": "$.split.key",
    "encoding.$": "$.split.encoding",
    "header.$": "$.split.header",
    // A header too large for the state stays in the object: the chunk reads it there.
    "headerRange.$": "$.split.headerRange",
    // Every chunk reads the object version split read: a replaced object fails the read instead of mixing versions.
    "etag.$": "$.split.etag",
    "versionId.$": "$.split.versionId",
    // Inside a Distributed Map child, $$.Execution.Name is the child's: the parent's name comes from $.executionName.
    "chunk.$": "$$.Map.Item.Value",
  };
  const processChunk = Task.lambdaInvoke(N.processChunk, {
    comment: "Parse and validate one chunk, write its error records, return counts only",
    functionArn: resources.processChunk,
    payloadPath: "$",
    resultSelector: pick<ChunkResult>(["chunkId", "rows", "valid", "invalid", "byType", "bySeverity"]),
    timeoutSeconds: o.taskTimeoutSeconds,
  })
    .addRetry(LAMBDA_RETRY)
    .addRetry(UNPROCESSED_ITEMS_RETRY)
    .addRetry(LAMBDA_THROTTLE_RETRY)
    .end();

  const processChunks = new MapState(N.processChunks, {
    comment: "One child execution per chunk",
    mode: "DISTRIBUTED",
    executionType: "STANDARD",
    label: "Chunks",
    itemsPath: "$.split.chunks",
    itemSelector,
    maxConcurrency: o.mapConcurrency,
    toleratedFailurePercentage: o.toleratedFailurePercentage,
    resultPath: PATHS.chunkResults,
  }).itemProcessor(processChunk);

  const checkInput: Template<Omit<CheckInput, AfterAggregation>> &
    Partial<Template<Pick<CheckInput, AfterAggregation>>> = {
    ...RUN_FIELDS,
    "key.$": "$.split.key",
    "chunkCount.$": "$.split.chunkCount",
    "splitStatus.$": "$.split.status",
    "failure.$": PATHS.failure,
    // Sequential: the check runs after the aggregation and is told whether it failed (Prepare's null when it did
    // not) and what it composed (Prepare's null when it failed): a failed Map is caught at once, while other chunks
    // may still run, so chunks the check counts can have finished after rows.csv and errors.csv were written.
    // Parallel: the check runs beside the aggregation, whose outcome is not known when the check begins: it cannot
    // tell a failed aggregation, nor chunks that finished after the composition.
    ...(pattern === "sequential"
      ? { "aggregationFailure.$": PATHS.aggregationFailure, "composed.$": PATHS.aggregate }
      : {}),
  };
  const checkOutputFields: (keyof CheckOutput & string)[] = [
    "hasErrors",
    "errorCount",
    "criticalCount",
    "byType",
    "bySeverity",
    "rows",
    "runFailed",
    "notifications",
  ];
  const check = Task.lambdaInvoke(N.checkErrors, {
    comment: "Count this run's errors exactly, notify, emit metrics; returns a bounded summary",
    functionArn: resources.checkErrors,
    payload: checkInput,
    resultSelector: pick<CheckOutput>(checkOutputFields),
    resultPath: pattern === "sequential" ? PATHS.check : undefined,
    timeoutSeconds: o.checkTimeoutSeconds,
  })
    .addRetry(LAMBDA_RETRY)
    .addRetry(LAMBDA_THROTTLE_RETRY);

  const checkFailed = new Fail(N.checkFailed, {
    error: "CheckFailed",
    cause: "The error check failed after its retries; on-call was alerted through the alert topic",
  });
  // The page names the check (in the parallel pattern too, where ResultProcessing fails because its branch did).
  const checkFailureCause = checkFailurePage({
    topicArn: resources.alertTopic,
    failedStep: N.checkErrors,
    end: checkFailed,
  });

  // AggregateResults runs in both patterns, and also after a failed split or Map: it composes what the chunks that
  // ran wrote (rejected rows, errors) and writes the manifest naming what is missing.
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
  const aggregate = Task.lambdaInvoke(N.aggregateResults, {
    comment:
      "Sum the chunk counts, compose the run's rejected rows.csv and errors.csv from the chunks' parts, write the manifest",
    functionArn: resources.aggregateResults,
    payload: aggregateInput,
    resultSelector: pick<AggregateOutput>(aggregateFields),
    resultPath: pattern === "sequential" ? PATHS.aggregate : undefined,
    timeoutSeconds: o.aggregateTimeoutSeconds,
  })
    .addRetry(LAMBDA_RETRY)
    .addRetry(LAMBDA_THROTTLE_RETRY);

  // The state a failed split or Map continues with: the one that leads to the check.
  let afterMap: Task | Parallel;
  let checkStep: Task | Parallel;
  if (pattern === "sequential") {
    // The check runs after the aggregation, so the rejected folder its notice links to is there. A failed
    // aggregation is caught into its own field, which the check is given: `$.failure` keeps telling it what failed
    // before. The check then says the rejected files could not be written and fails the run (RunOutcome).
    aggregate.addCatch(check, { resultPath: PATHS.aggregationFailure });
    Chain.start(aggregate).next(check);
    afterMap = aggregate;
    checkStep = check;
  } else {
    check.end();
    const aggregationFailed = new Pass(N.aggregationFailed, {
      comment: "Record the aggregation failure; the check in the other branch still runs",
      parameters: { failed: true, "error.$": PATHS.aggregationFailure },
    }).end();
    aggregate.addCatch(aggregationFailed, { resultPath: PATHS.aggregationFailure }).end();
    checkStep = new Parallel(N.resultProcessing, {
      comment: "Aggregate results beside the error check",
      resultSelector: { "aggregate.$": "$[0]", "check.$": "$[1]" },
      resultPath: PATHS.results,
    })
      .branch(aggregate)
      .branch(check);
    afterMap = checkStep;
  }
  checkStep.addCatch(checkFailureCause, { resultPath: PATHS.checkFailure });

  // Row errors are data: the run succeeds. A rejected file, a failed step (the aggregation too: its rejected files
  // and manifest are missing) or missing chunks fail the execution (after the check has reported them), so its status
  // and the ExecutionsFailed alarm tell the truth.
  const runFailedPath = pattern === "sequential" ? `${PATHS.check}.runFailed` : `${PATHS.results}.check.runFailed`;
  const outcome = new Choice(N.runOutcome, { comment: "Fail the execution when the run failed" });
  if (pattern === "parallel") {
    // The check ran beside the aggregation and could not report its failure (the sequential check does, and fails
    // the run through runFailed): the branch's AggregationFailed result fails the run here, first, since this Cause
    // is the only place that says so. A successful aggregation's result has no `failed` field.
    const aggregationFailed = `${PATHS.results}.aggregate.failed`;
    outcome.when(
      Condition.and(Condition.isPresent(aggregationFailed), Condition.booleanEquals(aggregationFailed, true)),
      new Fail(N.rowOutcomesMissing, {
        error: "RunFailed",
        cause:
          "The row outcome files (rows.csv and errors.csv in the rejected folder, the run manifest) could not be written: AggregateResults failed after its retries. The error check ran beside it and did not report this",
      }),
    );
  }
  outcome
    .when(
      Condition.booleanEquals(runFailedPath, true),
      new Fail(N.runFailed, {
        error: "RunFailed",
        cause: "The file was rejected, a step failed or chunks are missing; the error check reported it",
      }),
    )
    .otherwise(new Succeed(N.done));

  // An event delivered twice starts two executions for one upload: the one that did not claim it ends here, having
  // processed, counted and notified nothing.
  const uploadClaimed = new Choice(N.uploadClaimed, { comment: "Did another execution already claim this upload?" })
    .when(
      Condition.stringEquals(`${PATHS.split}.status`, "DUPLICATE"),
      new Succeed(N.duplicate, { comment: "Another execution processes this upload" }),
    )
    .otherwise(processChunks);

  split.addCatch(afterMap, { resultPath: PATHS.failure });
  processChunks.addCatch(afterMap, { resultPath: PATHS.failure });
  Chain.start(prepare).next(split).next(uploadClaimed);
  Chain.start(processChunks).next(afterMap);
  checkStep.next(outcome);

  return new StateGraph(prepare, {
    comment: `CSV pipeline (${pattern}): split → Distributed Map of chunks → ${
      pattern === "sequential" ? "aggregation → error check & notify" : "aggregation ‖ error check & notify"
    }; a failed check pages on-call`,
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
