import assert from "node:assert/strict";
import type { ChunkSummaryItem } from "../../../../functions/contract";
import { sumSummaries } from "../../../../functions/core/records/aggregate";

describe("sumSummaries", () => {
  const chunk = (chunkId: number, over: Partial<ChunkSummaryItem>): ChunkSummaryItem => ({
    pk: "EXEC#e",
    sk: `CHUNK#${chunkId}`,
    executionName: "e",
    chunkId,
    rows: 10,
    valid: 8,
    invalid: 2,
    byType: {},
    bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
    errors: 0,
    updatedAt: "",
    expiresAt: 0,
    ...over,
  });

  it("adds the file's errors to the chunks' rows and errors, types in the contract's order", () => {
    const counts = sumSummaries(
      { errors: 1, byType: { SchemaError: 1 }, bySeverity: { LOW: 1, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } },
      [
        chunk(1, { errors: 2, byType: { ParseError: 2 }, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 2, CRITICAL: 0 } }),
        chunk(2, {
          errors: 3,
          byType: { ValidationError: 3 },
          bySeverity: { LOW: 0, MEDIUM: 3, HIGH: 0, CRITICAL: 0 },
        }),
      ],
    );

    assert.deepEqual(counts, {
      rows: { total: 20, valid: 16, invalid: 4 },
      errors: {
        total: 6,
        byType: { ValidationError: 3, ParseError: 2, SchemaError: 1 },
        bySeverity: { LOW: 1, MEDIUM: 3, HIGH: 2, CRITICAL: 0 },
      },
    });
    assert.deepEqual(Object.keys(counts.errors.byType), ["ValidationError", "ParseError", "SchemaError"]);
  });

  it("counts malformed values as zero and keeps types it does not know, after the known ones", () => {
    const odd = chunk(1, {
      rows: "x" as unknown as number,
      errors: 1,
      byType: { NewError: 1, ParseError: 0 } as ChunkSummaryItem["byType"],
      bySeverity: { LOW: 1 } as ChunkSummaryItem["bySeverity"],
    });

    const counts = sumSummaries(undefined, [odd]);

    assert.deepEqual(counts.rows, { total: 0, valid: 8, invalid: 2 });
    assert.deepEqual(counts.errors, {
      total: 1,
      byType: { NewError: 1 },
      bySeverity: { LOW: 1, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
    });
  });
});
