import { InputError } from "../errors";
import { KEY_HASH_BYTES, MAX_UNIQUE_PARTITIONS, partitionOf } from "./key-hash";

/**
 * A chunk's key file (`_work/<exec>/unique/keys/<chunkId>.bin`): every key entry of the chunk, grouped by partition,
 * so each partition's finder reads only its own section with one ranged GET.
 *
 * Layout: magic `UQK1`, uint32BE P, (P + 1) × uint64BE offsets (from the start of the object; section p is
 * [off[p], off[p+1])), then the sections. An entry is 26 bytes: hash (16), keyIndex uint16BE, recordNumber
 * uint32BE, line uint32BE. Within a section, entries are in record order.
 */
export const KEY_FILE_MAGIC = "UQK1";
export const KEY_ENTRY_BYTES = 26;

/** One row's value of one key. */
export interface KeyEntry {
  hash: Uint8Array;
  keyIndex: number;
  recordNumber: number;
  line: number;
}

/** Bytes before the first section of a key file with `partitions` partitions. */
export function keyFileHeaderBytes(partitions: number): number {
  return 8 + 8 * (partitions + 1);
}

/**
 * Collects a chunk's key entries in record order, packed (26 bytes each, nothing per entry on the heap), and encodes
 * them as a key file grouped by partition (a stable counting sort: record order is kept within each partition).
 */
export class KeyFileBuilder {
  private buf: Buffer;
  private parts: Uint16Array;
  private count = 0;

  constructor(readonly partitions: number) {
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_UNIQUE_PARTITIONS) {
      throw new InputError(`The key file needs 1 to ${MAX_UNIQUE_PARTITIONS} partitions (got ${partitions}).`);
    }
    this.buf = Buffer.allocUnsafe(KEY_ENTRY_BYTES * 1024);
    this.parts = new Uint16Array(1024);
  }

  /** Entries added so far. */
  get size(): number {
    return this.count;
  }

  add(hash: Uint8Array, keyIndex: number, recordNumber: number, line: number): void {
    if (this.count === this.parts.length) {
      const buf = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(buf);
      this.buf = buf;
      const parts = new Uint16Array(this.parts.length * 2);
      parts.set(this.parts);
      this.parts = parts;
    }
    const at = this.count * KEY_ENTRY_BYTES;
    this.buf.set(hash.subarray(0, KEY_HASH_BYTES), at);
    this.buf.writeUInt16BE(keyIndex, at + 16);
    this.buf.writeUInt32BE(recordNumber, at + 18);
    this.buf.writeUInt32BE(line, at + 22);
    this.parts[this.count] = partitionOf(hash, this.partitions);
    this.count++;
  }

  /** The key file's bytes. */
  encode(): Buffer {
    const P = this.partitions;
    const header = keyFileHeaderBytes(P);
    const out = Buffer.alloc(header + this.count * KEY_ENTRY_BYTES);
    out.write(KEY_FILE_MAGIC, 0, "latin1");
    out.writeUInt32BE(P, 4);
    const sizes = new Uint32Array(P);
    for (let i = 0; i < this.count; i++) sizes[this.parts[i]]++;
    const next = new Float64Array(P);
    let offset = header;
    for (let p = 0; p < P; p++) {
      out.writeBigUInt64BE(BigInt(offset), 8 + 8 * p);
      next[p] = offset;
      offset += sizes[p] * KEY_ENTRY_BYTES;
    }
    out.writeBigUInt64BE(BigInt(offset), 8 + 8 * P);
    for (let i = 0; i < this.count; i++) {
      const p = this.parts[i];
      this.buf.copy(out, next[p], i * KEY_ENTRY_BYTES, (i + 1) * KEY_ENTRY_BYTES);
      next[p] += KEY_ENTRY_BYTES;
    }
    return out;
  }
}

/** The section offsets of a key file, from its first {@link keyFileHeaderBytes} bytes; `what` names it in errors. */
export function decodeKeyFileHeader(bytes: Uint8Array, what: string): { partitions: number; offsets: number[] } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 8 || b.toString("latin1", 0, 4) !== KEY_FILE_MAGIC) {
    throw new InputError(`${what} is not a key file (it does not begin with ${KEY_FILE_MAGIC}).`);
  }
  const partitions = b.readUInt32BE(4);
  if (b.length < keyFileHeaderBytes(partitions)) {
    throw new InputError(
      `${what} is cut short: its header of ${partitions} partitions needs ${keyFileHeaderBytes(partitions)} bytes.`,
    );
  }
  const offsets: number[] = [];
  for (let p = 0; p <= partitions; p++) offsets.push(Number(b.readBigUInt64BE(8 + 8 * p)));
  return { partitions, offsets };
}

/** Calls `each` for every entry of a key file section (its bytes, a whole number of entries), in order. */
export function forEachKeyEntry(
  section: Uint8Array,
  each: (hash: Buffer, keyIndex: number, recordNumber: number, line: number) => void,
): void {
  const b = Buffer.from(section.buffer, section.byteOffset, section.byteLength);
  if (b.length % KEY_ENTRY_BYTES !== 0) {
    throw new InputError(
      `A key file section of ${b.length} bytes is not a whole number of ${KEY_ENTRY_BYTES}-byte entries.`,
    );
  }
  for (let at = 0; at < b.length; at += KEY_ENTRY_BYTES) {
    each(
      b.subarray(at, at + KEY_HASH_BYTES),
      b.readUInt16BE(at + 16),
      b.readUInt32BE(at + 18),
      b.readUInt32BE(at + 22),
    );
  }
}
