import type { CountsBySeverity, CountsByType, Severity } from "./error-records";

// ---------------------------------------------------------------------------------------------------------------
// Payloads between states
// ---------------------------------------------------------------------------------------------------------------

/** A chunk handed out by split-csv: a byte range of the original object, cut at a row boundary. */
export interface ChunkRef {
  id: number;
  /** Inclusive start byte offset. */
  start: number;
  /** Exclusive end byte offset. */
  end: number;
  /** 1-based line number, in the original file, of the chunk's first record. */
  firstLine: number;
  /** 1-based index of the chunk's first data record (the header excluded); absent in older manifests. */
  firstRecord?: number;
}

/** `DUPLICATE`: another execution already claimed this upload; nothing was split, counted or written. */
export type SplitStatus = "OK" | "REJECTED" | "DUPLICATE";

/** What split-csv returns (kept far below the 256 KiB state limit: at most MAX_CHUNKS chunk refs). */
export interface SplitResult {
  status: SplitStatus;
  bucket: string;
  key: string;
  /**
   * The feed whose prefix the key is under (its schema was read). The state machine keeps it for the page it sends
   * when the check fails (its `feed` attribute); the chunks and the check find it from the key.
   */
  feed: string;
  encoding: "utf-8" | "shift_jis";
  /**
   * The header's column names when their JSON fits {@link HEADER_INLINE_MAX_BYTES}; else empty, and the chunks and
   * the aggregation read the header from the object at `headerRange` (a header may be 1 MiB: it must not ride in
   * the state, which holds at most 256 KiB).
   */
  header: string[];
  /** Where the header line is in the object (byte offsets, BOM excluded) when the split read one, else null. */
  headerRange: HeaderRange | null;
  bytes: number;
  chunkCount: number;
  chunks: ChunkRef[];
  /**
   * Partitions of the file's unique-key entries (P): 0 when the schema has no unique key or the file has no chunk,
   * else one per 1,000,000 key entries (data records × unique keys), 1…256. Each is checked by its own FindDuplicates
   * iteration.
   */
  uniquePartitions: number;
  message?: string;
  /** ETag of the object version split read (as S3 returns it, quoted): every chunk reads with `If-Match` on it. */
  etag: string;
  /** Version id of the object version split read; null when the bucket is not versioned. */
  versionId: string | null;
}

/**
 * What identifies an upload beyond bucket and key, when the execution's input carries it: flat (`etag`,
 * `versionId`, `sequencer`) or as the S3 "Object Created" event's `detail.object` (`etag`, `version-id`,
 * `sequencer`). Two deliveries of one event carry the same values.
 */
export interface UploadIdentity {
  etag?: string;
  versionId?: string;
  sequencer?: string;
  size?: number;
  object?: { etag?: string; "version-id"?: string; sequencer?: string; size?: number };
  /**
   * A forced rerun (`ops rerun --force`): the execution it reruns, whose claim on the upload it takes over even
   * though that run succeeded — only while that execution still holds the claim and is no longer running.
   */
  takeOverFrom?: string;
}

/** Byte offsets `[start, end)` of the header line in the uploaded object. */
export interface HeaderRange {
  start: number;
  end: number;
}

/**
 * Most bytes the header's column names may take (as JSON) in a state payload. A longer header stays in the object:
 * the split passes its byte range instead, so the state (≤ 256 KiB, with up to MAX_CHUNKS chunk refs and results)
 * never grows with the file's header.
 */
export const HEADER_INLINE_MAX_BYTES = 16 * 1024;

/** Upper bound of chunks per file: chunk size grows with the file so the manifest stays small. */
export const MAX_CHUNKS = 256;

/** Counts of one chunk (what process-chunk returns; the runs table keeps them per chunk). rows = valid + invalid, always. */
export interface ChunkResult {
  chunkId: number;
  rows: number;
  valid: number;
  invalid: number;
  /** Number of error records by type (a row may carry several). */
  byType: CountsByType;
  bySeverity: CountsBySeverity;
  /**
   * Rows with a non-empty value, per column named in the schema's `dataset.completeness` (absent when it names
   * none); a record that could not be read as a row has no value. The sum over the chunks is the file's.
   */
  filled?: Record<string, number>;
}

/** What each Distributed Map child receives (ItemSelector). */
export interface ProcessChunkInput {
  executionName: string;
  /** Start time of the parent execution (ISO-8601): the `timestamp` of its error records, so retries overwrite. */
  startTime: string;
  bucket: string;
  key: string;
  encoding: SplitResult["encoding"];
  /**
   * The split's `header`: empty when the header is read from the object at `headerRange` (the chunk then also
   * writes it as `OUTCOME_KEYS.headerPart`, for the aggregation).
   */
  header: string[];
  /** The split's `headerRange`; absent or null in older definitions and direct invokes. */
  headerRange?: HeaderRange | null;
  chunk: ChunkRef;
  /** ETag split-csv read: the chunk's ranged GET sends it as `If-Match`, so it never reads another version. */
  etag?: string;
  /** Version id split-csv read (versioned buckets), null otherwise. */
  versionId?: string | null;
  /**
   * Partitions of the file's unique-key entries (P, chosen by split-csv); 0 or absent when the schema has no unique
   * key. With P > 0 the first pass also writes the chunk's key file (`WORK_KEYS.uniqueKeys`).
   */
  uniquePartitions?: number;
  /**
   * Present only in the second pass: the partitions whose finder found later occurrences. The chunk reads its section
   * of each one's dups file and, when it has any, processes its rows again with them; else it returns its stored result.
   */
  duplicatePartitions?: number[];
  /**
   * Beside `duplicatePartitions` (same order): each partition's chunks with later occurrences, as chunk sets
   * (`core/unique/chunk-set`). A chunk reads only the dups files whose set holds it; absent: it reads every listed one.
   */
  duplicateChunks?: string[];
}

/** What each FindDuplicates Map iteration receives: one partition of the file's unique-key entries. */
export interface FindDuplicatesInput {
  executionName: string;
  /** The input bucket (where the key files are, under `_work/`). */
  bucket: string;
  /** This iteration's partition, 0…partitions-1. */
  partition: number;
  /** P: the split's `uniquePartitions`. */
  partitions: number;
  /** Chunks of the file: their key files are read in chunk order. */
  chunkCount: number;
}

/** What find-duplicates returns. */
export interface FindDuplicatesOutput {
  partition: number;
  /** Later occurrences found in the partition (its dups file exists only when this is above 0). */
  duplicates: number;
  /** The chunks that hold them, as a chunk set (hex text, ≤ 64 characters; "" when none). */
  chunks: string;
}

/** Field where a Catch puts the error of a failed state (`{ Error, Cause }`). */
export const FAILURE_FIELD = "failure";
export interface StateFailure {
  Error: string;
  Cause: string;
  /**
   * The state that failed, when the definition names it after the Catch (a Pass after each uniqueness Map's Catch
   * sets it). Absent for SplitCsv and ProcessChunks: the check tells those apart by the split's status.
   */
  step?: string;
}

/** What check-errors-and-notify receives. */
export interface CheckInput {
  executionName: string;
  startTime: string;
  bucket: string;
  key: string;
  /** Chunks split-csv handed out (0 when split did not run or rejected the file). */
  chunkCount: number;
  splitStatus: SplitStatus | "NOT_RUN";
  failure?: StateFailure | null;
  /**
   * AggregateResults failed after its retries: `rows.csv`, `errors.csv` and the manifest may be missing. Only the
   * sequential pattern passes it (null when the aggregation succeeded); in the parallel pattern the check runs beside
   * the aggregation and is never told.
   */
  aggregationFailure?: StateFailure | null;
  /**
   * What AggregateResults composed into `rows.csv` and `errors.csv` (its output, `$.aggregate`): `chunks`, the
   * completed chunks whose parts it found, and `invalid`, the rejected rows it wrote. When a chunk fails the Map is
   * caught at once while other chunks may still run: those that finish after the composition are counted by the
   * check but are in neither file. Only the sequential pattern passes it (Prepare's null when the aggregation
   * failed); in the parallel pattern the check runs beside the aggregation and cannot know. The state machine passes
   * the whole AggregateOutput; the check reads these two fields.
   */
  composed?: Pick<AggregateOutput, "chunks" | "invalid"> | null;
}

export const NOTIFICATION_CHANNELS = ["slack", "sns", "email"] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
export type NotificationStatus = "sent" | "suppressed" | "failed";

/** Bounded (≤ 4 KB) output of the check. Never contains error items. */
export interface CheckOutput {
  /** The run failed or recorded errors (warnings alone are not errors). */
  hasErrors: boolean;
  /** Error records that reject a row or the file; header warnings are not counted here. */
  errorCount: number;
  criticalCount: number;
  byType: CountsByType;
  bySeverity: CountsBySeverity;
  /**
   * Findings that reject no row (an accepted file's header warnings, e.g. a column the row schema does not define):
   * counted apart from the errors, published as `WarningCount`, never paged for.
   */
  warningCount: number;
  warningsByType: CountsByType;
  rows: { total: number; valid: number; invalid: number };
  runFailed: boolean;
  /** `attempts`: HTTP attempts made for the notice, across check attempts (at most `delivery.attempts`). */
  notifications: { channel: NotificationChannel; status: NotificationStatus; reason?: string; attempts?: number }[];
  /** The dataset rules' outcome, when the row schema has any (see {@link DatasetOutcome}). */
  dataset?: DatasetOutcome;
  /**
   * The run's report in the input bucket (`OUTCOME_KEYS.report`): `written` before the notices were sent, which link
   * it, or `failed` (one attempt; `reason` says why, and the notices went without the link).
   */
  report?: { key: string; status: "written" | "failed"; reason?: string };
}

/**
 * What the dataset rules found (each finding is one `DatasetError` record), why a rule was not evaluated (`notes`),
 * and the feed's earlier runs the history rules compared with (newest first). Bounded: at most
 * `MAX_OUTPUT_FINDINGS` findings and `MAX_OUTPUT_HISTORY_RUNS` runs.
 */
export interface DatasetOutcome {
  findings: { rule: string; severity: Severity; measured: number; bound: string; median?: number }[];
  notes: string[];
  history?: { runs: { executionName: string; rows: number }[] };
}

/** Most earlier runs a check output lists (it stays far below the 4 KB it promises). */
export const MAX_OUTPUT_HISTORY_RUNS = 20;
/** Most dataset findings a check output lists (a note says how many more `errors.csv` lists). */
export const MAX_OUTPUT_FINDINGS = 10;

/** What aggregate-results returns and writes to S3. */
/** What the AggregateResults state passes (both patterns). */
export interface AggregateInput {
  executionName: string;
  startTime: string;
  bucket: string;
  key: string;
  chunkCount: number;
  /** The header the split read (`$.split.header`); empty when it read none or left it in the object. */
  header: string[];
  /**
   * `$.split.headerRange`: set while `header` is empty, the header's line is `OUTCOME_KEYS.headerPart` (written by
   * the chunks); absent in older definitions.
   */
  headerRange?: HeaderRange | null;
  /** `$.split.status`; `NOT_RUN` when the split failed before it returned. */
  splitStatus: SplitStatus | "NOT_RUN";
  /** What the Map returned. Not read: the runs table's summaries are the truth, also when the Map failed. */
  chunkResults: ChunkResult[];
}

export interface AggregateOutput {
  rows: number;
  valid: number;
  invalid: number;
  byType: CountsByType;
  bySeverity: CountsBySeverity;
  chunks: number;
  failedChunks: number;
  resultKey: string;
}
