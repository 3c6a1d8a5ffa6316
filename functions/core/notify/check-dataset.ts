import {
  type ChunkSummaryItem,
  type DatasetOutcome,
  type ErrorRecord,
  type FeedRunItem,
  type FileSummaryItem,
  SEVERITIES,
  UNKNOWN_FEED,
} from "../../contract";
import { type DatasetEvaluation, evaluateDataset, type HistoryRun } from "../dataset/evaluate";
import { datasetErrorRecords, datasetOutcomeOf, datasetRulesOf, sumFilled, usesHistory } from "../dataset/records";
import { expiresAtOf } from "../records/error-record";
import type { RunSummary } from "../records/summary";

/** Days a feed's run item is kept: long enough for a monthly feed's window of 10 runs. */
export const FEED_HISTORY_DAYS = 400;

/** The feed's run history, as the check reads and writes it (see `adapters/feed-history.ts`). */
export interface FeedHistoryPort {
  /** The feed's last `window` runs that did not fail, newest first, never `current`. */
  readRuns(feed: string, current: string, window: number): Promise<HistoryRun[]>;
  /** Writes the run's item (idempotent). */
  putRun(feed: string, item: Omit<FeedRunItem, "pk" | "sk">): Promise<void>;
}

/** What the dataset step of the check talks to: the feed history and the error table. */
export interface DatasetDeps {
  history: FeedHistoryPort;
  /** Writes error records (BatchWriteItem; deterministic ids, so a retried check overwrites them). */
  writeRecords(records: readonly ErrorRecord[]): Promise<void>;
}

/** The dataset step's outcome: what was found, and the earlier runs compared with. */
export interface DatasetCheck {
  evaluation: DatasetEvaluation;
  history?: HistoryRun[];
  output: DatasetOutcome;
}

/**
 * Evaluates the dataset rules the split kept in the run's file summary and writes one `DatasetError` record per
 * finding, before the check counts. Undefined when the schema has no dataset rules. A run that failed (a step failed,
 * the file was rejected, chunks are missing, the file was replaced) is not evaluated: its counts are not the file's.
 */
export async function checkDataset(
  run: { executionName: string; startTime: string },
  file: FileSummaryItem | undefined,
  chunks: readonly ChunkSummaryItem[],
  summary: RunSummary,
  feed: string,
  deps: DatasetDeps,
): Promise<DatasetCheck | undefined> {
  const rules = datasetRulesOf(file);
  if (rules === undefined || file === undefined) return undefined;
  if (summary.failureReasons.length > 0) {
    const evaluation = {
      findings: [],
      notes: ["dataset: not evaluated: the run failed, so its counts are not the file's"],
    };
    return { evaluation, output: datasetOutcomeOf(evaluation, undefined) };
  }
  const history = usesHistory(rules)
    ? await deps.history.readRuns(feed, run.executionName, rules.history?.window ?? 0)
    : undefined;
  const evaluation = evaluateDataset({
    rules,
    rows: summary.rows.total,
    invalid: summary.rows.invalid,
    filled: sumFilled(chunks),
    ...(history ? { history: { runs: history } } : {}),
  });
  if (evaluation.findings.length > 0) {
    await deps.writeRecords(
      datasetErrorRecords(evaluation.findings, {
        executionName: run.executionName,
        startTime: run.startTime,
        expiresAt: file.expiresAt,
        feed,
      }),
    );
  }
  return { evaluation, ...(history ? { history } : {}), output: datasetOutcomeOf(evaluation, history) };
}

/** The summary with the findings counted as errors of type `DatasetError` (the row counts do not change). */
export function withDatasetFindings(summary: RunSummary, check: DatasetCheck | undefined): RunSummary {
  const findings = check?.evaluation.findings ?? [];
  if (findings.length === 0) return summary;
  const bySeverity = { ...summary.bySeverity };
  for (const f of findings) bySeverity[f.severity]++;
  const byType = { ...summary.byType, DatasetError: (summary.byType.DatasetError ?? 0) + findings.length };
  return {
    ...summary,
    errorCount: summary.errorCount + findings.length,
    criticalCount: bySeverity.HIGH + bySeverity.CRITICAL,
    byType,
    bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, bySeverity[s]])) as RunSummary["bySeverity"],
  };
}

/**
 * Writes the run's item in its feed's history (the runs that later runs compare with): FAILED when the run failed,
 * kept {@link FEED_HISTORY_DAYS} days. It replaces the item split-csv wrote when the run started (the arrival check's
 * latest run), adding the counts and the status. For a run whose split named its feed (it wrote the file summary),
 * and for a run whose upload fell under no feed's prefix (split-csv refused it before writing anything): that one is
 * written under {@link UNKNOWN_FEED}, whose runs no rule compares with, so that an operator's `runs` lists it.
 */
export async function recordRunHistory(
  summary: RunSummary,
  file: FileSummaryItem | undefined,
  feed: string,
  now: Date,
  deps: DatasetDeps,
): Promise<void> {
  if (file === undefined && feed !== UNKNOWN_FEED) return;
  await deps.history.putRun(feed, {
    executionName: summary.executionName,
    // One spelling of the start time (as split-csv's item of the same run has it), so the check replaces that item.
    startTime: Number.isNaN(Date.parse(summary.startTime))
      ? summary.startTime
      : new Date(summary.startTime).toISOString(),
    key: summary.key,
    rows: summary.rows.total,
    valid: summary.rows.valid,
    invalid: summary.rows.invalid,
    errors: summary.errorCount,
    status: summary.runFailed ? "FAILED" : "SUCCEEDED",
    expiresAt: expiresAtOf(now.getTime(), FEED_HISTORY_DAYS),
  });
}
