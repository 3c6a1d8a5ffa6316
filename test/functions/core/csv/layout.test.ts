import assert from "node:assert/strict";
import { parseSchema, type RowSchema } from "../../../../functions/core/csv/schema";
import { type SplitOutcome, splitCsv } from "../../../../functions/core/csv/split";
import { renderValidationMessage } from "../../../../functions/core/csv/validation-messages";
import { pieces, sampleSchema } from "../../../support/csv-fixtures";

const orders = sampleSchema();
const HEADER = ["order_id", "email", "amount", "quantity", "status", "ordered_at", "updated_at", "note"];
const ROW = ["ORD-000001", "a@example.com", "10.00", "1", "NEW", "2024-05-01", "2024-05-01T09:00:00+09:00", "ok"];

function split(text: string, schema: RowSchema = orders, piece = 5): Promise<SplitOutcome> {
  const b = Buffer.from(text, "utf8");
  return splitCsv(pieces(b, piece), { totalBytes: b.length, schema, chunkRows: 100, chunkBytes: 1 << 20 });
}

const SEMICOLONS =
  "The file is separated by semicolons (;), not commas: save it as comma-separated CSV (UTF-8) and upload it again.";
const TABS =
  "The file is separated by tabs (a TSV file), not commas: save it as comma-separated CSV (UTF-8) and upload it again.";
const CR_ONLY =
  "The lines of the file end with a carriage return (CR) only, as on classic Mac OS, so the file reads as one line: save it with Windows (CRLF) or Unix (LF) line endings and upload it again.";

describe("file layout: delimiters and line endings", () => {
  it("names a semicolon-separated file instead of the columns a comma reading misses", async () => {
    const out = await split(`${HEADER.join(";")}\r\n${ROW.join(";")}\r\n`);

    assert.equal(out.status, "REJECTED");
    assert.equal(out.message, SEMICOLONS);
    assert.deepEqual(
      out.problems.map((p) => [p.rule, p.errorType, p.severity, p.detail?.key]),
      [["file:delimiter", "ParseError", "CRITICAL", "fileDelimiter"]],
    );
    assert.equal(
      renderValidationMessage(out.problems[0].detail!, "ja"),
      "ファイルの区切り文字がカンマではなくセミコロン(;)です。カンマ区切りの CSV(UTF-8)として保存し直して、もう一度アップロードしてください",
    );
  });

  it("names semicolons also when a column name holds a comma (the comma reading finds several columns)", async () => {
    const header = [...HEADER, "amount (1,000 JPY)"].join(";");
    const out = await split(`${header}\n${[...ROW, "1"].join(";")}\n`);
    assert.equal(out.message, SEMICOLONS);
  });

  it("names a tab-separated file", async () => {
    const out = await split(`${HEADER.join("\t")}\n${ROW.join("\t")}\n`);
    assert.equal(out.status, "REJECTED");
    assert.equal(out.message, TABS);
  });

  it("names semicolons for a schema without required columns, where the comma reading would pass every row", async () => {
    const optional = parseSchema("columns:\n  - { name: a, type: string }\n  - { name: b, type: string }\n", "o.yaml");
    const out = await split("a;b\n1;2\n", optional);
    assert.equal(out.message, SEMICOLONS);
  });

  it("keeps the missing-column message when no other delimiter fits the schema either", async () => {
    const out = await split("id;name;price\n1;x;2\n");
    assert.equal(out.status, "REJECTED");
    assert.match(out.message ?? "", /^The header lacks the required columns order_id, email/);
  });

  it("takes comma-separated files whose values hold semicolons and tabs as they are", async () => {
    const row = [...ROW.slice(0, 7), '"a;b\tc"'].join(",");
    const out = await split(`${HEADER.join(",")}\n${row}\n`);
    assert.equal(out.status, "OK");
    const one = parseSchema("columns:\n  - { name: text, type: string, required: true }\n", "one.yaml");
    assert.equal((await split("text\na;b\n", one)).status, "OK");
  });

  it("names lines that end with a lone CR, whatever the piece size", async () => {
    for (const piece of [1, 4, 4096]) {
      const out = await split(`${HEADER.join(",")}\r${ROW.join(",")}\r${ROW.join(",")}\r`, orders, piece);
      assert.equal(out.status, "REJECTED", `piece ${piece}`);
      assert.equal(out.message, CR_ONLY);
      assert.deepEqual(
        out.problems.map((p) => [p.rule, p.errorType, p.severity]),
        [["file:cr-line-endings", "ParseError", "CRITICAL"]],
      );
    }
    const quoted = await split(`"order\rid",${HEADER.slice(1).join(",")}\r${ROW.join(",")}\r`);
    assert.equal(quoted.message, CR_ONLY, "a CR inside a quoted header name ends no line");
  });

  it("takes LF and CRLF files, and a lone CR inside a value, as they are", async () => {
    assert.equal((await split(`${HEADER.join(",")}\n${ROW.join(",")}\n`)).status, "OK");
    assert.equal((await split(`\uFEFF${HEADER.join(",")}\r\n${ROW.join(",")}\r\n`)).status, "OK");
    const crInValue = [...ROW.slice(0, 7), '"a\rb"'].join(",");
    assert.equal((await split(`${HEADER.join(",")}\n${crInValue}\r\n`)).status, "OK");
  });
});
