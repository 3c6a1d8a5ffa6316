import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";
import { ERRORS_CSV_COLUMNS, type RunManifest } from "../../../functions/contract";
import { csvLine, UTF8_BOM } from "../../../functions/core/outcomes/csv-text";
import {
  ERROR_PAGE_SIZE,
  ERROR_TABLE_LOGIC,
  type ErrorLine,
  readErrorLines,
} from "../../../local/report/error-listing";
import { formatHuman } from "../../../local/report/format";
import type { RunReport } from "../../../local/report/report";
import { renderHtml, writeReportFiles } from "../../../local/report/report-files";
import { FIXTURE_EXECUTION, reportFixture } from "../../support/report-fixture";

const ROOT = join(__dirname, "..", "..", "..");
const TMP = join(ROOT, ".tmp", `local-report-errors-${process.pid}`);

/** 250 errors over three types, three severities and three columns (one of them "no column"). */
function manyErrors(): ErrorLine[] {
  const lines: ErrorLine[] = [];
  for (let i = 1; i <= 250; i++) {
    const parse = i % 10 === 0;
    lines.push([
      i,
      i + 1,
      parse ? "" : i % 2 === 0 ? "email" : "amount",
      parse ? "ParseError" : i % 3 === 0 ? "EncodingError" : "ValidationError",
      parse ? "HIGH" : i % 3 === 0 ? "LOW" : "MEDIUM",
      `message ${i}`,
    ]);
  }
  return lines;
}

const HOSTILE_COLUMN = '"><img src=x onerror=alert(1)>';
const HOSTILE_MESSAGE = "</script><script>alert(1)</script><!-- & \u2028 'x'";

function errorsCsv(lines: readonly ErrorLine[]): string {
  return UTF8_BOM + csvLine(ERRORS_CSV_COLUMNS) + lines.map((l) => csvLine(l.map(String))).join("");
}

/** The embedded data of a report page, parsed. */
function embeddedData(html: string): { total: number; columns: string[]; types: string[]; rows: unknown[][] } {
  const m = html.match(/<script type="application\/json" id="error-data">([\s\S]*?)<\/script>/);
  assert.ok(m, "the page embeds the error data");
  return JSON.parse(m[1]);
}

const tbodyRows = (html: string) => (html.match(/<tbody>([\s\S]*?)<\/tbody>/)?.[1].match(/<tr[ >]/g) ?? []).length;

describe("report.html error table", () => {
  it("offers a filter per type, severity and column, each value with its count, disabled until the script runs", () => {
    const html = renderHtml(reportFixture(), "flowchart TD", { lines: manyErrors(), csvName: "rejected/errors.csv" });

    const selects = [...html.matchAll(/<select name="(\w+)" disabled>(.*?)<\/select>/g)].map((m) => [
      m[1],
      [...m[2].matchAll(/<option value="(-?\d+)">(.*?)<\/option>/g)].map((o) => `${o[1]}:${o[2]}`),
    ]);
    assert.deepEqual(selects, [
      ["type", ["-1:all (250)", "0:EncodingError (75)", "1:ParseError (25)", "2:ValidationError (150)"]],
      ["severity", ["-1:all (250)", "0:HIGH (25)", "1:MEDIUM (150)", "2:LOW (75)"]],
      ["column", ["-1:all (250)", "0:amount (125)", "1:email (100)", "2:(no column) (25)"]],
    ]);
  });

  it("renders the first page as HTML, pages the rest, and embeds every error once", () => {
    const lines = manyErrors();

    const html = renderHtml(reportFixture(), "flowchart TD", { lines, csvName: "rejected/errors.csv" });

    assert.equal(tbodyRows(html), ERROR_PAGE_SIZE);
    assert.match(html, /<tr class="sev-MEDIUM"><td class="num">1<\/td><td class="num">2<\/td><td>amount<\/td>/);
    assert.match(html, /<span id="error-pager-text">errors 1–100 of 250 · page 1 of 3<\/span>/);
    assert.match(html, /<button type="button" data-page="next" disabled>/);
    assert.match(html, /<noscript>.*first 100 errors.*rejected\/errors\.csv/);
    const data = embeddedData(html);
    assert.equal(data.total, 250);
    assert.equal(data.rows.length, 250);
    // [row, line, column index, type index, severity index, message]
    assert.deepEqual(data.rows[9], [10, 11, 2, 1, 0, "message 10"]);
    assert.deepEqual(data.types, ["EncodingError", "ParseError", "ValidationError"]);
  });

  it("escapes a hostile column and message in the markup and in the embedded data", () => {
    const lines: ErrorLine[] = [[1, 2, HOSTILE_COLUMN, "ValidationError", "<b>HIGH</b>", HOSTILE_MESSAGE]];

    const html = renderHtml(reportFixture(), "flowchart TD", { lines, csvName: "rejected/errors.csv" });

    assert.equal((html.match(/<script/g) ?? []).length, 2, "only the data element and the table's own script");
    assert.doesNotMatch(html, /<img|<b>HIGH/);
    assert.ok(html.includes("&quot;&gt;&lt;img src=x onerror=alert(1)&gt; (1)</option>"));
    assert.ok(
      html.includes("<td>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- &amp; \u2028 &#39;x&#39;</td>"),
    );
    assert.ok(html.includes('<tr><td class="num">1</td>'), "no severity class from a value that is not a severity");
    const data = embeddedData(html);
    assert.deepEqual(data.columns, [HOSTILE_COLUMN]);
    assert.deepEqual(data.rows, [[1, 2, 0, 0, 0, HOSTILE_MESSAGE]]);
  });

  it("ends with a script that compiles, after the data", () => {
    const html = renderHtml(reportFixture(), "flowchart TD", { lines: manyErrors(), csvName: "rejected/errors.csv" });

    const script = html.match(/<\/script>\n<script>\n([\s\S]*)\n<\/script>\n<\/body><\/html>\n$/)?.[1];
    assert.ok(script, "the table's script closes the page");
    assert.doesNotThrow(() => new vm.Script(script));
  });

  it("says why there is no error list when errors.csv was not written", () => {
    const run = reportFixture();
    run.outcomes.files = { processedParts: [], lateParts: [], absent: [run.outcomes.keys.rejectedErrors] };

    const html = renderHtml(run);

    assert.match(html, /rejected\/local-20250603T010000-abcdef\/errors\.csv was not written/);
    assert.doesNotMatch(html, /<script/);
  });
});

describe("the error table's script", () => {
  const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value));
  const logic = vm.runInNewContext(`${ERROR_TABLE_LOGIC}; ({ errorFilter, errorPage, errorState, errorHash })`, {
    URLSearchParams,
  }) as {
    // Results come from the script's own realm: compared as JSON.
    errorFilter(data: unknown, f: object): unknown[][];
    errorPage(
      rows: unknown[],
      page: number,
      size: number,
    ): { page: number; pages: number; first: number; rows: unknown[] };
    errorState(hash: string, data: unknown): { type: number; severity: number; column: number; page: number };
    errorHash(state: object, data: unknown): string;
  };
  const data = {
    types: ["ParseError", "ValidationError"],
    severities: ["HIGH", "MEDIUM"],
    columns: ["a b", ""],
    rows: [
      [1, 2, 1, 0, 0, "x"],
      [2, 3, 0, 1, 1, "y"],
      [3, 4, 0, 1, 0, "z"],
    ],
  };

  it("filters by type, severity and column together", () => {
    assert.deepEqual(
      plain(logic.errorFilter(data, { type: 1, severity: -1, column: -1 })).map((r) => r[0]),
      [2, 3],
    );
    assert.deepEqual(
      plain(logic.errorFilter(data, { type: 1, severity: 0, column: 0 })).map((r) => r[0]),
      [3],
    );
    assert.deepEqual(plain(logic.errorFilter(data, { type: 0, severity: 1, column: -1 })), []);
  });

  it("pages, keeping the page inside the range", () => {
    const rows = Array.from({ length: 250 }, (_, i) => i);

    assert.deepEqual(
      [3, 0, 99, Number.NaN].map((p) => {
        const pg = logic.errorPage(rows, p, 100);
        return [pg.page, pg.pages, pg.first, pg.rows.length];
      }),
      [
        [3, 3, 201, 50],
        [1, 3, 1, 100],
        [3, 3, 201, 50],
        [1, 3, 1, 100],
      ],
    );
    assert.deepEqual(logic.errorPage([], 1, 100).pages, 1);
  });

  it("reads and writes its state in the address's #errors?… part, by value", () => {
    const state = logic.errorState("#errors?type=ValidationError&column=a+b&page=2", data);

    assert.deepEqual({ ...state }, { type: 1, severity: -1, column: 0, page: 2 });
    assert.equal(logic.errorHash(state, data), "#errors?type=ValidationError&column=a+b&page=2");
    assert.deepEqual({ ...logic.errorState("#top", data) }, { type: -1, severity: -1, column: -1, page: 1 });
  });
});

describe("readErrorLines", () => {
  beforeEach(() => mkdirSync(TMP, { recursive: true }));
  afterEach(() => rmSync(TMP, { recursive: true, force: true }));

  it("reads errors.csv with its byte order mark, quoted line breaks and numbers", async () => {
    const path = join(TMP, "errors.csv");
    const lines: ErrorLine[] = [
      [1, 2, "note", "ValidationError", "MEDIUM", 'a "quoted",\r\nmulti-line message'],
      [2, 5, "", "ParseError", "HIGH", "x"],
    ];
    writeFileSync(path, errorsCsv(lines));

    const read: ErrorLine[] = [];
    for await (const l of readErrorLines(path)) read.push(l);

    assert.deepEqual(read, lines);
  });

  it("refuses a file whose header is not errors.csv's, naming the file", async () => {
    const path = join(TMP, "other.csv");
    writeFileSync(path, "a,b\n1,2\n");

    await assert.rejects(
      async () => {
        for await (const _ of readErrorLines(path)) void _;
      },
      new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: the header is "a,b"`),
    );
  });
});

/** A run report with a manifest of 250 rejected rows and the outcome files `--out` copied into `dir`. */
function withOutcomes(dir: string): RunReport {
  const run = reportFixture();
  const keys = run.outcomes.keys;
  const manifest: RunManifest = {
    executionName: FIXTURE_EXECUTION,
    bucket: "b",
    key: "incoming/x.csv",
    status: "PARTIAL",
    rows: { total: 300, valid: 48, invalid: 252 },
    errors: { total: 250, byType: {}, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } },
    chunks: { expected: 3, completed: 2, missing: [2] },
    processed: {
      parts: [`processed/${FIXTURE_EXECUTION}/part-00000.csv`, `processed/${FIXTURE_EXECUTION}/part-00001.csv`],
    },
    rejected: {
      folder: keys.rejectedFolder,
      rows: keys.rejectedRows,
      errors: keys.rejectedErrors,
      rowCount: 250,
      errorCount: 250,
    },
    composedAt: "2025-06-03T01:00:01.000Z",
  };
  run.outcomes = {
    keys,
    manifest,
    late: [],
    files: {
      rejectedRows: join(dir, "rejected", "rows.csv"),
      rejectedErrors: join(dir, "rejected", "errors.csv"),
      processedParts: [join(dir, "processed", "part-00000.csv"), join(dir, "processed", "part-00001.csv")],
      lateParts: [],
      manifest: join(dir, "results.json"),
      absent: [],
    },
  };
  return run;
}

describe("report files with row outcomes", () => {
  beforeEach(() => mkdirSync(TMP, { recursive: true }));
  afterEach(() => rmSync(TMP, { recursive: true, force: true }));

  it("streams errors.csv into report.html: the same page as from the list in memory", async () => {
    const lines = [
      ...manyErrors(),
      [251, 260, HOSTILE_COLUMN, "ValidationError", "HIGH", HOSTILE_MESSAGE] as ErrorLine,
    ];
    const run = withOutcomes(TMP);
    mkdirSync(join(TMP, "rejected"));
    writeFileSync(join(TMP, "rejected", "errors.csv"), errorsCsv(lines));

    const written = await writeReportFiles(TMP, run);

    const html = readFileSync(join(TMP, "report.html"), "utf8");
    assert.equal(html, renderHtml(run, "flowchart TD\n", { lines, csvName: "rejected/errors.csv" }, TMP));
    assert.equal(embeddedData(html).rows.length, 251);
    assert.ok(written.includes(join(TMP, "rejected", "errors.csv")) && written.includes(join(TMP, "report.html")));
  });

  it("links the outcome files relative to the page and names the missing chunks", () => {
    const run = withOutcomes(TMP);

    const html = renderHtml(run, "flowchart TD", undefined, TMP);

    assert.match(html, /<a href="rejected\/rows\.csv">rejected\/rows\.csv<\/a> — the rejected rows \(250\)/);
    assert.match(html, /<a href="processed\/part-00001\.csv">/);
    assert.match(html, /<strong>Chunks missing<\/strong>: 2 of 3/);
  });
});

describe("human summary of row outcomes", () => {
  it("names the rejected files in the bucket and where --out saved them, in two lines", () => {
    const run = withOutcomes(join(TMP, "out", "run"));

    const text = formatHuman(run, TMP);

    const lines = text.split("\n");
    const at = lines.findIndex((l) => l.startsWith("Rejected"));
    assert.deepEqual(lines.slice(at, at + 2), [
      `Rejected    250 rows → rejected/${FIXTURE_EXECUTION}/rows.csv, 250 errors → errors.csv; chunk 2 missing`,
      "Saved       out/run/rejected/rows.csv, out/run/rejected/errors.csv, out/run/processed/ (2 parts)",
    ]);
  });

  it("says when no manifest was written, and that only --out keeps the files", () => {
    const text = formatHuman(reportFixture(), TMP);

    assert.match(
      text,
      new RegExp(
        `\\nRejected {4}no manifest: results/${FIXTURE_EXECUTION}\\.json was not written\\n {12}\\(in the run's local S3, removed when the run ends: --out DIR keeps a copy\\)\\n`,
      ),
    );
  });
});
