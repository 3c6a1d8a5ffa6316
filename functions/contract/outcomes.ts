import type { CountsBySeverity, CountsByType } from "./error-records";
import { PREFIXES } from "./metrics";

// ---------------------------------------------------------------------------------------------------------------
// Row outcomes (per execution, in the input bucket; prefixes from stack config `outputs`)
// ---------------------------------------------------------------------------------------------------------------

/** Where a run's row outcomes go, and how its CSV files are written. */
export interface OutcomeSettings {
  processedPrefix: string;
  rejectedPrefix: string;
  resultsPrefix: string;
  /** Write `processed/<exec>/part-NNNNN.csv` (the valid rows). */
  processed: boolean;
  /** Begin each CSV output with a UTF-8 byte order mark (Excel reads UTF-8 only with it). */
  bom: boolean;
}

export const DEFAULT_OUTCOME_SETTINGS: OutcomeSettings = {
  processedPrefix: PREFIXES.processed,
  rejectedPrefix: PREFIXES.rejected,
  resultsPrefix: PREFIXES.results,
  processed: true,
  bom: true,
};

/** Columns of `errors.csv`, in order. `row` is the record number (1-based, header excluded), `line` its first line. */
export const ERRORS_CSV_COLUMNS = ["row", "line", "column", "errorType", "severity", "message"] as const;

/** Line break of every CSV output (RFC 4180; Excel's own). A record's quoted line breaks are kept as read. */
export const CSV_OUTPUT_EOL = "\r\n";

const chunkNumber = (chunkId: number) => String(chunkId).padStart(5, "0");

/**
 * Object keys of a run's row outcomes. Chunks write their parts while they read; AggregateResults composes
 * `rows.csv` and `errors.csv` from the parts in chunk order and writes the manifest.
 */
export const OUTCOME_KEYS = {
  /** Header + the chunk's valid rows. */
  processedPart: (s: OutcomeSettings, exec: string, chunkId: number) =>
    `${s.processedPrefix}${exec}/part-${chunkNumber(chunkId)}.csv`,
  /** The run's rejected folder (linked from notices). */
  rejectedFolder: (s: OutcomeSettings, exec: string) => `${s.rejectedPrefix}${exec}/`,
  /** Header + every rejected row as in the file (decoded to UTF-8), in file order: a valid input again. */
  rejectedRows: (s: OutcomeSettings, exec: string) => `${s.rejectedPrefix}${exec}/rows.csv`,
  /** Header (`ERRORS_CSV_COLUMNS`) + one line per error, in file order. */
  rejectedErrors: (s: OutcomeSettings, exec: string) => `${s.rejectedPrefix}${exec}/errors.csv`,
  /** A chunk's rejected rows, without header or BOM (composed into `rows.csv`). */
  rowsPart: (s: OutcomeSettings, exec: string, chunkId: number) =>
    `${s.rejectedPrefix}${exec}/parts/rows-${chunkNumber(chunkId)}.csv`,
  /**
   * The header line of `rows.csv` (UTF-8, no BOM), written by each completed chunk when the header was too long for
   * the state (the split passed `headerRange`): AggregateResults reads it instead of the state's `header`.
   */
  headerPart: (s: OutcomeSettings, exec: string) => `${s.rejectedPrefix}${exec}/parts/header.csv`,
  /** A chunk's error lines, without header or BOM (composed into `errors.csv`). */
  errorsPart: (s: OutcomeSettings, exec: string, chunkId: number) =>
    `${s.rejectedPrefix}${exec}/parts/errors-${chunkNumber(chunkId)}.csv`,
  /** The run's manifest (`RunManifest`). */
  manifest: (s: OutcomeSettings, exec: string) => `${s.resultsPrefix}${exec}.json`,
  /** The run's report (HTML, written by the error check before it sends notices, which link it). */
  report: (s: OutcomeSettings, exec: string) => `${s.resultsPrefix}${exec}.html`,
} as const;

/** Prefix of a run's intermediate objects in the input bucket: no feed's prefix, expired by a lifecycle rule. */
export const WORK_PREFIX = "_work/";

/**
 * Object keys of a run's uniqueness work (see `functions/core/unique`): each chunk's key file, written in its first
 * pass, and each partition's dups file, written by find-duplicates when it found later occurrences.
 */
export const WORK_KEYS = {
  uniqueKeys: (exec: string, chunkId: number) =>
    `${WORK_PREFIX}${exec}/unique/keys/${String(chunkId).padStart(6, "0")}.bin`,
  uniqueDups: (exec: string, partition: number) =>
    `${WORK_PREFIX}${exec}/unique/dups/${String(partition).padStart(4, "0")}.bin`,
} as const;

/** `results/<exec>.json`: what a run produced and what is missing. Written in both patterns. */
export interface RunManifest {
  executionName: string;
  bucket: string;
  /** The uploaded file. */
  key: string;
  /** The feed of the file ({@link UNKNOWN_FEED} when its key is under no feed's prefix); absent in older manifests. */
  feed?: string;
  /** `COMPLETE`: every chunk's outcome is in; `PARTIAL`: chunks are missing (named in `chunks.missing`). */
  status: "COMPLETE" | "PARTIAL";
  rows: { total: number; valid: number; invalid: number };
  errors: { total: number; byType: CountsByType; bySeverity: CountsBySeverity };
  chunks: { expected: number; completed: number; missing: number[] };
  /** Valid rows: one part per completed chunk (absent when `outputs.processed` is off). */
  processed: { parts: string[] } | null;
  rejected: { folder: string; rows: string; errors: string; rowCount: number; errorCount: number };
  composedAt: string;
}

/** Object key of the row schema (JSON) the program uploads and the split and chunk functions read. */
export const SCHEMA_OBJECT_KEY = `${PREFIXES.config}schema.json`;
