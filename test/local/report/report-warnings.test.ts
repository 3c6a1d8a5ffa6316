import assert from "node:assert/strict";
import type { RunManifest } from "../../../functions/contract";
import { formatHuman } from "../../../local/report/format";
import { renderHtml } from "../../../local/report/report-files";
import { FIXTURE_EXECUTION, reportFixture } from "../../support/report-fixture";

/** A run of 100 valid rows whose header had 11 columns the row schema does not define. */
function withWarnings() {
  const report = reportFixture();
  report.document.rows = { total: 100, valid: 100, invalid: 0 };
  report.document.warnings = { total: 11, byType: { SchemaError: 11 } };
  return report;
}

describe("warnings in the local report", () => {
  it("prints the warnings on their own line below the errors, saying they reject no row", () => {
    const lines = formatHuman(withWarnings()).split("\n");
    const at = lines.findIndex((l) => l.startsWith("Errors "));

    assert.equal(lines[at], "Errors      total 0   critical (HIGH + CRITICAL) 0");
    assert.deepEqual(lines.slice(at + 1, at + 3), [
      "Warnings    total 11 (SchemaError 11): no row rejected, no page",
      "            header columns the row schema does not define (or without a name): their values are not checked",
    ]);
  });

  it("counts the lines of errors.csv as errors and header warnings when the run has warnings", () => {
    const report = withWarnings();
    const keys = report.outcomes.keys;
    const manifest: RunManifest = {
      executionName: FIXTURE_EXECUTION,
      bucket: "b",
      key: "incoming/x.csv",
      status: "COMPLETE",
      rows: { total: 100, valid: 100, invalid: 0 },
      errors: { total: 11, byType: { SchemaError: 11 }, bySeverity: { LOW: 11, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } },
      chunks: { expected: 1, completed: 1, missing: [] },
      processed: { parts: [] },
      rejected: {
        folder: keys.rejectedFolder,
        rows: keys.rejectedRows,
        errors: keys.rejectedErrors,
        rowCount: 0,
        errorCount: 11,
      },
      composedAt: "2025-06-03T01:00:01.000Z",
    };
    report.outcomes = { keys, manifest, late: [] };

    const line = formatHuman(report)
      .split("\n")
      .find((l) => l.startsWith("Rejected"));

    assert.equal(
      line,
      `Rejected    0 rows → rejected/${FIXTURE_EXECUTION}/rows.csv, 11 lines (errors and header warnings) → errors.csv`,
    );
  });

  it("prints no warnings line for a run without warnings", () => {
    assert.doesNotMatch(formatHuman(reportFixture()), /Warnings/);
  });

  it("shows the warnings beside the errors in report.html, and says so only when there are any", () => {
    const html = renderHtml(withWarnings());
    assert.match(
      html,
      /<th>critical \(HIGH \+ CRITICAL\)<\/th><th>warnings<\/th><\/tr>\n<tr>.*<td class="num">0<\/td><td class="num">11<\/td><\/tr>/,
    );
    assert.match(html, /<p class="warnings"><strong>Warnings \(no row rejected\): 11<\/strong> — SchemaError 11\. /);
    assert.doesNotMatch(renderHtml(reportFixture()), /class="warnings"/);
  });
});
