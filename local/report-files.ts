import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SEVERITIES } from "../functions/contract";
import { escapeHtml } from "../functions/core/notify/escape";
import { toSvg } from "../workflow/svg";
import type { AslDefinition } from "../workflow/types";
import type { DeliveredNotice } from "./document";
import { UsageError } from "./faults";
import { renderSlack } from "./format";
import type { RunReport } from "./report";

function noticeFiles(n: DeliveredNotice, i: number): { name: string; content: string }[] {
  const stem = `${String(i + 1).padStart(2, "0")}-${n.channel}${n.sender === "state-machine" ? "-alert" : ""}`;
  if (n.body === "") return [];
  if (n.channel === "slack") return [{ name: `${stem}.json`, content: n.body }];
  const files = [{ name: `${stem}.txt`, content: n.body }];
  if (n.html !== undefined) files.push({ name: `${stem}.html`, content: n.html });
  return files;
}

const SEVERITY_COLOURS: Record<string, string> = {
  LOW: "#8fb3d9",
  MEDIUM: "#f2c14e",
  HIGH: "#f08a4b",
  CRITICAL: "#d64545",
};

function barChart(title: string, data: [string, number][], colour: (label: string) => string): string {
  const max = Math.max(1, ...data.map(([, v]) => v));
  const rowH = 26;
  const labelW = 170;
  const barW = 420;
  const h = data.length * rowH + 10;
  const bars = data
    .map(([label, v], i) => {
      const w = Math.max(v > 0 ? 2 : 0, Math.round((v / max) * barW));
      const y = i * rowH + 5;
      return (
        `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${escapeHtml(label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 8}" fill="${colour(label)}"><title>${escapeHtml(label)}: ${v}</title></rect>` +
        `<text x="${labelW + w + 6}" y="${y + 17}">${v}</text>`
      );
    })
    .join("");
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg role="img" width="${labelW + barW + 60}" height="${h}" font-size="13" font-family="sans-serif">${bars}</svg></figure>`;
}

function timelineChart(report: RunReport): string {
  const entries = report.timeline;
  if (entries.length === 0) return "<p>No state was entered.</p>";
  const end = Math.max(1, ...entries.map((e) => e.endMs ?? e.startMs));
  const start = Math.min(...entries.map((e) => e.startMs));
  const span = Math.max(1, end - start);
  const rowH = 22;
  const labelW = 230;
  const chartW = 560;
  const colour = { succeeded: "#4caf50", caught: "#f0a030", failed: "#d64545", running: "#999" };
  const rows = entries
    .map((e, i) => {
      const x = labelW + Math.round(((e.startMs - start) / span) * chartW);
      const w = Math.max(2, Math.round((((e.endMs ?? e.startMs) - e.startMs) / span) * chartW));
      const label = e.index === undefined ? e.state : `${e.state} [${e.index}]`;
      const tip = `${label}: ${e.outcome}, ${(e.endMs ?? e.startMs) - e.startMs} ms${e.retries ? `, ${e.retries} retries` : ""}${e.error ? `, ${e.error}` : ""}`;
      const y = i * rowH + 4;
      return (
        `<text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${escapeHtml(label)}</text>` +
        `<rect x="${x}" y="${y + 2}" width="${w}" height="${rowH - 6}" fill="${colour[e.outcome]}"><title>${escapeHtml(tip)}</title></rect>`
      );
    })
    .join("");
  return `<svg role="img" width="${labelW + chartW + 20}" height="${entries.length * rowH + 10}" font-size="12" font-family="sans-serif">${rows}</svg><p class="muted">0 – ${span} ms after the run started. Green: succeeded; orange: failed and caught; red: failed.</p>`;
}

const STATE_STATUS_TEXT = { succeeded: "✔ succeeded", caught: "↷ failed, caught", failed: "✘ failed" } as const;

/** One row per state: how it ended (a caught failure is not a success), its duration and error. */
function stateTable(report: RunReport): string {
  const rows = report.stateSummaries
    .map(
      (s) =>
        `<tr class="${s.status}"><td>${escapeHtml(s.name)}</td><td>${STATE_STATUS_TEXT[s.status]}</td><td class="num">${s.durationMs} ms</td><td>${escapeHtml(s.error ?? "")}</td></tr>`,
    )
    .join("");
  return `<table class="states"><tr><th>state</th><th>result</th><th>duration</th><th>error</th></tr>${rows}</table>`;
}

/** The state machine drawn inline as SVG, the states entered highlighted; no script and nothing fetched. */
function workflowFigure(report: RunReport): string {
  const definition = report.definition as Partial<AslDefinition> | undefined;
  if (!definition || typeof definition.StartAt !== "string" || !definition.States)
    return "<p class='muted'>No state machine definition to draw.</p>";
  const entered = new Map(report.stateSummaries.map((s) => [s.name, s.status] as const));
  const svg = toSvg(definition as AslDefinition, { entered, title: `State machine, ${report.pattern} pattern` });
  return `<figure class="workflow">${svg}<figcaption class="muted">Boxes in execution order, top to bottom; Map and Parallel states contain their processors and branches; dashed arrows are Catch paths. States this run entered are green (orange: failed and caught; red: failed).</figcaption></figure>`;
}

function noticeHtml(n: DeliveredNotice): string {
  const head = `<h3>${escapeHtml(n.channel)} — ${escapeHtml(n.status)}${n.sender === "state-machine" ? " (state machine alert)" : ""}</h3>`;
  const meta = [
    n.reason ? `<li>Reason: ${escapeHtml(n.reason)}</li>` : "",
    n.subject !== undefined ? `<li>Subject: ${escapeHtml(n.subject)}</li>` : "",
    n.recipients ? `<li>To: ${escapeHtml(n.recipients.join(", "))}</li>` : "",
    n.attempts.length > 0 ? `<li>HTTP attempts: ${n.attempts.join(" → ")}</li>` : "",
  ].join("");
  const body =
    n.body === ""
      ? "<p class='muted'>Nothing reached the channel.</p>"
      : `<pre>${escapeHtml(n.channel === "slack" ? renderSlack(n.slackPayload).join("\n") : n.body)}</pre>`;
  return `<section class="notice">${head}<ul>${meta}</ul>${body}</section>`;
}

/** A self-contained HTML page: status, counts, error breakdown chart, state timeline, notices, metrics, diagram. */
export function renderHtml(report: RunReport, mermaid = report.renderMermaid()): string {
  const d = report.document;
  const types = Object.entries(d.errors.byType).filter(([, n]) => n > 0) as [string, number][];
  const severities = SEVERITIES.map((s) => [s, d.errors.bySeverity[s]] as [string, number]);
  const metrics = d.metrics
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.namespace)}</td><td>${escapeHtml(m.name)}</td><td class="num">${m.value}</td><td>${escapeHtml(m.unit)}</td><td>${escapeHtml(
          Object.entries(m.dimensions)
            .map(([k, v]) => `${k}=${v}`)
            .join(", "),
        )}</td></tr>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(d.executionName)} — CSV pipeline run</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1000px;color:#222}
h1{font-size:1.4rem}.status{display:inline-block;padding:.2rem .6rem;border-radius:4px;color:#fff}
.SUCCEEDED{background:#2e7d32}.FAILED{background:#c62828}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}.num{text-align:right}
pre{background:#f6f6f6;padding:.6rem;overflow:auto;white-space:pre-wrap}.muted{color:#777}
.states .caught td{background:#fff3e0}.states .failed td{background:#fdecea}
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}figure.workflow{overflow-x:auto}figure.workflow figcaption{font-weight:400;margin-top:.3rem}.notice{border-left:4px solid #ccc;padding-left:1rem}
</style></head><body>
<h1>CSV pipeline run <code>${escapeHtml(d.executionName)}</code> <span class="status ${d.status}">${d.status}</span></h1>
<p>File <code>s3://${escapeHtml(report.input.bucket)}/${escapeHtml(report.input.key)}</code> · pattern ${escapeHtml(report.pattern)} · started ${escapeHtml(report.startTime)} · ${report.durationMs} ms${report.injected.length ? ` · injected: ${escapeHtml(report.injected.join(", "))}` : ""}</p>
${report.failure ? `<p><strong>${escapeHtml(report.failure.error)}</strong>: ${escapeHtml(report.failure.cause)}</p>` : ""}
<h2>Rows and errors</h2>
<table><tr><th>rows</th><th>valid</th><th>invalid</th><th>errors</th><th>critical (HIGH + CRITICAL)</th></tr>
<tr><td class="num">${d.rows.total}</td><td class="num">${d.rows.valid}</td><td class="num">${d.rows.invalid}</td><td class="num">${d.errors.total}</td><td class="num">${d.errors.critical}</td></tr></table>
${types.length ? barChart("Errors by type", types, () => "#5b8def") : "<p>No error records.</p>"}
${barChart("Errors by severity", severities, (s) => SEVERITY_COLOURS[s] ?? "#888")}
<h2>States</h2>
${stateTable(report)}
<h2>State timeline</h2>
${timelineChart(report)}
<h2>Notifications</h2>
${report.notices.length ? report.notices.map(noticeHtml).join("\n") : "<p>None.</p>"}
<h2>Metrics</h2>
${metrics ? `<table><tr><th>namespace</th><th>metric</th><th>value</th><th>unit</th><th>dimensions</th></tr>${metrics}</table>` : "<p>None.</p>"}
<h2>Workflow (path taken highlighted)</h2>
${workflowFigure(report)}
<details><summary>Mermaid source (also in pipeline.mmd)</summary><pre>${escapeHtml(mermaid)}</pre></details>
</body></html>
`;
}

/**
 * Creates `dir` and its missing parents one level at a time. (`mkdirSync` with `recursive: true` never returns for
 * some paths, e.g. under /proc, where every level answers ENOENT.) Throws the file system's error when a level
 * cannot be created; a path that exists as a file fails at the first write into it.
 */
function ensureDirectory(dir: string): void {
  const missing: string[] = [];
  for (let level = resolve(dir); !existsSync(level); level = dirname(level)) {
    missing.unshift(level);
    if (dirname(level) === level) break;
  }
  for (const level of missing) mkdirSync(level);
}

/**
 * Makes sure the run's files can be written to `dir` before the run starts: creates it if needed and writes (then
 * removes) a probe file. Throws a one-line {@link UsageError} naming the directory and what to do.
 */
export function prepareOutputDir(dir: string): void {
  const probe = join(dir, `.csv-pipeline-write-check-${process.pid}`);
  try {
    ensureDirectory(dir);
    writeFileSync(probe, "");
    rmSync(probe, { force: true });
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(
      `--out ${dir}: cannot create or write this directory (${reason}); give a directory you can write to`,
      { cause: err },
    );
  }
}

/**
 * Writes a run's files into `dir` (created if needed): `run.json` (the DESIGN.md document), `notices/` (each notice
 * exactly as its channel received it, plus `index.json`), `pipeline.mmd` (path taken highlighted), `report.html`
 * and `logs.jsonl` (the handlers' JSON logs). Returns the paths written.
 */
export function writeReportFiles(dir: string, report: RunReport): string[] {
  const written: string[] = [];
  const put = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    written.push(path);
  };
  ensureDirectory(join(dir, "notices"));
  put("run.json", `${JSON.stringify(report.document, null, 2)}\n`);
  const index = report.notices.map((n, i) => ({
    channel: n.channel,
    status: n.status,
    sender: n.sender,
    ...(n.reason !== undefined ? { reason: n.reason } : {}),
    ...(n.subject !== undefined ? { subject: n.subject } : {}),
    ...(n.attributes ? { attributes: n.attributes } : {}),
    ...(n.recipients ? { recipients: n.recipients } : {}),
    attempts: n.attempts,
    files: noticeFiles(n, i).map((f) => `notices/${f.name}`),
  }));
  report.notices.forEach((n, i) => {
    for (const f of noticeFiles(n, i)) put(join("notices", f.name), f.content);
  });
  put(join("notices", "index.json"), `${JSON.stringify(index, null, 2)}\n`);
  const mermaid = report.renderMermaid();
  put("pipeline.mmd", `${mermaid}\n`);
  put("report.html", renderHtml(report, mermaid));
  put("logs.jsonl", report.logs.map((l) => `${l}\n`).join(""));
  return written;
}
