import assert from "node:assert/strict";
import { formatHuman } from "../../../local/report/format";
import { FIXTURE_EXECUTION, reportFixture } from "../../support/report-fixture";

/** The summary's line about the check's report in the local bucket. */
const reportLine = (text: string) => text.split("\n").find((l) => l.startsWith("Report "));

describe("the check's report in the local run's summary", () => {
  it("names the report the check wrote", () => {
    const run = reportFixture();
    run.document.report = { key: `results/${FIXTURE_EXECUTION}.html`, status: "written" };

    assert.equal(
      reportLine(formatHuman(run)),
      `Report      results/${FIXTURE_EXECUTION}.html (written by the check before its notices)`,
    );
  });

  it("says why the report was not written and that the notices went without it", () => {
    const run = reportFixture();
    run.document.report = {
      key: `results/${FIXTURE_EXECUTION}.html`,
      status: "failed",
      reason: "AccessDenied: Access Denied",
    };

    assert.equal(
      reportLine(formatHuman(run)),
      `Report      results/${FIXTURE_EXECUTION}.html not written: AccessDenied: Access Denied (the notices went without its link)`,
    );
  });

  it("says nothing of a report when the check never returned", () => {
    assert.equal(reportLine(formatHuman(reportFixture())), undefined);
  });
});
