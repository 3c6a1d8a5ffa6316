import {
  type AggregateOutput,
  type ChunkResult,
  type ChunkSummaryItem,
  type CountsBySeverity,
  type CountsByType,
  ERROR_TYPES,
  type ErrorType,
  type FileSummaryItem,
  SEVERITIES,
} from "../../contract";
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

/** Exact counts of one execution, from its run-table summaries. */
export interface SummaryCounts {
  rows: { total: number; valid: number; invalid: number };
  errors: { total: number; byType: CountsByType; bySeverity: CountsBySeverity };
}

/**
 * Sums the FILE item (its file-level error records) and the CHUNK items (rows and row errors) of one execution.
 * `byType` lists the contract's error types in their declared order, then any other type, so the same items always
 * give the same JSON. Values DynamoDB returns malformed count as 0.
 */
export function sumSummaries(
  file: Pick<FileSummaryItem, "errors" | "byType" | "bySeverity"> | undefined,
  chunks: readonly ChunkSummaryItem[],
): SummaryCounts {
  const rows = { total: 0, valid: 0, invalid: 0 };
  const found: Record<string, number> = {};
  const bySeverity = emptyBySeverity();
  let total = 0;
  const add = (item: { errors?: unknown; byType?: CountsByType; bySeverity?: Partial<CountsBySeverity> }) => {
    total += Number(item.errors) || 0;
    for (const [type, n] of Object.entries(item.byType ?? {})) found[type] = (found[type] ?? 0) + (Number(n) || 0);
    for (const s of SEVERITIES) bySeverity[s] += Number(item.bySeverity?.[s]) || 0;
  };
  if (file) add(file);
  for (const c of chunks) {
    add(c);
    rows.total += Number(c.rows) || 0;
    rows.valid += Number(c.valid) || 0;
    rows.invalid += Number(c.invalid) || 0;
  }
  const byType: CountsByType = {};
  for (const t of ERROR_TYPES) if (found[t]) byType[t] = found[t];
  for (const [t, n] of Object.entries(found)) if (!(t in byType) && n) byType[t as ErrorType] = n;
  return { rows, errors: { total, byType, bySeverity } };
}
