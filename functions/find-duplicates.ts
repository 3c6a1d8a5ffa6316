import { writeBytes } from "./adapters/s3-bytes";
import { readKeySection } from "./adapters/unique-work";
import { type FindDuplicatesInput, type FindDuplicatesOutput, WORK_KEYS } from "./contract";
import { findDuplicatesInput } from "./core/inputs";
import { createLogger, type Logger } from "./core/log";
import { encodeChunkSet } from "./core/unique/chunk-set";
import { type DuplicateEntry, encodeDupsFile } from "./core/unique/dups-file";
import { DuplicateFinder } from "./core/unique/finder";

const log: Logger = createLogger("find-duplicates");

/** Key file sections read ahead of the one the finder is on (ranged GETs in flight). */
const READ_AHEAD = 8;

/**
 * Finds the later occurrences of one partition of a file's unique-key entries: reads that partition's section of
 * every chunk's key file (chunk 1…C in order, a few ranged GETs ahead; a chunk without a key file failed and is
 * skipped), keeps the first occurrence of each value and, when it found later ones, writes the partition's dups
 * file (`WORK_KEYS.uniqueDups`) for the chunks' second pass. Returns how many it found and in which chunks (a chunk
 * set: the second pass of any other chunk reads nothing of this partition).
 *
 * IAM: `s3:GetObject` on `_work/<exec>/unique/keys/*` (with `s3:ListBucket`, so a missing key file reads as absent),
 * `s3:PutObject` on `_work/<exec>/unique/dups/*`.
 */
export async function handler(event: FindDuplicatesInput, _context?: unknown): Promise<FindDuplicatesOutput> {
  const input = findDuplicatesInput(event);
  const { executionName, bucket, partition, partitions, chunkCount } = input;
  const finder = new DuplicateFinder();
  const byChunk: DuplicateEntry[][] = [];
  /** Chunks without a key file (they failed): their ids. */
  const skipped: number[] = [];
  const reads: Promise<Buffer | null>[] = [];
  // Chunk ids start at 1: read c is chunk c + 1, and its later occurrences are the dups file's section c.
  const read = (c: number) => readKeySection(bucket, executionName, c + 1, partition, partitions);
  for (let c = 0; c < Math.min(READ_AHEAD, chunkCount); c++) reads.push(read(c));
  // Every read is observed in turn; one failing early must not be reported as unhandled meanwhile.
  for (const r of reads) r.catch(() => undefined);
  for (let c = 0; c < chunkCount; c++) {
    const section = await reads[c];
    if (c + READ_AHEAD < chunkCount) {
      const next = read(c + READ_AHEAD);
      next.catch(() => undefined);
      reads.push(next);
    }
    reads[c] = Promise.resolve(null);
    if (section === null) {
      skipped.push(c + 1);
      byChunk.push([]);
      continue;
    }
    byChunk.push(finder.addSection(section));
  }
  if (finder.duplicates > 0)
    await writeBytes(bucket, WORK_KEYS.uniqueDups(executionName, partition), encodeDupsFile(byChunk));
  log.info("unique-key partition checked", {
    executionName,
    partition,
    partitions,
    chunkCount,
    distinct: finder.distinct,
    duplicates: finder.duplicates,
    chunksWithoutKeyFile: skipped.length,
  });
  const withDuplicates = byChunk.flatMap((found, c) => (found.length > 0 ? [c + 1] : []));
  return { partition, duplicates: finder.duplicates, chunks: encodeChunkSet(withDuplicates) };
}
