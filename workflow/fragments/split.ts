/**
 * The pipeline's intake: Prepare fixes the run's identity and defaults, SplitCsv claims the upload and cuts it into
 * chunks, and UploadClaimed ends a duplicate execution before anything is processed.
 */
import { FAILURE_FIELD, STATE_NAMES as N, type SplitResult, UNKNOWN_FEED } from "../../functions/contract";
import { LAMBDA_RETRY, LAMBDA_THROTTLE_RETRY } from "../lambda-retry";
import { Choice, Condition } from "../states/choice";
import { Pass } from "../states/pass";
import type { State } from "../states/state";
import { Succeed } from "../states/succeed";
import { Task } from "../states/task";
import { AGGREGATE_FIELD, AGGREGATION_FAILURE_FIELD, PATHS, pick, RUN_FIELDS } from "./layout";

/** Input of {@link splitFragment}. */
export interface SplitFragmentProps {
  functionArn: string;
  timeoutSeconds: number;
  /** Whether the check runs after the aggregation (sequential pattern) and so reads its outcome from the state. */
  checkAfterAggregation: boolean;
}

/** Prepare → SplitCsv → UploadClaimed: starts at Prepare, continues (a claimed upload) with `next()`. */
export interface SplitFragment {
  readonly startState: State;
  /** The task whose failure the pipeline catches. */
  readonly split: Task;
  /** Continues a claimed upload with `target`; a duplicate ends at Duplicate. */
  next(target: State): void;
}

/** Builds the intake. */
export function splitFragment(props: SplitFragmentProps): SplitFragment {
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
        uniquePartitions: 0,
      },
      chunkResults: [],
      [FAILURE_FIELD]: null,
      // The check reads both (sequential pattern): a path that is absent would fail the check's payload, uncatchably.
      // `aggregate` stays null when the aggregation fails: then nothing was composed.
      ...(props.checkAfterAggregation ? { [AGGREGATION_FAILURE_FIELD]: null, [AGGREGATE_FIELD]: null } : {}),
    },
  });

  const split = Task.lambdaInvoke(N.splitCsv, {
    comment:
      "Claim the upload for this execution, then cut the CSV into chunks at row boundaries; returns a small manifest",
    functionArn: props.functionArn,
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
      "uniquePartitions",
      "bytes",
      "etag",
      "versionId",
    ]),
    resultPath: PATHS.split,
    timeoutSeconds: props.timeoutSeconds,
  })
    .addRetry(LAMBDA_RETRY)
    .addRetry(LAMBDA_THROTTLE_RETRY);

  // An event delivered twice starts two executions for one upload: the one that did not claim it ends here, having
  // processed, counted and notified nothing.
  const uploadClaimed = new Choice(N.uploadClaimed, {
    comment: "Did another execution already claim this upload?",
  }).when(
    Condition.stringEquals(`${PATHS.split}.status`, "DUPLICATE"),
    new Succeed(N.duplicate, { comment: "Another execution processes this upload" }),
  );

  prepare.next(split).next(uploadClaimed);
  return {
    startState: prepare,
    split,
    next: (target) => {
      uploadClaimed.otherwise(target);
    },
  };
}
