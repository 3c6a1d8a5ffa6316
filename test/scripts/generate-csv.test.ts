import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../../local/usage-error";
import {
  emptyExpected,
  generateOrderLines,
  ORDER_ID_SPAN,
  orderIdFor,
  parseGenerateArgs,
} from "../../scripts/generate-csv";

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

describe("parseGenerateArgs", () => {
  it("defaults to 1000 rows, a 10 % error rate and seed 1, and takes --flag=value", () => {
    assert.deepEqual(parseGenerateArgs(["--out", "a.csv"]), { rows: 1000, errorRate: 0.1, seed: 1, out: "a.csv" });
    assert.deepEqual(parseGenerateArgs(["--rows=5", "--error-rate", "0", "--seed=-3", "--out=b.csv"]), {
      rows: 5,
      errorRate: 0,
      seed: -3,
      out: "b.csv",
    });
  });

  const usage = "usage: generate-csv --rows N --error-rate 0.1 --seed S --out file.csv";
  const bad: [string[], string][] = [
    [["--frob", "1"], `${usage} (bad argument "--frob")`],
    [["x.csv"], `${usage} (bad argument "x.csv")`],
    [["--rows", "5", "--out"], `${usage} (bad argument "--out")`],
    [["--out", "--rows", "5"], `${usage} (bad argument "--out")`],
    [
      ["--seed", "-5", "--out", "a.csv"],
      `${usage} (bad argument "--seed": give a value that starts with "-" as --seed=-5)`,
    ],
    [["--rows=-1", "--out", "a.csv"], "--rows must be a whole number ≥ 0"],
    [["--rows", "2.5", "--out", "a.csv"], "--rows must be a whole number ≥ 0"],
    [["--error-rate", "2", "--out", "a.csv"], "--error-rate must be between 0 and 1"],
    [["--seed", "x", "--out", "a.csv"], "--seed must be a whole number"],
    [[], "--out is required"],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${argv.join(" ") || "no arguments"} with one line: ${message}`, () => {
      assert.throws(
        () => parseGenerateArgs(argv),
        (err: unknown) => err instanceof UsageError && err.message === message,
      );
    });
  }
});
