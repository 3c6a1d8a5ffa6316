import type { AggregateOutput, ChunkResult, CountsByType, ErrorType } from "../../contract";
import { emptyBySeverity } from "./error-record";

/**
 * Sums chunk results into the aggregate output. `failedChunks` = chunks handed out − results present (entries
 * that are null or lack counts, as a tolerated Map failure leaves them, count as failed).
 */
export function sumChunkResults(
  results: readonly (ChunkResult | null | undefined)[],
  chunkCount: number,
  resultKey: string,
): AggregateOutput {
  const byType: CountsByType = {};
  const bySeverity = emptyBySeverity();
  let rows = 0;
  let valid = 0;
  let invalid = 0;
  let present = 0;
  for (const r of results) {
    if (r === null || r === undefined || typeof r.rows !== "number") continue;
    present++;
    rows += r.rows;
    valid += r.valid;
    invalid += r.invalid;
    for (const [type, n] of Object.entries(r.byType ?? {}) as [ErrorType, number][])
      byType[type] = (byType[type] ?? 0) + n;
    for (const sev of Object.keys(bySeverity) as (keyof typeof bySeverity)[])
      bySeverity[sev] += r.bySeverity?.[sev] ?? 0;
  }
  return {
    rows,
    valid,
    invalid,
    byType,
    bySeverity,
    chunks: present,
    failedChunks: Math.max(0, chunkCount - present),
    resultKey,
  };
}
