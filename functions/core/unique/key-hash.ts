import { hash } from "node:crypto";

/** Bytes of a key hash: the first 16 of a SHA-256 (a collision among 10^10 entries has odds below 10^-18). */
export const KEY_HASH_BYTES = 16;

/** Most partitions a file's keys are spread over (one Map iteration each). */
export const MAX_UNIQUE_PARTITIONS = 256;

/**
 * Key entries (rows × unique keys) per partition: a finder holds at most about this many first occurrences (≈ 33 MB
 * in its typed arrays), so 100,000,000 rows with one unique key make 100 partitions. Fewer, fuller partitions mean
 * fewer ranged GETs: every partition reads two per chunk.
 */
export const UNIQUE_PARTITION_ENTRIES = 1_000_000;

/**
 * The hash of one key's values in one row: the first 16 bytes of SHA-256 over the key's index, a NUL and the values
 * as a JSON array. The index keeps keys apart (`a` in key 0 never meets `a` in key 1); JSON keeps tuples apart
 * (`["a,b","c"]` is not `["a","b,c"]`). Values are hashed exactly as written (no trimming, case-sensitive).
 */
export function keyHash(keyIndex: number, values: readonly string[]): Buffer {
  // The one-shot digest: a row's hash is on the chunk's hot path, and a Hash object per row costs a fifth more.
  return hash("sha256", `${keyIndex}\u0000${JSON.stringify(values)}`, "buffer").subarray(0, KEY_HASH_BYTES);
}

/** The partition (0…P-1) of a hash: its first four bytes, big-endian, modulo P. */
export function partitionOf(hash: Uint8Array, partitions: number): number {
  const n = ((hash[0] << 24) | (hash[1] << 16) | (hash[2] << 8) | hash[3]) >>> 0;
  return n % partitions;
}

/**
 * Partitions of a file of `records` data records: 0 when the schema has no unique key, else one per
 * {@link UNIQUE_PARTITION_ENTRIES} key entries (records × keys), 1…256. Past 256,000,000 entries a partition holds
 * more than 1,000,000 (256 partitions of a 10 GB file of ~40-byte rows with one key: ≈ 1,000,000 each).
 */
export function uniquePartitionsFor(records: number, keyCount: number): number {
  if (keyCount === 0) return 0;
  const entries = records * keyCount;
  return Math.min(MAX_UNIQUE_PARTITIONS, Math.max(1, Math.ceil(entries / UNIQUE_PARTITION_ENTRIES)));
}
