import type { DatasetOutcome } from "../../contract";
import { percent } from "../dataset/evaluate";
import { escapeHtml } from "../notify/escape";

/** Rules whose measure is a share of the rows (shown as a percentage), not a count of rows. */
const SHARE_RULES = /^(dataset:completeness:|history:errorRate$)/;

/** A finding's measure as a reader reads it: `62.5%` for a share, the count of rows otherwise. */
export function findingMeasure(rule: string, value: number): string {
  return SHARE_RULES.test(rule) ? percent(value) : String(value);
}

/**
 * The report's "Dataset" section: the rules about the file as a whole that it breaks (rule, severity, this run's
 * value, the bound and, for a history rule, the median of the earlier runs), why a rule was not evaluated, and — when
 * the history rules are on — the row counts of the feed's earlier runs, newest first, beside this run's.
 */
export function datasetHtml(dataset: DatasetOutcome, run: { executionName: string; rows: number }): string {
  const h = escapeHtml;
  const findings = dataset.findings.length
    ? `<table class="dataset"><tr><th>rule</th><th>severity</th><th>this run</th><th>expected</th><th>median of earlier runs</th></tr>${dataset.findings
        .map(
          (f) =>
            `<tr class="sev-${h(f.severity)}"><td><code>${h(f.rule)}</code></td><td>${h(f.severity)}</td><td class="num">${h(findingMeasure(f.rule, f.measured))}</td><td>${h(f.bound)}</td><td class="num">${f.median === undefined ? "" : h(findingMeasure(f.rule, f.median))}</td></tr>`,
        )
        .join("")}</table>`
    : "<p>The file keeps every dataset rule.</p>";
  const notes = dataset.notes.length
    ? `<ul class="dataset-notes">${dataset.notes.map((n) => `<li>${h(n)}</li>`).join("")}</ul>`
    : "";
  const runs = dataset.history
    ? `<table class="history"><caption>Rows of the feed's runs, newest first</caption><tr><th>execution</th><th>rows</th></tr><tr><td><code>${h(run.executionName)}</code> (this run)</td><td class="num">${run.rows}</td></tr>${dataset.history.runs
        .map((r) => `<tr><td><code>${h(r.executionName)}</code></td><td class="num">${r.rows}</td></tr>`)
        .join("")}</table>`
    : "";
  return `${findings}\n${notes}${runs}`;
}
