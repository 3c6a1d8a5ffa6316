import type { ChunkSummaryItem, DatasetOutcome, DatasetRulesItem, ErrorRecord, FileSummaryItem } from "../../contract";
import { MAX_OUTPUT_FINDINGS, MAX_OUTPUT_HISTORY_RUNS } from "../../contract";
import type { RowProblem } from "../csv/validate";
import type { MessageLocale } from "../csv/validation-messages";
import { errorLineFields } from "../outcomes/chunk-outcomes";
import { buildErrorRecord, type RecordContext } from "../records/error-record";
import type { DatasetEvaluation, DatasetFinding, HistoryRun } from "./evaluate";
import { hasDatasetRules } from "./evaluate";

/** A finding as the problem every error record and `errors.csv` line is built from. */
export function datasetProblem(f: DatasetFinding): RowProblem {
  return {
    rule: f.rule,
    errorType: "DatasetError",
    severity: f.severity,
    message: f.errorMessage,
    ...(f.column !== undefined ? { column: f.column } : {}),
    detail: f.message,
  };
}

/**
 * One `DatasetError` record per finding, about the file as a whole: row 0 and chunk 0 (its `severityRow` sorts it
 * first within its severity), written by the check. The id is a hash of the execution and the rule, so a retried
 * check overwrites its records.
 */
export function datasetErrorRecords(
  findings: readonly DatasetFinding[],
  ctx: Omit<RecordContext, "chunkId" | "processingStage">,
): ErrorRecord[] {
  return findings.map((f) =>
    buildErrorRecord({ ...ctx, chunkId: 0, processingStage: "check" }, 0, datasetProblem(f), {}),
  );
}

/** The `errors.csv` lines of the findings: `row` and `line` empty (the file as a whole), the message in `locale`. */
export function datasetErrorLines(findings: readonly DatasetFinding[], locale: MessageLocale): string[][] {
  return findings.map((f) => {
    const fields = errorLineFields(undefined, 0, datasetProblem(f), locale);
    fields[1] = "";
    return fields;
  });
}

/** The file's rows with a value per column: the sum of the chunks' `filled` (each chunk counted once). */
export function sumFilled(chunks: readonly Pick<ChunkSummaryItem, "chunkId" | "filled">[]): Record<string, number> {
  const out: Record<string, number> = {};
  const seen = new Set<number>();
  for (const c of chunks) {
    if (seen.has(c.chunkId)) continue;
    seen.add(c.chunkId);
    for (const [column, n] of Object.entries(c.filled ?? {})) out[column] = (out[column] ?? 0) + (Number(n) || 0);
  }
  return out;
}

/** The dataset rules a run's file summary carries, when there is anything to evaluate. */
export function datasetRulesOf(file: Pick<FileSummaryItem, "dataset"> | undefined): DatasetRulesItem | undefined {
  return hasDatasetRules(file?.dataset) ? file?.dataset : undefined;
}

/** Whether the rules compare with the feed's earlier runs (the history must be read). */
export function usesHistory(rules: DatasetRulesItem | undefined): boolean {
  return rules?.history?.rowCount !== undefined || rules?.history?.errorRate !== undefined;
}

/** The evaluation as the check's output and the `--json` document carry it (bounded). */
export function datasetOutcomeOf(
  evaluation: DatasetEvaluation,
  history: readonly HistoryRun[] | undefined,
): DatasetOutcome {
  const more = evaluation.findings.length - MAX_OUTPUT_FINDINGS;
  return {
    findings: evaluation.findings.slice(0, MAX_OUTPUT_FINDINGS).map((f) => ({
      rule: f.rule,
      severity: f.severity,
      measured: f.measured,
      bound: f.bound,
      ...(f.median !== undefined ? { median: f.median } : {}),
    })),
    notes: more > 0 ? [...evaluation.notes, `${more} more findings: errors.csv lists them all`] : evaluation.notes,
    ...(history !== undefined
      ? {
          history: {
            runs: history
              .slice(0, MAX_OUTPUT_HISTORY_RUNS)
              .map((r) => ({ executionName: r.executionName, rows: r.rows })),
          },
        }
      : {}),
  };
}
