import { rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { finished } from "node:stream/promises";
import { escapeHtml } from "../../functions/core/notify/escape";
import { reportHead } from "../../functions/core/report/page";
import { runReportSections } from "../../functions/core/report/run-report";
import { toSvg } from "../../workflow/svg";
import type { AslDefinition } from "../../workflow/types";
import { UsageError } from "../usage-error";
import type { DeliveredNotice } from "./document";
import {
  ERROR_DATA_TAIL,
  ERROR_TABLE_PAGE_END,
  type ErrorLine,
  ErrorSummarizer,
  type ErrorTableSummary,
  errorDataHead,
  errorRowEncoder,
  errorTableHtml,
  readErrorFiles,
  summarizeErrorsFile,
} from "./error-listing";
import { renderSlack } from "./format";
import {
  createWriteStreamNoFollow,
  ensureRealDirectory,
  refuseSymlink,
  SymlinkRefusedError,
  writeFileNoFollow,
} from "./out-files";
import { OUT_PATHS } from "./outcomes";
import type { RunReport } from "./report";
import { localReportView } from "./shared-view";

function noticeFiles(n: DeliveredNotice, i: number): { name: string; content: string }[] {
  const stem = `${String(i + 1).padStart(2, "0")}-${n.channel}${n.sender === "state-machine" ? "-alert" : ""}`;
  if (n.body === "") return [];
  if (n.channel === "slack") return [{ name: `${stem}.json`, content: n.body }];
  const files = [{ name: `${stem}.txt`, content: n.body }];
  if (n.html !== undefined) files.push({ name: `${stem}.html`, content: n.html });
  return files;
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
    n.deliveredTo
      ? `<li>To: ${n.deliveredTo.length > 0 ? escapeHtml(n.deliveredTo.join(", ")) : "no subscription matched"}</li>`
      : "",
    n.webhookPath !== undefined ? `<li>Webhook: <code>${escapeHtml(n.webhookPath)}</code></li>` : "",
    n.attempts.length > 0 ? `<li>HTTP attempts: ${n.attempts.join(" → ")}</li>` : "",
  ].join("");
  const body =
    n.body === ""
      ? "<p class='muted'>Nothing reached the channel.</p>"
      : `<pre>${escapeHtml(n.channel === "slack" ? renderSlack(n.slackPayload).join("\n") : n.body)}</pre>`;
  return `<section class="notice">${head}<ul>${meta}</ul>${body}</section>`;
}

/** The error table's part of the page: what the report knows of `errors.csv`. */
export type ErrorTableSource =
  | { kind: "table"; summary: ErrorTableSummary; csvName: string }
  | { kind: "none"; reason: string };

/** What the page says when it has no error table. */
function noErrorTable(report: RunReport): ErrorTableSource {
  const { files, filesError, keys } = report.outcomes;
  if (filesError) return { kind: "none", reason: `The run's outcome files could not be copied: ${filesError}` };
  if (!files) return { kind: "none", reason: "The run's errors.csv was not copied out of the local S3." };
  return { kind: "none", reason: `${keys.rejectedErrors} was not written, so this report has no error list.` };
}

/**
 * What a local run adds to the row outcomes list: the manifest's status, missing and late chunks, and the files
 * `--out` saved, linked relative to the page.
 */
function outcomesHtml(report: RunReport, dir: string | undefined): string {
  const { manifest, files, keys } = report.outcomes;
  const items: string[] = [];
  const link = (path: string, note: string) => {
    const href = dir === undefined ? path : relative(dir, path).split("\\").join("/");
    return `<li><a href="${escapeHtml(encodeURI(href))}">${escapeHtml(href)}</a> — ${escapeHtml(note)}</li>`;
  };
  if (manifest) {
    items.push(`<li>Manifest <code>${escapeHtml(keys.manifest)}</code>: ${escapeHtml(manifest.status)}</li>`);
    const late = report.outcomes.late.map((c) => c.chunkId);
    const missing = manifest.chunks.missing.filter((id) => !late.includes(id));
    if (missing.length > 0)
      items.push(
        `<li><strong>Chunks missing</strong>: ${missing.join(", ")} of ${manifest.chunks.expected}; they left no result, and their rows are in none of the files.</li>`,
      );
    if (late.length > 0)
      items.push(
        `<li><strong>Chunks completed after the files were composed</strong>: ${late.join(", ")} of ${manifest.chunks.expected}; their rejected rows and errors are in their parts (<code>${escapeHtml(keys.rejectedFolder)}parts/</code>), not in rows.csv and errors.csv, and they are counted and listed here.</li>`,
      );
  } else {
    items.push(`<li>No manifest: <code>${escapeHtml(keys.manifest)}</code> was not written.</li>`);
  }
  if (files) {
    if (files.rejectedRows)
      items.push(
        link(
          files.rejectedRows,
          `the rejected rows${manifest ? ` (${manifest.rejected.rowCount})` : ""}, a valid input again once fixed`,
        ),
      );
    if (files.rejectedErrors)
      items.push(
        link(files.rejectedErrors, `one line per error${manifest ? ` (${manifest.rejected.errorCount})` : ""}`),
      );
    for (const part of files.lateParts) {
      if (part.rows) items.push(link(part.rows, `rejected rows of chunk ${part.chunkId}, completed after rows.csv`));
      if (part.errors) items.push(link(part.errors, `errors of chunk ${part.chunkId}, completed after errors.csv`));
    }
    for (const part of files.processedParts) items.push(link(part, "valid rows of one chunk"));
    if (files.manifest) items.push(link(files.manifest, "the manifest"));
  }
  return items.join("");
}

/** Where errors.csv lists only the first header warnings: says so, under the list's heading. */
function headerWarningsCapHtml(report: RunReport): string {
  const cap = report.outcomes.headerWarnings;
  if (!cap) return "";
  return `<p class="cap"><strong>Header warnings listed: ${cap.listed} of ${cap.total}.</strong> errors.csv, and so this list, holds only the first ${cap.listed} header warnings (columns the row schema does not define); its line after them says how many more there are. The counts above include all ${cap.total}.</p>`;
}

/**
 * A self-contained HTML page: status, counts, error breakdown chart, row outcomes, every error (with `errors`),
 * state timeline, notices, metrics, diagram. Without an error table it has no script at all.
 */
export function renderHtml(
  report: RunReport,
  mermaid = report.renderMermaid(),
  errors?: { lines: readonly ErrorLine[]; csvName: string },
  dir?: string,
): string {
  if (!errors) return `${renderPage(report, mermaid, noErrorTable(report), dir)}</body></html>\n`;
  const summarizer = new ErrorSummarizer();
  for (const l of errors.lines) summarizer.add(l);
  const summary = summarizer.summary();
  const encode = errorRowEncoder(summary);
  return (
    renderPage(report, mermaid, { kind: "table", summary, csvName: errors.csvName }, dir) +
    errorDataHead(summary) +
    errors.lines.map(encode).join("") +
    ERROR_DATA_TAIL +
    ERROR_TABLE_PAGE_END
  );
}

/**
 * The page up to the end of its content. With an error table it ends by opening the element the table's data goes
 * in (see {@link ERROR_TABLE_PAGE_END}); else the caller closes the body.
 */
function renderPage(report: RunReport, mermaid: string, table: ErrorTableSource, dir: string | undefined): string {
  const d = report.document;
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
  const facts = ` · pattern ${escapeHtml(report.pattern)} · ${report.durationMs} ms${report.injected.length ? ` · injected: ${escapeHtml(report.injected.join(", "))}` : ""}`;
  const failure = report.failure
    ? `<p><strong>${escapeHtml(report.failure.error)}</strong>: ${escapeHtml(report.failure.cause)}</p>`
    : "";
  const shared = runReportSections(localReportView(report), {
    facts,
    failure,
    outcomeItems: outcomesHtml(report, dir),
  });
  return `${reportHead(d.executionName)}${shared}<h2 id="errors">Every error${d.warnings.total > 0 ? " and header warning" : ""}${table.kind === "table" ? ` (${table.summary.total})` : ""}</h2>
${headerWarningsCapHtml(report)}
${table.kind === "table" ? errorTableHtml(table.summary, table.csvName) : `<p class="muted">${escapeHtml(table.reason)}</p>`}
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
${table.kind === "table" ? '<script type="application/json" id="error-data">' : ""}`;
}

/** The files and folders of fixed name a run writes in the `--out` directory. */
const OUT_NAMES = [
  "run.json",
  "report.html",
  "pipeline.mmd",
  "logs.jsonl",
  "notices",
  join("notices", "index.json"),
  OUT_PATHS.manifest,
  OUT_PATHS.report,
  dirname(OUT_PATHS.rejectedRows),
  OUT_PATHS.rejectedRows,
  OUT_PATHS.rejectedErrors,
  OUT_PATHS.rejectedPartsDir,
  OUT_PATHS.processedDir,
];

/**
 * Makes sure the run's files can be written to `dir` before the run starts: creates it if needed and writes (then
 * removes) a probe file. Throws a one-line {@link UsageError} naming the directory and what to do, also when `dir`
 * or one of the names the run writes in it is a symbolic link (the run never writes through one).
 */
export function prepareOutputDir(dir: string): void {
  const probe = join(dir, `.csv-pipeline-write-check-${process.pid}`);
  try {
    ensureRealDirectory(dir);
    for (const name of OUT_NAMES) refuseSymlink(join(dir, name));
    writeFileNoFollow(probe, "");
    rmSync(probe, { force: true });
  } catch (err) {
    if (err instanceof SymlinkRefusedError) throw new UsageError(`--out ${dir}: ${err.message}`, { cause: err });
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(
      `--out ${dir}: cannot create or write this directory (${reason}); give a directory you can write to`,
      { cause: err },
    );
  }
}

/**
 * Writes report.html to `path`, streaming the error table's data from `errorsCsv` (read twice: once for the
 * filters and the first page, once for the data) so that no list of errors is held whole.
 */
async function writeReportHtml(path: string, report: RunReport, mermaid: string, dir: string): Promise<void> {
  const errorsCsv = report.outcomes.files?.rejectedErrors;
  // The errors of chunks that completed after errors.csv was composed are in their parts only.
  const lateErrors = (report.outcomes.files?.lateParts ?? []).flatMap((p) => (p.errors ? [p.errors] : []));
  let table: ErrorTableSource = noErrorTable(report);
  if (errorsCsv) {
    try {
      const summary = await summarizeErrorsFile(errorsCsv, lateErrors);
      const csvName = [OUT_PATHS.rejectedErrors, ...(lateErrors.length > 0 ? [`${OUT_PATHS.rejectedPartsDir}/`] : [])];
      table = { kind: "table", summary, csvName: csvName.join(" and ") };
    } catch (err) {
      table = { kind: "none", reason: `${OUT_PATHS.rejectedErrors} could not be read: ${(err as Error).message}` };
    }
  }
  const out = createWriteStreamNoFollow(path);
  // Rows are small: gathered into pieces of about 64 KB, so the stream is not called once per error.
  let pending = "";
  const flush = async () => {
    const text = pending;
    pending = "";
    if (text === "" || out.write(text)) return;
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        out.off("error", onError);
        resolve();
      };
      const onError = (err: Error) => {
        out.off("drain", onDrain);
        reject(err);
      };
      out.once("drain", onDrain);
      out.once("error", onError);
    });
  };
  const write = async (text: string) => {
    pending += text;
    if (pending.length >= 65_536) await flush();
  };
  try {
    await write(renderPage(report, mermaid, table, dir));
    if (table.kind === "table" && errorsCsv) {
      await write(errorDataHead(table.summary));
      const encode = errorRowEncoder(table.summary);
      for await (const l of readErrorFiles(errorsCsv, lateErrors)) await write(encode(l));
      await write(ERROR_DATA_TAIL + ERROR_TABLE_PAGE_END);
    } else {
      await write("</body></html>\n");
    }
    await flush();
    out.end();
    await finished(out);
  } catch (err) {
    out.destroy();
    throw err;
  }
}

/**
 * Writes a run's files into `dir` (created if needed): `run.json` (the DESIGN.md document), `notices/` (each notice
 * exactly as its channel received it, plus `index.json`), `pipeline.mmd` (path taken highlighted), `report.html`
 * (with every error of `rejected/errors.csv`, which the run copied there) and `logs.jsonl` (the handlers' JSON logs).
 * Returns the paths written, the row outcome files the run copied included.
 */
export async function writeReportFiles(dir: string, report: RunReport): Promise<string[]> {
  const written: string[] = [];
  const put = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileNoFollow(path, content);
    written.push(path);
  };
  ensureRealDirectory(join(dir, "notices"), dir);
  put("run.json", `${JSON.stringify(report.document, null, 2)}\n`);
  const index = report.notices.map((n, i) => ({
    channel: n.channel,
    status: n.status,
    sender: n.sender,
    ...(n.reason !== undefined ? { reason: n.reason } : {}),
    ...(n.subject !== undefined ? { subject: n.subject } : {}),
    ...(n.attributes ? { attributes: n.attributes } : {}),
    ...(n.recipients ? { recipients: n.recipients } : {}),
    ...(n.deliveredTo ? { deliveredTo: n.deliveredTo } : {}),
    ...(n.webhookPath !== undefined ? { webhookPath: n.webhookPath } : {}),
    attempts: n.attempts,
    files: noticeFiles(n, i).map((f) => `notices/${f.name}`),
  }));
  report.notices.forEach((n, i) => {
    for (const f of noticeFiles(n, i)) put(join("notices", f.name), f.content);
  });
  put(join("notices", "index.json"), `${JSON.stringify(index, null, 2)}\n`);
  const mermaid = report.renderMermaid();
  put("pipeline.mmd", `${mermaid}\n`);
  await writeReportHtml(join(dir, "report.html"), report, mermaid, dir);
  written.push(join(dir, "report.html"));
  put("logs.jsonl", report.logs.map((l) => `${l}\n`).join(""));
  const files = report.outcomes.files;
  if (files) {
    const late = files.lateParts.flatMap((p) => [p.rows, p.errors]);
    for (const f of [
      files.manifest,
      files.report,
      files.rejectedRows,
      files.rejectedErrors,
      ...late,
      ...files.processedParts,
    ])
      if (f !== undefined) written.push(f);
  }
  return written;
}
