import assert from "node:assert/strict";
import { uniqueKeysOf } from "../../../../functions/core/csv/dataset-schema";
import { parseSchema } from "../../../../functions/core/csv/schema";

const COLUMNS = [
  "columns:",
  "  - { name: order_id, type: string, unique: true }",
  "  - { name: email, type: email, severity: CRITICAL, unique: true }",
  "  - { name: ordered_at, type: date }",
  "  - { name: note, type: string }",
];

function problemsOf(text: string): string {
  try {
    parseSchema(text, "feed.schema.yaml");
  } catch (err) {
    assert.equal((err as Error).name, "InputError");
    return (err as Error).message;
  }
  assert.fail("the schema was accepted");
}

describe("the row schema's dataset rules", () => {
  it("resolves unique keys to one form that reads back unchanged", () => {
    const schema = parseSchema(
      [
        ...COLUMNS,
        "dataset:",
        "  unique:",
        "    - [email, ordered_at]",
        "    - { columns: [note], severity: LOW }",
        "  rowCount: { min: 100, max: 5000000, severity: CRITICAL }",
        "  completeness:",
        "    note: { min: 0.8 }",
        "  history:",
        "    rowCount: { minRatio: 0.5, maxRatio: 2.0 }",
        "    errorRate: { maxRatio: 3.0 }",
      ].join("\n"),
      "feed.schema.yaml",
    );
    assert.deepEqual(schema.columns[0].unique, { severity: "HIGH" });
    assert.deepEqual(schema.columns[1].unique, { severity: "CRITICAL" });
    assert.equal(schema.columns[2].unique, undefined);
    assert.deepEqual(schema.dataset, {
      unique: [
        { columns: ["email", "ordered_at"], severity: "HIGH" },
        { columns: ["note"], severity: "LOW" },
      ],
      rowCount: { min: 100, max: 5000000, severity: "CRITICAL" },
      completeness: { note: { min: 0.8, severity: "HIGH" } },
      history: {
        window: 10,
        minRuns: 3,
        rowCount: { minRatio: 0.5, maxRatio: 2, severity: "HIGH" },
        errorRate: { maxRatio: 3, severity: "HIGH" },
      },
    });
    // The stack uploads the parsed schema as JSON and each Lambda parses it again: nothing may change on the way.
    assert.deepEqual(parseSchema(JSON.stringify(schema), "schema.json"), schema);
    assert.deepEqual(uniqueKeysOf(schema), [
      { name: "order_id", columns: ["order_id"], severity: "HIGH" },
      { name: "email", columns: ["email"], severity: "CRITICAL" },
      { name: "email+ordered_at", columns: ["email", "ordered_at"], severity: "HIGH" },
      { name: "note", columns: ["note"], severity: "LOW" },
    ]);
  });

  it("lists a key once when a column is unique and also listed alone", () => {
    const schema = parseSchema([...COLUMNS, "dataset:", "  unique: [[order_id], [email, note]]"].join("\n"), "s.yaml");
    assert.deepEqual(
      uniqueKeysOf(schema).map((k) => k.name),
      ["order_id", "email", "email+note"],
    );
  });

  it("names each bad key of the dataset section, and unknown columns with the schema's columns", () => {
    const message = problemsOf(
      [
        ...COLUMNS,
        "dataset:",
        "  unique: [[email, nope, email], { columns: [] }]",
        "  rowCount: { min: 10, max: 5 }",
        "  completeness:",
        "    missing: { min: 1.5 }",
        "  history: { window: 0, rowCount: {}, errorRate: { maxRatio: -1 } }",
        "  freshness: 1",
      ].join("\n"),
    );
    for (const expected of [
      'dataset.unique[0][1]: unknown column "nope"; the schema\'s columns are order_id, email, ordered_at, note',
      'dataset.unique[0][2]: names "email" twice in one key',
      "dataset.rowCount: min must not be greater than max",
      'dataset.completeness.missing: unknown column "missing"',
      "dataset.completeness.missing.min: must be between 0 and 1",
      "dataset.history.window: must be 1 or more",
      "dataset.history.rowCount: set minRatio, maxRatio or both",
      "dataset.history.errorRate.maxRatio: must be greater than 0",
      "dataset.freshness: unknown key",
    ]) {
      assert.ok(message.includes(expected), `missing "${expected}" in:\n${message}`);
    }
  });

  it("refuses a unique flag that is not true, false or { severity }", () => {
    assert.match(
      problemsOf([...COLUMNS.slice(0, 2), "  - { name: a, type: string, unique: yes }"].join("\n")),
      /columns\[1\]\.unique: expected true, false or \{ severity \}/,
    );
    const schema = parseSchema(
      [...COLUMNS.slice(0, 2), "  - { name: a, type: string, unique: false }"].join("\n"),
      "s.yaml",
    );
    assert.equal(schema.columns[1].unique, undefined);
    assert.equal("unique" in schema.columns[1], false);
  });
});
