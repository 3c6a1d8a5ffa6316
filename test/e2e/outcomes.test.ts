import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { ERRORS_CSV_COLUMNS, type RunManifest } from "../../functions/contract";
import type { RunDocument } from "../../local/report/document";
import { parseDocument, ROOT, runCli, WEEKDAY_MORNING } from "../support/cli-runner";

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const SAMPLE_HEADER = readFileSync(join(ROOT, "samples", "orders.csv"), "utf8")
  .split(/\r?\n/, 1)[0]
  .split(",");

/** A CSV output's records (its byte order mark, when there is one, dropped). */
function records(path: string): string[][] {
  return parse(readFileSync(path), { bom: true, relax_column_count: true });
}

const startsWithBom = (path: string) => readFileSync(path).subarray(0, 3).equals(BOM);

describe("row outcomes of a local run (--out)", function () {
  this.timeout(120_000);
  const dir = join(ROOT, ".tmp", `e2e-outcomes-${process.pid}`);
  const out = join(dir, "out");
  const tmps: string[] = [];
  let doc: RunDocument;
  let human: string;

  before(async () => {
    mkdirSync(dir, { recursive: true });
    // The human summary on stdout; the document as --json prints it, in run.json.
    const result = await runCli(["--now", WEEKDAY_MORNING, "--out", out]);
    tmps.push(result.tmp);
    assert.equal(result.code, 0, result.stderr);
    human = result.stdout;
    doc = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
  });
  after(() => {
    for (const t of tmps.splice(0)) rmSync(t, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes rejected/rows.csv: the sample's header and exactly the invalid rows, Excel-ready", () => {
    const rows = records(join(out, "rejected", "rows.csv"));

    assert.ok(startsWithBom(join(out, "rejected", "rows.csv")), "UTF-8 byte order mark");
    assert.deepEqual(rows[0], SAMPLE_HEADER);
    assert.equal(rows.length - 1, doc.rows.invalid);
  });

  it("writes rejected/errors.csv: one line per error with its six columns, counts as the run's", () => {
    const path = join(out, "rejected", "errors.csv");
    const [header, ...lines] = records(path);
    const byType: Record<string, number> = {};
    const bySeverity: Record<string, number> = { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 };
    for (const l of lines) {
      byType[l[3]] = (byType[l[3]] ?? 0) + 1;
      bySeverity[l[4]]++;
    }

    assert.ok(startsWithBom(path), "UTF-8 byte order mark");
    assert.deepEqual(header, [...ERRORS_CSV_COLUMNS]);
    assert.equal(lines.length, doc.errors.total);
    for (const l of lines) {
      assert.equal(l.length, ERRORS_CSV_COLUMNS.length, l.join(","));
      assert.match(l[0], /^[1-9]\d*$/, "row: a record number");
      assert.match(l[1], /^[1-9]\d*$/, "line: a line number");
      assert.ok(Number(l[1]) > Number(l[0]), "the header's line comes before every record");
    }
    assert.deepEqual(byType, doc.errors.byType);
    assert.deepEqual(bySeverity, doc.errors.bySeverity);
  });

  it("writes processed/part-*.csv: each with the header, the valid rows in total", () => {
    const parts = readdirSync(join(out, "processed")).sort();
    let valid = 0;
    for (const part of parts) {
      const [header, ...rows] = records(join(out, "processed", part));
      assert.match(part, /^part-\d{5}\.csv$/);
      assert.ok(startsWithBom(join(out, "processed", part)), `${part}: UTF-8 byte order mark`);
      assert.deepEqual(header, SAMPLE_HEADER);
      valid += rows.length;
    }

    assert.ok(parts.length > 0);
    assert.equal(valid, doc.rows.valid);
  });

  it("saves the manifest as results.json and reports it in the document's outcomes", () => {
    const manifest = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as RunManifest;
    const exec = doc.executionName;

    assert.equal(manifest.executionName, exec);
    assert.equal(manifest.status, "COMPLETE");
    assert.deepEqual(manifest.rows, doc.rows);
    assert.deepEqual(doc.outcomes, {
      manifest: `results/${exec}.json`,
      rejectedRows: `rejected/${exec}/rows.csv`,
      rejectedErrors: `rejected/${exec}/errors.csv`,
      processedParts: readdirSync(join(out, "processed"))
        .sort()
        .map((p) => `processed/${exec}/${p}`),
      rowCount: doc.rows.invalid,
      errorCount: doc.errors.total,
      missingChunks: [],
      lateChunks: [],
    });
  });

  it("names the rejected files, and where they were saved, in the human summary", () => {
    const rel = join(".tmp", `e2e-outcomes-${process.pid}`, "out");

    assert.ok(
      human.includes(
        `\nRejected    ${doc.rows.invalid} rows → rejected/${doc.executionName}/rows.csv, ${doc.errors.total} errors → errors.csv\n`,
      ),
      human,
    );
    assert.match(
      human,
      new RegExp(
        `\\nSaved {7}${rel}/rejected/rows\\.csv, ${rel}/rejected/errors\\.csv, ${rel}/processed/ \\(\\d+ parts?\\)\\n`,
      ),
    );
  });

  it("lists every error in report.html", () => {
    const html = readFileSync(join(out, "report.html"), "utf8");
    const data = html.match(/<script type="application\/json" id="error-data">([\s\S]*?)<\/script>/)?.[1];

    assert.ok(data, "the page embeds the error list");
    assert.equal((JSON.parse(data) as { rows: unknown[] }).rows.length, doc.errors.total);
    assert.match(html, new RegExp(`<h2 id="errors">Every error \\(${doc.errors.total}\\)</h2>`));
  });

  it("gives the same errors of the same types when rejected/rows.csv is run again", async () => {
    const result = await runCli([join(out, "rejected", "rows.csv"), "--json", "--now", WEEKDAY_MORNING]);
    tmps.push(result.tmp);
    const again = parseDocument(result);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(again.rows.total, doc.rows.invalid);
    assert.equal(again.rows.invalid, doc.rows.invalid, "every rejected row is rejected again");
    assert.equal(again.errors.total, doc.errors.total);
    assert.deepEqual(again.errors.byType, doc.errors.byType);
  });

  it("writes no byte order mark and no processed parts when outputs say so, in the parallel pattern", async () => {
    const config = join(dir, "outputs.yaml");
    const plainOut = join(dir, "plain");
    writeFileSync(config, "outputs:\n  bom: false\n  processed: false\n");

    const result = await runCli([
      "--json",
      "--pattern",
      "parallel",
      "--now",
      WEEKDAY_MORNING,
      "--config",
      config,
      "--out",
      plainOut,
    ]);
    tmps.push(result.tmp);
    const plain = parseDocument(result);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(startsWithBom(join(plainOut, "rejected", "rows.csv")), false);
    assert.equal(startsWithBom(join(plainOut, "rejected", "errors.csv")), false);
    assert.equal(
      readFileSync(join(plainOut, "rejected", "errors.csv"), "utf8").split("\r\n", 1)[0],
      ERRORS_CSV_COLUMNS.join(","),
    );
    assert.equal(records(join(plainOut, "rejected", "rows.csv")).length - 1, plain.rows.invalid);
    assert.equal(existsSync(join(plainOut, "processed")), false);
    assert.deepEqual(plain.outcomes?.processedParts, []);
    assert.equal(plain.outcomes?.rowCount, plain.rows.invalid);
    assert.equal(plain.outcomes?.errorCount, plain.errors.total);
  });

  it("says where the 100 header warnings of errors.csv stop: in errors.csv, the notices and report.html", async () => {
    const wide = join(dir, "wide.csv");
    const extra = Array.from({ length: 150 }, (_, i) => `x${i + 1}`);
    const fill = ",".repeat(extra.length);
    writeFileSync(
      wide,
      `${[...SAMPLE_HEADER, ...extra].join(",")}\n` +
        `ORD-000001,a@example.com,10.00,1,NEW,2024-10-19,2024-10-19T02:15:00+09:00,ok${fill}\n` +
        `ORD-000002,not-an-email,10.00,1,NEW,2024-10-19,2024-10-19T02:15:00+09:00,bad${fill}\n`,
    );
    const wideOut = join(dir, "wide");

    const result = await runCli([
      wide,
      "--schema",
      join(ROOT, "samples", "orders.schema.yaml"),
      "--json",
      "--now",
      WEEKDAY_MORNING,
      "--out",
      wideOut,
    ]);
    tmps.push(result.tmp);
    const wideDoc = parseDocument(result);
    const lines = readFileSync(join(wideOut, "rejected", "errors.csv"), "utf8").split("\r\n");

    assert.equal(result.code, 0, result.stderr);
    // One row error; the 150 unknown columns are warnings, which errors.csv lists too (the first 100).
    assert.equal(wideDoc.errors.total, 1);
    assert.equal(wideDoc.warnings.total, 150);
    assert.equal(
      lines[100],
      `,1,x100,SchemaError,LOW,"ヘッダーの列 ""x100"" は行スキーマに定義されていないため、値はチェックされません"`,
    );
    assert.equal(
      lines[101],
      ",1,,SchemaError,LOW,ヘッダーの警告はほかに 50件あります(行スキーマにない列)。errors.csv には 150件のうち先頭の 100件のみを記載しています。件数にはすべて含まれます。",
    );
    // A MEDIUM run notifies Slack only; its body is the payload as the webhook received it.
    const slack = wideDoc.notifications.find((n) => n.channel === "slack");
    assert.ok(
      slack?.body.includes(
        "`errors.csv`: エラー(行番号・列・理由)。ただしヘッダーの警告は 150件のうち先頭の 100件のみ",
      ),
      slack?.body,
    );
    const html = readFileSync(join(wideOut, "report.html"), "utf8");
    assert.ok(html.includes("<strong>Header warnings listed: 100 of 150.</strong>"));
    assert.match(html, /<h2 id="errors">Every error and header warning \(102\)<\/h2>/);
  });

  it("never writes through a symbolic link in --out: refused before the run for a name it writes, after it for others", async () => {
    const linkDir = join(dir, "links");
    const outside = join(dir, "outside");
    mkdirSync(join(linkDir, "notices"), { recursive: true });
    mkdirSync(join(linkDir, "processed"), { recursive: true });
    mkdirSync(outside, { recursive: true });
    const targets = ["run", "notice", "part"].map((name) => join(outside, `${name}.txt`));
    for (const t of targets) writeFileSync(t, `outside ${t}`);
    symlinkSync(targets[0], join(linkDir, "run.json"));

    const before = await runCli(["--json", "--now", WEEKDAY_MORNING, "--out", linkDir]);
    tmps.push(before.tmp);

    assert.equal(before.code, 2, before.stderr);
    assert.equal(before.stderr.trimEnd().split("\n").length, 1, before.stderr);
    assert.ok(before.stderr.startsWith(`error: --out ${linkDir}: ${join(linkDir, "run.json")} is a symbolic link`));

    rmSync(join(linkDir, "run.json"));
    symlinkSync(targets[1], join(linkDir, "notices", "02-email.txt"));
    symlinkSync(targets[2], join(linkDir, "processed", "part-00001.csv"));
    const during = await runCli(["--json", "--now", WEEKDAY_MORNING, "--out", linkDir]);
    tmps.push(during.tmp);

    assert.equal(during.code, 1, during.stderr);
    assert.equal(
      during.stderr.trimEnd().split("\n").at(-1),
      `error: could not write the run's files to ${linkDir}: ${join(linkDir, "notices", "02-email.txt")} is a symbolic link; the run never writes through one: remove it, or give another --out directory`,
    );
    for (const t of targets) assert.equal(readFileSync(t, "utf8"), `outside ${t}`);
    // A part's name held by a link from an earlier run is cleared like the earlier run's parts: the link, not its target.
    assert.ok(lstatSync(join(linkDir, "processed", "part-00001.csv")).isFile());
    assert.equal(records(join(linkDir, "processed", "part-00001.csv"))[0].join(","), SAMPLE_HEADER.join(","));
  });

  it("copies what a run with a crashed chunk composed and what its late chunks wrote, and names the missing chunk", async () => {
    const config = join(dir, "chunks.yaml");
    const crashOut = join(dir, "crash");
    writeFileSync(config, "chunkRows: 250\n");

    const result = await runCli([
      "--json",
      "--now",
      WEEKDAY_MORNING,
      "--config",
      config,
      "--inject",
      "chunk-crash",
      "--out",
      crashOut,
    ]);
    tmps.push(result.tmp);
    const crashed = parseDocument(result);
    const manifest = JSON.parse(readFileSync(join(crashOut, "results.json"), "utf8")) as RunManifest;

    assert.equal(result.code, 1, result.stderr);
    assert.equal(manifest.status, "PARTIAL");
    assert.ok(manifest.chunks.missing.length >= 1, "the crashed chunk is missing");
    assert.equal(manifest.chunks.completed + manifest.chunks.missing.length, manifest.chunks.expected);
    assert.deepEqual(crashed.outcomes?.missingChunks, manifest.chunks.missing);
    // The composed files hold what the manifest says was composed, nothing for the chunks it names as missing.
    assert.equal(records(join(crashOut, "rejected", "rows.csv")).length - 1, manifest.rejected.rowCount);
    assert.equal(records(join(crashOut, "rejected", "errors.csv")).length - 1, manifest.rejected.errorCount);
    assert.equal(crashed.outcomes?.rowCount, manifest.rejected.rowCount);
    // Chunks that completed after the composition (the Map fails at once, others still run) are late, not missing:
    // their parts are copied, and the crashed chunk is the one named missing.
    const late = crashed.outcomes?.lateChunks ?? [];
    const id = (n: number) => String(n).padStart(5, "0");
    assert.ok(
      late.every((n) => manifest.chunks.missing.includes(n) && n !== 1),
      `late: ${late}`,
    );
    const parts = existsSync(join(crashOut, "processed")) ? readdirSync(join(crashOut, "processed")).sort() : [];
    assert.deepEqual(
      parts,
      [
        ...(manifest.processed?.parts.map((k) => k.slice(k.lastIndexOf("/") + 1)) ?? []),
        ...late.map((n) => `part-${id(n)}.csv`),
      ].sort(),
    );
    const lateParts = existsSync(join(crashOut, "rejected", "parts"))
      ? readdirSync(join(crashOut, "rejected", "parts")).sort()
      : [];
    assert.deepEqual(lateParts, late.flatMap((n) => [`errors-${id(n)}.csv`, `rows-${id(n)}.csv`]).sort());
    // report.html lists the composed errors and the late chunks' errors, and names as missing only the chunks with
    // no outcome anywhere.
    const lateErrors = late.reduce(
      (sum, n) => sum + records(join(crashOut, "rejected", "parts", `errors-${id(n)}.csv`)).length,
      0,
    );
    const html = readFileSync(join(crashOut, "report.html"), "utf8");
    const listed = manifest.rejected.errorCount + lateErrors;
    assert.match(html, new RegExp(`<h2 id="errors">Every error \\(${listed}\\)</h2>`));
    const missing = manifest.chunks.missing.filter((n) => !late.includes(n));
    assert.ok(missing.includes(1), `missing: ${missing}`);
    assert.ok(html.includes(`<strong>Chunks missing</strong>: ${missing.join(", ")} of ${manifest.chunks.expected};`));
  });
});
