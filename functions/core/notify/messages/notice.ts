import { STATE_NAMES, type ValidationMessage } from "../../../contract";
import type { RunSummary } from "../../records/summary";
import type { NoticeLevel } from "../policy-rules";

/** One HIGH/CRITICAL error shown as an example (fields of the error record). */
export interface ErrorExample {
  rowNumber: number;
  /** The data record's index (header excluded), when the record has one. */
  recordNumber?: number;
  errorType: string;
  severity: string;
  column?: string;
  errorMessage: string;
  /** The validation message as a key and values, shown in the notice's language instead of `errorMessage`. */
  message?: ValidationMessage;
  recordData: Record<string, string>;
}

/**
 * The run's rejected rows and where they are: the rejected folder holds `rows.csv` (the rows as in the file, to fix
 * and upload again) and `errors.csv` (every error). Given only when the run rejected rows.
 */
export interface RejectedRows {
  /** Rows rejected (the summary's `rows.invalid`). */
  rows: number;
  /** `s3://<bucket>/<rejected prefix><execution>/`. */
  folder: string;
  /** The folder in the S3 console; absent when the link would be too long for a notice. */
  url?: string;
  /** Chunks that left no result: their rows are in neither file. */
  missingChunks: number;
  /**
   * Chunks the check counted that finished after `rows.csv` and `errors.csv` were written (a failed Map is caught at
   * once while other chunks still run): their rejected rows (`rows`, exact) and errors are only in the chunks' parts,
   * under `parts` (relative to the folder). Absent when every counted chunk was composed or the check was not told.
   */
  late?: { chunks: number; rows: number; parts: string };
  /** When the file had more header warnings than `errors.csv` lists: it lists the first `listed` of `total`. */
  headerWarnings?: { listed: number; total: number };
}

/** State name of the aggregation step, as the definition names it. */
export const AGGREGATION_STEP = STATE_NAMES.aggregateResults;

/**
 * AggregateResults failed after its retries (the sequential pattern tells the check): the rejected files and the
 * manifest may be missing. A notice shows the error's name and a short cause; the whole cause goes to the logs.
 */
export interface AggregationFailure {
  /** The error's name, e.g. `ProcessingError`, `States.Timeout`. */
  error: string;
  /** The cause without trace or file paths, bounded (see `shortCause`). */
  cause: string;
}

/** A rule about the file as a whole that it breaks (a `DatasetError`), as a notice lists it before the examples. */
export interface DatasetNoticeFinding {
  rule: string;
  severity: string;
  message: ValidationMessage;
}

/** Everything a run notice shows. */
export interface NoticeInput {
  summary: RunSummary;
  /**
   * The run's feed: a notice names it on a line of its own unless it is `default` (or unset), and says so when the
   * key is under no feed's prefix (`UNKNOWN_FEED`).
   */
  feed?: string;
  level: NoticeLevel;
  examples: ErrorExample[];
  /** The dataset rules the file breaks: listed before the examples, which never repeat them. */
  dataset?: DatasetNoticeFinding[];
  locale: "ja" | "en";
  timeZone: string;
  /** Console links: the execution, the check's log lines, and the run's report in the input bucket. */
  links: { execution?: string; logs?: string; report?: string };
  rejected?: RejectedRows;
  /** The aggregation failed: the rejected-rows part says its files could not be written. */
  aggregationFailure?: AggregationFailure;
  escalation?: { count: number; prefix: string };
  /** Notices the rate limit held back on this channel before this one. */
  suppressed?: { count: number; since: string };
}
