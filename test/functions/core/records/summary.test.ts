import assert from "node:assert/strict";
import { noticeLevel, summarizeRun } from "../../../../functions/core/records/summary";
import { sampleSummary } from "../../../support/notify-world";

describe("summarizeRun / noticeLevel", () => {
  const input = {
    executionName: "e",
    startTime: "2025-06-02T03:00:00Z",
    bucket: "b",
    key: "k.csv",
    chunkCount: 3,
    splitStatus: "OK" as const,
  };
  const chunk = (chunkId: number, high: number) => ({
    pk: "EXEC#e",
    sk: `CHUNK#${chunkId}`,
    executionName: "e",
    chunkId,
    rows: 10,
    valid: 10 - high,
    invalid: high,
    byType: { ValidationError: high },
    bySeverity: { LOW: 0, MEDIUM: 0, HIGH: high, CRITICAL: 0 },
    errors: high,
    updatedAt: "",
    expiresAt: 0,
  });
  const file = {
    pk: "EXEC#e",
    sk: "FILE" as const,
    executionName: "e",
    bucket: "b",
    key: "k.csv",
    status: "OK" as const,
    encoding: "utf-8",
    chunkCount: 3,
    byType: {},
    bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
    errors: 0,
    updatedAt: "",
    expiresAt: 0,
  };

  it("sums FILE and every chunk exactly, counting a duplicated chunk once", () => {
    const s = summarizeRun(input, file, [chunk(1, 2), chunk(2, 0), chunk(3, 5), chunk(3, 5)]);
    assert.equal(s.errorCount, 7);
    assert.equal(s.criticalCount, 7);
    assert.deepEqual(s.rows, { total: 30, valid: 23, invalid: 7 });
    assert.equal(s.runFailed, false);
    assert.equal(noticeLevel(s, false), "HIGH");
  });

  it("reports failed chunks, a Catch failure and a rejected file as CRITICAL with zero row errors", () => {
    const missing = summarizeRun(input, file, [chunk(1, 0)]);
    assert.equal(missing.failedChunks, 2);
    assert.deepEqual(missing.failureReasons, ["chunks-failed"]);
    assert.equal(noticeLevel(missing, false), "CRITICAL");
    const caught = summarizeRun(
      { ...input, chunkCount: 0, splitStatus: "NOT_RUN", failure: { Error: "States.TaskFailed", Cause: "boom" } },
      undefined,
      [],
    );
    assert.deepEqual(caught.failureReasons, ["state-failed"]);
    assert.equal(caught.errorCount, 0);
    assert.equal(noticeLevel(caught, false), "CRITICAL");
    const rejected = summarizeRun(
      { ...input, chunkCount: 0, splitStatus: "REJECTED" },
      {
        ...file,
        status: "REJECTED",
        errors: 1,
        bySeverity: { ...file.bySeverity, CRITICAL: 1 },
        byType: { SchemaError: 1 },
      },
      [],
    );
    assert.deepEqual(rejected.failureReasons, ["file-rejected"]);
    assert.deepEqual(rejected.byType, { SchemaError: 1 });
  });

  it("is SUCCESS for a clean run and escalates a non-critical run", () => {
    assert.equal(
      noticeLevel(
        sampleSummary({ errorCount: 0, criticalCount: 0, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } }),
        false,
      ),
      "SUCCESS",
    );
    assert.equal(
      noticeLevel(sampleSummary({ bySeverity: { LOW: 1, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } }), true),
      "CRITICAL",
    );
  });
});
