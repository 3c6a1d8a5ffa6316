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
 *   256 chunks in `$.chunkResults` (ApplyDuplicates replaces them, same size);
 * - uniqueness (unique keys only): ≤ 256 partition numbers (≈ 1 KB), one `{ partition, duplicates, chunks }` per
 *   partition (`chunks` a chunk set of ≤ 64 hex digits: ≤ 256 × ≈ 110 bytes ≈ 28 KB), two counts, and the partitions
 *   that found duplicates with their chunk sets (≤ 18 KB; each ApplyDuplicates child is handed them too);
 * - AggregateResults is handed the chunk results and the header already in state (its payload ≤ 70 KB, below the
 *   256 KiB an invocation's payload may hold) and returns counts and the manifest key (≤ 1 KB; the row outcomes go to
 *   S3, never into state), which the sequential check is handed too; the check returns a bounded summary (≤ 4 KB;
 *   never error items);
 * - failures carry one `{ Error, Cause }` each (the run's, the aggregation's, the check's).
 * Worst case < 160 KB of state — below 256 KiB, whatever the number of rows or errors.
 */
import { STATE_NAMES } from "../functions/contract";
import { WorkflowValidationError } from "./errors";
import { aggregateTask, aggregationBesideCheck, aggregationThenCheck } from "./fragments/aggregation";
import { checkFailureRoute, checkTask } from "./fragments/check";
import { chunksMap } from "./fragments/chunks-map";
import { PATHS } from "./fragments/layout";
import { runOutcome } from "./fragments/outcome";
import { splitFragment } from "./fragments/split";
import { uniquenessFragment } from "./fragments/uniqueness";
import { StateGraph } from "./graph";

/** The two shapes of the pipeline: the check alone after the Map, or beside result aggregation. */
export const PIPELINE_PATTERNS = ["sequential", "parallel"] as const;
export type PipelinePattern = (typeof PIPELINE_PATTERNS)[number];

/** ARNs the definition calls. */
export interface PipelineResources {
  splitCsv: string;
  processChunk: string;
  checkErrors: string;
  aggregateResults: string;
  findDuplicates: string;
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
  /** Timeout of the find-duplicates task, which reads one partition of every chunk's key hashes (default 300 s). */
  findDuplicatesTimeoutSeconds?: number;
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
  findDuplicates: "arn:aws:lambda:ap-northeast-1:123456789012:function:csv-pipeline-find-duplicates",
  alertTopic: "arn:aws:sns:ap-northeast-1:123456789012:csv-pipeline-oncall",
};

/** Defaults of `PipelineOptions`. */
export const DEFAULT_PIPELINE_OPTIONS: Required<PipelineOptions> = {
  mapConcurrency: 100,
  toleratedFailurePercentage: 0,
  taskTimeoutSeconds: 900,
  aggregateTimeoutSeconds: 300,
  checkTimeoutSeconds: 300,
  findDuplicatesTimeoutSeconds: 300,
};

export { LAMBDA_RETRY, LAMBDA_THROTTLE_RETRY, UNPROCESSED_ITEMS_RETRY } from "./lambda-retry";

/**
 * Builds the pipeline's state graph from its fragments: the intake (Prepare → SplitCsv → UploadClaimed), the Map of
 * chunks, uniqueness across the file (when the schema has unique keys), the results (aggregation and check, one after the other or side by side) and RunOutcome. A failed split or
 * Map continues with the results, so the check reports it; a failed check pages on-call.
 * Render it with `.render()`; list what it calls with `.resources()`.
 * @example buildPipeline({ pattern: "parallel", resources: PLACEHOLDER_RESOURCES }).render()
 */
export function buildPipeline(props: PipelineProps): StateGraph {
  const { pattern, resources } = props;
  checkProps(props);
  const o = { ...DEFAULT_PIPELINE_OPTIONS, ...stripUndefined(props.options ?? {}) };
  const sequential = pattern === "sequential";

  const intake = splitFragment({
    functionArn: resources.splitCsv,
    timeoutSeconds: o.taskTimeoutSeconds,
    checkAfterAggregation: sequential,
  });
  const chunks = chunksMap({
    functionArn: resources.processChunk,
    timeoutSeconds: o.taskTimeoutSeconds,
    maxConcurrency: o.mapConcurrency,
    toleratedFailurePercentage: o.toleratedFailurePercentage,
  });
  const uniqueness = uniquenessFragment({
    findDuplicatesArn: resources.findDuplicates,
    processChunkArn: resources.processChunk,
    findTimeoutSeconds: o.findDuplicatesTimeoutSeconds,
    chunkTimeoutSeconds: o.taskTimeoutSeconds,
    maxConcurrency: o.mapConcurrency,
    toleratedFailurePercentage: o.toleratedFailurePercentage,
  });
  const aggregate = aggregateTask({
    functionArn: resources.aggregateResults,
    timeoutSeconds: o.aggregateTimeoutSeconds,
    beforeCheck: sequential,
  });
  const check = checkTask({
    functionArn: resources.checkErrors,
    timeoutSeconds: o.checkTimeoutSeconds,
    afterAggregation: sequential,
  });
  const results = sequential ? aggregationThenCheck(aggregate, check) : aggregationBesideCheck(aggregate, check);

  intake.next(chunks);
  intake.split.addCatch(results.startState, { resultPath: PATHS.failure });
  chunks.addCatch(results.startState, { resultPath: PATHS.failure });
  chunks.next(uniqueness.startState);
  // A failed uniqueness Map is a failed run like a failed chunk Map: the check is told, with the Map's name.
  uniqueness.catchInto(results.startState, PATHS.failure);
  uniqueness.next(results.startState);
  results.end.addCatch(checkFailureRoute(resources.alertTopic), { resultPath: PATHS.checkFailure });
  results.end.next(runOutcome(sequential));

  return new StateGraph(intake.startState, {
    comment: `CSV pipeline (${pattern}): split → Distributed Map of chunks → unique keys across chunks → ${
      sequential ? "aggregation → error check & notify" : "aggregation ‖ error check & notify"
    }; a failed check pages on-call`,
  });
}

/** Throws, naming the pattern or the missing resource and what to give, before anything is built. */
function checkProps({ pattern, resources }: PipelineProps): void {
  if (!PIPELINE_PATTERNS.includes(pattern))
    throw new WorkflowValidationError([
      `Unknown pipeline pattern "${String(pattern)}"; use "sequential" or "parallel"`,
    ]);
  for (const key of Object.keys(PLACEHOLDER_RESOURCES) as (keyof PipelineResources)[])
    if (typeof resources?.[key] !== "string" || resources[key].length === 0)
      throw new WorkflowValidationError([
        `Pipeline resource "${key}" is missing; give its ARN (e.g. ${PLACEHOLDER_RESOURCES[key]})`,
      ]);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
