import assert from "node:assert/strict";
import type { RowSchema } from "../../../../functions/core/csv/schema";
import { type RowProblem, RowValidator } from "../../../../functions/core/csv/validate";
import { renderValidationMessage } from "../../../../functions/core/csv/validation-messages";

const SCHEMA = {
  encoding: "utf-8",
  header: "required",
  columns: [
    { name: "order_id", type: "string", required: true, pattern: "^ORD-[0-9]{6}$", severity: "HIGH" },
    { name: "email", type: "email", required: true, severity: "MEDIUM", sensitive: true },
    { name: "amount", type: "decimal", required: false, severity: "MEDIUM", min: 0 },
  ],
} as unknown as RowSchema;

describe("RowValidator messages", () => {
  it("gives each problem a message key and values, and the English message rendered from them", () => {
    const out: RowProblem[] = [];

    new RowValidator(SCHEMA, ["order_id", "email", "amount"]).validate(["ORD-1", "", "-3"], out);

    assert.deepEqual(
      out.map((p) => p.detail),
      [
        { key: "pattern", params: { column: "order_id", pattern: "^ORD-[0-9]{6}$", value: "ORD-1" } },
        { key: "required", params: { column: "email" } },
        { key: "min", params: { column: "amount", min: 0, value: "-3" } },
      ],
    );
    assert.equal(out[0].message, 'order_id must match ^ORD-[0-9]{6}$ (got "ORD-1")');
    assert.equal(out.length, 3);
    for (const p of out) assert.equal(p.message, renderValidationMessage(p.detail!, "en"));
  });

  it("keeps no value of a sensitive column", () => {
    const out: RowProblem[] = [];

    new RowValidator(SCHEMA, ["order_id", "email", "amount"]).validate(["ORD-000001", "not-mail", ""], out);

    assert.deepEqual(out[0].detail, { key: "email", params: { column: "email" } });
    assert.doesNotMatch(out[0].message, /not-mail/);
  });

  it("renders a message in Japanese", () => {
    const ja = renderValidationMessage({ key: "min", params: { column: "amount", min: 0, value: "-3" } }, "ja");

    assert.equal(ja, 'amount は 0 以上にしてください(値: "-3")');
  });
});
