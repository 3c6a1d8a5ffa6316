import assert from "node:assert/strict";
import iconv from "iconv-lite";
import { HEADER_INLINE_MAX_BYTES } from "../../../../functions/contract";
import { checkHeader, parseHeaderLine } from "../../../../functions/core/csv/header";
import { renderValidationMessage } from "../../../../functions/core/csv/validation-messages";
import { buildErrorRecord } from "../../../../functions/core/records/error-record";
import { headerForState } from "../../../../functions/split-csv";
import { dynamoItemBytes } from "../../../../local/services/aws-limits";
import { runInMemory, sampleSchema } from "../../../support/csv-fixtures";

const schema = sampleSchema();
const LONG = `${"a".repeat(299_995)}TAIL!`;

/** The size DynamoDB gives a record, through the wire format the SDK's document client sends. */
function itemBytes(record: object): number {
  const wire = (v: unknown): Record<string, unknown> => {
    if (typeof v === "string") return { S: v };
    if (typeof v === "number") return { N: String(v) };
    if (typeof v === "boolean") return { BOOL: v };
    if (v === null) return { NULL: true };
    if (Array.isArray(v)) return { L: v.map(wire) };
    return { M: Object.fromEntries(Object.entries(v as object).map(([k, e]) => [k, wire(e)])) };
  };
  return dynamoItemBytes(wire(record).M as Record<string, Record<string, unknown>>);
}

describe("a header at AWS's limits", () => {
  it("names a 300,000-character extra column by position, length and first characters", () => {
    const { warnings, reject } = checkHeader(["order_id", "email", LONG], schema);

    assert.equal(reject, undefined);
    assert.equal(warnings.length, 1);
    const [w] = warnings;
    assert.equal(
      w.message,
      'The header has column 3 (300,000 characters: "aaaaaaaaaaaaaaaaaaaaaaaa…") that the row schema does not define; its values are not checked.',
    );
    assert.equal(w.column, "aaaaaaaaaaaaaaaaaaaaaaaa…");
    assert.deepEqual(w.detail, {
      key: "headerExtra",
      params: { name: "aaaaaaaaaaaaaaaaaaaaaaaa…", position: 3, length: 300_000 },
    });
    assert.equal(
      renderValidationMessage(w.detail as NonNullable<typeof w.detail>, "ja"),
      'ヘッダーの3列目(300,000文字: "aaaaaaaaaaaaaaaaaaaaaaaa…") は行スキーマに定義されていないため、値はチェックされません',
    );
    const record = buildErrorRecord(
      { executionName: "e", startTime: "2024-05-01T00:00:00.000Z", chunkId: 0, expiresAt: 1, processingStage: "split" },
      1,
      w,
      {},
    );
    assert.ok(itemBytes(record) < 2048, `${itemBytes(record)} bytes`);
  });

  it("keeps a short name whole, as before", () => {
    const { warnings } = checkHeader(["order_id", "email", "extra"], schema);

    assert.equal(
      warnings[0].message,
      'The header has a column "extra" that the row schema does not define; its values are not checked.',
    );
    assert.deepEqual(warnings[0].detail, { key: "headerExtra", params: { name: "extra" } });
  });

  it("names a long duplicated column shortly when it rejects the file", () => {
    const { reject } = checkHeader(["order_id", "email", LONG, LONG], schema);

    assert.ok(reject);
    assert.equal(
      reject.message,
      'The header names column 4 (300,000 characters: "aaaaaaaaaaaaaaaaaaaaaaaa…") twice (positions 3 and 4); rename or remove one and upload the file again.',
    );
  });

  it("warns of each of 12,000 columns with a short message", () => {
    const header = ["order_id", "email", ...Array.from({ length: 11_998 }, (_, i) => `c${i}`)];

    const { warnings } = checkHeader(header, schema);

    assert.equal(warnings.length, 11_998);
    assert.ok(warnings.every((w) => w.message.length < 200));
  });

  it("puts the header in the state only when it is small, else where it is in the object", () => {
    const small = ["order_id", "email"];
    const wide = Array.from({ length: 12_000 }, (_, i) => `column_${i}`);
    const range = { start: 3, end: 1000 };

    assert.deepEqual(headerForState(small, range), { header: small, headerRange: range });
    assert.deepEqual(headerForState(wide, range), { header: [], headerRange: range });
    assert.deepEqual(headerForState([LONG], range), { header: [], headerRange: range });
    const atLimit = ["x".repeat(HEADER_INLINE_MAX_BYTES - 4)];
    assert.equal(Buffer.byteLength(JSON.stringify(atLimit)), HEADER_INLINE_MAX_BYTES);
    assert.deepEqual(headerForState(atLimit, range).header, atLimit);
  });

  it("gives the header's byte range, after a BOM, so a chunk parses the same names from it", async () => {
    const text = `order_id,email,"${LONG}"\r\nORD-000001,a@example.com,1\r\n`;
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);

    const { split, total } = await runInMemory(bytes, schema);

    assert.equal(split.status, "OK");
    assert.deepEqual(split.headerRange, { start: 3, end: 3 + Buffer.byteLength(text.split("\r\n")[0]) + 2 });
    const range = split.headerRange as { start: number; end: number };
    assert.deepEqual(parseHeaderLine(bytes.subarray(range.start, range.end), split.encoding), split.header);
    assert.equal(total.rows, 1);
  });

  it("names a long column shortly when a row has bytes that are invalid in it", async () => {
    const bytes = Buffer.concat([
      Buffer.from(`order_id,email,${LONG}\nORD-000001,a@example.com,`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from("\n"),
    ]);

    const { records, total } = await runInMemory(bytes, schema);

    assert.equal(total.invalid, 1);
    const encoding = records.find((r) => r.errorType === "EncodingError");
    assert.ok(encoding, JSON.stringify(records.map((r) => r.errorType)));
    assert.match(encoding.errorMessage, /in column 3 \(300,000 characters: "a{24}…"\)/);
    assert.ok(itemBytes(encoding) < 4096, `${itemBytes(encoding)} bytes`);
  });

  it("parses a Shift_JIS header from its bytes", () => {
    const bytes = iconv.encode("注文番号,メール\r\n", "shift_jis");

    assert.deepEqual(parseHeaderLine(bytes, "shift_jis"), ["注文番号", "メール"]);
  });
});
