import { dirname, relative } from "node:path";
import { type DatasetOutcome, SEVERITIES } from "../../functions/contract";
import { findingMeasure } from "../../functions/core/report/dataset-html";
import type { AwsLimitEntry } from "../services/aws-limits";
import type { DeliveredNotice } from "./document";
import type { RunReport, StateSummary } from "./report";
import { renderTable } from "./text-table";

/** Human-readable size: 1536 → "1.5 KB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

// biome-ignore lint/suspicious/noExplicitAny: Block Kit payloads are untyped JSON
type Block = Record<string, any>;

function textOf(t: unknown): string {
  if (t === null || t === undefined) return "";
  if (typeof t === "string") return t;
  const o = t as { text?: unknown };
  return typeof o.text === "string" ? o.text : "";
}

/** Undoes Slack's mrkdwn escaping and link syntax for display: `<url|label>` → `label (url)`. */
function readableMrkdwn(text: string): string {
  return text
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, "$2 ($1)")
    .replace(/<(https?:[^>]+)>/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/**
 * Renders a Slack webhook payload readably: the header, each section's text and fields, context lines, buttons as
 * `[label] url`; a payload without blocks shows its `text`.
 */
export function renderSlack(payload: unknown): string[] {
  const p = (payload ?? {}) as { text?: string; blocks?: Block[]; attachments?: { blocks?: Block[] }[] };
  const blocks: Block[] = [...(p.blocks ?? []), ...(p.attachments ?? []).flatMap((a) => a.blocks ?? [])];
  if (blocks.length === 0) return readableMrkdwn(p.text ?? "").split("\n");
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case "header":
        out.push(`▌${textOf(b.text)}`);
        break;
      case "section":
        if (b.text) out.push(...readableMrkdwn(textOf(b.text)).split("\n"));
        for (const f of (b.fields ?? []) as unknown[]) out.push(`  ${readableMrkdwn(textOf(f)).replace(/\n/g, " ")}`);
        break;
      case "context":
        out.push(((b.elements ?? []) as unknown[]).map((e) => readableMrkdwn(textOf(e))).join("  ·  "));
        break;
      case "divider":
        out.push("────");
        break;
      case "actions":
        for (const e of (b.elements ?? []) as Block[]) out.push(`[${textOf(e.text)}] ${e.url ?? ""}`.trimEnd());
        break;
      default:
        if (b.text) out.push(readableMrkdwn(textOf(b.text)));
    }
  }
  return out;
}

/** Links longer than this are shortened in the terminal; `--json`, `--out` and the notices keep them whole. */
export const MAX_TERMINAL_LINK = 60;

const LINK = /https?:\/\/[^\s<>"`]+/g;

/**
 * Shortens a long link for the terminal to its host and first path segment:
 * `https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?…` → `ap-northeast-1.console.aws.amazon.com/cloudwatch/…`.
 * Links up to {@link MAX_TERMINAL_LINK} characters are kept.
 */
export function shortLink(url: string): string {
  if (url.length <= MAX_TERMINAL_LINK) return url;
  try {
    const u = new URL(url);
    const first = u.pathname.split("/").find((p) => p !== "");
    return `${u.host}${first ? `/${first}` : ""}/…`;
  } catch {
    return `${url.slice(0, MAX_TERMINAL_LINK - 1)}…`;
  }
}

function noticeLines(n: DeliveredNotice): string[] {
  const who = n.sender === "state-machine" ? " (state machine alert)" : "";
  const tries = n.attempts.length > 1 ? `, ${n.attempts.length} attempts: ${n.attempts.join(" → ")}` : "";
  const head = `  [${n.channel}] ${n.status}${who}${n.reason ? ` — ${n.reason}` : ""}${tries}`;
  const out = [head];
  if (n.subject !== undefined) out.push(`    Subject: ${n.subject}`);
  if (n.recipients) out.push(`    To: ${n.recipients.join(", ")}`);
  if (n.deliveredTo)
    out.push(`    To: ${n.deliveredTo.length > 0 ? n.deliveredTo.join(", ") : "no subscription matched"}`);
  if (n.webhookPath !== undefined) out.push(`    Webhook: ${n.webhookPath}`);
  if (n.attributes && Object.keys(n.attributes).length > 0) {
    out.push(
      `    Attributes: ${Object.entries(n.attributes)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")}`,
    );
  }
  if (n.body === "") {
    out.push("    (nothing reached the channel)");
    return out;
  }
  const bodyLines = n.channel === "slack" ? renderSlack(n.slackPayload) : n.body.split("\n");
  const MAX = 40;
  let shortened = false;
  for (const l of bodyLines.slice(0, MAX)) {
    const line = l.replace(LINK, (match) => {
      // A link written as "label (url)" ends before the closing parenthesis it did not open.
      const unbalanced = match.endsWith(")") && match.split("(").length < match.split(")").length;
      const url = unbalanced ? match.slice(0, -1) : match;
      const short = shortLink(url);
      if (short !== url) shortened = true;
      return `${short}${unbalanced ? ")" : ""}`;
    });
    out.push(`    │ ${line}`);
  }
  if (bodyLines.length > MAX) out.push(`    │ … ${bodyLines.length - MAX} more lines (see --out)`);
  if (shortened) out.push("    (links shortened here; full links in --json and in report.html with --out)");
  return out;
}

const MARKS: Record<StateSummary["status"], string> = { succeeded: "✔", caught: "↷", failed: "✘" };

/** One line per state: its mark, name, duration and notes (entries, retries, a caught failure, the error). */
function stateLines(states: readonly StateSummary[]): string[] {
  return states.map((s) => {
    const notes = [
      s.entries > 1 ? `×${s.entries}` : "",
      s.retries > 0 ? `${s.retries} retr${s.retries === 1 ? "y" : "ies"}` : "",
      s.status === "caught" ? "failed, caught" : "",
      s.error ?? s.retriedError ?? "",
    ].filter(Boolean);
    return `  ${MARKS[s.status]} ${s.name.padEnd(22)} ${`${s.durationMs} ms`.padStart(8)}  ${notes.join(", ")}`.trimEnd();
  });
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** The lines of errors.csv: errors, and the header warnings it lists first when the run has any. */
const errorsFileCount = (lines: number, warnings: number) =>
  warnings > 0 ? `${plural(lines, "line")} (errors and header warnings)` : plural(lines, "error");

/**
 * One or two lines on the row outcomes: the rejected rows and errors files in the bucket (as the manifest names
 * them), and what `--out` saved of them — or that the local S3, and they with it, goes when the run ends.
 */
function outcomeLines(report: RunReport, rel: (p: string) => string): string[] {
  const { keys, manifest, files } = report.outcomes;
  const out: string[] = [];
  if (manifest) {
    const errorsName = manifest.rejected.errors.startsWith(keys.rejectedFolder)
      ? manifest.rejected.errors.slice(keys.rejectedFolder.length)
      : manifest.rejected.errors;
    const late = report.outcomes.late.map((c) => c.chunkId);
    const missing = manifest.chunks.missing.filter((id) => !late.includes(id));
    const chunks = (ids: number[]) => `chunk${ids.length === 1 ? "" : "s"} ${ids.join(", ")}`;
    out.push(
      `Rejected    ${plural(manifest.rejected.rowCount, "row")} → ${manifest.rejected.rows}, ${errorsFileCount(manifest.rejected.errorCount, report.document.warnings.total)} → ${errorsName}` +
        (missing.length > 0 ? `; ${chunks(missing)} missing` : "") +
        (late.length > 0 ? `; ${chunks(late)} completed later: rows and errors in ${keys.rejectedFolder}parts/` : ""),
    );
  } else {
    out.push(`Rejected    no manifest: ${keys.manifest} was not written`);
  }
  if (files) {
    const saved = [files.rejectedRows, files.rejectedErrors].filter((p): p is string => p !== undefined).map(rel);
    const lateParts = files.lateParts.flatMap((p) => (p.rows ? [p.rows] : []).concat(p.errors ? [p.errors] : []));
    if (lateParts.length > 0) saved.push(`${rel(dirname(lateParts[0]))}/ (${plural(lateParts.length, "part")})`);
    if (files.processedParts.length > 0) {
      saved.push(`${rel(dirname(files.processedParts[0]))}/ (${plural(files.processedParts.length, "part")})`);
    }
    out.push(`Saved       ${saved.length > 0 ? saved.join(", ") : "nothing: no outcome file was written"}`);
  } else if (!report.outcomes.filesError) {
    out.push("            (in the run's local S3, removed when the run ends: --out DIR keeps a copy)");
  }
  const r = report.document.report;
  if (r?.status === "written") out.push(`Report      ${r.key} (written by the check before its notices)`);
  else if (r) out.push(`Report      ${r.key} not written: ${r.reason ?? "failed"} (the notices went without its link)`);
  return out;
}

/** The run's warnings, apart from its errors: how many, of which types, and that they reject no row nor page. */
function warningLines(w: RunReport["document"]["warnings"]): string[] {
  const types = Object.entries(w.byType)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${t} ${n}`)
    .join(", ");
  return [
    `Warnings    total ${w.total}${types ? ` (${types})` : ""}: no row rejected, no page`,
    "            header columns the row schema does not define (or without a name): their values are not checked",
  ];
}

/** One line per AWS limit the run used more than half of: such a file is closer to failing on AWS than it looks. */
export function limitLines(limits: readonly AwsLimitEntry[] | undefined): string[] {
  return (limits ?? [])
    .filter((l) => l.largest * 2 > l.max)
    .map(
      (l) =>
        `AWS limit   ${l.limit}: ${l.largest.toLocaleString("en-US")} of ${l.max.toLocaleString("en-US")} bytes (${Math.floor((l.largest / l.max) * 100)}%) at ${l.where}${l.largest > l.max ? " — over the limit: AWS fails this" : ""}`,
    );
}

/**
 * The dataset rules the file breaks, one line each (rule, this run's value, the bound, the median of earlier runs for
 * a history rule, severity), then why a rule was not evaluated; nothing when the schema has no dataset rules.
 */
export function datasetLines(dataset: DatasetOutcome | undefined): string[] {
  if (dataset === undefined) return [];
  const lines = dataset.findings.map((f) => {
    const median = f.median === undefined ? "" : `, median of earlier runs ${findingMeasure(f.rule, f.median)}`;
    return `${f.rule}: ${findingMeasure(f.rule, f.measured)}, expected ${f.bound}${median} [${f.severity}]`;
  });
  if (dataset.findings.length === 0) lines.push("every dataset rule holds");
  lines.push(...dataset.notes);
  return lines.map((l, i) => `${i === 0 ? "Dataset     " : "            "}${l}`);
}

/** The human summary printed on stdout. */
export function formatHuman(report: RunReport, cwd = process.cwd()): string {
  const d = report.document;
  const out: string[] = [];
  const rel = (p: string) => relative(cwd, p) || p;
  out.push("CSV pipeline — local run");
  out.push(
    `  file        ${rel(report.input.csvPath)} (${formatBytes(report.input.bytes)}) → s3://${report.input.bucket}/${report.input.key}`,
  );
  out.push(`  feed        ${report.feed.name} (${report.feed.prefix})`);
  out.push(`  schema      ${rel(report.input.schemaPath)}`);
  out.push(`  pattern     ${report.pattern}`);
  const mc = report.mapConcurrency;
  out.push(
    mc.local < mc.configured
      ? `  chunks      ${mc.local} at a time here (${mc.configured} configured for AWS; capped at ${mc.perCpu} per CPU, ${mc.cpus} CPUs)`
      : `  chunks      ${mc.local} at a time (as configured)`,
  );
  out.push(`  execution   ${d.executionName} (started ${report.startTime})`);
  for (const e of d.earlierExecutions ?? []) {
    out.push(`  earlier     ${e.executionName} ended ${e.status}: this execution took its upload claim over`);
  }
  for (const e of d.duplicateExecutions ?? []) {
    const how = e.outcome === "duplicate" ? "found the upload claimed (Duplicate)" : "took the upload claim over";
    out.push(`  redelivered ${e.executionName} ${how}, ended ${e.status}`);
  }
  if (report.injected.length > 0) out.push(`  injected    ${report.injected.join(", ")}`);
  out.push("");
  out.push("States entered");
  out.push(...stateLines(report.stateSummaries));
  out.push("");
  out.push(
    `Status      ${d.status}${report.failure ? ` — ${report.failure.error}: ${report.failure.cause.split("\n")[0].slice(0, 200)}` : ""}`,
  );
  out.push(`Duration    ${report.durationMs} ms`);
  out.push("");
  out.push(`Rows        total ${d.rows.total}   valid ${d.rows.valid}   invalid ${d.rows.invalid}`);
  out.push(`Errors      total ${d.errors.total}   critical (HIGH + CRITICAL) ${d.errors.critical}`);
  if (d.warnings.total > 0) out.push(...warningLines(d.warnings));
  out.push(...datasetLines(d.dataset));
  out.push(...outcomeLines(report, rel));
  const types = Object.entries(d.errors.byType).filter(([, n]) => n > 0);
  if (types.length > 0) {
    out.push("");
    const max = Math.max(...types.map(([, n]) => n));
    const rows = types
      .sort((a, b) => b[1] - a[1])
      .map(([t, n]) => [t, n, "█".repeat(Math.max(1, Math.round((n / max) * 30)))]);
    out.push(
      ...renderTable(["error type", "count", ""], rows, { alignRight: [false, true, false] }).map((l) => `  ${l}`),
    );
    out.push("");
    out.push(
      ...renderTable(["severity", ...SEVERITIES], [["count", ...SEVERITIES.map((s) => d.errors.bySeverity[s])]], {
        alignRight: [false, true, true, true, true],
      }).map((l) => `  ${l}`),
    );
  }
  out.push("");
  out.push(`Notifications (${report.notices.length})`);
  if (report.notices.length === 0) out.push("  (none)");
  for (const n of report.notices) out.push(...noticeLines(n));
  out.push("");
  out.push(`Metrics (${d.metrics.length})`);
  if (d.metrics.length === 0) out.push("  (none)");
  else {
    const rows = d.metrics.map((m) => [
      m.namespace,
      m.name,
      m.value,
      m.unit,
      Object.entries(m.dimensions)
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    ]);
    out.push(
      ...renderTable(["namespace", "metric", "value", "unit", "dimensions"], rows, {
        alignRight: [false, false, true],
      }).map((l) => `  ${l}`),
    );
  }
  const nearLimits = limitLines(d.awsLimits);
  if (nearLimits.length > 0) {
    out.push("");
    out.push(...nearLimits);
  }
  if (report.throttledBatches > 0) {
    out.push("");
    out.push(`DynamoDB throttled ${report.throttledBatches} BatchWriteItem call(s); the chunk retried them.`);
  }
  return `${out.join("\n")}\n`;
}

/** A one-line progress bar for stderr: `chunks [██████░░░░] 6/10`. */
export function progressLine(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(done / total, 1) : 0;
  const filled = Math.round(ratio * width);
  return `chunks [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done}/${total}`;
}
