import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { sniffNotText } from "../../../../functions/core/csv/sniff";
import { INVALID_UTF8_MARK, Utf8Guard } from "../../../../functions/core/csv/utf8";
import { runInMemory, SAMPLES, sampleSchema } from "../../../support/csv-fixtures";

const orders = sampleSchema();
const HEADER = "order_id,email,amount,quantity,status,ordered_at,updated_at,note";
const row = (note: string) => `ORD-000001,a@example.com,10.00,1,NEW,2024-05-01,2024-05-01T09:00:00+09:00,${note}`;

/** Runs bytes through the guard in pieces of `size` and returns the decoded text. */
function guarded(bytes: Uint8Array, size: number): string {
  const g = new Utf8Guard();
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(g.push(bytes.subarray(i, i + size)));
  out.push(g.end());
  return Buffer.concat(out).toString("utf8");
}

describe("Utf8Guard", () => {
  it("passes valid UTF-8 through unchanged whatever the piece size, a literal U+FFFD included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.integer({ min: 1, max: 7 }), (text, size) => {
        assert.equal(guarded(Buffer.from(`${text}\uFFFD`, "utf8"), size), `${text}\uFFFD`);
      }),
    );
  });

  it("marks each maximal invalid subpart once, as a strict decoder counts them, across piece boundaries", () => {
    // a, あ, a lone 0xFF, b, a truncated あ (E3 81) before c, then a cut sequence at the very end.
    const bytes = Buffer.from([0x61, 0xe3, 0x81, 0x82, 0xff, 0x62, 0xe3, 0x81, 0x63, 0xe3]);
    const M = INVALID_UTF8_MARK;
    for (const size of [1, 2, 3, 10]) assert.equal(guarded(bytes, size), `aあ${M}b${M}c${M}`, `piece ${size}`);
    const replaced = new TextDecoder("utf-8").decode(bytes);
    assert.equal(guarded(bytes, 4).split(M).length, replaced.split("\uFFFD").length);
  });
});

describe("invalid bytes versus literal replacement characters", () => {
  it("records no EncodingError for valid UTF-8 that holds U+FFFD", async () => {
    const out = await runInMemory(Buffer.from(`${HEADER}\n${row("damaged \uFFFD before")}\n`), orders);
    assert.deepEqual([out.total.rows, out.total.invalid, out.records.length], [1, 0, 0]);
  });

  it("records an EncodingError naming the column for bytes that are not UTF-8, and shows them as U+FFFD", async () => {
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\n${row("bad ")}`), Buffer.from([0xff, 0x0a])]);
    const out = await runInMemory(bytes, orders, { piece: 5 });
    assert.equal(out.records.length, 1);
    assert.equal(out.records[0].errorType, "EncodingError");
    assert.match(out.records[0].errorMessage, /not valid utf-8 in column note/);
    assert.equal(out.records[0].recordData.note, "bad \uFFFD");
  });
});

describe("sniffNotText", () => {
  const csv = readFileSync(join(SAMPLES, "orders.csv"));
  const cases: [string, Uint8Array, string][] = [
    ["a gzip file", gzipSync(csv), "gzip-compressed"],
    ["a ZIP or XLSX file", Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(200)]), "ZIP or XLSX"],
    ["a PDF", Buffer.from("%PDF-1.7\n%âãÏÓ\n1 0 obj\n"), "PDF"],
    ["random bytes", randomBytes(4096), "binary"],
    ["UTF-16 text", Buffer.from(`\uFEFF${HEADER}\n`, "utf16le"), "UTF-16 text"],
    ["short binary without NUL", Buffer.from([0x81, 0xff, 0xfe, 0x80, 0x9f, 0xfd, 0xa0, 0xff, 0x85, 0xfc]), "binary"],
  ];
  for (const [what, bytes, looksLike] of cases) {
    it(`names ${what} as ${looksLike}`, () => {
      assert.equal(sniffNotText(bytes)?.looksLike, looksLike);
    });
  }

  it("takes UTF-8, UTF-8 with BOM and Shift_JIS CSV files for text", () => {
    assert.equal(sniffNotText(csv), null);
    assert.equal(sniffNotText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), csv])), null);
    assert.equal(sniffNotText(readFileSync(join(SAMPLES, "orders-sjis.csv"))), null);
    assert.equal(sniffNotText(csv.subarray(0, 65_536 + 1)), null);
  });

  it("makes split reject a gzip file with one CRITICAL record that says what it looks like and what to do", async () => {
    const out = await runInMemory(gzipSync(csv), orders);
    assert.equal(out.split.status, "REJECTED");
    assert.equal(out.split.problems.length, 1);
    const [problem] = out.split.problems;
    assert.equal(problem.severity, "CRITICAL");
    assert.equal(
      problem.message,
      "The file is not CSV text: it is gzip-compressed. To fix it, decompress it (gunzip) and upload the CSV inside.",
    );
  });
});

describe("NUL bytes in rows", () => {
  const note = (text: string) => row(text);

  // recordData shows control characters as \xNN (as every record does) and masks the sensitive email.
  it("rejects each row that holds one, naming its line and the byte's offset, whatever the piece size", async () => {
    // A blank line, a quoted note over two lines, a row of the wrong width, then a row without NUL.
    const text = `\uFEFF${HEADER}\n${note("a")}\n\n${note('"b\nc\0"')}\n${note("d")}\n1,\0,3\n${note("e\0")}\r\n${note("f")}\n`;
    const bytes = Buffer.from(text, "utf8");
    const offsets = [bytes.indexOf(0), bytes.indexOf(0, bytes.indexOf(0) + 1)];
    offsets.push(bytes.indexOf(0, offsets[1] + 1));
    for (const piece of [1, 3, 4096]) {
      const out = await runInMemory(bytes, orders, { piece, chunkRows: 2 });
      assert.deepEqual([out.total.rows, out.total.invalid], [6, 3], `piece ${piece}`);
      assert.deepEqual(
        out.records.map((r) => [r.rowNumber, r.errorType, r.severity, r.recordData.note ?? r.recordData.raw]),
        [
          [4, "EncodingError", "HIGH", "b\\x0ac\\x00"],
          [7, "EncodingError", "HIGH", "1,***,3"],
          [8, "EncodingError", "HIGH", "e\\x00"],
        ],
        `piece ${piece}`,
      );
      out.records.forEach((r, i) => {
        assert.match(
          r.errorMessage,
          new RegExp(`^The record on line ${r.rowNumber} holds a NUL byte at byte offset ${offsets[i]} of the file`),
        );
      });
      assert.match(out.records[0].errorMessage, /in column note;/);
      assert.doesNotMatch(out.records[1].errorMessage, /in column/);
    }
  });

  it("reads a NUL byte in a Shift_JIS file at its byte offset", async () => {
    const sjis = sampleSchema("orders-sjis.schema.yaml");
    const file = readFileSync(join(SAMPLES, "orders-sjis.csv"));
    const lineEnd = file.indexOf(0x0a, file.indexOf(0x0a) + 1);
    const bytes = Buffer.concat([file.subarray(0, lineEnd), Buffer.from([0]), file.subarray(lineEnd)]);
    const out = await runInMemory(bytes, sjis, { piece: 7 });
    const nul = out.records.filter((r) => r.errorMessage.includes("NUL"));
    assert.deepEqual(
      nul.map((r) => r.rowNumber),
      [2],
    );
    assert.match(nul[0].errorMessage, new RegExp(`line 2 holds a NUL byte at byte offset ${lineEnd} of the file`));
  });
});
