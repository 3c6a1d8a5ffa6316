import assert from "node:assert/strict";
import { countsOfItems, countsOfRunItem } from "../../ops/counts";
import type { FeedRunItem } from "../../ops/store";

const RUN: FeedRunItem = { feed: "default", executionName: "e", startTime: "2024-01-31T00:00:00.000Z", key: "k" };
const sev = (LOW: number, MEDIUM: number, HIGH: number, CRITICAL: number) => ({ LOW, MEDIUM, HIGH, CRITICAL });

describe("ops run counts", () => {
  it("takes a run's counts from its RUN# item when the check wrote them there", () => {
    assert.deepEqual(countsOfRunItem({ ...RUN, rows: 10, valid: 7, invalid: 3, errors: { total: 4, critical: 1 } }), {
      rows: { total: 10, valid: 7, invalid: 3 },
      errors: { total: 4, critical: 1 },
    });
    assert.deepEqual(countsOfRunItem({ ...RUN, rows: 10, valid: 7, invalid: 3, errors: 4, critical: 0 })?.errors, {
      total: 4,
      critical: 0,
    });
  });

  it("leaves a RUN# item without its counts to the run's own items", () => {
    assert.equal(countsOfRunItem(RUN), undefined);
    assert.equal(countsOfRunItem({ ...RUN, rows: 10, valid: 7, invalid: 3, errors: 4 }), undefined);
  });

  it("sums the chunks, and counts the file's errors only when the file was rejected", () => {
    const chunks = [
      {
        sk: "CHUNK#000000",
        rows: 5,
        valid: 4,
        invalid: 1,
        errors: 1,
        byType: { ValidationError: 1 },
        bySeverity: sev(0, 1, 0, 0),
      },
      {
        sk: "CHUNK#000001",
        rows: 5,
        valid: 3,
        invalid: 2,
        errors: 3,
        byType: { ValidationError: 2, ParseError: 1 },
        bySeverity: sev(0, 2, 1, 0),
      },
    ];
    const warned = { sk: "FILE", status: "OK", errors: 2, byType: { SchemaError: 2 }, bySeverity: sev(2, 0, 0, 0) };
    assert.deepEqual(countsOfItems({ file: warned, chunks, notices: [] }), {
      rows: { total: 10, valid: 7, invalid: 3 },
      errors: { total: 4, critical: 1, byType: { ValidationError: 3, ParseError: 1 }, bySeverity: sev(0, 3, 1, 0) },
    });
    const rejected = {
      sk: "FILE",
      status: "REJECTED",
      errors: 1,
      byType: { SchemaError: 1 },
      bySeverity: sev(0, 0, 0, 1),
    };
    assert.deepEqual(countsOfItems({ file: rejected, chunks: [], notices: [] }).errors, {
      total: 1,
      critical: 1,
      byType: { SchemaError: 1 },
      bySeverity: sev(0, 0, 0, 1),
    });
  });
});
