import {
  type CountsBySeverity,
  type CountsByType,
  ERROR_TABLE,
  type ErrorType,
  type Severity,
  type TableDefinition,
  type ValidationMessage,
} from "./error-records";
import type { ChunkResult, SplitStatus } from "./payloads";

// ---------------------------------------------------------------------------------------------------------------
// Run state (sibling table): exact per-chunk summaries, file outcome, notification ledger, rate limits, digests,
// failure streaks. Every item is read with a consistent read through its partition key.
// ---------------------------------------------------------------------------------------------------------------

export const RUNS_TABLE = {
  defaultName: "csv-processing-runs",
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
  billingMode: "PAY_PER_REQUEST",
  attributeTypes: { pk: "S", sk: "S" },
  globalSecondaryIndexes: [],
} as const satisfies TableDefinition;

/** Every table of the pipeline by its role; a deployed stack names them `<prefix>-errors` and `<prefix>-runs`. */
export const TABLES = { errors: ERROR_TABLE, runs: RUNS_TABLE } as const;
export type TableKey = keyof typeof TABLES;

/** The key attributes of a table and its indexes, each once, in declaration order. */
export function keyAttributes(table: TableDefinition): string[] {
  const names = [table.partitionKey, table.sortKey];
  for (const index of table.globalSecondaryIndexes) names.push(index.partitionKey, index.sortKey);
  return [...new Set(names.filter((n): n is string => n !== undefined))];
}

export const RUN_KEYS = {
  /** Partition of everything that belongs to one execution. */
  execution: (executionName: string) => `EXEC#${executionName}`,
  /** One summary item per chunk, written idempotently by process-chunk (a retry overwrites it). */
  chunk: (chunkId: number) => `CHUNK#${String(chunkId).padStart(6, "0")}`,
  chunkPrefix: "CHUNK#",
  /** The file-level outcome written by split-csv (header problems, encoding). */
  file: "FILE",
  /** Dedup ledger: one item per execution × channel. */
  notification: (channel: string) => `NOTIFY#${channel}`,
  /** Rate-limit window and suppressed count per channel. */
  channel: (channel: string) => `CHANNEL#${channel}`,
  rateWindow: "RATE",
  /** Deferred (quiet-hours) notices waiting for the digest. */
  digest: "DIGEST",
  /** Failure streak per key prefix (escalation). */
  prefix: (keyPrefix: string) => `PREFIX#${keyPrefix}`,
  streak: "STREAK",
  /**
   * Claim of one upload (one object version, `digest` a hash of bucket, key, version id, ETag and event sequencer):
   * the first execution to write it processes the upload; any other execution for the same upload is a duplicate.
   */
  upload: (digest: string) => `UPLOAD#${digest}`,
  uploadClaim: "CLAIM",
  /**
   * The runs of one feed (its history): one item per run, written by split-csv when it claims the upload (the arrival
   * check's latest run) and again by the check at its end, with the run's counts and status (the history rules).
   */
  feedHistory: (feed: string) => `FEED#${feed}`,
  /** One run in its feed's history (start time as ISO UTC): a Query read backwards gives the newest first. */
  feedRun: (startTime: string, executionName: string) => `RUN#${startTime}#${executionName}`,
  feedRunPrefix: "RUN#",
} as const;

/**
 * The rules of the row schema's `dataset` section that the check and the aggregation evaluate, as the split keeps
 * them in the file summary (plain data; `core/csv/dataset-schema.ts` validates them, defaults filled in).
 */
export interface DatasetRulesItem {
  rowCount?: { min?: number; max?: number; severity: Severity };
  /** Per column: the least share (0–1) of rows with a non-empty value. */
  completeness?: Record<string, { min: number; severity: Severity }>;
  history?: {
    window: number;
    minRuns: number;
    rowCount?: { minRatio?: number; maxRatio?: number; severity: Severity };
    errorRate?: { maxRatio: number; severity: Severity };
  };
}

/** One run of a feed, as its history keeps it (`RUN_KEYS.feedHistory` / `RUN_KEYS.feedRun`). */
export interface FeedRunItem {
  pk: string;
  sk: string;
  executionName: string;
  startTime: string;
  /** The uploaded file's key. */
  key: string;
  rows: number;
  valid: number;
  invalid: number;
  /** Error records of the run (dataset findings included). */
  errors: number;
  /**
   * FAILED when the run failed (the check's `runFailed`). Absent while the check has not finished the run (the
   * split's item): history rules count only SUCCEEDED runs.
   */
  status: "SUCCEEDED" | "FAILED";
  expiresAt: number;
}

/** The run-table item holding one chunk's counts. */
export interface ChunkSummaryItem extends ChunkResult {
  pk: string;
  sk: string;
  executionName: string;
  /** The feed of the uploaded file; absent in items written before a stack had feeds. */
  feed?: string;
  errors: number;
  updatedAt: string;
  expiresAt: number;
}

/** One header warning of an accepted file, as the file summary keeps it. */
export interface FileWarning {
  errorType: ErrorType;
  severity: Severity;
  /** English text of the warning (shown when it has no `detail`). */
  message: string;
  column?: string;
  detail?: ValidationMessage;
}

/**
 * Most header warnings a file summary keeps for `errors.csv`: one per extra column, so a header of thousands of
 * unknown columns stays far below DynamoDB's 400 KB item limit.
 */
export const MAX_FILE_WARNINGS = 100;

/** The run-table item holding the file-level outcome of split-csv. */
export interface FileSummaryItem {
  pk: string;
  sk: typeof RUN_KEYS.file;
  executionName: string;
  bucket: string;
  key: string;
  /** The feed of the uploaded file; absent in items written before a stack had feeds. */
  feed?: string;
  status: SplitStatus;
  encoding: string;
  chunkCount: number;
  /**
   * Error records written by split-csv itself (header problems), by type and severity. For a REJECTED file they are
   * the rejection (an error); for an accepted file they are its header warnings, which reject no row: the check
   * counts them as warnings, apart from the errors.
   */
  byType: CountsByType;
  bySeverity: CountsBySeverity;
  errors: number;
  message?: string;
  /** The rejection's message as a key (rendered in the reader's language) and the column it names, if any. */
  detail?: ValidationMessage;
  column?: string;
  /**
   * The header warnings of an accepted file (LOW: a column the row schema does not define), for `errors.csv`: at most
   * `MAX_FILE_WARNINGS`, with the file's text made visible; `errors` counts them all.
   */
  warnings?: FileWarning[];
  /** The row schema's dataset rules (absent when it has none): the check and the aggregation evaluate them. */
  dataset?: DatasetRulesItem;
  updatedAt: string;
  expiresAt: number;
}
