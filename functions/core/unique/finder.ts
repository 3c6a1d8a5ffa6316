import { InputError } from "../errors";
import type { DuplicateEntry } from "./dups-file";
import { KEY_ENTRY_BYTES } from "./key-file";
import { KEY_HASH_BYTES } from "./key-hash";

/** Words (uint32) of a key hash. */
const HASH_WORDS = KEY_HASH_BYTES / 4;
/** Entries a finder makes room for at first (it doubles as it fills). */
const INITIAL_ENTRIES = 1 << 12;

/**
 * Finds later occurrences in one partition: fed the partition's section of every chunk's key file in chunk order
 * (so in record order), it remembers the first occurrence of each hash and returns, per chunk, the entries that
 * repeat one.
 *
 * The first occurrences are kept in typed arrays, nothing per entry on the heap: each hash as four words, its record
 * number and line, and an open-addressing table (linear probing, at most half full) of entry numbers indexed by the
 * hash's second word — a SHA-256 prefix is uniform, and its first word is what chose the partition, so the second is
 * the one free of it. About 24 bytes an entry plus 8–16 bytes of table: a partition's 1,000,000 entries take ≈ 33 MB,
 * and no key string is built per entry (a Map keyed by strings cost a third of the step's CPU and most of its heap).
 */
export class DuplicateFinder {
  private hashes = new Uint32Array(INITIAL_ENTRIES * HASH_WORDS);
  private records = new Uint32Array(INITIAL_ENTRIES);
  private lines = new Uint32Array(INITIAL_ENTRIES);
  /** Entry number + 1 per slot; 0 = free. Its length is a power of two, at least twice the entries. */
  private table = new Uint32Array(INITIAL_ENTRIES * 2);
  private count = 0;
  /** Later occurrences found so far. */
  duplicates = 0;

  /** Distinct values seen so far. */
  get distinct(): number {
    return this.count;
  }

  /** Takes one chunk's section (the chunks in order); returns that chunk's later occurrences, in record order. */
  addSection(section: Uint8Array): DuplicateEntry[] {
    const b = Buffer.from(section.buffer, section.byteOffset, section.byteLength);
    if (b.length % KEY_ENTRY_BYTES !== 0) {
      throw new InputError(
        `A key file section of ${b.length} bytes is not a whole number of ${KEY_ENTRY_BYTES}-byte entries.`,
      );
    }
    const found: DuplicateEntry[] = [];
    for (let at = 0; at < b.length; at += KEY_ENTRY_BYTES) {
      const w0 = b.readUInt32LE(at);
      const w1 = b.readUInt32LE(at + 4);
      const w2 = b.readUInt32LE(at + 8);
      const w3 = b.readUInt32LE(at + 12);
      const first = this.lookup(w0, w1, w2, w3);
      const recordNumber = b.readUInt32BE(at + 18);
      const line = b.readUInt32BE(at + 22);
      if (first >= 0) {
        found.push({
          recordNumber,
          line,
          keyIndex: b.readUInt16BE(at + 16),
          firstRecord: this.records[first],
          firstLine: this.lines[first],
        });
      } else {
        this.insert(w0, w1, w2, w3, recordNumber, line);
      }
    }
    this.duplicates += found.length;
    return found;
  }

  /** The entry number of a hash seen before, or -1. */
  private lookup(w0: number, w1: number, w2: number, w3: number): number {
    const { table, hashes } = this;
    const mask = table.length - 1;
    for (let slot = w1 & mask; ; slot = (slot + 1) & mask) {
      const held = table[slot];
      if (held === 0) return -1;
      const e = held - 1;
      const h = e * HASH_WORDS;
      if (hashes[h] === w0 && hashes[h + 1] === w1 && hashes[h + 2] === w2 && hashes[h + 3] === w3) return e;
    }
  }

  private insert(w0: number, w1: number, w2: number, w3: number, recordNumber: number, line: number): void {
    if (this.count === this.records.length) this.growEntries();
    if ((this.count + 1) * 2 > this.table.length) this.growTable();
    const e = this.count++;
    const h = e * HASH_WORDS;
    this.hashes[h] = w0;
    this.hashes[h + 1] = w1;
    this.hashes[h + 2] = w2;
    this.hashes[h + 3] = w3;
    this.records[e] = recordNumber;
    this.lines[e] = line;
    this.place(e);
  }

  /** Puts entry `e` in the first free slot from its hash's. */
  private place(e: number): void {
    const { table } = this;
    const mask = table.length - 1;
    let slot = this.hashes[e * HASH_WORDS + 1] & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = e + 1;
  }

  private growEntries(): void {
    const n = this.records.length * 2;
    const hashes = new Uint32Array(n * HASH_WORDS);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const records = new Uint32Array(n);
    records.set(this.records);
    this.records = records;
    const lines = new Uint32Array(n);
    lines.set(this.lines);
    this.lines = lines;
  }

  private growTable(): void {
    this.table = new Uint32Array(this.table.length * 2);
    for (let e = 0; e < this.count; e++) this.place(e);
  }
}
