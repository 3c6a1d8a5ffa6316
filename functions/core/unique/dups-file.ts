import { InputError } from "../errors";

/**
 * A partition's dups file (`_work/<exec>/unique/dups/<partition>.bin`), written only when its finder found later
 * occurrences: each chunk reads its own section with one ranged GET.
 *
 * Layout: magic `UQD1`, uint32BE chunk count C, (C + 1) × uint64BE offsets (section c is [off[c], off[c+1])), then
 * the sections in chunk order. Chunk ids start at 1: section c holds chunk c + 1 (see {@link dupsSectionIndex}). An entry is 20 bytes: recordNumber uint32BE, line uint32BE, keyIndex uint16BE,
 * firstRecord uint32BE, firstLine uint32BE, 2 zero bytes. Within a section, entries are in record order.
 */
export const DUPS_FILE_MAGIC = "UQD1";
export const DUP_ENTRY_BYTES = 20;

/** A later occurrence of a key's value, and the first occurrence it repeats. */
export interface DuplicateEntry {
  recordNumber: number;
  line: number;
  keyIndex: number;
  firstRecord: number;
  firstLine: number;
}

/** What a chunk's second pass applies: for a record number, each key it repeats and where that key's value came first. */
export interface DuplicateHit {
  keyIndex: number;
  first: number;
  firstLine: number;
}

/** Record number → the keys it repeats (in key order of the section). */
export type DuplicateHits = ReadonlyMap<number, readonly DuplicateHit[]>;

/** Bytes before the first section of a dups file of `chunkCount` chunks. */
export function dupsFileHeaderBytes(chunkCount: number): number {
  return 8 + 8 * (chunkCount + 1);
}

/** The section of chunk `chunkId` (chunk ids start at 1) in a dups file. */
export const dupsSectionIndex = (chunkId: number) => chunkId - 1;

/** Bytes read to learn where section `index` is: the magic, C and the offsets up to the section's end offset. */
export function dupsHeaderPrefixBytes(index: number): number {
  return 8 + 8 * (index + 2);
}

/** Encodes a dups file from each chunk's entries (`byChunk[c]` for chunk c + 1, in record order; empty when none). */
export function encodeDupsFile(byChunk: readonly (readonly DuplicateEntry[])[]): Buffer {
  const C = byChunk.length;
  const header = dupsFileHeaderBytes(C);
  const total = byChunk.reduce((n, list) => n + list.length, 0);
  const out = Buffer.alloc(header + total * DUP_ENTRY_BYTES);
  out.write(DUPS_FILE_MAGIC, 0, "latin1");
  out.writeUInt32BE(C, 4);
  let at = header;
  for (let c = 0; c < C; c++) {
    out.writeBigUInt64BE(BigInt(at), 8 + 8 * c);
    for (const e of byChunk[c]) {
      out.writeUInt32BE(e.recordNumber, at);
      out.writeUInt32BE(e.line, at + 4);
      out.writeUInt16BE(e.keyIndex, at + 8);
      out.writeUInt32BE(e.firstRecord, at + 10);
      out.writeUInt32BE(e.firstLine, at + 14);
      at += DUP_ENTRY_BYTES;
    }
  }
  out.writeBigUInt64BE(BigInt(at), 8 + 8 * C);
  return out;
}

/**
 * Where section `index` is, from the first {@link dupsHeaderPrefixBytes} bytes of a dups file (or more); null when
 * the file holds fewer sections (a chunk the finder never saw has no duplicates). `what` names it in errors.
 */
export function dupsSectionOf(prefix: Uint8Array, index: number, what: string): { start: number; end: number } | null {
  const b = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (b.length < 8 || b.toString("latin1", 0, 4) !== DUPS_FILE_MAGIC) {
    throw new InputError(`${what} is not a dups file (it does not begin with ${DUPS_FILE_MAGIC}).`);
  }
  const chunkCount = b.readUInt32BE(4);
  if (index < 0 || index >= chunkCount) return null;
  if (b.length < dupsHeaderPrefixBytes(index)) {
    throw new InputError(`${what} is cut short: section ${index}'s offsets are missing from its header.`);
  }
  return { start: Number(b.readBigUInt64BE(8 + 8 * index)), end: Number(b.readBigUInt64BE(16 + 8 * index)) };
}

/** The entries of a dups file section (a whole number of entries), in order. */
export function decodeDupEntries(section: Uint8Array): DuplicateEntry[] {
  const b = Buffer.from(section.buffer, section.byteOffset, section.byteLength);
  if (b.length % DUP_ENTRY_BYTES !== 0) {
    throw new InputError(
      `A dups file section of ${b.length} bytes is not a whole number of ${DUP_ENTRY_BYTES}-byte entries.`,
    );
  }
  const out: DuplicateEntry[] = [];
  for (let at = 0; at < b.length; at += DUP_ENTRY_BYTES) {
    out.push({
      recordNumber: b.readUInt32BE(at),
      line: b.readUInt32BE(at + 4),
      keyIndex: b.readUInt16BE(at + 8),
      firstRecord: b.readUInt32BE(at + 10),
      firstLine: b.readUInt32BE(at + 14),
    });
  }
  return out;
}

/** Adds a section's entries to the hits of a chunk (several partitions add to one map). */
export function addHits(hits: Map<number, DuplicateHit[]>, entries: readonly DuplicateEntry[]): void {
  for (const e of entries) {
    const hit = { keyIndex: e.keyIndex, first: e.firstRecord, firstLine: e.firstLine };
    const list = hits.get(e.recordNumber);
    if (list === undefined) hits.set(e.recordNumber, [hit]);
    else list.push(hit);
  }
}
