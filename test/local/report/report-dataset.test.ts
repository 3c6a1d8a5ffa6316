import assert from "node:assert/strict";
import { datasetLines } from "../../../local/report/format";

describe("the summary's Dataset lines", () => {
  it("prints each broken rule with its measure, bound and severity, shares as percentages", () => {
    assert.deepEqual(
      datasetLines({
        findings: [
          { rule: "dataset:rowCount", severity: "CRITICAL", measured: 1000, bound: "≥ 5000" },
          { rule: "dataset:completeness:note", severity: "HIGH", measured: 0.625, bound: "≥ 80%" },
        ],
        notes: [],
      }),
      [
        "Dataset     dataset:rowCount: 1000, expected ≥ 5000 [CRITICAL]",
        "            dataset:completeness:note: 62.5%, expected ≥ 80% [HIGH]",
      ],
    );
  });

  it("names the median of the earlier runs for a history rule", () => {
    assert.deepEqual(
      datasetLines({
        findings: [{ rule: "history:rowCount", severity: "HIGH", measured: 2, bound: "0.5×–2×", median: 10 }],
        notes: [],
        history: { runs: [{ executionName: "a", rows: 10 }] },
      }),
      ["Dataset     history:rowCount: 2, expected 0.5×–2×, median of earlier runs 10 [HIGH]"],
    );
  });

  it("says every rule holds, and why a rule was not evaluated", () => {
    assert.deepEqual(datasetLines({ findings: [], notes: ["history: skipped: 1 of 2 earlier runs"] }), [
      "Dataset     every dataset rule holds",
      "            history: skipped: 1 of 2 earlier runs",
    ]);
  });

  it("prints nothing for a schema without dataset rules", () => {
    assert.deepEqual(datasetLines(undefined), []);
  });
});
