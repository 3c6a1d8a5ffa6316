import { InputError } from "../errors";
import { MAX_UNIQUE_PARTITIONS } from "./key-hash";

const isPartitionCount = (n: unknown): n is number =>
  Number.isInteger(n) && (n as number) >= 0 && (n as number) <= MAX_UNIQUE_PARTITIONS;

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
