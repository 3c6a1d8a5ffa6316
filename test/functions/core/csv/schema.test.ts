import assert from "node:assert/strict";
import { MAX_ALIAS_COUNT, parseSchema } from "../../../../functions/core/csv/schema";
import { type RowProblem, RowValidator } from "../../../../functions/core/csv/validate";
import { sampleSchema } from "../../../support/csv-fixtures";

function problemsOf(validator: RowValidator, row: string[]): RowProblem[] {
  const out: RowProblem[] = [];
  validator.validate(row, out);
  return out;
}

describe("parseSchema", () => {
  it("reads the sample schemas and fills in defaults", () => {
    const schema = sampleSchema();
    assert.equal(schema.encoding, "auto");
    assert.equal(schema.columns.length, 8);
    assert.deepEqual(schema.columns[0], {
      name: "order_id",
      type: "string",
      required: true,
      pattern: "^ORD-[0-9]{6}$",
      severity: "HIGH",
      sensitive: false,
    });
    assert.equal(schema.columns[2].severity, "MEDIUM");
    assert.equal(sampleSchema("orders-sjis.schema.yaml").columns[0].name, "注文番号");
  });

  it("reads JSON as well as YAML", () => {
    const schema = parseSchema('{"encoding":"shift_jis","columns":[{"name":"a","type":"integer","min":1}]}', "s.json");
    assert.equal(schema.encoding, "shift_jis");
    assert.equal(schema.columns[0].min, 1);
  });

  it("reports every problem with its path and names the file", () => {
    const text = [
      "encoding: latin1",
      "extra: 1",
      "columns:",
      '  - { name: id, type: string, pattern: "([" }',
      "  - { name: id, type: number, foo: 1 }",
      "  - { type: enum }",
      '  - { name: n, type: integer, min: 5, max: 1, required: "yes", severity: URGENT }',
      "  - { name: s, type: string, values: [a] }",
    ].join("\n");
    let message = "";
    assert.throws(
      () => parseSchema(text, "bad.schema.yaml"),
      (err: Error) => {
        message = err.message;
        return err.name === "InputError";
      },
    );
    assert.match(message, /^Row schema bad\.schema\.yaml has 12 problems:/);
    for (const expected of [
      "encoding: expected one of auto, utf-8, shift_jis",
      "extra: unknown key",
      "columns[1].type: expected one of string, integer, decimal, date, datetime, email, enum",
      "columns[1].foo: unknown key",
      "columns[2].name: is required",
      "columns[3].required: expected true or false",
      "columns[3].severity: expected one of LOW, MEDIUM, HIGH, CRITICAL",
      "columns[0].pattern: invalid regular expression",
      "columns[1].name: duplicate column name (also columns[0])",
      "columns[2].values: required for type enum",
      "columns[3].max: must be ≥ min (5)",
      "columns[4].values: only applies to type enum",
    ]) {
      assert.ok(message.includes(expected), `missing "${expected}" in:\n${message}`);
    }
  });

  it("rejects syntax errors with their line, and an empty file", () => {
    assert.throws(
      () => parseSchema("columns: [ {a: 1", "x.yaml"),
      /Row schema x\.yaml is not valid YAML or JSON:\n {2}line 1, column \d+/,
    );
    assert.throws(() => parseSchema("", "empty.yaml"), /Row schema empty\.yaml is empty/);
    assert.throws(() => parseSchema("columns: []", "none.yaml"), /columns: must list at least one column/);
  });
});

describe("parseSchema and YAML aliases", () => {
  /** Nine aliases of the level below on each level: 9^6 columns once expanded ("billion laughs"). */
  const bomb = [
    "a: &a [{ name: x, type: string }, { name: x, type: string }, { name: x, type: string }]",
    ..."bcdef".split("").map((level, i) => {
      const below = "abcdef"[i];
      return `${level}: &${level} [${Array(9).fill(`*${below}`).join(", ")}]`;
    }),
    "columns: *f",
  ].join("\n");

  it("refuses an alias bomb with an InputError that names the file and the alias limit", () => {
    assert.throws(
      () => parseSchema(bomb, "schemas/bomb.schema.yaml"),
      (err: Error) =>
        err.name === "InputError" &&
        err.message ===
          `Row schema schemas/bomb.schema.yaml expands its YAML aliases (*name) more than ${MAX_ALIAS_COUNT} times (the YAML reader's maxAliasCount), as an alias bomb does; write the columns out without anchors (&name) and aliases, or with fewer of them.`,
    );
  });

  it("reads a schema that uses a few aliases", () => {
    const schema = parseSchema(
      "columns:\n  - { name: a, type: enum, values: &states [NEW, PAID] }\n  - { name: b, type: enum, values: *states }\n",
      "aliases.yaml",
    );
    assert.deepEqual(
      schema.columns.map((c) => [c.name, c.values]),
      [
        ["a", ["NEW", "PAID"]],
        ["b", ["NEW", "PAID"]],
      ],
    );
  });
});

describe("RowValidator", () => {
  const schema = parseSchema(
    `columns:
  - { name: id, type: string, required: true, pattern: "^A[0-9]+$", severity: HIGH }
  - { name: code, type: string, minLength: 2, maxLength: 3 }
  - { name: qty, type: integer, min: 1, max: 10 }
  - { name: price, type: decimal, min: 0 }
  - { name: day, type: date }
  - { name: at, type: datetime }
  - { name: mail, type: email, sensitive: true, required: true }
  - { name: state, type: enum, values: [NEW, DONE] }
`,
    "t.yaml",
  );
  const header = ["id", "code", "qty", "price", "day", "at", "mail", "state"];
  const v = new RowValidator(schema, header);
  const good = ["A1", "ab", "3", "0.50", "2024-02-29", "2024-05-01T09:30:00+09:00", "x@example.com", "NEW"];
  const withValue = (i: number, value: string) => good.map((g, k) => (k === i ? value : g));

  it("accepts a valid row and empty optional values", () => {
    assert.deepEqual(problemsOf(v, good), []);
    assert.deepEqual(problemsOf(v, ["A1", "", "", "", "", "", "x@example.com", ""]), []);
  });

  const cases: [number, string, string, RegExp][] = [
    [0, "B1", "id:pattern", /^id must match \^A\[0-9\]\+\$ \(got "B1"\)$/],
    [0, " ", "id:required", /^id is required but empty$/],
    [1, "a", "code:minLength", /code must be at least 2 characters long/],
    [1, "abcd", "code:maxLength", /code must be at most 3 characters long/],
    [2, "1.5", "qty:type", /qty must be a whole number \(got "1.5"\)/],
    [2, "11", "qty:max", /qty must be at most 10/],
    [2, "0", "qty:min", /qty must be at least 1/],
    [3, "1e3", "price:type", /price must be a decimal number/],
    [3, "-0.01", "price:min", /price must be at least 0 \(got "-0.01"\)/],
    [4, "2023-02-29", "day:type", /day must be a calendar date as YYYY-MM-DD/],
    [4, "2024-5-01", "day:type", /YYYY-MM-DD/],
    [5, "2024-05-01T09:30:00", "at:type", /ISO-8601 date-time with a UTC offset/],
    [5, "2024-05-01T24:00:00Z", "at:type", /ISO-8601/],
    [7, "new", "state:values", /state must be one of NEW, DONE \(got "new"\)/],
  ];
  for (const [i, value, rule, message] of cases) {
    it(`reports ${rule} for ${JSON.stringify(value)}`, () => {
      const problems = problemsOf(v, withValue(i, value));
      assert.equal(problems.length, 1);
      assert.equal(problems[0].rule, rule);
      assert.equal(problems[0].column, header[i]);
      assert.equal(problems[0].severity, i === 0 ? "HIGH" : "MEDIUM");
      assert.match(problems[0].message, message);
    });
  }

  it("never puts a sensitive value in a message", () => {
    const problems = problemsOf(v, withValue(6, "secret.person.example.com"));
    assert.equal(problems[0].rule, "mail:type");
    assert.ok(!problems[0].message.includes("secret"));
    assert.deepEqual(v.sensitive, [false, false, false, false, false, false, true, false]);
  });

  it("accepts the date-time forms it documents", () => {
    for (const at of ["2024-05-01T09:30Z", "2024-05-01T09:30:00.123+0900", "2024-12-31T23:59:59-05:00"]) {
      assert.deepEqual(problemsOf(v, withValue(5, at)), [], at);
    }
  });

  it("reports several problems of one row, one per column", () => {
    const problems = problemsOf(v, ["X", "a", "x", "-1", "2024-13-01", "now", "", "MAYBE"]);
    assert.deepEqual(
      problems.map((p) => p.rule),
      ["id:pattern", "code:minLength", "qty:type", "price:min", "day:type", "at:type", "mail:required", "state:values"],
    );
  });
});
