/**
 * A run's report: the sections every report of a run has, from what the error check knows — the run's file, feed and
 * status, its exact counts, the dataset findings and history, masked error examples, where its row outcomes are, and
 * console links. The deployed check writes them as `results/<exec>.html`; the local runner's `report.html` is the same
 * sections followed by what only a local run knows (states, timeline, notices, metrics, every error).
 */
import {
  type CountsBySeverity,
  type DatasetOutcome,
  OUTCOME_KEYS,
  type OutcomeSettings,
  SEVERITIES,
} from "../../contract";
import { escapeHtml } from "../notify/escape";
import { texts } from "../notify/i18n";
import { s3FolderConsoleUrl, s3ObjectConsoleUrl } from "../notify/links";
import type { ErrorExample } from "../notify/messages/notice";
import { prepareExampleList } from "../notify/messages/parts";
import { datasetHtml } from "./dataset-html";
import { barChart, reportHead, SEVERITY_COLOURS } from "./page";

/** What a run's report shows: the check's knowledge of the run. */
export interface RunReportView {
  executionName: string;
  /** How the run ends: `FAILED` when a step failed or the file was rejected (the execution then fails too). */
  status: "SUCCEEDED" | "FAILED";
  /** The run's feed and, when known, the input prefix it owns. */
  feed: { name: string; prefix?: string };
  file: { bucket: string; key: string };
  /** When the execution started (ISO-8601). */
  startTime: string;
  /** Why the run failed, one line each (already bounded and masked); empty when it did not. */
  failure: string[];
  rows: { total: number; valid: number; invalid: number };
  errors: { total: number; critical: number; byType: Record<string, number>; bySeverity: CountsBySeverity };
  warnings: { total: number; byType: Record<string, number> };
  dataset?: DatasetOutcome;
  /** Up to five HIGH/CRITICAL examples as the error table holds them: masked here as the notices mask them. */
  examples: readonly ErrorExample[];
  /** Where the run's row outcomes and this report are in the bucket. */
  outcomes: ReportOutcomeKeys;
  /** The region the console links open in. */
  consoleRegion: string;
  links: { execution?: string; logs?: string };
}

/** The keys of a run's row outcomes and report in the input bucket. */
export interface ReportOutcomeKeys {
  rejectedRows: string;
  rejectedErrors: string;
  manifest: string;
  report: string;
  /** The folder of the processed parts; absent when none are written (`outputs.processed` off). */
  processedFolder?: string;
}

/** The keys of execution `exec`'s row outcomes and report under `settings` (the contract's `OUTCOME_KEYS`). */
export function reportOutcomeKeys(settings: OutcomeSettings, exec: string): ReportOutcomeKeys {
  return {
    rejectedRows: OUTCOME_KEYS.rejectedRows(settings, exec),
    rejectedErrors: OUTCOME_KEYS.rejectedErrors(settings, exec),
    manifest: OUTCOME_KEYS.manifest(settings, exec),
    report: OUTCOME_KEYS.report(settings, exec),
    ...(settings.processed ? { processedFolder: `${settings.processedPrefix}${exec}/` } : {}),
  };
}

/** What a local run adds to the shared sections (HTML, escaped by the caller). */
export interface LocalAdditions {
  /** Facts appended to the line under the title (pattern, duration, faults). */
  facts?: string;
  /** The execution's own failure, in place of the check's lines. */
  failure?: string;
  /** Items appended to the row outcomes list (the copies `--out` saved, missing chunks). */
  outcomeItems?: string;
}

const h = escapeHtml;

/** A console link as an anchor, or nothing. */
const anchor = (url: string | undefined, text: string) => (url ? ` — <a href="${h(url)}">${h(text)}</a>` : "");

/** The row outcomes the run leaves in the bucket (what exists depends on how far the run got). */
function outcomeItems(view: RunReportView): string {
  const { bucket } = view.file;
  const k = view.outcomes;
  const item = (key: string, note: string, url = s3ObjectConsoleUrl(view.consoleRegion, bucket, key)) =>
    `<li><code>s3://${h(bucket)}/${h(key)}</code> — ${h(note)}${anchor(url, "open in the S3 console")}</li>`;
  const folder = (prefix: string, note: string) =>
    item(prefix, note, s3FolderConsoleUrl(view.consoleRegion, bucket, prefix));
  return [
    item(k.rejectedRows, `the rejected rows (${view.rows.invalid}), a valid input again once fixed`),
    item(k.rejectedErrors, "one line per error, with its row, line, column and reason"),
    item(k.manifest, "the manifest: counts, parts, missing chunks"),
    ...(k.processedFolder ? [folder(k.processedFolder, "the valid rows, one part per chunk")] : []),
    item(k.report, "this report"),
  ].join("");
}

/** Up to five HIGH/CRITICAL errors, masked as in the notices, and where every error is. */
function examplesHtml(view: RunReportView): string {
  const errorsKey = view.outcomes.rejectedErrors;
  const url = s3ObjectConsoleUrl(view.consoleRegion, view.file.bucket, errorsKey);
  const where = `Every error is in <code>s3://${h(view.file.bucket)}/${h(errorsKey)}</code>${anchor(url, "open errors.csv in the S3 console")}.`;
  const examples = prepareExampleList(view.examples, "en");
  if (examples.length === 0)
    return `<p>${view.errors.critical > 0 ? "No example could be read." : "No HIGH or CRITICAL error."} ${where}</p>`;
  const items = examples
    .map(
      (e) =>
        `<li><strong>${h(e.heading)}</strong><br>${h(e.message)}${e.values.map((v) => `<br><code>${h(v.column)}</code>: <code>${h(v.value)}</code>`).join("")}</li>`,
    )
    .join("");
  return `<ul class="examples">${items}</ul>\n<p>${where} Values are masked as in the notices.</p>`;
}

/** The run's warnings (findings that reject no row), apart from its errors; nothing when it has none. */
function warningsHtml(w: RunReportView["warnings"]): string {
  if (w.total <= 0) return "";
  const types = Object.entries(w.byType)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${h(t)} ${n}`)
    .join(", ");
  return `<p class="warnings"><strong>Warnings (no row rejected): ${w.total}</strong>${types ? ` — ${types}` : ""}. ${h(texts("en").warningsNote)}</p>`;
}

function linksHtml(view: RunReportView): string {
  const links = [
    view.links.execution
      ? `<li><a href="${h(view.links.execution)}">The execution in the Step Functions console</a></li>`
      : "",
    view.links.logs
      ? `<li><a href="${h(view.links.logs)}">The check's log lines in CloudWatch Logs Insights</a></li>`
      : "",
  ].join("");
  return links ? `<ul class="links">${links}</ul>` : "<p class='muted'>No console link is known for this run.</p>";
}

/**
 * The sections every report of a run has, from the title to the console links, with what a local run adds to them.
 * Every value is HTML-escaped; examples are masked.
 */
export function runReportSections(view: RunReportView, local: LocalAdditions = {}): string {
  const types = Object.entries(view.errors.byType).filter(([, n]) => n > 0) as [string, number][];
  const severities = SEVERITIES.map((s) => [s, view.errors.bySeverity[s]] as [string, number]);
  const feed = `feed <strong class="feed">${h(view.feed.name)}</strong>${view.feed.prefix !== undefined ? ` (<code>${h(view.feed.prefix)}</code>)` : ""}`;
  const failure =
    local.failure ??
    (view.failure.length ? `<ul class="failure">${view.failure.map((l) => `<li>${h(l)}</li>`).join("")}</ul>` : "");
  const { rows, errors } = view;
  return `<h1>CSV pipeline run <code>${h(view.executionName)}</code> <span class="status ${view.status}">${view.status}</span></h1>
<p>File <code>s3://${h(view.file.bucket)}/${h(view.file.key)}</code> · ${feed} · started ${h(view.startTime)}${local.facts ?? ""}</p>
${failure}
<h2>Rows and errors</h2>
<table><tr><th>rows</th><th>valid</th><th>invalid</th><th>errors</th><th>critical (HIGH + CRITICAL)</th><th>warnings</th></tr>
<tr><td class="num">${rows.total}</td><td class="num">${rows.valid}</td><td class="num">${rows.invalid}</td><td class="num">${errors.total}</td><td class="num">${errors.critical}</td><td class="num">${view.warnings.total}</td></tr></table>
${types.length ? barChart("Errors by type", types, () => "#5b8def") : "<p>No error records.</p>"}
${barChart("Errors by severity", severities, (s) => SEVERITY_COLOURS[s] ?? "#888")}
${warningsHtml(view.warnings)}
${view.dataset ? `<h2 id="dataset">Dataset</h2>\n${datasetHtml(view.dataset, { executionName: view.executionName, rows: rows.total })}` : ""}
<h2>Row outcomes</h2>
<ul class="outcomes">${outcomeItems(view)}${local.outcomeItems ?? ""}</ul>
<h2 id="examples">Error examples</h2>
${examplesHtml(view)}
<h2 id="links">Links</h2>
${linksHtml(view)}
`;
}

/** The whole report of a run as the error check writes it to the bucket: a self-contained page, no script. */
export function renderRunReport(view: RunReportView): string {
  return `${reportHead(view.executionName)}${runReportSections(view)}</body></html>\n`;
}
