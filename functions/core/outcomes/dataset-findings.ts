import type { DatasetRulesItem } from "../../contract";
import { type DatasetFinding, evaluateDataset, type HistoryRun } from "../dataset/evaluate";
import { datasetRulesOf, sumFilled } from "../dataset/records";
import { sumSummaries } from "../records/aggregate";
import { chunkProgress, type RunOutcomeInput } from "./manifest";

/**
 * The dataset rules the aggregation evaluates for `errors.csv`, or undefined when the file summary carries none or
 * the run's counts are not the whole file's (the split did not accept it, a chunk left no summary, or the file was
 * replaced while it was read): the check then evaluates nothing either.
 */
export function composedDatasetRules(
  outcome: Pick<RunOutcomeInput, "file" | "chunks" | "chunkCount" | "splitStatus">,
): DatasetRulesItem | undefined {
  const rules = datasetRulesOf(outcome.file);
  if (rules === undefined || outcome.splitStatus !== "OK" || outcome.file?.status !== "OK") return undefined;
  const { completed, missing } = chunkProgress(outcome.chunkCount, outcome.chunks);
  if (missing.length > 0 || completed.some((c) => (Number(c.byType?.SourceChangedError) || 0) > 0)) return undefined;
  return rules;
}

/**
 * The findings the check records for the same run (the same function on the same counts and history), for the
 * lines of `errors.csv`.
 */
export function composedDatasetFindings(
  outcome: Pick<RunOutcomeInput, "file" | "chunks" | "chunkCount">,
  rules: DatasetRulesItem,
  history: readonly HistoryRun[] | undefined,
): DatasetFinding[] {
  const { completed } = chunkProgress(outcome.chunkCount, outcome.chunks);
  const { rows } = sumSummaries(outcome.file, completed);
  return evaluateDataset({
    rules,
    rows: rows.total,
    invalid: rows.invalid,
    filled: sumFilled(completed),
    ...(history ? { history: { runs: history } } : {}),
  }).findings;
}
