import assert from "node:assert/strict";
import type { DatasetRulesItem } from "../../../../functions/contract";
import { evaluateDataset } from "../../../../functions/core/dataset/evaluate";
import {
  datasetErrorLines,
  datasetErrorRecords,
  datasetOutcomeOf,
  sumFilled,
} from "../../../../functions/core/dataset/records";

/** A schema with `n` completeness rules, each broken by a file whose columns have no value. */
function broken(n: number) {
  const completeness: DatasetRulesItem["completeness"] = {};
  for (let i = 1; i <= n; i++) completeness[`c${i}`] = { min: 0.5, severity: "LOW" };
  return evaluateDataset({ rules: { completeness }, rows: 10, invalid: 0, filled: {} });
}

describe("dataset findings as records, errors.csv lines and output", () => {
  it("makes one record per finding about the file as a whole, with a stable id per rule", () => {
    const ctx = { executionName: "exec-1", startTime: "2026-01-01T00:00:00.000Z", expiresAt: 9, feed: "orders" };
    const [first] = datasetErrorRecords(broken(1).findings, ctx);
    const [again] = datasetErrorRecords(broken(1).findings, ctx);

    assert.equal(first.errorId, again.errorId, "a retried check overwrites its record");
    assert.deepEqual(
      {
        errorType: first.errorType,
        severity: first.severity,
        processingStage: first.processingStage,
        rowNumber: first.rowNumber,
        chunkId: first.chunkId,
        column: first.column,
        severityRow: first.severityRow,
        recordData: first.recordData,
        message: first.message?.key,
        feed: first.feed,
      },
      {
        errorType: "DatasetError",
        severity: "LOW",
        processingStage: "check",
        rowNumber: 0,
        chunkId: 0,
        column: "c1",
        severityRow: "3#000000000000",
        recordData: {},
        message: "datasetCompleteness",
        feed: "orders",
      },
    );
  });

  it("writes errors.csv lines with row and line empty, in the file's language", () => {
    assert.deepEqual(datasetErrorLines(broken(1).findings, "ja"), [
      ["", "", "c1", "DatasetError", "LOW", "c1 に値がある行は 0% です。50% 以上を想定しています"],
    ]);
  });

  it("lists at most 10 findings in the output and says how many more errors.csv lists", () => {
    const out = datasetOutcomeOf(broken(12), undefined);
    assert.equal(out.findings.length, 10);
    assert.deepEqual(out.notes, ["2 more findings: errors.csv lists them all"]);
    assert.equal(out.history, undefined);
    assert.deepEqual(datasetOutcomeOf(broken(2), []).history, { runs: [] });
  });

  it("sums the chunks' filled counts, each chunk once", () => {
    assert.deepEqual(
      sumFilled([
        { chunkId: 1, filled: { a: 2, b: 1 } },
        { chunkId: 2, filled: { a: 3 } },
        { chunkId: 2, filled: { a: 3 } },
        { chunkId: 3 },
      ]),
      { a: 5, b: 1 },
    );
  });
});
