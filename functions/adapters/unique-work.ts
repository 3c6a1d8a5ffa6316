import { WORK_KEYS } from "../contract";
import { InputError } from "../core/errors";
import {
  addHits,
  type DuplicateHit,
  decodeDupEntries,
  dupsHeaderPrefixBytes,
  dupsSectionIndex,
  dupsSectionOf,
} from "../core/unique/dups-file";
import { decodeKeyFileHeader, keyFileHeaderBytes } from "../core/unique/key-file";
import { readObjectBytes, readRangeBytes } from "./s3-bytes";

/**
 * One partition's section of a chunk's key file: a ranged GET of the header, then one of the section (none when it
 * is empty). With one partition the section is the rest of the object: one GET of the whole object reads both. Null
 * when the chunk has no key file (it failed before writing one).
 */
export async function readKeySection(
  bucket: string,
  executionName: string,
  chunkId: number,
  partition: number,
  partitions: number,
): Promise<Buffer | null> {
  const key = WORK_KEYS.uniqueKeys(executionName, chunkId);
  const what = `s3://${bucket}/${key}`;
  const one = partitions === 1;
  const head = one
    ? await readObjectBytes(bucket, key)
    : await readRangeBytes(bucket, key, 0, keyFileHeaderBytes(partitions));
  if (head === null) return null;
  const { partitions: written, offsets } = decodeKeyFileHeader(head, what);
  if (written !== partitions) {
    throw new InputError(
      `${what} was written for ${written} partitions, not the ${partitions} of this run: it belongs to another run of the same name.`,
    );
  }
  const start = offsets[partition];
  const end = offsets[partition + 1];
  if (end <= start) return Buffer.alloc(0);
  const section = one ? head.subarray(start, end) : await readRangeBytes(bucket, key, start, end);
  if (section === null || section.length !== end - start) {
    throw new InputError(`${what} is shorter than its header says (section ${partition} is [${start}, ${end})).`);
  }
  return section;
}

/**
 * A chunk's later occurrences, from its section of each listed partition's dups file (a ranged GET of the header's
 * start, then one of the section). A missing dups file or an empty section holds none.
 */
export async function readChunkHits(
  bucket: string,
  executionName: string,
  chunkId: number,
  partitions: readonly number[],
): Promise<Map<number, DuplicateHit[]>> {
  const hits = new Map<number, DuplicateHit[]>();
  for (const partition of partitions) {
    const key = WORK_KEYS.uniqueDups(executionName, partition);
    const what = `s3://${bucket}/${key}`;
    const index = dupsSectionIndex(chunkId);
    const head = await readRangeBytes(bucket, key, 0, dupsHeaderPrefixBytes(index));
    if (head === null) continue;
    const range = dupsSectionOf(head, index, what);
    if (range === null || range.end <= range.start) continue;
    const section = await readRangeBytes(bucket, key, range.start, range.end);
    if (section === null || section.length !== range.end - range.start) {
      throw new InputError(
        `${what} is shorter than its header says (chunk ${chunkId} is [${range.start}, ${range.end})).`,
      );
    }
    addHits(hits, decodeDupEntries(section));
  }
  return hits;
}
