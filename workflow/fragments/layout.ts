/**
 * Where each piece of the pipeline's state lives, shared by its fragments: the JSONPaths, the run's identity fields
 * and the typed templates that keep a payload in step with the contract.
 */
import { FAILURE_FIELD } from "../../functions/contract";
import type { JsonObject } from "../types";

/** Where a Catch puts the aggregation's error: apart from `$.failure`, which tells the check what failed before. */
export const AGGREGATION_FAILURE_FIELD = "aggregationFailure";
/** Where the aggregation's result goes in the sequential pattern (AggregateOutput; Prepare's null until it succeeds). */
export const AGGREGATE_FIELD = "aggregate";
/** What the check is told only in the sequential pattern, where the aggregation has ended before it begins. */
export type AfterAggregation = typeof AGGREGATION_FAILURE_FIELD | "composed";

/** Where each piece of state lives. */
export const PATHS = {
  upload: "$.upload",
  split: "$.split",
  chunkResults: "$.chunkResults",
  /** The unique-key partitions to check: `{ partitions: [0…P-1] }`. */
  uniqueWork: "$.uniqueWork",
  /** What each partition's FindDuplicates iteration found: `[{ partition, duplicates, chunks }]`. */
  uniqueness: "$.uniqueness",
  /** Whether any partition found duplicates: `{ distinctCounts, someZero }`. */
  duplicateCount: "$.duplicateCount",
  /** The partitions that found duplicates and each one's chunks with them: `{ partitions: [...], chunks: [...] }`. */
  duplicatePartitions: "$.duplicatePartitions",
  failure: `$.${FAILURE_FIELD}`,
  check: "$.check",
  aggregate: `$.${AGGREGATE_FIELD}`,
  results: "$.results",
  checkFailure: "$.checkFailure",
  aggregationFailure: `$.${AGGREGATION_FAILURE_FIELD}`,
} as const;

/** The run's identity, as Prepare fixed it: every Lambda payload starts with these. */
export const RUN_FIELDS = {
  "executionName.$": "$.executionName",
  "startTime.$": "$.startTime",
  "bucket.$": "$.bucket",
  "key.$": "$.key",
} as const;

/** Keys of T mapped to JSONPath strings: keeps templates in step with the contract (a renamed field fails to compile). */
export type Template<T> = { [K in keyof T as `${K & string}.$`]-?: string };

/** Picks fields of `$.Payload` (a Lambda result) by name. */
export function pick<T>(fields: readonly (keyof T & string)[]): JsonObject {
  return Object.fromEntries(fields.map((f) => [`${f}.$`, `$.Payload.${f}`]));
}
