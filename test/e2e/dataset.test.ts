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
