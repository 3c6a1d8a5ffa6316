import assert from "node:assert/strict";
import iconv from "iconv-lite";
import { MAX_CHUNKS } from "../../../../functions/contract";
import { detectEncoding } from "../../../../functions/core/csv/encoding";
import { parseSchema } from "../../../../functions/core/csv/schema";
import { ChunkPlanner, planLimits, RowScanner, splitCsv } from "../../../../functions/core/csv/split";
import { pieces, runInMemory } from "../../../support/csv-fixtures";

const schema = parseSchema(
  `columns:
  - { name: id, type: string, required: true }
  - { name: note, type: string }
`,
  "t.yaml",
);
const bytes = (s: string) => Buffer.from(s, "utf8");
const split = (s: string | Buffer, opts: { chunkRows?: number; chunkBytes?: number; piece?: number } = {}) => {
  const b = typeof s === "string" ? bytes(s) : s;
  return splitCsv(pieces(b, opts.piece ?? 3), {
    totalBytes: b.length,
    schema,
    chunkRows: opts.chunkRows ?? 1,
    chunkBytes: opts.chunkBytes ?? 1 << 20,
  });
};
const slices = (b: Buffer, chunks: { start: number; end: number }[]) =>
  chunks.map((c) => b.subarray(c.start, c.end).toString());

describe("RowScanner", () => {
  it("ends records only at line feeds outside quotes, counting lines inside them", () => {
    const found: [number, number, number][] = [];
    const s = new RowScanner();
    const text = bytes('a,"x\ny",b\r\n"q""\n",2\nlast,"no newline"');
    for (const p of [text.subarray(0, 5), text.subarray(5, 13), text.subarray(13)])
      s.feed(p, (a, b, l) => found.push([a, b, l]));
    s.finish((a, b, l) => found.push([a, b, l]));
    assert.deepEqual(found, [
      [0, 11, 1],
      [11, 20, 3],
      [20, text.length, 5],
    ]);
  });

  it("treats a quote inside an unquoted field as a literal, as csv-parse with relax_quotes does", () => {
    const found: number[] = [];
    const s = new RowScanner();
    s.feed(bytes('ab"c,d\ne,f\n'), (_a, b) => found.push(b));
    assert.deepEqual(found, [7, 11]);
  });
});

describe("splitCsv", () => {
  it("hands out byte ranges of whole rows, never cutting a quoted newline even on a chunk boundary", async () => {
    const text = 'id,note\n1,"a\nb"\n2,"c,\r\nd"\r\n3,x\n';
    const b = bytes(text);
    const out = await split(b, { chunkRows: 1 });
    assert.equal(out.status, "OK");
    assert.deepEqual(out.header, ["id", "note"]);
    assert.deepEqual(slices(b, out.chunks), ['1,"a\nb"\n', '2,"c,\r\nd"\r\n', "3,x\n"]);
    assert.deepEqual(
      out.chunks.map((c) => [c.id, c.firstLine]),
      [
        [1, 2],
        [2, 4],
        [3, 6],
      ],
    );
    // The byte limit lands inside the quoted newline of row 1: the chunk still ends after the whole row.
    const byBytes = await split(b, { chunkRows: 1000, chunkBytes: 5 });
    assert.deepEqual(slices(b, byBytes.chunks)[0], '1,"a\nb"\n');
  });

  it("skips a UTF-8 BOM and reads a CRLF header", async () => {
    const b = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('"id",note\r\n1,x\r\n')]);
    const out = await split(b, { piece: 1 });
    assert.equal(out.encoding, "utf-8");
    assert.deepEqual(out.header, ["id", "note"]);
    assert.deepEqual(slices(b, out.chunks), ["1,x\r\n"]);
  });

  it("rejects an empty file, and accepts a header-only file with no chunks", async () => {
    const empty = await split("");
    assert.equal(empty.status, "REJECTED");
    assert.match(empty.message ?? "", /file is empty/);
    assert.equal(empty.problems[0].severity, "CRITICAL");
    const headerOnly = await split("id,note\n");
    assert.equal(headerOnly.status, "OK");
    assert.deepEqual(headerOnly.chunks, []);
    assert.deepEqual(headerOnly.problems, []);
  });

  it("rejects a missing required column and a duplicate column with one CRITICAL SchemaError", async () => {
    const missing = await split("note,other\nx,y\n");
    assert.equal(missing.status, "REJECTED");
    assert.deepEqual(missing.chunks, []);
    assert.equal(missing.problems.length, 1);
    assert.deepEqual([missing.problems[0].errorType, missing.problems[0].severity], ["SchemaError", "CRITICAL"]);
    assert.match(missing.message ?? "", /lacks the required column id \(found: note, other\)/);
    const dup = await split("id,note,id\n1,2,3\n");
    assert.equal(dup.status, "REJECTED");
    assert.match(dup.message ?? "", /names column "id" twice \(positions 1 and 3\)/);
  });

  it("quotes a very long header only in part when a required column is missing (the record must fit DynamoDB)", async () => {
    const header = Array.from({ length: 5000 }, (_, i) => `column_with_a_long_name_${i}`).join(",");
    const out = await split(`${header}\n1\n`);
    assert.equal(out.status, "REJECTED");
    assert.match(out.message ?? "", /lacks the required column id \(found: column_with_a_long_name_0, /);
    assert.ok((out.message ?? "").length < 600, `message of ${(out.message ?? "").length} characters`);
  });

  it("warns (LOW) once per unknown extra column and goes on", async () => {
    const out = await split("id,note,colour,size\n1,x,red,L\n");
    assert.equal(out.status, "OK");
    assert.deepEqual(
      out.problems.map((p) => [p.severity, p.column]),
      [
        ["LOW", "colour"],
        ["LOW", "size"],
      ],
    );
  });

  it("rejects a header whose quote never closes", async () => {
    const out = await split('id,"note\n1,x\n');
    assert.equal(out.status, "REJECTED");
    assert.match(out.message ?? "", /never closed/);
  });

  it("detects Shift_JIS from the bytes, and keeps UTF-8 for UTF-8 and ASCII", () => {
    const sjis = iconv.encode("注文番号,備考\nORD-1,置き配\n", "cp932");
    assert.equal(detectEncoding(sjis, "auto", false), "shift_jis");
    assert.equal(detectEncoding(bytes("注文番号,備考\n"), "auto", false), "utf-8");
    // A multi-byte character cut at the end of the prefix is still UTF-8.
    assert.equal(detectEncoding(bytes("注文番号").subarray(0, 10), "auto", false), "utf-8");
    assert.equal(detectEncoding(bytes("a,b\n"), "auto", false), "utf-8");
    assert.equal(detectEncoding(bytes("a,b\n"), "shift_jis", false), "shift_jis");
  });

  it("reads a file with a UTF-8 BOM as UTF-8 even when the schema says Shift_JIS (a rejected rows.csv uploaded again)", () => {
    const text = bytes("注文番号,備考\n");
    assert.equal(detectEncoding(text, "shift_jis", true), "utf-8");
    assert.equal(detectEncoding(text, "utf-8", true), "utf-8");
    assert.equal(detectEncoding(iconv.encode("注文番号\n", "cp932"), "shift_jis", false), "shift_jis");
  });
});

describe("chunk planning", () => {
  it("keeps the manifest at most MAX_CHUNKS for a 10 GB file of short rows", () => {
    const total = 10 * 1024 ** 3;
    const limits = planLimits(total, { rows: 5000, bytes: 4 * 1024 * 1024 });
    assert.equal(limits.minBytes, Math.ceil(total / MAX_CHUNKS));
    const planner = new ChunkPlanner(limits);
    // 10 GB of 1 KiB rows (10 million records), fed as offsets only.
    const row = 1024;
    let offset = 100;
    let line = 2;
    while (offset + row <= total) {
      planner.add(offset, offset + row, line++);
      offset += row;
    }
    const chunks = planner.finish();
    assert.ok(chunks.length <= MAX_CHUNKS, `${chunks.length} chunks`);
    assert.ok(chunks.length >= MAX_CHUNKS - 1, `${chunks.length} chunks (the growth should not overshoot)`);
    assert.equal(chunks[0].start, 100);
    assert.equal(chunks.at(-1)?.end, offset);
    for (let i = 1; i < chunks.length; i++) assert.equal(chunks[i].start, chunks[i - 1].end);
    // The manifest of a 10 GB file is far below the 256 KiB state limit.
    assert.ok(JSON.stringify(chunks).length < 64 * 1024);
  });

  it("uses the configured sizes for small files", async () => {
    const lines = Array.from({ length: 25 }, (_, i) => `${i},x`).join("\n");
    const out = await runInMemory(bytes(`id,note\n${lines}\n`), schema, { chunkRows: 10 });
    assert.deepEqual(
      out.results.map((r) => r.rows),
      [10, 10, 5],
    );
    assert.equal(out.total.rows, 25);
  });
});

describe("chunk record numbers", () => {
  it("gives each chunk the index of its first data record, not counting the header, blank lines or line breaks inside quotes", async () => {
    const text = 'id,note\n1,a\n\n\n2,"b\nc"\n3,x\r\n\r\n4,y\n5,z\n';
    const source = (async function* () {
      yield bytes(text);
    })();

    const out = await splitCsv(source, { totalBytes: text.length, schema, chunkRows: 2, chunkBytes: 1024 });

    assert.deepEqual(
      out.chunks.map((c) => [c.firstLine, c.firstRecord]),
      [
        [2, 1],
        [4, 2],
        [7, 3],
        [9, 4],
      ],
    );
  });
});
