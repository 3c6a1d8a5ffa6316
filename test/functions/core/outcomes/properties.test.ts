import assert from "node:assert/strict";
import fc from "fast-check";
import iconv from "iconv-lite";
import type { CountsByType, ErrorRecord } from "../../../../functions/contract";
import { CSV_OUTPUT_EOL } from "../../../../functions/contract";
import { processChunkStream } from "../../../../functions/core/csv/chunk";
import { parseSchema, type RowSchema } from "../../../../functions/core/csv/schema";
import { splitCsv } from "../../../../functions/core/csv/split";
import type { ChunkOutcomeSink } from "../../../../functions/core/outcomes/chunk-outcomes";
import { csvLine, UTF8_BOM } from "../../../../functions/core/outcomes/csv-text";
import { pieces } from "../../../support/csv-fixtures";

/**
 * Row outcomes as the pipeline writes them, for generated files: every row lands in exactly one of the processed
 * parts and rows.csv; rows.csv, uploaded again, is rejected for the same errors; the processed parts, uploaded again,
 * hold no invalid row. The files go through the same split and chunk code as an upload, in memory.
 */

const SCHEMA_YAML = (encoding: string) => `encoding: ${encoding}
columns:
  - { name: code,   type: string,  required: true, pattern: "^[A-Z]{2}[0-9]{2}$", severity: HIGH }
  - { name: qty,    type: integer, min: 0, max: 99 }
  - { name: status, type: enum,    values: [新規, PAID] }
  - { name: note,   type: string,  maxLength: 12 }
`;

/** What one run of a file produced, composed as AggregateResults composes it. */
interface Outcome {
  status: string;
  rows: number;
  valid: number;
  invalid: number;
  errorsByType: CountsByType;
  /** One processed part per chunk: BOM + header + valid rows. */
  processedParts: string[];
  /** BOM + header + rejected rows. */
  rowsCsv: string;
  errorLines: string[][];
}

async function run(bytes: Uint8Array, schema: RowSchema, chunkRows: number, piece: number): Promise<Outcome> {
  const split = await splitCsv(pieces(bytes, piece), {
    totalBytes: bytes.length,
    schema,
    chunkRows,
    chunkBytes: 4 * 1024 * 1024,
  });
  const head = UTF8_BOM + csvLine(split.header);
  const out: Outcome = {
    status: split.status,
    rows: 0,
    valid: 0,
    invalid: 0,
    errorsByType: {},
    processedParts: [],
    rowsCsv: head,
    errorLines: [],
  };
  const count = (r: ErrorRecord) => {
    out.errorsByType[r.errorType] = (out.errorsByType[r.errorType] ?? 0) + 1;
    return undefined;
  };
  for (const p of split.problems) out.errorsByType[p.errorType] = (out.errorsByType[p.errorType] ?? 0) + 1;
  for (const chunk of split.chunks) {
    let part = head;
    const sink: ChunkOutcomeSink = {
      valid: (text) => {
        part += text + CSV_OUTPUT_EOL;
        return undefined;
      },
      rejected: (text) => {
        out.rowsCsv += text + CSV_OUTPUT_EOL;
        return undefined;
      },
      error: (fields) => {
        out.errorLines.push([...fields]);
        return undefined;
      },
    };
    const result = await processChunkStream(
      pieces(bytes.subarray(chunk.start, chunk.end), piece),
      {
        executionName: "exec-prop",
        startTime: "2026-11-30T00:00:00.000Z",
        chunk,
        header: split.header,
        encoding: split.encoding,
        schema,
        expiresAt: 1,
      },
      count,
      { outcomes: { sink, locale: "en" } },
    );
    out.rows += result.rows;
    out.valid += result.valid;
    out.invalid += result.invalid;
    out.processedParts.push(part);
  }
  return out;
}

const utf8 = (text: string) => Buffer.from(text, "utf8");

// Values: valid ones, invalid ones and ones that need quoting (commas, quotes, line breaks).
const codeArb = fc.oneof(fc.constantFrom("AB12", "ZZ00", "QX99"), fc.constantFrom("", "ab12", "A1", "ABC12", "=A1"));
const qtyArb = fc.oneof(fc.constantFrom("0", "7", "99"), fc.constantFrom("", "-1", "100", "x", "1.5"));
const statusArb = fc.constantFrom("新規", "PAID", "", "paid", "発送済");
const noteArb = fc.constantFrom(
  "",
  "ok",
  "a,b",
  'say "hi"',
  "二行\n目",
  "line\r\nbreak",
  "長すぎるメモです、とても長い",
);

const rowArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(codeArb, qtyArb, statusArb, noteArb).map((r) => [...r]) },
  // Ragged: too few or too many fields.
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc
        .tuple(
          codeArb.filter((c) => c !== ""),
          qtyArb,
        )
        .map((r) => [...r]),
      fc.tuple(codeArb, qtyArb, statusArb, noteArb, noteArb).map((r) => [...r]),
    ),
  },
);

const fileArb = fc.record({
  rows: fc.array(rowArb, { minLength: 0, maxLength: 30 }),
  blankAfter: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  shiftJis: fc.boolean(),
  schemaEncoding: fc.constantFrom("auto", "declared"),
  trailingNewline: fc.boolean(),
  chunkRows: fc.integer({ min: 1, max: 7 }),
  piece: fc.integer({ min: 1, max: 64 }),
});

function field(value: string, eol: string): string {
  const v = value.replace(/\r?\n/g, eol);
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

function fileText(f: {
  rows: string[][];
  blankAfter: boolean[];
  crlf: boolean;
  bom: boolean;
  shiftJis: boolean;
  trailingNewline: boolean;
}): { bytes: Uint8Array; dataRows: number } {
  const eol = f.crlf ? "\r\n" : "\n";
  const lines = ["code,qty,status,note"];
  f.rows.forEach((r, i) => {
    lines.push(r.map((v) => field(v, eol)).join(","));
    if (f.blankAfter[i] && i < f.rows.length - 1) lines.push("");
  });
  const text = lines.join(eol) + (f.trailingNewline ? eol : "");
  if (f.shiftJis) return { bytes: iconv.encode(text, "cp932"), dataRows: f.rows.length };
  return { bytes: utf8((f.bom ? "\uFEFF" : "") + text), dataRows: f.rows.length };
}

describe("row outcomes (property)", () => {
  it("every row is processed or rejected; rows.csv re-runs to the same errors; processed parts re-run clean", async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async (f) => {
        const { bytes, dataRows } = fileText(f);
        const encoding = f.schemaEncoding === "auto" ? "auto" : f.shiftJis ? "shift_jis" : "utf-8";
        const schema = parseSchema(SCHEMA_YAML(encoding), "p.yaml");
        const first = await run(bytes, schema, f.chunkRows, f.piece);
        assert.equal(first.status, "OK");

        // Processed rows + rejected rows = total, and the files hold exactly those rows.
        assert.equal(first.rows, dataRows);
        assert.equal(first.valid + first.invalid, first.rows);
        const reread = async (text: string) => run(utf8(text), schema, 1000, 4096);
        const rejected = await reread(first.rowsCsv);
        assert.equal(rejected.rows, first.invalid, "rows.csv holds every rejected row");

        // rows.csv, uploaded again: the same number of errors of the same types, every row rejected again.
        assert.deepEqual(rejected.errorsByType, first.errorsByType);
        assert.equal(rejected.invalid, first.invalid);
        assert.equal(rejected.errorLines.length, first.errorLines.length);

        // The processed parts, uploaded again: no invalid row, and every valid row is there.
        let processedRows = 0;
        for (const part of first.processedParts) {
          const again = await reread(part);
          assert.equal(again.invalid, 0, "a processed part holds no invalid row");
          processedRows += again.rows;
        }
        assert.equal(processedRows, first.valid);
      }),
      { numRuns: 150, seed: 20261130 },
    );
  });

  it("errors.csv lines name the record, its line, the column, type and severity", async () => {
    const text = 'code,qty,status,note\r\nAB12,7,PAID,ok\r\n\r\nab12,100,PAID,"two\r\nlines"\r\nZZ00,1\r\n';
    const out = await run(utf8(text), parseSchema(SCHEMA_YAML("auto"), "p.yaml"), 1, 3);
    assert.deepEqual(
      out.errorLines.map((l) => l.slice(0, 5)),
      [
        ["2", "4", "code", "ValidationError", "HIGH"],
        ["2", "4", "qty", "ValidationError", "MEDIUM"],
        ["3", "6", "", "ParseError", "HIGH"],
      ],
    );
    assert.equal(out.rowsCsv, '\uFEFFcode,qty,status,note\r\nab12,100,PAID,"two\r\nlines"\r\nZZ00,1\r\n');
    const head = "\uFEFFcode,qty,status,note\r\n";
    assert.equal(out.processedParts[0], `${head}AB12,7,PAID,ok\r\n`);
    for (const part of out.processedParts.slice(1)) assert.equal(part, head);
  });
});
