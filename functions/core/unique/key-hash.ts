import { hash } from "node:crypto";

/** Bytes of a key hash: the first 16 of a SHA-256 (a collision among 10^10 entries has odds below 10^-18). */
export const KEY_HASH_BYTES = 16;

/** Most partitions a file's keys are spread over (one Map iteration each). */
export const MAX_UNIQUE_PARTITIONS = 256;

/** Bytes of the file per partition: 10 GB → 256 partitions of ~400,000 entries per key at ~100 B a row. */
export const UNIQUE_PARTITION_BYTES = 32 * 1024 * 1024;

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

/** Partitions of a file of `fileBytes` bytes: 0 when the schema has no unique key, else one per 32 MiB (1…256). */
export function uniquePartitionsFor(fileBytes: number, keyCount: number): number {
  if (keyCount === 0) return 0;
  return Math.min(MAX_UNIQUE_PARTITIONS, Math.max(1, Math.ceil(fileBytes / UNIQUE_PARTITION_BYTES)));
}
