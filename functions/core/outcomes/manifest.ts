import {
  type AggregateOutput,
  type ChunkSummaryItem,
  ERROR_TYPES,
  ERRORS_CSV_COLUMNS,
  type ErrorType,
  type FileSummaryItem,
  OUTCOME_KEYS,
  type OutcomeSettings,
  type RunManifest,
  SEVERITIES,
  type Severity,
  type SplitStatus,
} from "../../contract";
import type { MessageLocale } from "../csv/validation-messages";
import type { DatasetFinding } from "../dataset/evaluate";
import { datasetErrorLines } from "../dataset/records";
import { neutralizeFormula } from "../notify/escape";
import { sumSummaries } from "../records/aggregate";
import { type HeaderWarningCount, headerWarningsOf } from "../records/summary";
import { visible } from "../text";
import { errorLineFields, errorLineMessage } from "./chunk-outcomes";
import { csvLine, UTF8_BOM } from "./csv-text";

/** How far the split got: its status, or `NOT_RUN` when it failed before returning one. */
export type SplitState = SplitStatus | "NOT_RUN";

/** What one run's outcome files are made from: the execution, its split and its run-table summaries. */
export interface RunOutcomeInput {
  executionName: string;
  /** The input bucket: the rejected files go there. */
  bucket: string;
  /** The uploaded file. */
  key: string;
  /** Chunks the split handed out (0 when it rejected the file or did not run). */
  chunkCount: number;
  /** The file's header as the split read it (empty when it could not read one). */
  header: readonly string[];
  splitStatus: SplitState;
  file: FileSummaryItem | undefined;
  chunks: readonly ChunkSummaryItem[];
  settings: OutcomeSettings;
  /** Language of the rejected file's line in `errors.csv` (the chunks' lines use the same). */
  locale: MessageLocale;
  /** The feed of the file, as the manifest names it (`feedLabel`); the manifest leaves it out when not given. */
  feed?: string;
  /** The dataset rules the file breaks (see `dataset-findings.ts`): the first lines of `errors.csv`, and counted. */
  dataset?: readonly DatasetFinding[];
}

/** One object appended to a composed file. */
export interface PartRef {
  chunkId: number;
  key: string;
}

/** A file written as `head` followed by each part's bytes, in order. */
export interface ComposedFile {
  key: string;
  head: string;
  parts: PartRef[];
}

/** Completed chunks (one summary per id, in chunk order) and the ids of expected chunks that left none. */
export function chunkProgress(
  chunkCount: number,
  chunks: readonly ChunkSummaryItem[],
): { completed: ChunkSummaryItem[]; missing: number[] } {
  const byId = new Map<number, ChunkSummaryItem>();
  for (const c of chunks) {
    const id = Number(c.chunkId);
    if (Number.isInteger(id) && id >= 1 && !byId.has(id)) byId.set(id, c);
  }
  const completed = [...byId.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
  const missing: number[] = [];
  const expected = Math.max(Math.trunc(Number(chunkCount) || 0), 0);
  for (let id = 1; id <= expected; id++) if (!byId.has(id)) missing.push(id);
  return { completed, missing };
}

function firstCounted<T extends string>(order: readonly T[], counts: Partial<Record<string, number>>): T | undefined {
  return order.find((name) => (Number(counts[name]) || 0) > 0);
}

const SEVERITIES_HIGH_FIRST: readonly Severity[] = [...SEVERITIES].reverse();

/** The `errors.csv` line that says how many header warnings it does not list. */
function headerWarningsCapText(c: HeaderWarningCount, locale: MessageLocale): string {
  const rest = c.total - c.listed;
  return locale === "ja"
    ? `ヘッダーの警告はほかに ${rest}件あります(行スキーマにない列)。errors.csv には ${c.total}件のうち先頭の ${c.listed}件のみを記載しています。件数にはすべて含まれます。`
    : `${rest} more header warnings (columns the row schema does not define) are not listed: errors.csv lists the first ${c.listed} of ${c.total}. The counts include them all.`;
}

/**
 * The `errors.csv` lines of the file itself, from its summary item, before the chunks' lines (all about the header,
 * line 1, so `row` is empty):
 * - a rejected file: its one line. The split records exactly one problem when it rejects a file; the item keeps its
 *   message, its key and its column, the type counted (SchemaError when none is) and the highest severity counted
 *   (CRITICAL when none is).
 * - an accepted file: one line per header warning the item keeps (a column the row schema does not define), and
 *   when it kept fewer than it counted (`MAX_FILE_WARNINGS`), one more line that says so and how many are not listed.
 * Messages are rendered in `locale` from their key (the English text when an item of an older run has none), masked,
 * their control characters made visible and formula-neutralised, as the chunks write their error lines.
 */
export function fileErrorLines(file: FileSummaryItem | undefined, locale: MessageLocale): string[][] {
  if (file === undefined) return [];
  if (file.status !== "REJECTED") {
    const capped = headerWarningsOf(file);
    const capLine = capped ? [["", "1", "", "SchemaError", "LOW", headerWarningsCapText(capped, locale)]] : [];
    const kept = (file.warnings ?? []).map((w) =>
      errorLineFields(
        undefined,
        1,
        {
          rule: "header",
          errorType: w.errorType,
          severity: w.severity,
          message: w.message,
          column: w.column,
          detail: w.detail,
        },
        locale,
      ),
    );
    return [...kept, ...capLine];
  }
  const errorType: ErrorType = firstCounted(ERROR_TYPES, file.byType ?? {}) ?? "SchemaError";
  const severity: Severity = firstCounted(SEVERITIES_HIGH_FIRST, file.bySeverity ?? {}) ?? "CRITICAL";
  const message = errorLineMessage(
    { message: file.message ? file.message : "The file was rejected before its rows were read.", detail: file.detail },
    locale,
  );
  const column = file.column === undefined ? "" : neutralizeFormula(visible(file.column));
  return [["", "1", column, errorType, severity, neutralizeFormula(visible(message))]];
}

/**
 * What `rows.csv` and `errors.csv` are made of: the optional BOM and the header, then the completed chunks' parts
 * in chunk order. Without a header (the split could not read one), `rows.csv` is the BOM alone (or empty): a
 * header line of no columns would not be a valid input.
 */
export function composition(input: RunOutcomeInput): { rows: ComposedFile; errors: ComposedFile } {
  const s = input.settings;
  const exec = input.executionName;
  const bom = s.bom ? UTF8_BOM : "";
  const { completed } = chunkProgress(input.chunkCount, input.chunks);
  // The file as a whole first (its dataset findings), then its header, then its rows.
  const fileLines = [
    ...datasetErrorLines(input.dataset ?? [], input.locale),
    ...fileErrorLines(input.file, input.locale),
  ];
  return {
    rows: {
      key: OUTCOME_KEYS.rejectedRows(s, exec),
      head: bom + (input.header.length > 0 ? csvLine(input.header) : ""),
      parts: completed.map((c) => ({ chunkId: c.chunkId, key: OUTCOME_KEYS.rowsPart(s, exec, c.chunkId) })),
    },
    errors: {
      key: OUTCOME_KEYS.rejectedErrors(s, exec),
      head: bom + csvLine(ERRORS_CSV_COLUMNS) + fileLines.map(csvLine).join(""),
      parts: completed.map((c) => ({ chunkId: c.chunkId, key: OUTCOME_KEYS.errorsPart(s, exec, c.chunkId) })),
    },
  };
}

/**
 * The run's manifest. Counts are the summaries' (the split's file-level errors included); `rejected.errorCount` is
 * the number of lines in `errors.csv` (each completed chunk's errors plus the file's own lines). `PARTIAL` when
 * expected chunks left no summary, or when the split did not run (nothing of the file was read).
 */
export function buildManifest(input: RunOutcomeInput, composedAt: string): RunManifest {
  const s = input.settings;
  const exec = input.executionName;
  const { completed, missing } = chunkProgress(input.chunkCount, input.chunks);
  const counts = sumSummaries(input.file, completed);
  const dataset = input.dataset ?? [];
  if (dataset.length > 0) {
    counts.errors.total += dataset.length;
    counts.errors.byType.DatasetError = (counts.errors.byType.DatasetError ?? 0) + dataset.length;
    for (const f of dataset) counts.errors.bySeverity[f.severity]++;
  }
  const chunkErrors = completed.reduce((sum, c) => sum + (Number(c.errors) || 0), 0);
  return {
    executionName: exec,
    bucket: input.bucket,
    key: input.key,
    ...(input.feed !== undefined ? { feed: input.feed } : {}),
    status: missing.length > 0 || input.splitStatus === "NOT_RUN" ? "PARTIAL" : "COMPLETE",
    rows: counts.rows,
    errors: counts.errors,
    chunks: {
      expected: Math.max(Math.trunc(Number(input.chunkCount) || 0), 0),
      completed: completed.length,
      missing,
    },
    processed: s.processed ? { parts: completed.map((c) => OUTCOME_KEYS.processedPart(s, exec, c.chunkId)) } : null,
    rejected: {
      folder: OUTCOME_KEYS.rejectedFolder(s, exec),
      rows: OUTCOME_KEYS.rejectedRows(s, exec),
      errors: OUTCOME_KEYS.rejectedErrors(s, exec),
      rowCount: counts.rows.invalid,
      errorCount: chunkErrors + dataset.length + fileErrorLines(input.file, input.locale).length,
    },
    composedAt,
  };
}

/** What the AggregateResults state returns, from the manifest written under `resultKey`. */
export function aggregateOutputOf(manifest: RunManifest, resultKey: string): AggregateOutput {
  return {
    rows: manifest.rows.total,
    valid: manifest.rows.valid,
    invalid: manifest.rows.invalid,
    byType: manifest.errors.byType,
    bySeverity: manifest.errors.bySeverity,
    chunks: manifest.chunks.completed,
    failedChunks: manifest.chunks.missing.length,
    resultKey,
  };
}
