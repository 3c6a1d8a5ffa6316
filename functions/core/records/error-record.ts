import { hash } from "node:crypto";
import {
  type CountsBySeverity,
  type CountsByType,
  type ErrorRecord,
  type ProcessingStage,
  SEVERITY_RANK,
  type Severity,
  type ValidationMessage,
} from "../../contract";
import type { RowProblem } from "../csv/validate";
import { visible } from "../text";

/** Bounds of the row copy stored with an error record. */
export const RECORD_DATA_LIMITS = { columns: 20, valueChars: 200, totalChars: 2048, rawChars: 500 } as const;
/** What replaces a masked value: sensitive columns in the error table, personal data in notices. */
export const MASK = "***";

/** Default retention of error records, in days (ERROR_RETENTION_DAYS overrides, see `retentionDays`). */
export const DEFAULT_RETENTION_DAYS = 30;

/** Deterministic error id: a retried chunk writes the same ids, so it overwrites instead of duplicating. */
export function errorIdOf(executionName: string, chunkId: number, rowNumber: number, rule: string): string {
  return hash("sha256", `${executionName}\u0000${chunkId}\u0000${rowNumber}\u0000${rule}`, "hex").slice(0, 32);
}

/** GSI sort key: severity rank, then the row number padded to 12 digits. */
export function severityRowOf(severity: Severity, rowNumber: number): string {
  return `${SEVERITY_RANK[severity]}#${String(rowNumber).padStart(12, "0")}`;
}

/** TTL (epoch seconds) `days` after `nowMs`. */
export function expiresAtOf(nowMs: number, days: number): number {
  return Math.floor(nowMs / 1000) + Math.round(days * 86400);
}

function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/**
 * A bounded copy of a row for an error record: at most 20 columns, each value ≤ 200 characters, ≤ 2 KB in all,
 * sensitive columns replaced by `***`. Fields beyond the header are stored as `_extra1`, `_extra2`, …
 */
export function boundedRecordData(
  header: readonly string[],
  fields: readonly string[],
  sensitive: readonly boolean[],
): Record<string, string> {
  const out: Record<string, string> = {};
  let total = 0;
  const n = Math.min(fields.length, RECORD_DATA_LIMITS.columns);
  for (let i = 0; i < n; i++) {
    const key = i < header.length && header[i] !== "" ? header[i] : `_extra${i - header.length + 1}`;
    if (key in out) continue;
    const value = sensitive[i] && fields[i] !== "" ? MASK : clip(fields[i], RECORD_DATA_LIMITS.valueChars);
    if (total + key.length + value.length > RECORD_DATA_LIMITS.totalChars) break;
    out[key] = value;
    total += key.length + value.length;
  }
  return out;
}

/** A raw line for a ParseError record: sensitive positions masked (by naive comma split), ≤ 500 characters. */
export function boundedRawLine(raw: string, sensitive: readonly boolean[]): string {
  const head = raw.length > RECORD_DATA_LIMITS.rawChars * 4 ? raw.slice(0, RECORD_DATA_LIMITS.rawChars * 4) : raw;
  const masked = sensitive.some(Boolean)
    ? head
        .split(",")
        .map((part, i) => (sensitive[i] && part !== "" ? MASK : part))
        .join(",")
    : head;
  return clip(masked.replace(/\r?\n$/, ""), RECORD_DATA_LIMITS.rawChars);
}

/** Everything an error record needs besides the problem and the row. */
export interface RecordContext {
  executionName: string;
  /** Parent execution start time: the records' sort key. */
  startTime: string;
  chunkId: number;
  expiresAt: number;
  processingStage: ProcessingStage;
  /** The feed of the file (`feedOfKey`); records carry it when given. */
  feed?: string;
}

/** The row copy with control characters made visible in its keys (header names) and values. */
function visibleRecord(data: Record<string, string>): Record<string, string> {
  const entries = Object.entries(data);
  if (entries.every(([k, v]) => visible(k) === k && visible(v) === v)) return data;
  return Object.fromEntries(entries.map(([k, v]) => [visible(k), visible(v)]));
}

/**
 * Builds one error record of the contract's shape. Everything in it that came from the file (the row copy, header
 * names inside messages) has its control characters made visible, so no later reader — notice, report, terminal —
 * receives them raw.
 */
export function buildErrorRecord(
  ctx: RecordContext,
  rowNumber: number,
  problem: RowProblem,
  recordData: Record<string, string>,
  recordNumber?: number,
): ErrorRecord {
  const record: ErrorRecord = {
    errorId: errorIdOf(ctx.executionName, ctx.chunkId, rowNumber, problem.rule),
    timestamp: ctx.startTime,
    executionName: ctx.executionName,
    errorType: problem.errorType,
    severity: problem.severity,
    errorMessage: visible(problem.message),
    recordData: visibleRecord(recordData),
    retryCount: 0,
    processingStage: ctx.processingStage,
    rowNumber,
    chunkId: ctx.chunkId,
    severityRow: severityRowOf(problem.severity, rowNumber),
    expiresAt: ctx.expiresAt,
  };
  if (recordNumber !== undefined) record.recordNumber = recordNumber;
  if (problem.column !== undefined) record.column = visible(problem.column);
  if (ctx.feed !== undefined) record.feed = ctx.feed;
  if (problem.detail !== undefined) record.message = visibleMessage(problem.detail);
  return record;
}

/**
 * A message key with the file's text in its parameters made visible (control characters as `\xNN`), as every
 * stored message holds it: a terminal, a notice or a spreadsheet never receives a control character from the file.
 */
export function visibleMessage(message: ValidationMessage): ValidationMessage {
  return {
    key: message.key,
    params: Object.fromEntries(
      Object.entries(message.params).map(([k, v]) => [k, typeof v === "string" ? visible(v) : v]),
    ),
  };
}

/** Zeroed counts by severity (every severity present, so counts can be added to it). */
export function emptyBySeverity(): CountsBySeverity {
  return { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 };
}

/** Adds one error record to counts by type and severity. */
export function countRecord(byType: CountsByType, bySeverity: CountsBySeverity, problem: RowProblem): void {
  byType[problem.errorType] = (byType[problem.errorType] ?? 0) + 1;
  bySeverity[problem.severity]++;
}
