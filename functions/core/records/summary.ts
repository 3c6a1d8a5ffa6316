import {
  type CheckInput,
  type ChunkSummaryItem,
  type CountsBySeverity,
  type CountsByType,
  ERROR_TYPES,
  type ErrorType,
  type FileSummaryItem,
  MAX_FILE_WARNINGS,
  SEVERITIES,
  type Severity,
  type ValidationMessage,
} from "../../contract";
import type { NoticeLevel } from "../notify/policy-rules";
import { visible } from "../text";
import { emptyBySeverity } from "./error-record";
import { type FailureSummary, summarizeFailure } from "./failure";

/** Why a run counts as failed (each is CRITICAL even with zero row errors). */
export type RunFailureReason =
  | "state-failed"
  | "file-rejected"
  | "split-not-run"
  | "chunks-failed"
  | "summary-missing"
  | "source-changed";

/** The exact outcome of one execution, computed from the run table's consistent summary items. */
export interface RunSummary {
  executionName: string;
  bucket: string;
  key: string;
  startTime: string;
  /** Error records that reject a row or the file (header warnings are not errors). */
  errorCount: number;
  /** HIGH + CRITICAL, as in the original design. */
  criticalCount: number;
  byType: CountsByType;
  bySeverity: CountsBySeverity;
  /** Findings that reject no row: the header warnings of an accepted file (see {@link warningsOf}). */
  warningCount: number;
  warningsByType: CountsByType;
  rows: { total: number; valid: number; invalid: number };
  chunkCount: number;
  chunksReported: number;
  failedChunks: number;
  runFailed: boolean;
  failureReasons: RunFailureReason[];
  /** The Catch's error name and a bounded cause, when a state failed. */
  failure?: FailureSummary;
  /** split-csv's message (e.g. which header column is missing), in English. */
  fileMessage?: string;
  /** The same message as a key, so a notice shows it in its own language (absent in items of older runs). */
  fileDetail?: ValidationMessage;
  /** When the file had more header warnings than `errors.csv` lists (see {@link headerWarningsOf}). */
  headerWarnings?: HeaderWarningCount;
}

/** Header warnings of an accepted file: how many it had, and how many `errors.csv` lists (`MAX_FILE_WARNINGS`). */
export interface HeaderWarningCount {
  listed: number;
  total: number;
}

/**
 * The header warnings of an accepted file when the split kept only `MAX_FILE_WARNINGS` of them for `errors.csv`
 * and counted more; undefined when `errors.csv` lists them all.
 */
export function headerWarningsOf(file: FileSummaryItem | undefined): HeaderWarningCount | undefined {
  if (file === undefined || file.status === "REJECTED") return undefined;
  const total = Number(file.errors) || 0;
  const listed = file.warnings?.length ?? 0;
  return listed >= MAX_FILE_WARNINGS && total > listed ? { listed, total } : undefined;
}

function addCounts(into: { byType: CountsByType; bySeverity: CountsBySeverity }, from: Partial<FileSummaryItem>) {
  for (const [type, n] of Object.entries(from.byType ?? {})) {
    const t = type as ErrorType;
    into.byType[t] = (into.byType[t] ?? 0) + (Number(n) || 0);
  }
  for (const s of SEVERITIES) into.bySeverity[s] += Number(from.bySeverity?.[s]) || 0;
}

/** Types in the contract's order first, then any other, each only when counted. */
function orderedTypes(counts: CountsByType): CountsByType {
  const byType: CountsByType = {};
  for (const t of ERROR_TYPES) if (counts[t]) byType[t] = counts[t];
  for (const [t, n] of Object.entries(counts)) if (!(t in byType) && n) byType[t as ErrorType] = n;
  return byType;
}

/**
 * Whether the FILE item's counts are warnings: split-csv records problems of an accepted file only when the header
 * names columns the row schema does not define (or leaves one unnamed), each LOW. Such a finding rejects no row and
 * the file still runs, so it is no error: it counts toward `WarningCount`, never toward `ErrorCount` or a page. A
 * rejected file's problem is its rejection, an error; so is anything above LOW (no split records one on an accepted
 * file: counted as an error rather than hidden).
 */
export function warningsOf(file: Pick<FileSummaryItem, "status" | "errors" | "bySeverity"> | undefined): boolean {
  if (file === undefined || file.status === "REJECTED") return false;
  const errors = Number(file.errors) || 0;
  return errors > 0 && (Number(file.bySeverity?.LOW) || 0) === errors;
}

/**
 * Combines the FILE item and every CHUNK item of one execution into exact counts and decides whether the run
 * failed: a Catch put a failure in the input, the file was rejected, split never ran, a chunk left no summary,
 * split ran but its summary is missing, or the file was replaced while chunks were reading it. Pure: the caller reads the items (one consistent Query).
 */
export function summarizeRun(
  input: CheckInput,
  file: FileSummaryItem | undefined,
  chunks: ChunkSummaryItem[],
): RunSummary {
  const counts = { byType: {} as CountsByType, bySeverity: emptyBySeverity() };
  const rows = { total: 0, valid: 0, invalid: 0 };
  let errorCount = 0;
  const warnings = { byType: {} as CountsByType, bySeverity: emptyBySeverity() };
  let warningCount = 0;
  if (file && warningsOf(file)) {
    addCounts(warnings, file);
    warningCount = Number(file.errors) || 0;
  } else if (file) {
    addCounts(counts, file);
    errorCount += Number(file.errors) || 0;
  }
  const seen = new Set<number>();
  for (const c of chunks) {
    if (seen.has(c.chunkId)) continue;
    seen.add(c.chunkId);
    addCounts(counts, c as unknown as Partial<FileSummaryItem>);
    errorCount += Number(c.errors) || 0;
    rows.total += Number(c.rows) || 0;
    rows.valid += Number(c.valid) || 0;
    rows.invalid += Number(c.invalid) || 0;
  }
  const chunkCount = Math.max(Number(input.chunkCount) || 0, 0);
  const failedChunks = Math.max(chunkCount - seen.size, 0);

  const reasons: RunFailureReason[] = [];
  if (input.failure) reasons.push("state-failed");
  if (input.splitStatus === "REJECTED" || file?.status === "REJECTED") reasons.push("file-rejected");
  if (input.splitStatus === "NOT_RUN" && !input.failure) reasons.push("split-not-run");
  if (failedChunks > 0) reasons.push("chunks-failed");
  if (input.splitStatus === "OK" && !file) reasons.push("summary-missing");
  if ((counts.byType.SourceChangedError ?? 0) > 0) reasons.push("source-changed");

  return {
    executionName: input.executionName,
    bucket: input.bucket,
    key: visible(input.key),
    startTime: input.startTime,
    errorCount,
    criticalCount: counts.bySeverity.HIGH + counts.bySeverity.CRITICAL,
    byType: orderedTypes(counts.byType),
    bySeverity: counts.bySeverity,
    warningCount,
    warningsByType: orderedTypes(warnings.byType),
    rows,
    chunkCount,
    chunksReported: seen.size,
    failedChunks,
    runFailed: reasons.length > 0,
    failureReasons: reasons,
    failure: input.failure ? summarizeFailure(input.failure, input.splitStatus) : undefined,
    fileMessage: file?.message,
    fileDetail: file?.detail,
    ...(headerWarningsOf(file) ? { headerWarnings: headerWarningsOf(file) } : {}),
  };
}

/**
 * The level of the run's notice: CRITICAL for a failed or escalated run, else the highest severity of its errors,
 * else WARNING when it has warnings only, else SUCCESS.
 */
export function noticeLevel(summary: RunSummary, escalated: boolean): NoticeLevel {
  if (summary.runFailed || escalated) return "CRITICAL";
  for (const s of ["CRITICAL", "HIGH", "MEDIUM", "LOW"] as Severity[]) if (summary.bySeverity[s] > 0) return s;
  if (summary.errorCount > 0) return "MEDIUM";
  return summary.warningCount > 0 ? "WARNING" : "SUCCESS";
}

/** Whether the run counts towards a failure streak (it failed, or it recorded errors; warnings do not count). */
export function countsAsFailure(summary: RunSummary): boolean {
  return summary.runFailed || summary.errorCount > 0;
}
