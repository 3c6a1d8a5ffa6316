import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import iconv from "iconv-lite";
import { CSV_PARSE_OPTIONS } from "../../../../functions/core/csv/chunk";
import { parseSchema } from "../../../../functions/core/csv/schema";
import { RECORD_DATA_LIMITS } from "../../../../functions/core/records/error-record";
import { runInMemory, SAMPLES, sampleSchema } from "../../../support/csv-fixtures";

const orders = sampleSchema();
const HEADER = "order_id,email,amount,quantity,status,ordered_at,updated_at,note";
const GOOD = "ORD-000001,a@example.com,10.00,1,NEW,2024-05-01,2024-05-01T09:00:00+09:00,ok";
const run = (text: string | Buffer, opts: { chunkRows?: number; piece?: number } = {}) =>
  runInMemory(typeof text === "string" ? Buffer.from(text) : text, orders, opts);

describe("processChunkStream", () => {
  it("makes one record per problem with the row's first line in the original file", async () => {
    const text = [
      HEADER,
      GOOD,
      'ORD-000002,b@example.com,5,2,PAID,2024-05-02,2024-05-02T09:00:00Z,"two\nlines"',
      "ORD-3,not-an-email,-1,0,LOST,2024-02-30,yesterday,x",
      "ORD-000004,,1,1,NEW,2024-05-01,2024-05-01T09:00:00Z",
      "",
    ].join("\n");
    const out = await run(text, { chunkRows: 1 });
    assert.equal(out.split.chunks.length, 4);
    assert.deepEqual(
      { rows: out.total.rows, valid: out.total.valid, invalid: out.total.invalid },
      { rows: 4, valid: 2, invalid: 2 },
    );
    const byRow = out.records.map((r) => [r.rowNumber, r.errorType, r.severity, r.column ?? null]);
    assert.deepEqual(byRow, [
      [5, "ValidationError", "HIGH", "order_id"],
      [5, "ValidationError", "MEDIUM", "email"],
      [5, "ValidationError", "MEDIUM", "amount"],
      [5, "ValidationError", "MEDIUM", "quantity"],
      [5, "ValidationError", "MEDIUM", "status"],
      [5, "ValidationError", "MEDIUM", "ordered_at"],
      [5, "ValidationError", "MEDIUM", "updated_at"],
      [6, "ParseError", "HIGH", null],
    ]);
    assert.deepEqual(out.total.byType, { ValidationError: 7, ParseError: 1 });
    assert.deepEqual(out.total.bySeverity, { LOW: 0, MEDIUM: 6, HIGH: 2, CRITICAL: 0 });
    const rec = out.records[1];
    assert.equal(rec.recordData.email, "***");
    assert.ok(!rec.errorMessage.includes("not-an-email"));
    assert.equal(rec.severityRow, "2#000000000005");
    assert.equal(rec.timestamp, "2024-05-01T00:00:00.000Z");
    assert.equal(rec.processingStage, "process");
    assert.equal(rec.retryCount, 0);
    assert.match(rec.errorId, /^[0-9a-f]{32}$/);
    assert.equal(new Set(out.records.map((r) => r.errorId)).size, out.records.length);
    assert.match(out.records[7].recordData.raw, /^ORD-000004,,1,1,NEW/);
  });

  it("reads CRLF files and counts rows with quoted CRLF correctly", async () => {
    const text = `${HEADER}\r\n${GOOD}\r\nORD-000002,b@example.com,1,1,NEW,2024-05-01,2024-05-01T09:00:00Z,"a\r\nb"\r\nORD-x,b@example.com,1,1,NEW,2024-05-01,2024-05-01T09:00:00Z,\r\n`;
    const out = await run(text, { chunkRows: 1, piece: 5 });
    assert.equal(out.total.rows, 3);
    assert.deepEqual(
      out.records.map((r) => r.rowNumber),
      [5],
    );
    assert.equal(out.rows[1].fields[7], "a\r\nb");
  });

  it("records an unclosed quote at the end of the file as one CRITICAL ParseError naming the row", async () => {
    const out = await run(readFileSync(join(SAMPLES, "broken-unclosed-quote.csv")));
    assert.deepEqual(
      { rows: out.total.rows, valid: out.total.valid, invalid: out.total.invalid },
      { rows: 2, valid: 1, invalid: 1 },
    );
    assert.equal(out.records.length, 1);
    const [rec] = out.records;
    assert.deepEqual([rec.errorType, rec.severity, rec.rowNumber], ["ParseError", "CRITICAL", 3]);
    assert.equal(rec.recordNumber, 2, "the skipped record is the chunk's last: its number is known");
    assert.match(rec.errorMessage, /^The record on line 3 opens a quote that is never closed/);
    assert.ok(rec.recordData.raw.length <= RECORD_DATA_LIMITS.rawChars);
    assert.ok(!rec.recordData.raw.includes("b@example.com"), "the sensitive column of the raw line is masked");
  });

  it("handles a 1 MB field and bounds the stored row copy", async () => {
    const big = "x".repeat(1024 * 1024);
    const out = await run(`${HEADER}\n${GOOD.replace(",ok", `,"${big}"`)}\n${GOOD}\n`, { piece: 64 * 1024 });
    assert.equal(out.total.rows, 2);
    assert.equal(out.records.length, 1);
    assert.equal(out.records[0].column, "note");
    assert.match(out.records[0].errorMessage, /note must be at most 200 characters long \(got 1048576\)/);
    assert.equal(out.records[0].recordData.note.length, RECORD_DATA_LIMITS.valueChars);
    assert.ok(JSON.stringify(out.records[0].recordData).length < RECORD_DATA_LIMITS.totalChars + 400);
  });

  it("bounds recordData to 20 columns", async () => {
    const wide = parseSchema(
      `columns:\n${Array.from({ length: 30 }, (_, i) => `  - { name: c${i}, type: integer }`).join("\n")}\n`,
      "w.yaml",
    );
    const header = Array.from({ length: 30 }, (_, i) => `c${i}`).join(",");
    const row = Array.from({ length: 30 }, (_, i) => (i === 3 ? "x" : String(i))).join(",");
    const out = await runInMemory(Buffer.from(`${header}\n${row}\n`), wide);
    assert.equal(Object.keys(out.records[0].recordData).length, RECORD_DATA_LIMITS.columns);
  });

  it("reads Shift_JIS (sample) with Japanese headers and reports invalid bytes as EncodingError", async () => {
    const out = await runInMemory(
      readFileSync(join(SAMPLES, "orders-sjis.csv")),
      sampleSchema("orders-sjis.schema.yaml"),
    );
    assert.equal(out.split.encoding, "shift_jis");
    assert.deepEqual(out.split.header.slice(0, 3), ["注文番号", "顧客名", "メールアドレス"]);
    assert.deepEqual(
      { rows: out.total.rows, valid: out.total.valid, invalid: out.total.invalid },
      { rows: 40, valid: 35, invalid: 5 },
    );
    assert.deepEqual(out.total.byType, { ValidationError: 4, EncodingError: 1 });
    const status = out.records.find((r) => r.column === "状態");
    assert.match(status?.errorMessage ?? "", /状態 must be one of 新規, 支払済, 発送済 \(got "キャンセル"\)/);
    const enc = out.records.find((r) => r.errorType === "EncodingError");
    assert.equal(enc?.rowNumber, 43);
    assert.match(enc?.errorMessage ?? "", /not valid shift_jis in column 顧客名/);
  });

  it("reads a Shift_JIS file when the schema names the encoding", async () => {
    const schema = parseSchema(
      "encoding: shift_jis\ncolumns:\n  - { name: 名前, type: string, required: true }\n",
      "s.yaml",
    );
    const out = await runInMemory(iconv.encode("名前\r\n山田\r\n\r\n髙橋\r\n", "cp932"), schema, { piece: 1 });
    assert.deepEqual(
      out.rows.map((r) => [r.fields[0], r.rowNumber]),
      [
        ["山田", 2],
        ["髙橋", 4],
      ],
    );
  });

  it("counts every row of samples/orders.csv exactly", async () => {
    const out = await run(readFileSync(join(SAMPLES, "orders.csv")), { chunkRows: 100 });
    assert.equal(out.split.chunks.length, 10);
    assert.deepEqual(
      { rows: out.total.rows, valid: out.total.valid, invalid: out.total.invalid },
      { rows: 1000, valid: 891, invalid: 109 },
    );
    assert.deepEqual(out.total.byType, { ValidationError: 90, ParseError: 19 });
    assert.deepEqual(out.total.bySeverity, { LOW: 0, MEDIUM: 74, HIGH: 35, CRITICAL: 0 });
  });
});

describe("chunked processing (property)", () => {
  const fieldArb = fc.stringMatching(/^[a-z",\né日 ]{0,6}$/).map((s) => s.replace(/\n/g, (m) => m));
  const fileArb = fc.record({
    width: fc.integer({ min: 1, max: 4 }),
    rows: fc.array(fc.array(fieldArb, { minLength: 1, maxLength: 4 }), { minLength: 0, maxLength: 25 }),
    crlf: fc.boolean(),
    trailingNewline: fc.boolean(),
    forceQuotes: fc.boolean(),
    chunkRows: fc.integer({ min: 1, max: 4 }),
    piece: fc.integer({ min: 1, max: 9 }),
  });

  const encode = (f: string, forceQuotes: boolean, eol: string) => {
    const value = f.replace(/\n/g, eol);
    const needs = /[",\r\n]/.test(value);
    // Unquoted fields may carry a stray quote in the middle (relaxed quoting), never at the start.
    if (!forceQuotes && (!needs || (!/[,\r\n]/.test(value) && !value.startsWith('"')))) return value;
    return `"${value.replace(/"/g, '""')}"`;
  };

  it("gives exactly the rows (and row numbers) of parsing the whole file at once", async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async (f) => {
        const eol = f.crlf ? "\r\n" : "\n";
        const header = Array.from({ length: f.width }, (_, i) => `c${i}`);
        const lines = [header.join(","), ...f.rows.map((r) => r.map((v) => encode(v, f.forceQuotes, eol)).join(","))];
        const text = lines.join(eol) + (f.trailingNewline ? eol : "");
        const schema = parseSchema(
          `columns:\n${header.map((h) => `  - { name: ${h}, type: string }`).join("\n")}\n`,
          "p.yaml",
        );
        const out = await runInMemory(Buffer.from(text), schema, { chunkRows: f.chunkRows, piece: f.piece });

        // Oracle: each encoded line's first line number; csv-parse skips the blank ones.
        const starts: number[] = [];
        let line = 1;
        for (const l of lines) {
          starts.push(line);
          line += (l.match(/\n/g)?.length ?? 0) + 1;
        }
        const kept = starts.filter((_, i) => i > 0 && lines[i] !== "");
        const whole = parse(text, { ...CSV_PARSE_OPTIONS, record_delimiter: ["\r\n", "\n"] }) as string[][];
        assert.equal(whole.length - 1, kept.length);
        const expected = whole.slice(1).map((fields, i) => ({ fields, rowNumber: kept[i] }));
        assert.deepEqual(out.rows, expected);
        assert.equal(out.total.rows, expected.length);
        assert.equal(out.total.valid + out.total.invalid, out.total.rows);
      }),
      { numRuns: 300, seed: 20240501 },
    );
  });
});
