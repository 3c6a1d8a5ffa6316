/**
 * The report's table of every error of a run, from `rejected/errors.csv`: filterable by type, severity and column,
 * paged. The first page is HTML, readable without script; the whole list is embedded once, compactly (an array per
 * error, its column, type and severity as indexes into lists of the distinct values), for a small inline script that
 * filters and pages it. Nothing is fetched. Every value comes from the file and is escaped: HTML-escaped in the
 * markup, `<`, `>` and `&` written as JSON escapes in the embedded data, and set as text by the script.
 */
import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import { ERRORS_CSV_COLUMNS, SEVERITIES } from "../../functions/contract";
import { escapeHtml } from "../../functions/core/notify/escape";

/** Errors per page of the table. */
export const ERROR_PAGE_SIZE = 100;

/** One line of `errors.csv`: row, line, column, errorType, severity, message (row and line as numbers when they are). */
export type ErrorLine = [row: number | string, line: number | string, string, string, string, string];

/** What the first pass over `errors.csv` learns: how many errors, the distinct values (with counts), the first page. */
export interface ErrorTableSummary {
  total: number;
  /** Distinct values, each with its count: column ("" for an error of no column), type, severity. */
  columns: [string, number][];
  types: [string, number][];
  severities: [string, number][];
  firstPage: ErrorLine[];
}

const number = (text: string): number | string => (/^\d{1,15}$/.test(text) ? Number(text) : text);

/**
 * The error lines of an `errors.csv` file, streamed (header checked, byte order mark dropped). Throws, naming the
 * file, when its header is not {@link ERRORS_CSV_COLUMNS} or a line does not have six fields. A chunk's errors part
 * has the same lines without the header: read it with `{ header: false }`.
 */
export async function* readErrorLines(path: string, opts: { header?: boolean } = {}): AsyncGenerator<ErrorLine> {
  const parser = createReadStream(path).pipe(parse({ bom: true, relax_column_count: true }));
  let header = opts.header ?? true;
  let record = 0;
  for await (const fields of parser as AsyncIterable<string[]>) {
    if (header) {
      header = false;
      if (fields.join(",") !== ERRORS_CSV_COLUMNS.join(",")) {
        throw new Error(`${path}: the header is "${fields.join(",")}", expected "${ERRORS_CSV_COLUMNS.join(",")}"`);
      }
      continue;
    }
    record++;
    if (fields.length !== ERRORS_CSV_COLUMNS.length) {
      throw new Error(`${path}: error ${record} has ${fields.length} fields, expected ${ERRORS_CSV_COLUMNS.length}`);
    }
    const [row, line, column, type, severity, message] = fields;
    yield [number(row), number(line), column, type, severity, message];
  }
}

const byName = (a: [string, number], b: [string, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const severityRank = (s: string) => (SEVERITIES as readonly string[]).indexOf(s);

/** Collects an {@link ErrorTableSummary} from error lines given one at a time (the first pass over the file). */
export class ErrorSummarizer {
  private readonly columns = new Map<string, number>();
  private readonly types = new Map<string, number>();
  private readonly severities = new Map<string, number>();
  private readonly firstPage: ErrorLine[] = [];
  private total = 0;

  add(l: ErrorLine): void {
    this.total++;
    for (const [counts, value] of [
      [this.columns, l[2]],
      [this.types, l[3]],
      [this.severities, l[4]],
    ] as const) {
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    if (this.firstPage.length < ERROR_PAGE_SIZE) this.firstPage.push(l);
  }

  /** Types and columns by name (an error of no column last); severities highest first. */
  summary(): ErrorTableSummary {
    const columns = [...this.columns].sort(byName);
    const none = columns.findIndex(([c]) => c === "");
    if (none >= 0) columns.push(...columns.splice(none, 1));
    return {
      total: this.total,
      columns,
      types: [...this.types].sort(byName),
      severities: [...this.severities].sort((a, b) => severityRank(b[0]) - severityRank(a[0]) || byName(a, b)),
      firstPage: this.firstPage,
    };
  }
}

/**
 * The error lines of an `errors.csv` file, then those of the given errors parts (headerless), streamed: the whole
 * list of a run some of whose chunks completed after `errors.csv` was composed.
 */
export async function* readErrorFiles(path: string, parts: readonly string[] = []): AsyncGenerator<ErrorLine> {
  yield* readErrorLines(path);
  for (const part of parts) yield* readErrorLines(part, { header: false });
}

/** Summarizes the error lines of an `errors.csv` file (and of errors parts after it), streamed. */
export async function summarizeErrorsFile(path: string, parts: readonly string[] = []): Promise<ErrorTableSummary> {
  const summarizer = new ErrorSummarizer();
  for await (const l of readErrorFiles(path, parts)) summarizer.add(l);
  return summarizer.summary();
}

/** JSON made safe inside a `<script>` element: no `<`, `>` or `&` (nor U+2028/9) left literal. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The embedded data's first part: the distinct values, and the opening of the list of errors. */
export function errorDataHead(summary: ErrorTableSummary): string {
  const names = (list: [string, number][]) => list.map(([v]) => v);
  return `{"total":${summary.total},"pageSize":${ERROR_PAGE_SIZE},"columns":${scriptJson(names(summary.columns))},"types":${scriptJson(names(summary.types))},"severities":${scriptJson(names(summary.severities))},"rows":[`;
}

/** The embedded data's end, after the last row. */
export const ERROR_DATA_TAIL = "]}";

/** Encodes error lines as the embedded data's rows (`[row,line,columnIndex,typeIndex,severityIndex,message]`). */
export function errorRowEncoder(summary: ErrorTableSummary): (line: ErrorLine) => string {
  const index = (list: [string, number][]) => new Map(list.map(([v], i) => [v, i]));
  const columns = index(summary.columns);
  const types = index(summary.types);
  const severities = index(summary.severities);
  let first = true;
  return (l) => {
    const row = scriptJson([
      l[0],
      l[1],
      columns.get(l[2]) ?? -1,
      types.get(l[3]) ?? -1,
      severities.get(l[4]) ?? -1,
      l[5],
    ]);
    const out = first ? row : `,${row}`;
    first = false;
    return out;
  };
}

/** A row's class: its severity when it is one (values from the file never become class names). */
const severityClass = (severity: string) =>
  (SEVERITIES as readonly string[]).includes(severity) ? ` class="sev-${severity}"` : "";

function rowHtml(l: ErrorLine): string {
  const cells = l.map((v, i) => `<td${i < 2 ? ' class="num"' : ""}>${escapeHtml(String(v))}</td>`).join("");
  return `<tr${severityClass(l[4])}>${cells}</tr>`;
}

function select(name: string, label: string, list: [string, number][], total: number, noValue: string): string {
  const options = list
    .map(([v, n], i) => `<option value="${i}">${escapeHtml(v === "" ? noValue : v)} (${n})</option>`)
    .join("");
  return `<label>${label} <select name="${name}" disabled><option value="-1">all (${total})</option>${options}</select></label>`;
}

/** Text of the pager for `shown` errors from `first` (1-based) of `matching`, out of `total`. */
function pagerText(first: number, shown: number, matching: number, total: number, page: number, pages: number): string {
  const range = matching === 0 ? "no error" : `errors ${first}–${first + shown - 1} of ${matching}`;
  return `${range}${matching === total ? "" : ` (${total} in all)`} · page ${page} of ${pages}`;
}

/**
 * The error table section: filters (disabled until the script runs), the first page as HTML, a pager, and a note for
 * readers without script. `csvName` is where the full list is (shown in the note).
 */
export function errorTableHtml(summary: ErrorTableSummary, csvName: string): string {
  if (summary.total === 0) return `<p>No error lines in <code>${escapeHtml(csvName)}</code>.</p>`;
  const pages = Math.ceil(summary.total / ERROR_PAGE_SIZE);
  const head = ERRORS_CSV_COLUMNS.map((c) => `<th>${c}</th>`).join("");
  return `<form class="error-filters" id="error-filters">${select("type", "type", summary.types, summary.total, "(none)")} ${select("severity", "severity", summary.severities, summary.total, "(none)")} ${select("column", "column", summary.columns, summary.total, "(no column)")}</form>
<nav class="pager" id="error-pager"><button type="button" data-page="prev" disabled>‹ previous</button> <span id="error-pager-text">${pagerText(1, summary.firstPage.length, summary.total, summary.total, 1, pages)}</span> <button type="button" data-page="next" disabled>next ›</button></nav>
<table class="errors" id="error-table"><thead><tr>${head}</tr></thead><tbody>${summary.firstPage.map(rowHtml).join("")}</tbody></table>
<noscript><p class="muted">Without script only the first ${ERROR_PAGE_SIZE} errors are shown and the filters do not work; every error is in <code>${escapeHtml(csvName)}</code>.</p></noscript>`;
}

/**
 * The table's filtering and paging, as plain browser script (tests run it as is). A filter is
 * `{ type, severity, column }`, each an index into the data's lists or -1 for all.
 */
export const ERROR_TABLE_LOGIC = `function errorFilter(data, f) {
  var out = [];
  for (var i = 0; i < data.rows.length; i++) {
    var r = data.rows[i];
    if ((f.type < 0 || r[3] === f.type) && (f.severity < 0 || r[4] === f.severity) && (f.column < 0 || r[2] === f.column)) out.push(r);
  }
  return out;
}
function errorPage(rows, page, size) {
  var pages = Math.max(1, Math.ceil(rows.length / size));
  var p = Math.min(Math.max(1, Math.floor(page) || 1), pages);
  return { page: p, pages: pages, first: (p - 1) * size + 1, rows: rows.slice((p - 1) * size, p * size) };
}
function errorState(hash, data) {
  var state = { type: -1, severity: -1, column: -1, page: 1 };
  var m = /^#errors\\?(.*)$/.exec(hash);
  if (!m) return state;
  var lists = { type: data.types, severity: data.severities, column: data.columns };
  var q = new URLSearchParams(m[1]);
  ["type", "severity", "column"].forEach(function (k) {
    var v = q.get(k);
    if (v !== null) state[k] = lists[k].indexOf(v);
  });
  state.page = parseInt(q.get("page") || "1", 10) || 1;
  return state;
}
function errorHash(state, data) {
  var q = new URLSearchParams();
  if (state.type >= 0) q.set("type", data.types[state.type]);
  if (state.severity >= 0) q.set("severity", data.severities[state.severity]);
  if (state.column >= 0) q.set("column", data.columns[state.column]);
  if (state.page > 1) q.set("page", String(state.page));
  return "#errors?" + q.toString();
}
`;

/** The script that brings the table to life: reads the data, the filters and the page (also from `#errors?…`). */
const ERROR_TABLE_SCRIPT = `(function () {
${ERROR_TABLE_LOGIC}
  var dataEl = document.getElementById("error-data");
  var form = document.getElementById("error-filters");
  if (!dataEl || !form) return;
  var data = JSON.parse(dataEl.textContent);
  var tbody = document.querySelector("#error-table tbody");
  var text = document.getElementById("error-pager-text");
  var prev = document.querySelector('#error-pager [data-page="prev"]');
  var next = document.querySelector('#error-pager [data-page="next"]');
  var severities = ${JSON.stringify(SEVERITIES)};
  var state = errorState(location.hash, data);
  function render() {
    var rows = errorFilter(data, state);
    var pg = errorPage(rows, state.page, data.pageSize);
    state.page = pg.page;
    tbody.textContent = "";
    pg.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      var severity = data.severities[r[4]];
      if (severities.indexOf(severity) >= 0) tr.className = "sev-" + severity;
      [r[0], r[1], data.columns[r[2]], data.types[r[3]], severity, r[5]].forEach(function (v, i) {
        var td = document.createElement("td");
        td.textContent = v === undefined ? "" : String(v);
        if (i < 2) td.className = "num";
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    var range = rows.length === 0 ? "no error" : "errors " + pg.first + "\\u2013" + (pg.first + pg.rows.length - 1) + " of " + rows.length;
    text.textContent = range + (rows.length === data.total ? "" : " (" + data.total + " in all)") + " \\u00b7 page " + pg.page + " of " + pg.pages;
    prev.disabled = pg.page <= 1;
    next.disabled = pg.page >= pg.pages;
    form.elements.type.value = String(state.type);
    form.elements.severity.value = String(state.severity);
    form.elements.column.value = String(state.column);
  }
  function go() {
    render();
    try {
      history.replaceState(null, "", errorHash(state, data));
    } catch (e) {
      // Some browsers refuse to change a file: URL; the table works without it.
    }
  }
  ["type", "severity", "column"].forEach(function (k) {
    var el = form.elements[k];
    el.disabled = false;
    el.addEventListener("change", function () {
      state[k] = Number(el.value);
      state.page = 1;
      go();
    });
  });
  prev.addEventListener("click", function () { state.page--; go(); });
  next.addEventListener("click", function () { state.page++; go(); });
  render();
  // Opened at #errors?…: no element has that id, so bring the table into view here.
  if (/^#errors\\?/.test(location.hash)) document.getElementById("errors").scrollIntoView();
})();`;

/** The end of the page after the embedded data: the data element closed, the script, the document closed. */
export const ERROR_TABLE_PAGE_END = `</script>\n<script>\n${ERROR_TABLE_SCRIPT}\n</script>\n</body></html>\n`;
