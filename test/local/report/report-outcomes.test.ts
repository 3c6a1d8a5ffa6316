import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { DEFAULT_OUTCOME_SETTINGS, type OutcomeSettings, type RunManifest } from "../../../functions/contract";
import { chunkPartKeys } from "../../../functions/core/outcomes/chunk-parts";
import { copyOutcomeFiles, OutcomeReader, outcomeKeys, outcomesOf } from "../../../local/report/outcomes";
import { type LocalServices, startLocalServices } from "../../../local/services/services";

const ROOT = join(__dirname, "..", "..", "..");
const TMP = join(ROOT, ".tmp", `local-report-outcomes-${process.pid}`);
const EXEC = "local-20250603T010000-0a0b0c";

/** Bytes as a chunk writes them: a BOM, CRLF line ends, a quoted line break and non-ASCII text. */
const ROWS = Buffer.from('\uFEFForder_id,note\r\nORD-1X,"two\nlines"\r\nORD-2X,注文\r\n', "utf8");
const ERRORS = Buffer.from(
  "\uFEFFrow,line,column,errorType,severity,message\r\n1,2,order_id,ValidationError,HIGH,x\r\n",
);
const PART = (n: number) => Buffer.from(`order_id,note\r\nORD-00000${n},ok\r\n`);

function manifestFor(s: OutcomeSettings, over: Partial<RunManifest> = {}): RunManifest {
  const keys = outcomeKeys(s, EXEC);
  return {
    executionName: EXEC,
    bucket: "b",
    key: "incoming/x.csv",
    status: "PARTIAL",
    rows: { total: 4, valid: 2, invalid: 2 },
    errors: { total: 1, byType: {}, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 1, CRITICAL: 0 } },
    chunks: { expected: 3, completed: 2, missing: [1] },
    processed: { parts: [`${s.processedPrefix}${EXEC}/part-00000.csv`, `${s.processedPrefix}${EXEC}/part-00002.csv`] },
    rejected: {
      folder: keys.rejectedFolder,
      rows: keys.rejectedRows,
      errors: keys.rejectedErrors,
      rowCount: 2,
      errorCount: 1,
    },
    composedAt: "2025-06-03T01:00:01.000Z",
    ...over,
  };
}

describe("row outcome files (--out)", function () {
  this.timeout(20_000);
  let svc: LocalServices;
  let reader: OutcomeReader;
  const put = (key: string, body: Buffer | string) =>
    svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: body }));

  beforeEach(async () => {
    mkdirSync(TMP, { recursive: true });
    svc = await startLocalServices();
    reader = new OutcomeReader(svc.s3Endpoint, svc.bucket);
  });
  afterEach(async () => {
    reader.close();
    await svc.stop();
    rmSync(TMP, { recursive: true, force: true });
  });

  it("copies the manifest, rows.csv, errors.csv and the manifest's parts byte for byte", async () => {
    const s = DEFAULT_OUTCOME_SETTINGS;
    const keys = outcomeKeys(s, EXEC);
    const manifest = manifestFor(s);
    await put(keys.manifest, JSON.stringify(manifest));
    await put(keys.rejectedRows, ROWS);
    await put(keys.rejectedErrors, ERRORS);
    await put(keys.report, "<!doctype html><p>the check's report</p>\n");
    await put(`processed/${EXEC}/part-00000.csv`, PART(0));
    await put(`processed/${EXEC}/part-00002.csv`, PART(2));
    // Written by a chunk the manifest counts as missing: not one of the run's outcomes.
    await put(`processed/${EXEC}/part-00001.csv`, PART(1));

    const read = await reader.manifest(keys.manifest);
    const files = await copyOutcomeFiles(reader, keys, read, TMP);

    assert.deepEqual(read, manifest);
    assert.deepEqual(readFileSync(join(TMP, "rejected", "rows.csv")), ROWS);
    assert.deepEqual(readFileSync(join(TMP, "rejected", "errors.csv")), ERRORS);
    assert.deepEqual(JSON.parse(readFileSync(join(TMP, "results.json"), "utf8")), manifest);
    assert.equal(readFileSync(join(TMP, "results.html"), "utf8"), "<!doctype html><p>the check's report</p>\n");
    assert.equal(files.report, join(TMP, "results.html"));
    assert.deepEqual(readdirSync(join(TMP, "processed")), ["part-00000.csv", "part-00002.csv"]);
    assert.deepEqual(readFileSync(join(TMP, "processed", "part-00002.csv")), PART(2));
    assert.deepEqual(files.processedParts, [
      join(TMP, "processed", "part-00000.csv"),
      join(TMP, "processed", "part-00002.csv"),
    ]);
    assert.deepEqual(files.absent, []);
    assert.deepEqual(outcomesOf(manifest, keys.manifest), {
      manifest: `results/${EXEC}.json`,
      rejectedRows: `rejected/${EXEC}/rows.csv`,
      rejectedErrors: `rejected/${EXEC}/errors.csv`,
      processedParts: [`processed/${EXEC}/part-00000.csv`, `processed/${EXEC}/part-00002.csv`],
      rowCount: 2,
      errorCount: 1,
      missingChunks: [1],
      lateChunks: [],
    });
  });

  it("copies a late chunk's parts: valid rows beside the others, rejected rows and errors under rejected/parts/", async () => {
    const s = DEFAULT_OUTCOME_SETTINGS;
    const keys = outcomeKeys(s, EXEC);
    const manifest = manifestFor(s);
    const late = [{ chunkId: 1, keys: chunkPartKeys(s, EXEC, 1) }];
    const lateRows = Buffer.from("ORD-3X,late\r\n");
    const lateErrors = Buffer.from("3,4,order_id,ValidationError,HIGH,late\r\n");
    await put(keys.manifest, JSON.stringify(manifest));
    await put(keys.rejectedRows, ROWS);
    await put(keys.rejectedErrors, ERRORS);
    for (const n of [0, 1, 2]) await put(`processed/${EXEC}/part-0000${n}.csv`, PART(n));
    await put(`rejected/${EXEC}/parts/rows-00001.csv`, lateRows);
    await put(`rejected/${EXEC}/parts/errors-00001.csv`, lateErrors);
    mkdirSync(join(TMP, "rejected", "parts"), { recursive: true });
    writeFileSync(join(TMP, "rejected", "parts", "rows-00009.csv"), "earlier run");

    const files = await copyOutcomeFiles(reader, keys, manifest, TMP, late);

    assert.deepEqual(readdirSync(join(TMP, "processed")), ["part-00000.csv", "part-00001.csv", "part-00002.csv"]);
    assert.deepEqual(readFileSync(join(TMP, "processed", "part-00001.csv")), PART(1));
    assert.deepEqual(readdirSync(join(TMP, "rejected", "parts")).sort(), ["errors-00001.csv", "rows-00001.csv"]);
    assert.deepEqual(readFileSync(join(TMP, "rejected", "parts", "rows-00001.csv")), lateRows);
    assert.deepEqual(readFileSync(join(TMP, "rejected", "parts", "errors-00001.csv")), lateErrors);
    assert.deepEqual(files.lateParts, [
      {
        chunkId: 1,
        rows: join(TMP, "rejected", "parts", "rows-00001.csv"),
        errors: join(TMP, "rejected", "parts", "errors-00001.csv"),
      },
    ]);
    assert.equal(files.processedParts.length, 3);
    assert.deepEqual(outcomesOf(manifest, keys.manifest, late).lateChunks, [1]);
  });

  it("without a manifest copies what exists, makes up nothing, and clears an earlier run's files", async () => {
    const s: OutcomeSettings = { ...DEFAULT_OUTCOME_SETTINGS, processedPrefix: "ok/", rejectedPrefix: "bad/" };
    const keys = outcomeKeys(s, EXEC);
    await put(keys.rejectedErrors, ERRORS);
    await put(`ok/${EXEC}/part-00003.csv`, PART(3));
    await put(`ok/${EXEC}-other/part-00000.csv`, PART(0));
    mkdirSync(join(TMP, "processed"));
    mkdirSync(join(TMP, "rejected"));
    writeFileSync(join(TMP, "processed", "part-00009.csv"), "earlier run");
    writeFileSync(join(TMP, "rejected", "rows.csv"), "earlier run");
    writeFileSync(join(TMP, "results.html"), "earlier run");
    writeFileSync(join(TMP, "processed", "mine.txt"), "not ours to remove");

    const read = await reader.manifest(keys.manifest);
    const files = await copyOutcomeFiles(reader, keys, read, TMP);

    assert.equal(read, undefined);
    assert.deepEqual(files.absent, [`results/${EXEC}.html`, `bad/${EXEC}/rows.csv`]);
    assert.equal(existsSync(join(TMP, "results.html")), false, "an earlier run's report is not left as this run's");
    assert.equal(files.rejectedRows, undefined);
    assert.equal(existsSync(join(TMP, "rejected", "rows.csv")), false);
    assert.equal(existsSync(join(TMP, "results.json")), false);
    assert.deepEqual(readFileSync(join(TMP, "rejected", "errors.csv")), ERRORS);
    assert.deepEqual(readdirSync(join(TMP, "processed")).sort(), ["mine.txt", "part-00003.csv"]);
  });

  it("creates no folder for outcomes that do not exist", async () => {
    const keys = outcomeKeys(DEFAULT_OUTCOME_SETTINGS, EXEC);

    const files = await copyOutcomeFiles(reader, keys, undefined, TMP);

    assert.deepEqual(readdirSync(TMP), []);
    assert.deepEqual(files, {
      processedParts: [],
      lateParts: [],
      absent: [keys.report, keys.rejectedRows, keys.rejectedErrors],
    });
  });

  it("refuses a manifest that is not one, naming it", async () => {
    const keys = outcomeKeys(DEFAULT_OUTCOME_SETTINGS, EXEC);
    await put(keys.manifest, '{"executionName":"x"}');

    await assert.rejects(reader.manifest(keys.manifest), new RegExp(`results/${EXEC}\\.json is not a run manifest`));
  });
});
