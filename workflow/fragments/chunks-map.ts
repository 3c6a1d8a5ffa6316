/**
 * The Distributed Map over the split's chunks: one child execution per chunk, each running ProcessChunk, each
 * returning counts only.
 */
import { type ChunkResult, STATE_NAMES as N, type ProcessChunkInput } from "../../functions/contract";
import { LAMBDA_RETRY, LAMBDA_THROTTLE_RETRY, UNPROCESSED_ITEMS_RETRY } from "../lambda-retry";
import { MapState } from "../states/map";
import { Task } from "../states/task";
import { PATHS, pick, RUN_FIELDS, type Template } from "./layout";

/** Input of {@link chunksMap}. */
export interface ChunksMapProps {
  functionArn: string;
  timeoutSeconds: number;
  /** Children at once. */
  maxConcurrency: number;
  /** Share of failed chunks the Map tolerates, 0..100. */
  toleratedFailurePercentage: number;
}

/**
 * What each chunk's child receives (both passes). P rides along: the first pass writes the chunk's key file when
 * it is above 0.
 */
export function chunkItemSelector(): Template<Omit<ProcessChunkInput, "duplicatePartitions" | "duplicateChunks">> {
  return {
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
    "uniquePartitions.$": "$.split.uniquePartitions",
    // Inside a Distributed Map child, $$.Execution.Name is the child's: the parent's name comes from $.executionName.
    "chunk.$": "$$.Map.Item.Value",
  };
}

/** A chunk's counts, all that its child returns. */
export function chunkResultSelector() {
  return pick<ChunkResult>(["chunkId", "rows", "valid", "invalid", "byType", "bySeverity"]);
}

/** Builds ProcessChunks; its results land in `$.chunkResults`. */
export function chunksMap(props: ChunksMapProps): MapState {
  const itemSelector = chunkItemSelector();
  const processChunk = Task.lambdaInvoke(N.processChunk, {
    comment: "Parse and validate one chunk, write its error records, return counts only",
    functionArn: props.functionArn,
    payloadPath: "$",
    resultSelector: chunkResultSelector(),
    timeoutSeconds: props.timeoutSeconds,
  })
    .addRetry(LAMBDA_RETRY)
    .addRetry(UNPROCESSED_ITEMS_RETRY)
    .addRetry(LAMBDA_THROTTLE_RETRY)
    .end();

  return new MapState(N.processChunks, {
    comment: "One child execution per chunk",
    mode: "DISTRIBUTED",
    executionType: "STANDARD",
    label: "Chunks",
    itemsPath: "$.split.chunks",
    itemSelector,
    maxConcurrency: props.maxConcurrency,
    toleratedFailurePercentage: props.toleratedFailurePercentage,
    resultPath: PATHS.chunkResults,
  }).itemProcessor(processChunk);
}
