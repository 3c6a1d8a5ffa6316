import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import type { RunDocument } from "../../local/report/document";
import { parseDocument, ROOT, runCli, WEEKDAY_MORNING } from "../support/cli-runner";

/**
 * The sample (1,000 rows; `note` has a value in 625 of them) against its schema with two dataset rules it breaks: at
 * least 5,000 rows, and `note` in at least 80% of the rows. Chunks of 300 rows: the completeness is summed over four.
 */
describe("dataset rules in a local run", function () {
  this.timeout(120_000);
  const dir = join(ROOT, ".tmp", `e2e-dataset-${process.pid}`);
  const out = join(dir, "out");
  const tmps: string[] = [];
  let doc: RunDocument;
  let errorsCsv: string[][];

  before(async () => {
    mkdirSync(dir, { recursive: true });
    const schema = join(dir, "schema.yaml");
    writeFileSync(
      schema,
      `${readFileSync(join(ROOT, "samples", "orders.schema.yaml"), "utf8")}dataset:
  rowCount: { min: 5000, severity: CRITICAL }
  completeness:
    note: { min: 0.8 }
`,
    );
    const config = join(dir, "config.yaml");
    writeFileSync(config, "chunkRows: 300\nnotifyPolicy: { locale: en }\n");
    const result = await runCli([
      "samples/orders.csv",
      "--schema",
      schema,
      "--config",
      config,
      "--json",
      "--now",
      WEEKDAY_MORNING,
      "--out",
      out,
    ]);
    tmps.push(result.tmp);
    assert.equal(result.code, 0, result.stderr);
    doc = parseDocument(result);
    errorsCsv = parse(readFileSync(join(out, "rejected", "errors.csv")), { bom: true, relax_column_count: true });
  });
  after(() => {
    for (const t of tmps.splice(0)) rmSync(t, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("counts one DatasetError per broken rule, at the rule's severity, and leaves the row counts alone", () => {
    assert.equal(doc.status, "SUCCEEDED");
    assert.deepEqual(doc.rows, { total: 1000, valid: 891, invalid: 109 });
    assert.equal(doc.errors.byType.DatasetError, 2);
    assert.equal(doc.errors.total, 111);
    assert.equal(doc.errors.bySeverity.CRITICAL, 1, "the row count rule's CRITICAL");
    assert.ok(
      (doc.outcomes?.processedParts.length ?? 0) >= 4,
      `the rows fell in several chunks: ${doc.outcomes?.processedParts}`,
    );
  });

  it("lists the findings first in errors.csv, row and line empty", () => {
    assert.deepEqual(errorsCsv[0], ["row", "line", "column", "errorType", "severity", "message"]);
    assert.deepEqual(errorsCsv.slice(1, 3), [
      ["", "", "", "DatasetError", "CRITICAL", "The file has 1000 rows; the feed expects at least 5000"],
      ["", "", "note", "DatasetError", "HIGH", "note has a value in 62.5% of the rows; at least 80% is expected"],
    ]);
    assert.ok(errorsCsv.slice(3).every((l) => l[3] !== "DatasetError"));
    assert.equal(errorsCsv.length - 1, doc.outcomes?.errorCount, "the manifest counts the lines");
  });

  it("adds the findings to the run document's `dataset` and to report.html's Dataset section", () => {
    assert.deepEqual(doc.dataset, {
      findings: [
        { rule: "dataset:rowCount", severity: "CRITICAL", measured: 1000, bound: "≥ 5000" },
        { rule: "dataset:completeness:note", severity: "HIGH", measured: 0.625, bound: "≥ 80%" },
      ],
      notes: [],
    });
    const html = readFileSync(join(out, "report.html"), "utf8");
    const section = html.slice(html.indexOf('<h2 id="dataset">Dataset</h2>'), html.indexOf("<h2>Row outcomes</h2>"));
    assert.ok(
      section.includes(
        '<tr class="sev-HIGH"><td><code>dataset:completeness:note</code></td><td>HIGH</td><td class="num">62.5%</td><td>≥ 80%</td>',
      ),
      section,
    );
    assert.ok(
      section.includes('<code>dataset:rowCount</code></td><td>CRITICAL</td><td class="num">1000</td>'),
      section,
    );
  });

  it("pages on-call for the CRITICAL finding, listing the findings before the row examples", () => {
    const sns = doc.notifications.find((n) => n.channel === "sns");
    assert.equal(sns?.status, "sent");
    const body = sns?.body ?? "";
    const findings = body.indexOf(
      "Dataset findings:\n- [CRITICAL] The file has 1000 rows; the feed expects at least 5000\n- [HIGH] note has a value in 62.5% of the rows; at least 80% is expected\n",
    );
    assert.ok(findings > 0, body);
    assert.ok(body.indexOf("Critical errors (up to 5):") > findings, body);
  });
});

/**
 * The history rules over runs that keep their tables (`--state`): two runs of 10 rows, then one of 2 rows, which is
 * 0.2× the median of the feed's earlier runs (the rule wants at least 0.5×).
 */
describe("dataset history rules over local runs that keep their state", function () {
  this.timeout(180_000);
  const dir = join(ROOT, ".tmp", `e2e-dataset-history-${process.pid}`);
  const tmps: string[] = [];
  const docs: RunDocument[] = [];
  let errorsCsv: string[][];
  let html: string;

  before(async () => {
    mkdirSync(dir, { recursive: true });
    const schema = join(dir, "schema.yaml");
    writeFileSync(
      schema,
      `${readFileSync(join(ROOT, "samples", "orders.schema.yaml"), "utf8")}dataset:
  history:
    minRuns: 2
    rowCount: { minRatio: 0.5, maxRatio: 2 }
`,
    );
    const lines = readFileSync(join(ROOT, "samples", "orders.csv"), "utf8").split(/\r?\n/);
    writeFileSync(join(dir, "ten.csv"), `${lines.slice(0, 11).join("\n")}\n`);
    writeFileSync(join(dir, "two.csv"), `${lines.slice(0, 3).join("\n")}\n`);
    const runs: [string, string][] = [
      ["ten.csv", "2025-06-02T10:00:00+09:00"],
      ["ten.csv", "2025-06-03T10:00:00+09:00"],
      ["two.csv", "2025-06-04T10:00:00+09:00"],
    ];
    for (const [i, [file, now]] of runs.entries()) {
      const last = i === runs.length - 1;
      const result = await runCli([
        join(dir, file),
        "--key",
        `incoming/day-${i + 1}.csv`,
        "--schema",
        schema,
        "--state",
        join(dir, "state"),
        "--json",
        "--now",
        now,
        ...(last ? ["--out", join(dir, "out")] : []),
      ]);
      tmps.push(result.tmp);
      assert.equal(result.code, 0, result.stderr);
      docs.push(parseDocument(result));
    }
    errorsCsv = parse(readFileSync(join(dir, "out", "rejected", "errors.csv")), {
      bom: true,
      relax_column_count: true,
    });
    html = readFileSync(join(dir, "out", "report.html"), "utf8");
  });
  after(() => {
    for (const t of tmps.splice(0)) rmSync(t, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("skips the rule until minRuns earlier runs exist, saying so", () => {
    assert.deepEqual(docs[0].dataset?.notes, ["history: skipped: 0 of 2 earlier runs"]);
    assert.deepEqual(docs[1].dataset?.notes, ["history: skipped: 1 of 2 earlier runs"]);
    assert.equal(docs[0].errors.byType.DatasetError, undefined);
    assert.equal(docs[1].errors.byType.DatasetError, undefined);
  });

  it("finds a file far below the median of the feed's earlier runs", () => {
    const doc = docs[2];
    assert.deepEqual(doc.rows, { total: 2, valid: 2, invalid: 0 });
    assert.equal(doc.errors.byType.DatasetError, 1);
    assert.deepEqual(doc.dataset, {
      findings: [{ rule: "history:rowCount", severity: "HIGH", measured: 2, bound: "0.5×–2×", median: 10 }],
      notes: [],
      history: {
        runs: [
          { executionName: docs[1].executionName, rows: 10 },
          { executionName: docs[0].executionName, rows: 10 },
        ],
      },
    });
    assert.deepEqual(errorsCsv[1], [
      "",
      "",
      "",
      "DatasetError",
      "HIGH",
      "ファイルの行数 2 行は、このフィードの直近 2 回の中央値 10 行の 0.20 倍です(想定: 0.5×–2×)",
    ]);
  });

  it("shows the feed's row counts over its last runs in report.html", () => {
    const section = html.slice(html.indexOf('<h2 id="dataset">Dataset</h2>'), html.indexOf("<h2>Row outcomes</h2>"));
    const rows = [
      ...section.matchAll(/<tr><td><code>([^<]+)<\/code>(?: \(this run\))?<\/td><td class="num">(\d+)<\/td><\/tr>/g),
    ].map((m) => [m[1], Number(m[2])]);
    assert.deepEqual(rows, [
      [docs[2].executionName, 2],
      [docs[1].executionName, 10],
      [docs[0].executionName, 10],
    ]);
  });
});
