import { InputError } from "../errors";
import { MAX_UNIQUE_PARTITIONS } from "./key-hash";

/** A chunk's part in uniqueness, from its input. */
export interface ChunkUniqueInput {
  /** P; 0 when the file has no unique key. */
  partitions: number;
  /** Second pass only: the partitions whose finder found later occurrences. */
  duplicatePartitions?: number[];
}

const isPartitionCount = (n: unknown): n is number =>
  Number.isInteger(n) && (n as number) >= 0 && (n as number) <= MAX_UNIQUE_PARTITIONS;

/**
 * Checks process-chunk's `uniquePartitions` (absent = 0) and `duplicatePartitions` (absent in the first pass; in the
 * second, distinct partitions below P). A bad value is an `InputError` naming the field and what it must hold.
 */
export function chunkUniqueInput(input: {
  uniquePartitions?: unknown;
  duplicatePartitions?: unknown;
}): ChunkUniqueInput {
  const { uniquePartitions, duplicatePartitions } = input;
  const partitions = uniquePartitions ?? 0;
  if (!isPartitionCount(partitions)) {
    throw new InputError(
      `process-chunk input has an invalid uniquePartitions ${JSON.stringify(uniquePartitions)}: expected a whole number from 0 to ${MAX_UNIQUE_PARTITIONS} (the split's uniquePartitions).`,
    );
  }
  if (duplicatePartitions === undefined || duplicatePartitions === null) return { partitions };
  const list = duplicatePartitions as unknown[];
  const valid =
    Array.isArray(list) &&
    partitions > 0 &&
    list.every((p) => Number.isInteger(p) && (p as number) >= 0 && (p as number) < partitions) &&
    new Set(list).size === list.length;
  if (!valid) {
    throw new InputError(
      `process-chunk input has an invalid duplicatePartitions ${JSON.stringify(duplicatePartitions).slice(0, 200)}: expected distinct partition numbers from 0 to uniquePartitions - 1 (${partitions} partitions).`,
    );
  }
  return { partitions, duplicatePartitions: list as number[] };
}

/**
 * Checks find-duplicates' input: an execution name and bucket, P from 1 to 256, a partition below P and a whole
 * chunk count from 1 on. A bad value is an `InputError` naming every bad field.
 */
export function findDuplicatesInput(event: unknown): {
  executionName: string;
  bucket: string;
  partition: number;
  partitions: number;
  chunkCount: number;
} {
  const e = (event ?? {}) as Record<string, unknown>;
  const bad: string[] = [];
  const text = (f: string) => {
    if (typeof e[f] !== "string" || e[f] === "") bad.push(`${f} (expected text)`);
  };
  text("executionName");
  text("bucket");
  const partitions = e.partitions;
  if (!isPartitionCount(partitions) || partitions < 1) bad.push(`partitions (expected 1 to ${MAX_UNIQUE_PARTITIONS})`);
  const partition = e.partition;
  if (!Number.isInteger(partition) || (partition as number) < 0 || (partition as number) >= Number(partitions)) {
    bad.push("partition (expected 0 to partitions - 1)");
  }
  if (!Number.isInteger(e.chunkCount) || (e.chunkCount as number) < 1) bad.push("chunkCount (expected 1 or more)");
  if (bad.length > 0) {
    throw new InputError(
      `find-duplicates input has invalid fields: ${bad.join(", ")}; the state machine must pass the split's values.`,
    );
  }
  return e as ReturnType<typeof findDuplicatesInput>;
}
