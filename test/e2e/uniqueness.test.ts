import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { STATE_NAMES as S } from "../../functions/contract";
import type { RunDocument } from "../../local/report/document";
import { type CliResult, parseDocument, ROOT, runCli, WEEKDAY_MORNING } from "../support/cli-runner";

const SCHEMA = `encoding: utf-8
header: required
columns:
  - { name: order_id, type: string, required: true, unique: true }
  - { name: email, type: string }
  - { name: ordered_at, type: string }
  - { name: note, type: string }
dataset:
  unique:
    - [email, ordered_at]
`;

/** 40 records in chunks of 10 (records 1–10, 11–20, 21–30, 31–40); record n is on line n + 1. */
const RECORDS = 40;
/** Records that repeat an earlier one: the key they repeat and the first occurrence's record number. */
const LATER: { record: number; key: "order_id" | "email+ordered_at"; first: number }[] = [
  { record: 6, key: "email+ordered_at", first: 5 }, // the same chunk
  { record: 22, key: "order_id", first: 3 }, // a value three times: 3, 22, 35
  { record: 28, key: "email+ordered_at", first: 7 },
  { record: 31, key: "order_id", first: 12 }, // both keys of record 12
  { record: 31, key: "email+ordered_at", first: 12 },
  { record: 35, key: "order_id", first: 3 },
];
const REJECTED = [...new Set(LATER.map((l) => l.record))];

/** The file's records: unique values, then the repeats of {@link LATER}; blank emails never repeat one another. */
function fileRecords(): string[][] {
  const rows: string[][] = [];
  for (let n = 1; n <= RECORDS; n++)
    rows.push([
      `ORD-${String(n).padStart(3, "0")}`,
      `u${n}@example.com`,
      `2024-01-${String(n).padStart(2, "0")}`,
      `n${n}`,
    ]);
  const copy = (n: number, from: number, columns: number[]) => {
    for (const c of columns) rows[n - 1][c] = rows[from - 1][c];
  };
  copy(6, 5, [1, 2]);
  copy(22, 3, [0]);
  copy(28, 7, [1, 2]);
  copy(31, 12, [0, 1, 2]);
  copy(35, 3, [0]);
  // Empty values take no part: two records with an empty email and the same date are no duplicates.
  rows[15][1] = "";
  rows[36][1] = "";
  rows[36][2] = rows[15][2];
  return rows;
}

const HEADER = ["order_id", "email", "ordered_at", "note"];
const toCsv = (rows: string[][]) => `${[HEADER, ...rows].map((r) => r.join(",")).join("\n")}\n`;
/** A CSV output's records, its byte order mark dropped. */
const records = (path: string): string[][] => parse(readFileSync(path), { bom: true, relax_column_count: true });

describe("uniqueness across the whole file, run locally end to end", function () {
  this.timeout(240_000);
  const dir = join(ROOT, ".tmp", `e2e-unique-${process.pid}`);
  const csv = join(dir, "orders.csv");
  const schema = join(dir, "orders.schema.yaml");
  const config = join(dir, "config.yaml");
  const tmps: string[] = [];

  before(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(csv, toCsv(fileRecords()));
    writeFileSync(schema, SCHEMA);
    writeFileSync(config, "chunkRows: 10\nnotifyPolicy: { locale: en }\n");
  });
  after(() => {
    for (const t of tmps.splice(0)) rmSync(t, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(file: string, out: string, pattern: string): Promise<{ doc: RunDocument; result: CliResult }> {
    const result = await runCli([
      file,
      "--schema",
      schema,
      "--config",
      config,
      "--pattern",
      pattern,
      "--out",
      out,
      "--json",
      "--now",
      WEEKDAY_MORNING,
    ]);
    tmps.push(result.tmp);
    assert.equal(result.code, 0, result.stderr);
    return { doc: parseDocument(result), result };
  }

  for (const pattern of ["sequential", "parallel"]) {
    describe(`${pattern} pattern`, () => {
      const out = join(dir, `out-${pattern}`);
      let doc: RunDocument;

      before(async () => {
        ({ doc } = await run(csv, out, pattern));
      });

      it("finds every later occurrence, also across chunks, with one DuplicateError per key repeated", () => {
        assert.equal(doc.status, "SUCCEEDED");
        assert.deepEqual(doc.errors.byType, { DuplicateError: LATER.length });
        assert.equal(doc.errors.bySeverity.HIGH, LATER.length, "a unique key's default severity is HIGH");
        assert.deepEqual(doc.rows, { total: RECORDS, valid: RECORDS - REJECTED.length, invalid: REJECTED.length });
        assert.equal(doc.rows.total, doc.rows.valid + doc.rows.invalid);
        for (const state of [S.findDuplicates, S.applyDuplicates]) assert.ok(doc.states.includes(state), state);
      });

      it("puts exactly the later occurrences in rejected/rows.csv and none in a processed part", () => {
        const rejected = records(join(out, "rejected", "rows.csv"));
        const all = fileRecords();
        assert.deepEqual(rejected[0], HEADER);
        assert.deepEqual(
          rejected.slice(1),
          REJECTED.map((n) => all[n - 1]),
        );
        const processed = readdirSync(join(out, "processed"))
          .filter((f) => f.endsWith(".csv"))
          .sort()
          .flatMap((f) => records(join(out, "processed", f)).slice(1));
        const kept = all.filter((_, i) => !REJECTED.includes(i + 1));
        assert.deepEqual(processed, kept, "the first occurrences stay, in order");
      });

      it("names the first occurrence's record and line in errors.csv", () => {
        const [, ...lines] = records(join(out, "rejected", "errors.csv"));
        const duplicates = lines
          .filter((l) => l[3] === "DuplicateError")
          .map(([row, line, column, , severity, message]) => ({ row, line, column, severity, message }));
        const expected = LATER.map((l) => ({
          row: String(l.record),
          line: String(l.record + 1),
          column: l.key === "order_id" ? "order_id" : "",
          severity: "HIGH",
          // A one-column key that is not sensitive shows the value, as validation messages do.
          message: `${l.key} repeats the value of record ${l.first} (line ${l.first + 1}): each value may appear once in the file${
            l.key === "order_id" ? ` (got "${fileRecords()[l.record - 1][0]}")` : ""
          }`,
        }));
        const order = (a: { row: string; message: string }, b: { row: string; message: string }) =>
          Number(a.row) - Number(b.row) || a.message.localeCompare(b.message);
        assert.deepEqual(duplicates.sort(order), expected.sort(order));
      });

      it("lists the duplicates in the notice", () => {
        const slack = doc.notifications.find((n) => n.channel === "slack");
        assert.ok(slack, JSON.stringify(doc.notifications));
        assert.match(slack.body, /DuplicateError/);
        assert.match(slack.body, /repeats the value of record 3 \(line 4\)/);
      });
    });
  }

  // After both patterns' runs (a describe's own tests run before its nested ones).
  describe("a re-run of rejected/rows.csv", () => {
    it("checks the re-run among its own rows only", async () => {
      // rows.csv holds records 6, 22, 28, 31 and 35 as records 1–5: 22 and 35 repeat ORD-003 (its first occurrence,
      // record 3, stayed in the original), so 35 (now record 5, line 6) repeats 22 (now record 2, line 3); nothing
      // else repeats within the file.
      const rerunOut = join(dir, "out-rerun");
      const rows = join(dir, "out-sequential", "rejected", "rows.csv");
      const { doc } = await run(rows, rerunOut, "sequential");
      assert.deepEqual(doc.errors.byType, { DuplicateError: 1 });
      assert.deepEqual(doc.rows, { total: 5, valid: 4, invalid: 1 });
      const [, ...lines] = records(join(rerunOut, "rejected", "errors.csv"));
      assert.deepEqual(
        lines.map((l) => [l[0], l[1], l[3], l[5]]),
        [
          [
            "5",
            "6",
            "DuplicateError",
            'order_id repeats the value of record 2 (line 3): each value may appear once in the file (got "ORD-003")',
          ],
        ],
      );
      assert.deepEqual(records(join(rerunOut, "rejected", "rows.csv")).slice(1), [fileRecords()[34]]);
    });
  });
});
