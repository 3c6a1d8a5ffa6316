import assert from "node:assert/strict";
import { parseSchema } from "../../../../functions/core/csv/schema";
import { sumFilled } from "../../../../functions/core/dataset/records";
import { runInMemory } from "../../../support/csv-fixtures";

const schema = parseSchema(
  JSON.stringify({
    header: "required",
    columns: [
      { name: "id", type: "string", required: true },
      { name: "note", type: "string" },
      { name: "tag", type: "string" },
    ],
    dataset: { completeness: { note: { min: 0.5 }, tag: { min: 0.1 } } },
  }),
  "filled.json",
);

describe("chunk filled counts", () => {
  it("counts per chunk the rows with a non-empty value in each completeness column; the sum is the file's", async () => {
    const csv = [
      "id,note,tag",
      "1,a,x",
      "2,,x",
      "3,   ,", // blanks only: empty, as for `required`
      "4,b,", // line 5
      "5,c", // wrong field count: not read as a row, so no value
      '6,"d\ne",x', // a value spanning lines counts once
      "",
    ].join("\n");

    const out = await runInMemory(Buffer.from(csv), schema, { chunkRows: 2 });

    assert.ok(out.results.length >= 3, "the rows fall in several chunks");
    assert.deepEqual(
      out.results.map((r) => r.filled),
      out.results.map((r) => r.filled && { note: r.filled.note, tag: r.filled.tag }),
      "only the columns the rules name",
    );
    assert.equal(out.total.rows, 6);
    assert.deepEqual(sumFilled(out.results), { note: 3, tag: 3 });
  });

  it("leaves `filled` out when the schema names no completeness column", async () => {
    const plain = parseSchema(
      JSON.stringify({ header: "required", columns: [{ name: "id", type: "string" }] }),
      "plain.json",
    );
    const out = await runInMemory(Buffer.from("id\n1\n2\n"), plain);
    assert.ok(out.results.every((r) => !("filled" in r)));
  });
});
