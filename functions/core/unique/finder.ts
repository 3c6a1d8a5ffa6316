import type { DuplicateEntry } from "./dups-file";
import { forEachKeyEntry } from "./key-file";

/**
 * Finds later occurrences in one partition: fed the partition's section of every chunk's key file in chunk order
 * (so in record order), it remembers the first occurrence of each hash and returns, per chunk, the entries that
 * repeat one.
 *
 * Memory: one Map entry per distinct hash, keyed by the 16 hash bytes as a latin1 string (a flat one-byte string),
 * whose value indexes two growing Uint32Arrays of first record numbers and lines (no object per entry): about
 * 100 bytes an entry, so ~400,000 entries per key take ~40 MB.
 */
export class DuplicateFinder {
  private readonly firstIndex = new Map<string, number>();
  private records = new Uint32Array(1024);
  private lines = new Uint32Array(1024);
  private count = 0;
  /** Later occurrences found so far. */
  duplicates = 0;

  /** Distinct values seen so far. */
  get distinct(): number {
    return this.count;
  }

  /** Takes one chunk's section (the chunks in order); returns that chunk's later occurrences, in record order. */
  addSection(section: Uint8Array): DuplicateEntry[] {
    const found: DuplicateEntry[] = [];
    forEachKeyEntry(section, (hash, keyIndex, recordNumber, line) => {
      const key = hash.toString("latin1");
      const at = this.firstIndex.get(key);
      if (at !== undefined) {
        found.push({ recordNumber, line, keyIndex, firstRecord: this.records[at], firstLine: this.lines[at] });
        return;
      }
      if (this.count === this.records.length) {
        const records = new Uint32Array(this.records.length * 2);
        records.set(this.records);
        this.records = records;
        const lines = new Uint32Array(this.lines.length * 2);
        lines.set(this.lines);
        this.lines = lines;
      }
      this.records[this.count] = recordNumber;
      this.lines[this.count] = line;
      this.firstIndex.set(key, this.count++);
    });
    this.duplicates += found.length;
    return found;
  }
}
