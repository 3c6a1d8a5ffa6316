import type { DatasetRulesItem, Severity, ValidationMessage } from "../../contract";
import { renderValidationMessage } from "../csv/validation-messages";

/**
 * The rules of the row schema's `dataset` section about the file as a whole — its row count, the share of rows with
 * a value in a column, and the comparison with the feed's earlier runs — evaluated on a run's exact counts. Pure: the
 * check (records, notices, its output) and the aggregation (the lines of `errors.csv`) call it with the same counts
 * and the same history, so both say the same.
 */

/** One earlier run of the feed, as the history rules compare with it. */
export interface HistoryRun {
  executionName: string;
  startTime: string;
  rows: number;
  invalid: number;
}

/** One broken rule: one `DatasetError` record, one `errors.csv` line, one line of a notice. */
export interface DatasetFinding {
  /** `dataset:rowCount`, `dataset:completeness:<column>`, `history:rowCount` or `history:errorRate`. */
  rule: string;
  severity: Severity;
  /** The column of a completeness rule. */
  column?: string;
  /** The run's value: rows, a share (0–1) of rows with a value, or a share of invalid rows. */
  measured: number;
  /** What the rule expects, as a reader sees it: `≥ 100`, `≥ 80%`, `0.5×–2×`, `≤ 3×`. */
  bound: string;
  /** The median of the earlier runs a history rule compared with (rows, or a share of invalid rows). */
  median?: number;
  message: ValidationMessage;
  /** The message in English (the record's `errorMessage`). */
  errorMessage: string;
}

/** What the evaluation is given: the rules, the run's exact counts and the feed's earlier runs. */
export interface DatasetInput {
  rules: DatasetRulesItem;
  rows: number;
  invalid: number;
  /** Rows with a non-empty value per column named by `completeness` (the sum of the chunks' `filled`). */
  filled: Readonly<Record<string, number>>;
  /** The feed's earlier runs that did not fail, newest first, never the current one (see {@link historyRunsOf}). */
  history?: { runs: readonly HistoryRun[] };
}

export interface DatasetEvaluation {
  findings: DatasetFinding[];
  /** Why a rule was not evaluated, e.g. `history: skipped: 2 of 3 earlier runs`. */
  notes: string[];
}

/** The middle value of `values` (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A share (0–1) as a percentage with at most two decimals: `0.725` → `72.5%`. */
export function percent(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

/** A ratio with two decimals (`1.50`), or `∞`. */
export function ratioText(ratio: number): string {
  return Number.isFinite(ratio) ? ratio.toFixed(2) : "∞";
}

/**
 * Shares and ratios are quotients of counts: `6 / 100 / (2 / 100)` is 2.9999999999999996. A value on its bound (within
 * a billionth) keeps to it, so a rule never breaks on rounding.
 */
const TOLERANCE = 1e-9;
const above = (value: number, bound: number) => value > bound + TOLERANCE * Math.max(1, Math.abs(bound));
const below = (value: number, bound: number) => value < bound - TOLERANCE * Math.max(1, Math.abs(bound));

/** A multiplier as the schema writes it: `0.5×`, `2×`. */
const times = (n: number) => `${n}×`;

function finding(
  rule: string,
  severity: Severity,
  measured: number,
  bound: string,
  message: ValidationMessage,
  extra: Pick<DatasetFinding, "column" | "median"> = {},
): DatasetFinding {
  return {
    rule,
    severity,
    ...extra,
    measured,
    bound,
    message,
    errorMessage: renderValidationMessage(message, "en"),
  };
}

function rowCountFinding(rule: NonNullable<DatasetRulesItem["rowCount"]>, rows: number): DatasetFinding | undefined {
  const { min, max } = rule;
  if ((min === undefined || rows >= min) && (max === undefined || rows <= max)) return undefined;
  const bound = min !== undefined && max !== undefined ? `${min}–${max}` : min !== undefined ? `≥ ${min}` : `≤ ${max}`;
  const params: ValidationMessage["params"] = { count: rows };
  if (min !== undefined) params.min = min;
  if (max !== undefined) params.max = max;
  return finding("dataset:rowCount", rule.severity, rows, bound, { key: "datasetRowCount", params });
}

function completenessFindings(input: DatasetInput, notes: string[]): DatasetFinding[] {
  const rules = Object.entries(input.rules.completeness ?? {});
  if (rules.length === 0) return [];
  if (!(input.rows > 0)) {
    notes.push("dataset:completeness: not evaluated: the file has no rows");
    return [];
  }
  const out: DatasetFinding[] = [];
  for (const [column, rule] of rules) {
    const share = (Number(input.filled[column]) || 0) / input.rows;
    if (!below(share, rule.min)) continue;
    const message: ValidationMessage = {
      key: "datasetCompleteness",
      params: { column, share: percent(share), min: percent(rule.min) },
    };
    out.push(
      finding(`dataset:completeness:${column}`, rule.severity, share, `≥ ${percent(rule.min)}`, message, { column }),
    );
  }
  return out;
}

function historyFindings(input: DatasetInput, notes: string[]): DatasetFinding[] {
  const rules = input.rules.history;
  if (rules === undefined || (rules.rowCount === undefined && rules.errorRate === undefined)) return [];
  const runs = (input.history?.runs ?? []).slice(0, rules.window);
  if (runs.length < rules.minRuns) {
    notes.push(`history: skipped: ${runs.length} of ${rules.minRuns} earlier runs`);
    return [];
  }
  const out: DatasetFinding[] = [];
  if (rules.rowCount !== undefined) {
    const { minRatio, maxRatio, severity } = rules.rowCount;
    const mid = median(runs.map((r) => r.rows));
    if (!(mid > 0)) {
      notes.push(`history:rowCount: skipped: the median row count of the last ${runs.length} runs is 0`);
    } else {
      const ratio = input.rows / mid;
      if ((minRatio !== undefined && below(ratio, minRatio)) || (maxRatio !== undefined && above(ratio, maxRatio))) {
        const bound =
          minRatio !== undefined && maxRatio !== undefined
            ? `${times(minRatio)}–${times(maxRatio)}`
            : minRatio !== undefined
              ? `≥ ${times(minRatio)}`
              : `≤ ${times(maxRatio as number)}`;
        const message: ValidationMessage = {
          key: "historyRowCount",
          params: { count: input.rows, median: mid, ratio: ratioText(ratio), runs: runs.length, bound },
        };
        out.push(finding("history:rowCount", severity, input.rows, bound, message, { median: mid }));
      }
    }
  }
  if (rules.errorRate !== undefined) {
    const { maxRatio, severity } = rules.errorRate;
    const counted = runs.filter((r) => r.rows > 0);
    if (!(input.rows > 0)) {
      notes.push("history:errorRate: not evaluated: the file has no rows");
    } else if (counted.length === 0) {
      notes.push(`history:errorRate: skipped: none of the last ${runs.length} runs had rows`);
    } else {
      const rate = input.invalid / input.rows;
      const mid = median(counted.map((r) => r.invalid / r.rows));
      // A feed whose earlier runs had no invalid row: any invalid row is infinitely more than usual.
      const ratio = mid > 0 ? rate / mid : rate > 0 ? Number.POSITIVE_INFINITY : 0;
      if (above(ratio, maxRatio)) {
        const message: ValidationMessage = {
          key: "historyErrorRate",
          params: {
            rate: percent(rate),
            median: percent(mid),
            ratio: ratioText(ratio),
            runs: counted.length,
            maxRatio,
          },
        };
        out.push(finding("history:errorRate", severity, rate, `≤ ${times(maxRatio)}`, message, { median: mid }));
      }
    }
  }
  return out;
}

/**
 * Evaluates the dataset rules on a run's exact counts: one finding per broken rule (row count, then completeness in
 * the schema's column order, then history), and a note for each rule that could not be evaluated (no rows; fewer
 * earlier runs than `minRuns`; a median of 0).
 *
 * @example evaluateDataset({ rules: { rowCount: { min: 100, severity: "HIGH" } }, rows: 12, invalid: 0, filled: {} })
 * // { findings: [{ rule: "dataset:rowCount", measured: 12, bound: "≥ 100", … }], notes: [] }
 */
export function evaluateDataset(input: DatasetInput): DatasetEvaluation {
  const notes: string[] = [];
  const findings: DatasetFinding[] = [];
  const rowCount = input.rules.rowCount && rowCountFinding(input.rules.rowCount, input.rows);
  if (rowCount) findings.push(rowCount);
  findings.push(...completenessFindings(input, notes));
  findings.push(...historyFindings(input, notes));
  return { findings, notes };
}

/** Whether the rules hold anything to evaluate. */
export function hasDatasetRules(rules: DatasetRulesItem | undefined): rules is DatasetRulesItem {
  if (rules === undefined) return false;
  return (
    rules.rowCount !== undefined ||
    Object.keys(rules.completeness ?? {}).length > 0 ||
    rules.history?.rowCount !== undefined ||
    rules.history?.errorRate !== undefined
  );
}

/**
 * The earlier runs a history rule compares with, from the feed's history items newest first: those the check
 * finished as SUCCEEDED (not a failed run, nor one still running, whose item the split wrote without counts), never
 * `current` (a retried check finds its own run's item), at most `window`.
 */
export function historyRunsOf(
  items: readonly (HistoryRun & { status: string })[],
  current: string,
  window: number,
): HistoryRun[] {
  const runs: HistoryRun[] = [];
  for (const item of items) {
    if (runs.length >= window) break;
    if (item.status !== "SUCCEEDED" || item.executionName === current) continue;
    runs.push({
      executionName: item.executionName,
      startTime: item.startTime,
      rows: Number(item.rows) || 0,
      invalid: Number(item.invalid) || 0,
    });
  }
  return runs;
}
