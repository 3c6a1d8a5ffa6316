import assert from "node:assert/strict";
import { DuplicateFinder } from "../../../../functions/core/unique/finder";
import { KeyFileBuilder, keyFileHeaderBytes } from "../../../../functions/core/unique/key-file";
import { keyHash } from "../../../../functions/core/unique/key-hash";

/** One chunk's single-partition key section from `[keyIndex, value, recordNumber, line]` rows. */
function section(rows: [number, string, number, number][]): Buffer {
  const b = new KeyFileBuilder(1);
  for (const [k, v, r, l] of rows) b.add(keyHash(k, [v]), k, r, l);
  return b.encode().subarray(keyFileHeaderBytes(1));
}

describe("unique keys: the finder", () => {
  it("returns each later occurrence with its first occurrence, across chunks and per key", () => {
    const finder = new DuplicateFinder();
    const c0 = finder.addSection(
      section([
        [0, "A", 1, 2],
        [0, "B", 2, 3],
        [1, "A", 2, 3],
        [0, "A", 3, 5],
      ]),
    );
    assert.deepEqual(c0, [{ recordNumber: 3, line: 5, keyIndex: 0, firstRecord: 1, firstLine: 2 }]);
    const c1 = finder.addSection(
      section([
        [0, "B", 10, 11],
        [1, "A", 11, 12],
        [0, "A", 12, 13],
        [0, "C", 13, 14],
      ]),
    );
    assert.deepEqual(c1, [
      { recordNumber: 10, line: 11, keyIndex: 0, firstRecord: 2, firstLine: 3 },
      { recordNumber: 11, line: 12, keyIndex: 1, firstRecord: 2, firstLine: 3 },
      { recordNumber: 12, line: 13, keyIndex: 0, firstRecord: 1, firstLine: 2 },
    ]);
    assert.equal(finder.duplicates, 4);
    assert.equal(finder.distinct, 4);
    assert.deepEqual(finder.addSection(Buffer.alloc(0)), []);
  });

  it("tells apart hashes that share the word the table is indexed by, and keeps them through its growth", () => {
    // Hand-made entries: every hash has the same second word (one probe chain); they differ in one other byte only.
    const entry = (differ: number, at: 0 | 8 | 12, record: number) => {
      const e = Buffer.alloc(26);
      e.writeUInt32LE(0xdeadbeef, 4);
      e.writeUInt32LE(differ, at);
      e.writeUInt16BE(0, 16);
      e.writeUInt32BE(record, 18);
      e.writeUInt32BE(record + 1, 22);
      return e;
    };
    const finder = new DuplicateFinder();
    const firsts: Buffer[] = [];
    let record = 0;
    // 3 × 3,000 distinct hashes: far more than the table's first size, so it grows while the chain is long.
    for (const at of [0, 8, 12] as const) for (let i = 1; i <= 3_000; i++) firsts.push(entry(i, at, ++record));
    assert.deepEqual(finder.addSection(Buffer.concat(firsts)), []);
    assert.equal(finder.distinct, 9_000);
    const again = finder.addSection(Buffer.concat([entry(2_999, 8, 20_000), entry(3_001, 12, 20_001)]));
    assert.deepEqual(again, [
      { recordNumber: 20_000, line: 20_001, keyIndex: 0, firstRecord: 5_999, firstLine: 6_000 },
    ]);
    assert.equal(finder.distinct, 9_001);
    assert.throws(() => finder.addSection(Buffer.alloc(27)), /not a whole number of 26-byte entries/);
  });

  it("finds every repeat among 400,000 entries of a partition", function () {
    this.timeout(120_000);
    const n = 400_000;
    // Three chunks; every 100th record of chunks 1 and 2 repeats a value of chunk 0.
    const per = Math.ceil(n / 3);
    const finder = new DuplicateFinder();
    let record = 0;
    let expected = 0;
    let found = 0;
    for (let c = 0; c < 3; c++) {
      const b = new KeyFileBuilder(1);
      for (let i = 0; i < per && record < n; i++) {
        record++;
        const repeat = c > 0 && i % 100 === 0;
        if (repeat) expected++;
        b.add(keyHash(0, [repeat ? `v${i + 1}` : `v${record}`]), 0, record, record + 1);
      }
      const hits = finder.addSection(b.encode().subarray(keyFileHeaderBytes(1)));
      for (const h of hits) assert.equal(h.firstRecord + 1, h.firstLine);
      found += hits.length;
    }
    assert.equal(found, expected);
    assert.equal(finder.distinct, n - expected);
  });
});
