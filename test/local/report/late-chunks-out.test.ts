import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { DEFAULT_CSV, DEFAULT_SCHEMA } from "../../../local/cli/args";
import { runLocal } from "../../../local/cli/run-local";
import type { RunReport } from "../../../local/report/report";
import { writeReportFiles } from "../../../local/report/report-files";
import { WEEKDAY_MORNING } from "../../support/cli-runner";
import { chunksAfterComposition } from "../../support/late-chunks";

/** samples/orders.csv in chunks of 250 rows: four chunks. */
const CHUNKS = 4;

/** A CSV file's records (BOM dropped); a headerless part's are all data. */
const records = (path: string): string[][] =>
  parse(readFileSync(path), { bom: true, relax_column_count: true }) as string[][];

describe("--out and report.html of a run whose chunks completed after the files were composed", function () {
  this.timeout(180_000);
  let dir: string;
  let out: string;
  let report: RunReport;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "csv-late-out-"));
    out = join(dir, "out");
    const configPath = join(dir, "chunks.yaml");
    writeFileSync(configPath, "chunkRows: 250\n");
    report = await runLocal(
      {
        csvPath: DEFAULT_CSV,
        schemaPath: DEFAULT_SCHEMA,
        configPath,
        pattern: "sequential",
        now: WEEKDAY_MORNING,
        json: true,
        outDir: out,
        faults: { "chunk-crash": Number.POSITIVE_INFINITY },
        injected: ["chunk-crash"],
        verbose: false,
      },
      {},
      { wrapTask: chunksAfterComposition() },
    );
    await writeReportFiles(out, report);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("names the crashed chunk missing and the others late, in --json as the notices do", () => {
    const doc = report.document;
    const outcomes = doc.outcomes;
    assert.ok(outcomes, "the manifest was written");
    const missing = outcomes.missingChunks.filter((id) => !outcomes.lateChunks.includes(id));

    assert.equal(doc.status, "FAILED");
    assert.deepEqual(outcomes.missingChunks, [1, 2, 3, 4], "the files were composed before any chunk completed");
    assert.ok(outcomes.lateChunks.length >= 1 && !outcomes.lateChunks.includes(1), `${outcomes.lateChunks}`);
    assert.deepEqual(missing, [1, ...[2, 3, 4].filter((id) => !outcomes.lateChunks.includes(id))]);
    for (const notice of doc.notifications.filter((n) => n.channel !== "slack" && n.body !== "")) {
      assert.ok(notice.body.includes(`${CHUNKS}チャンク中 ${missing.length}チャンクの結果がありません`), notice.body);
      assert.ok(
        notice.body.includes(
          `rows.csv と errors.csv の作成後に ${outcomes.lateChunks.length}チャンクが完了しました。その却下行(${doc.rows.invalid}行)`,
        ),
        notice.body,
      );
    }
  });

  it("copies the late chunks' rows and errors under rejected/parts/ and their valid rows under processed/", () => {
    const doc = report.document;
    const late = doc.outcomes?.lateChunks ?? [];
    const id = (n: number) => String(n).padStart(5, "0");
    const parts = readdirSync(join(out, "rejected", "parts")).sort();
    const rows = late.map((n) => join(out, "rejected", "parts", `rows-${id(n)}.csv`));
    const errors = late.map((n) => join(out, "rejected", "parts", `errors-${id(n)}.csv`));
    const processed = readdirSync(join(out, "processed")).sort();

    assert.deepEqual(
      parts,
      [...late.map((n) => `errors-${id(n)}.csv`), ...late.map((n) => `rows-${id(n)}.csv`)].sort(),
    );
    assert.deepEqual(
      processed,
      late.map((n) => `part-${id(n)}.csv`),
    );
    // With the composed files (empty here): every rejected row, every error and every valid row the run counted.
    const sum = (paths: string[]) => paths.reduce((n, p) => n + records(p).length, 0);
    assert.equal(records(join(out, "rejected", "rows.csv")).length - 1 + sum(rows), doc.rows.invalid);
    assert.equal(records(join(out, "rejected", "errors.csv")).length - 1 + sum(errors), doc.errors.total);
    const valid = processed.reduce((n, p) => n + records(join(out, "processed", p)).length - 1, 0);
    assert.equal(valid, doc.rows.valid);
  });

  it("lists every counted error in report.html and names only the crashed chunk as missing", () => {
    const doc = report.document;
    const outcomes = doc.outcomes;
    assert.ok(outcomes);
    const html = readFileSync(join(out, "report.html"), "utf8");
    const data = html.match(/<script type="application\/json" id="error-data">([\s\S]*?)<\/script>/)?.[1];
    const missing = outcomes.missingChunks.filter((id) => !outcomes.lateChunks.includes(id));

    assert.ok(doc.errors.total > 0);
    assert.ok(data, "the page embeds the error list");
    assert.equal((JSON.parse(data) as { rows: unknown[] }).rows.length, doc.errors.total);
    assert.match(html, new RegExp(`<h2 id="errors">Every error \\(${doc.errors.total}\\)</h2>`));
    assert.ok(html.includes(`<strong>Chunks missing</strong>: ${missing.join(", ")} of ${CHUNKS};`), html);
    assert.ok(
      html.includes(
        `<strong>Chunks completed after the files were composed</strong>: ${outcomes.lateChunks.join(", ")} of ${CHUNKS};`,
      ),
    );
    assert.ok(existsSync(join(out, "rejected", "parts")));
  });
});
