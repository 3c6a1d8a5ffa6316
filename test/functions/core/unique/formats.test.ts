import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  DUP_ENTRY_BYTES,
  type DuplicateEntry,
  decodeDupEntries,
  dupsFileHeaderBytes,
  dupsHeaderPrefixBytes,
  dupsSectionOf,
  encodeDupsFile,
} from "../../../../functions/core/unique/dups-file";
import {
  decodeKeyFileHeader,
  forEachKeyEntry,
  KEY_ENTRY_BYTES,
  KeyFileBuilder,
  keyFileHeaderBytes,
} from "../../../../functions/core/unique/key-file";
import { keyHash, partitionOf, uniquePartitionsFor } from "../../../../functions/core/unique/key-hash";

describe("unique keys: hashing and partitions", () => {
  it("hashes the key index, a NUL and the values as JSON with SHA-256, keeping the first 16 bytes", () => {
    const expected = createHash("sha256").update('0\u0000["ORD-1"]').digest().subarray(0, 16);
    assert.deepEqual(keyHash(0, ["ORD-1"]), expected);
    assert.equal(keyHash(0, ["ORD-1"]).length, 16);
  });

  it("keeps keys, tuples and spellings apart (no trimming, case-sensitive)", () => {
    const hex = (b: Buffer) => b.toString("hex");
    assert.notEqual(hex(keyHash(0, ["a"])), hex(keyHash(1, ["a"])));
    assert.notEqual(hex(keyHash(0, ["a,b", "c"])), hex(keyHash(0, ["a", "b,c"])));
    assert.notEqual(hex(keyHash(0, ["A"])), hex(keyHash(0, ["a"])));
    assert.notEqual(hex(keyHash(0, ["a "])), hex(keyHash(0, ["a"])));
    assert.equal(hex(keyHash(2, ["x", "y"])), hex(keyHash(2, ["x", "y"])));
  });

  it("takes the partition from the hash's first four bytes, big-endian, modulo P", () => {
    const hash = Buffer.from([0x01, 0x02, 0x03, 0x04, ...new Array(12).fill(0xff)]);
    assert.equal(partitionOf(hash, 7), 0x01020304 % 7);
    const high = Buffer.from([0xff, 0xff, 0xff, 0xff, ...new Array(12).fill(0)]);
    assert.equal(partitionOf(high, 256), 0xffffffff % 256);
  });

  it("chooses no partitions without a key, else one per 1,000,000 key entries (records × keys) from 1 to 256", () => {
    assert.equal(uniquePartitionsFor(100_000_000, 0), 0);
    assert.equal(uniquePartitionsFor(0, 1), 1);
    assert.equal(uniquePartitionsFor(1_000_000, 1), 1);
    assert.equal(uniquePartitionsFor(1_000_001, 1), 2);
    assert.equal(uniquePartitionsFor(500_001, 2), 2);
    assert.equal(uniquePartitionsFor(100_000_000, 1), 100, "100,000,000 rows: 100 partitions of 1,000,000");
    assert.equal(uniquePartitionsFor(100_000_000, 3), 256);
  });
});

describe("unique keys: the key file", () => {
  it("lays out magic, P, P+1 offsets and the entries grouped by partition, in record order within each", () => {
    const P = 3;
    const builder = new KeyFileBuilder(P);
    const added: { hash: Buffer; keyIndex: number; recordNumber: number; line: number }[] = [];
    for (let r = 1; r <= 40; r++) {
      const hash = keyHash(r % 2, [`v${r}`]);
      builder.add(hash, r % 2, r, r + 1);
      added.push({ hash, keyIndex: r % 2, recordNumber: r, line: r + 1 });
    }
    const bytes = builder.encode();
    assert.equal(bytes.toString("latin1", 0, 4), "UQK1");
    assert.equal(bytes.readUInt32BE(4), P);
    const header = keyFileHeaderBytes(P);
    assert.equal(header, 8 + 8 * (P + 1));
    assert.equal(bytes.length, header + 40 * KEY_ENTRY_BYTES);
    const { partitions, offsets } = decodeKeyFileHeader(bytes.subarray(0, header), "test");
    assert.equal(partitions, P);
    assert.equal(offsets[0], header);
    assert.equal(offsets[P], bytes.length);
    for (let p = 0; p < P; p++) {
      assert.equal(Number(bytes.readBigUInt64BE(8 + 8 * p)), offsets[p]);
      const got: typeof added = [];
      forEachKeyEntry(bytes.subarray(offsets[p], offsets[p + 1]), (hash, keyIndex, recordNumber, line) =>
        got.push({ hash: Buffer.from(hash), keyIndex, recordNumber, line }),
      );
      assert.deepEqual(
        got,
        added.filter((e) => partitionOf(e.hash, P) === p),
      );
    }
  });

  it("writes an empty key file as a header whose sections are all empty", () => {
    const bytes = new KeyFileBuilder(2).encode();
    assert.equal(bytes.length, keyFileHeaderBytes(2));
    assert.deepEqual(decodeKeyFileHeader(bytes, "test").offsets, [32, 32, 32]);
  });

  it("grows past its first buffer without losing entries", () => {
    const builder = new KeyFileBuilder(1);
    for (let r = 1; r <= 5000; r++) builder.add(keyHash(0, [String(r)]), 0, r, r);
    const bytes = builder.encode();
    let n = 0;
    forEachKeyEntry(bytes.subarray(keyFileHeaderBytes(1)), (_h, _k, recordNumber) => assert.equal(recordNumber, ++n));
    assert.equal(n, 5000);
  });

  it("refuses what is not a key file, or is cut short, naming it", () => {
    assert.throws(
      () => decodeKeyFileHeader(Buffer.from("UQD1\0\0\0\x01"), "s3://b/k"),
      /s3:\/\/b\/k is not a key file/,
    );
    const bytes = new KeyFileBuilder(4).encode();
    assert.throws(() => decodeKeyFileHeader(bytes.subarray(0, 20), "s3://b/k"), /cut short/);
    assert.throws(() => forEachKeyEntry(Buffer.alloc(27), () => undefined), /whole number/);
    assert.throws(() => new KeyFileBuilder(0), /1 to 256 partitions/);
  });
});

describe("unique keys: the dups file", () => {
  const entry = (recordNumber: number, keyIndex = 0): DuplicateEntry => ({
    recordNumber,
    line: recordNumber + 1,
    keyIndex,
    firstRecord: recordNumber - 1,
    firstLine: recordNumber,
  });

  it("lays out magic, C, C+1 offsets and each chunk's entries, and reads back each chunk's section", () => {
    const byChunk = [[entry(3), entry(5, 1)], [], [entry(70000, 2)]];
    const bytes = encodeDupsFile(byChunk);
    assert.equal(bytes.toString("latin1", 0, 4), "UQD1");
    assert.equal(bytes.readUInt32BE(4), 3);
    const header = dupsFileHeaderBytes(3);
    assert.equal(header, 8 + 8 * 4);
    assert.equal(bytes.length, header + 3 * DUP_ENTRY_BYTES);
    assert.equal(Number(bytes.readBigUInt64BE(8)), header);
    assert.equal(Number(bytes.readBigUInt64BE(8 + 8 * 3)), bytes.length);
    // The two zero bytes closing each entry.
    assert.equal(bytes.readUInt16BE(header + 18), 0);
    for (let c = 0; c < 3; c++) {
      const prefix = bytes.subarray(0, dupsHeaderPrefixBytes(c));
      const range = dupsSectionOf(prefix, c, "test");
      assert.ok(range);
      assert.deepEqual(decodeDupEntries(bytes.subarray(range.start, range.end)), byChunk[c]);
    }
  });

  it("gives no section for a chunk beyond the file's chunks, and refuses what is not a dups file", () => {
    const bytes = encodeDupsFile([[entry(2)]]);
    assert.equal(dupsSectionOf(bytes, 5, "test"), null);
    assert.throws(() => dupsSectionOf(Buffer.from("UQK1\0\0\0\x01"), 0, "s3://b/d"), /s3:\/\/b\/d is not a dups file/);
    assert.throws(() => decodeDupEntries(Buffer.alloc(21)), /whole number/);
  });
});
