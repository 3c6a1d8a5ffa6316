import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { emptyExpected, generateOrderLines, ORDER_ID_SPAN, orderIdFor } from "../../scripts/generate-csv";

const ROOT = join(__dirname, "..", "..");
const schema = parseYaml(readFileSync(join(ROOT, "samples", "orders.schema.yaml"), "utf8")) as {
  columns: { name: string; pattern?: string }[];
};
const ORDER_ID = new RegExp(schema.columns.find((c) => c.name === "order_id")?.pattern ?? "^$");

describe("generateOrderLines", () => {
  it("gives six-digit order ids, wrapping after ORD-999999", () => {
    assert.equal(orderIdFor(1), "ORD-000001");
    assert.equal(orderIdFor(999_999), "ORD-999999");
    assert.equal(orderIdFor(1_000_000), "ORD-000001");
    assert.equal(orderIdFor(ORDER_ID_SPAN * 3 + 42), "ORD-000042");
    for (const i of [1, 999_999, 1_000_000, 1_000_001, 12_345_678]) assert.match(orderIdFor(i), ORDER_ID);
  });

  it("writes a file it counts as clean whose every order id matches the schema, past row 1,000,000", () => {
    const expected = emptyExpected();
    let rows = 0;
    let bad = 0;
    let last = "";
    let first = true;
    for (const line of generateOrderLines({ rows: 1_000_002, errorRate: 0, seed: 3 }, expected)) {
      if (first) {
        first = false;
        continue;
      }
      rows++;
      // A clean file has no quoted first field: the order id ends at the first comma.
      const id = line.slice(0, line.indexOf(","));
      if (!ORDER_ID.test(id)) bad++;
      last = id;
    }
    assert.equal(rows, 1_000_002);
    assert.equal(expected.rows, 1_000_002);
    assert.equal(expected.invalid, 0);
    assert.equal(bad, 0, "order ids that break ^ORD-[0-9]{6}$");
    assert.equal(last, "ORD-000003");
  });

  it("is deterministic: the same seed gives the same bytes and counts", () => {
    const run = () => {
      const expected = emptyExpected();
      const text = [...generateOrderLines({ rows: 2_000, errorRate: 0.1, seed: 11 }, expected)].join("");
      return { text, expected };
    };
    const a = run();
    const b = run();
    assert.equal(a.text, b.text);
    assert.deepEqual(a.expected, b.expected);
    assert.ok(a.expected.invalid > 100 && a.expected.invalid < 300, `about 10 % invalid, got ${a.expected.invalid}`);
  });
});
