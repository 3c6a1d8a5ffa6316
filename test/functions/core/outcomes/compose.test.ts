import assert from "node:assert/strict";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { type ClientCredentialsSource, clients, setClientCredentials } from "../../../../functions/adapters/clients";
import { type AggregateEvent, handler as aggregate } from "../../../../functions/aggregate-results";
import {
  type ChunkSummaryItem,
  DEFAULT_OUTCOME_SETTINGS,
  type FileSummaryItem,
  OUTCOME_KEYS,
  type OutcomeSettings,
  RUN_KEYS,
  type RunManifest,
} from "../../../../functions/contract";
import { type LogSink, setLogSink } from "../../../../functions/core/log";
import {
  aggregateOutputOf,
  buildManifest,
  chunkProgress,
  composition,
  fileErrorLines,
  type RunOutcomeInput,
} from "../../../../functions/core/outcomes/manifest";
import type { LocalStatement } from "../../../../local/services/iam-local";
import { type LocalServices, startLocalServices } from "../../../../local/services/services";
import { restoreEnv } from "../../../support/env";

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const HEADER = ["order_id", "email", "memo, note"];
const HEADER_LINE = 'order_id,email,"memo, note"\r\n';
const ERRORS_HEADER_LINE = "row,line,column,errorType,severity,message\r\n";
const S = DEFAULT_OUTCOME_SETTINGS;

function chunkItem(exec: string, chunkId: number, invalid: number, over: Partial<ChunkSummaryItem> = {}) {
  const item: ChunkSummaryItem = {
    pk: RUN_KEYS.execution(exec),
    sk: RUN_KEYS.chunk(chunkId),
    executionName: exec,
    chunkId,
    rows: 10,
    valid: 10 - invalid,
    invalid,
    byType: invalid > 0 ? { ValidationError: invalid } : {},
    bySeverity: { LOW: 0, MEDIUM: invalid, HIGH: 0, CRITICAL: 0 },
    errors: invalid,
    updatedAt: "2025-06-02T03:00:00.000Z",
    expiresAt: 2_000_000_000,
    ...over,
  };
  return item;
}

function fileItem(exec: string, over: Partial<FileSummaryItem> = {}): FileSummaryItem {
  return {
    pk: RUN_KEYS.execution(exec),
    sk: RUN_KEYS.file,
    executionName: exec,
    bucket: "in",
    key: "incoming/orders.csv",
    status: "OK",
    encoding: "utf-8",
    chunkCount: 3,
    byType: {},
    bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
    errors: 0,
    updatedAt: "2025-06-02T03:00:00.000Z",
    expiresAt: 2_000_000_000,
    ...over,
  };
}

describe("row outcome manifest (pure)", () => {
  const base = (over: Partial<RunOutcomeInput> = {}): RunOutcomeInput => ({
    executionName: "e1",
    bucket: "in",
    key: "incoming/orders.csv",
    chunkCount: 4,
    header: HEADER,
    splitStatus: "OK",
    file: fileItem("e1", {
      byType: { SchemaError: 1 },
      bySeverity: { LOW: 1, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
      errors: 1,
    }),
    chunks: [
      chunkItem("e1", 4, 1, { byType: { ParseError: 1 }, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 1, CRITICAL: 0 } }),
      chunkItem("e1", 1, 2),
      chunkItem("e1", 2, 0),
    ],
    settings: S,
    locale: "en",
    ...over,
  });

  it("orders completed chunks by id and names the expected ones without a summary", () => {
    const { completed, missing } = chunkProgress(5, base().chunks);

    assert.deepEqual(
      completed.map((c) => c.chunkId),
      [1, 2, 4],
    );
    assert.deepEqual(missing, [3, 5]);
  });

  it("builds the manifest from the summaries: counts with the file's errors, parts in chunk order, PARTIAL", () => {
    const manifest = buildManifest(base(), "2025-06-02T03:05:00.000Z");

    assert.deepEqual(manifest, {
      executionName: "e1",
      bucket: "in",
      key: "incoming/orders.csv",
      status: "PARTIAL",
      rows: { total: 30, valid: 27, invalid: 3 },
      errors: {
        total: 4,
        byType: { ValidationError: 2, ParseError: 1, SchemaError: 1 },
        bySeverity: { LOW: 1, MEDIUM: 2, HIGH: 1, CRITICAL: 0 },
      },
      chunks: { expected: 4, completed: 3, missing: [3] },
      processed: {
        parts: ["processed/e1/part-00001.csv", "processed/e1/part-00002.csv", "processed/e1/part-00004.csv"],
      },
      rejected: {
        folder: "rejected/e1/",
        rows: "rejected/e1/rows.csv",
        errors: "rejected/e1/errors.csv",
        rowCount: 3,
        errorCount: 3,
      },
      composedAt: "2025-06-02T03:05:00.000Z",
    } satisfies RunManifest);
  });

  it("says COMPLETE when every chunk is in, and gives no processed parts when they are off", () => {
    const settings: OutcomeSettings = { ...S, processed: false, rejectedPrefix: "out/bad/", resultsPrefix: "out/r/" };
    const manifest = buildManifest(base({ chunkCount: 2, chunks: base().chunks.slice(1), settings }), "t");

    assert.equal(manifest.status, "COMPLETE");
    assert.equal(manifest.processed, null);
    assert.deepEqual(manifest.chunks, { expected: 2, completed: 2, missing: [] });
    assert.equal(manifest.rejected.rows, "out/bad/e1/rows.csv");
  });

  it("says PARTIAL when the split did not run, although no chunk was expected", () => {
    const manifest = buildManifest(
      base({ chunkCount: 0, chunks: [], file: undefined, header: [], splitStatus: "NOT_RUN" }),
      "t",
    );

    assert.equal(manifest.status, "PARTIAL");
    assert.deepEqual(manifest.chunks, { expected: 0, completed: 0, missing: [] });
    assert.deepEqual(manifest.rows, { total: 0, valid: 0, invalid: 0 });
  });

  it("lists a rejected file's error as one masked, formula-safe line and counts it", () => {
    const file = fileItem("e1", {
      status: "REJECTED",
      byType: { SchemaError: 1 },
      bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 1 },
      errors: 1,
      message: "=HYPERLINK() lacks email (found: taro@example.jp)",
    });
    const input = base({ chunkCount: 0, chunks: [], file, header: [], splitStatus: "REJECTED" });

    assert.deepEqual(fileErrorLines(file, "en"), [
      ["", "1", "", "SchemaError", "CRITICAL", "'=HYPERLINK() lacks email (found: ***)"],
    ]);
    assert.equal(
      composition(input).errors.head,
      `\uFEFF${ERRORS_HEADER_LINE},1,,SchemaError,CRITICAL,'=HYPERLINK() lacks email (found: ***)\r\n`,
    );
    assert.equal(composition(input).rows.head, "\uFEFF");
    const manifest = buildManifest(input, "t");
    assert.equal(manifest.status, "COMPLETE");
    assert.deepEqual(manifest.errors, {
      total: 1,
      byType: { SchemaError: 1 },
      bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 1 },
    });
    assert.equal(manifest.rejected.errorCount, 1);
    assert.deepEqual(fileErrorLines(fileItem("e1"), "en"), []);
  });

  it("renders a rejected file's line in the output language from its message key, with the column it names", () => {
    const file = fileItem("e1", {
      status: "REJECTED",
      byType: { SchemaError: 1 },
      bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 1 },
      errors: 1,
      message: 'The header names column "id" twice (positions 1 and 3). …',
      detail: { key: "headerDuplicate", params: { name: "id", first: 1, second: 3 } },
      column: "id",
    });
    assert.deepEqual(fileErrorLines(file, "ja"), [
      [
        "",
        "1",
        "id",
        "SchemaError",
        "CRITICAL",
        'ヘッダーに列 "id" が2回あります(1番目と3番目)。どちらかの名前を変えるか削除して、もう一度アップロードしてください',
      ],
    ]);
  });

  it("lists an accepted file's header warnings first, in the output language, and counts them", () => {
    const warning = (name: string) => ({
      errorType: "SchemaError" as const,
      severity: "LOW" as const,
      message: `The header has a column "${name}" that the row schema does not define; its values are not checked.`,
      column: name,
      detail: { key: "headerExtra" as const, params: { name } },
    });
    const file = fileItem("e1", {
      byType: { SchemaError: 2 },
      bySeverity: { LOW: 2, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
      errors: 2,
      warnings: [warning("note"), warning("=cmd")],
    });
    const input = base({ file });
    assert.deepEqual(fileErrorLines(file, "ja"), [
      [
        "",
        "1",
        "note",
        "SchemaError",
        "LOW",
        'ヘッダーの列 "note" は行スキーマに定義されていないため、値はチェックされません',
      ],
      [
        "",
        "1",
        "'=cmd",
        "SchemaError",
        "LOW",
        'ヘッダーの列 "=cmd" は行スキーマに定義されていないため、値はチェックされません',
      ],
    ]);
    assert.equal(
      composition({ ...input, locale: "en" }).errors.head,
      `\uFEFF${ERRORS_HEADER_LINE},1,note,SchemaError,LOW,"The header has a column ""note"" that the row schema does not define; its values are not checked."\r\n` +
        `,1,'=cmd,SchemaError,LOW,"The header has a column ""=cmd"" that the row schema does not define; its values are not checked."\r\n`,
    );
    const chunkErrors = (input.chunks ?? []).reduce((sum, c) => sum + Number(c.errors), 0);
    assert.equal(buildManifest(input, "t").rejected.errorCount, chunkErrors + 2);
  });

  it("composes the header (quoted as CSV) without a BOM when the BOM is off, and parts in chunk order", () => {
    const files = composition(base({ settings: { ...S, bom: false } }));

    assert.equal(files.rows.head, HEADER_LINE);
    assert.equal(files.errors.head, ERRORS_HEADER_LINE);
    assert.deepEqual(
      files.rows.parts.map((p) => p.key),
      ["rejected/e1/parts/rows-00001.csv", "rejected/e1/parts/rows-00002.csv", "rejected/e1/parts/rows-00004.csv"],
    );
    assert.deepEqual(
      files.errors.parts.map((p) => p.key),
      [
        "rejected/e1/parts/errors-00001.csv",
        "rejected/e1/parts/errors-00002.csv",
        "rejected/e1/parts/errors-00004.csv",
      ],
    );
  });

  it("maps the manifest to the state's output", () => {
    const out = aggregateOutputOf(buildManifest(base(), "t"), "results/e1.json");

    assert.deepEqual(out, {
      rows: 30,
      valid: 27,
      invalid: 3,
      byType: { ValidationError: 2, ParseError: 1, SchemaError: 1 },
      bySeverity: { LOW: 1, MEDIUM: 2, HIGH: 1, CRITICAL: 0 },
      chunks: 3,
      failedChunks: 1,
      resultKey: "results/e1.json",
    });
  });
});

describe("AggregateResults on local DynamoDB and S3 (under its own grants)", () => {
  const ROLE_KEY = "AGGREGATEROLE";
  const RESULTS_BUCKET = "csv-pipeline-results";
  let svc: LocalServices;
  let previousCredentials: ClientCredentialsSource | undefined;
  let restoreSink: LogSink;
  const saved = { ...process.env };
  const calls = { query: 0, multipart: 0 };

  /** Exactly what the function needs (as stated for blueprint/role-statements.ts). */
  function grants(bucket: string): LocalStatement[] {
    const b = `arn:aws:s3:::${bucket}`;
    return [
      { Sid: "ReadOutcomeParts", Action: ["s3:GetObject"], Resource: [`${b}/rejected/*/parts/*`] },
      {
        Sid: "WriteRejectedFiles",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
        Resource: [`${b}/rejected/*/rows.csv`, `${b}/rejected/*/errors.csv`],
      },
      {
        Sid: "WriteResults",
        Action: ["s3:PutObject"],
        Resource: [`${b}/results/*`, `arn:aws:s3:::${RESULTS_BUCKET}/results/*`],
      },
    ];
  }

  before(async () => {
    const bucket = "csv-pipeline-outcomes";
    svc = await startLocalServices({
      bucket,
      s3Roles: { [ROLE_KEY]: { name: "aggregateResults", statements: grants(bucket) } },
    });
    await svc.s3.send(new CreateBucketCommand({ Bucket: RESULTS_BUCKET }));
    Object.assign(process.env, svc.env);
    clients.reset();
    previousCredentials = setClientCredentials(() => ({ accessKeyId: ROLE_KEY, secretAccessKey: "local" }));
    restoreSink = setLogSink(() => undefined);
    clients.doc().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "QueryCommand") calls.query++;
        return next(args);
      },
      { step: "initialize", name: "countQueries" },
    );
    clients.s3().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "CreateMultipartUploadCommand") calls.multipart++;
        return next(args);
      },
      { step: "initialize", name: "countMultipart" },
    );
  });

  after(async () => {
    setLogSink(restoreSink);
    setClientCredentials(previousCredentials);
    restoreEnv(saved);
    clients.reset();
    await svc.stop();
  });

  beforeEach(() => {
    restoreEnv({ ...saved, ...svc.env });
    svc.s3Access.length = 0;
    calls.query = 0;
    calls.multipart = 0;
  });

  async function putObject(key: string, body: string | Buffer, bucket = svc.bucket) {
    await svc.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  async function bytesOf(key: string, bucket = svc.bucket): Promise<Buffer> {
    const out = await svc.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  }

  async function putItem(item: object) {
    await clients.doc().send(new PutCommand({ TableName: svc.runsTable, Item: item }));
  }

  /** A chunk as process-chunk leaves it: its parts first, then its summary item. */
  async function putChunk(exec: string, id: number, rows: string | Buffer, errors: string, invalid: number) {
    await putObject(OUTCOME_KEYS.rowsPart(S, exec, id), rows);
    await putObject(OUTCOME_KEYS.errorsPart(S, exec, id), errors);
    await putItem(chunkItem(exec, id, invalid));
  }

  function event(exec: string, over: Partial<AggregateEvent> = {}): AggregateEvent {
    return {
      executionName: exec,
      startTime: "2025-06-02T03:00:00.000Z",
      bucket: svc.bucket,
      key: "incoming/orders.csv",
      chunkCount: 3,
      header: HEADER,
      splitStatus: "OK",
      chunkResults: [],
      ...over,
    };
  }

  async function manifestOf(exec: string, bucket = svc.bucket): Promise<RunManifest> {
    return JSON.parse((await bytesOf(`results/${exec}.json`, bucket)).toString("utf8"));
  }

  const ROWS = [
    'ORD-1,taro@example.jp,"multi\r\nline"\r\n',
    "ORD-x,,注文メモ\r\n",
    'ORD-3,hanako@example.jp,"say ""hi"""\r\nORD-4,bad,\r\n',
  ];
  const ERRORS = [
    "1,2,email,ValidationError,MEDIUM,***\r\n",
    "12,14,order_id,ValidationError,HIGH,パターン不一致\r\n",
    '25,28,memo,ParseError,HIGH,"quote, not closed"\r\n26,29,email,ValidationError,MEDIUM,x\r\n',
  ];

  it("composes rows.csv and errors.csv byte for byte, in chunk order whatever order the parts arrived in", async () => {
    await putItem(fileItem("exec-order"));
    for (const id of [3, 1, 2]) await putChunk("exec-order", id, ROWS[id - 1], ERRORS[id - 1], id);

    const out = await aggregate(event("exec-order"));

    assert.deepEqual(
      await bytesOf("rejected/exec-order/rows.csv"),
      Buffer.concat([BOM, Buffer.from(HEADER_LINE + ROWS.join(""), "utf8")]),
    );
    assert.deepEqual(
      await bytesOf("rejected/exec-order/errors.csv"),
      Buffer.concat([BOM, Buffer.from(ERRORS_HEADER_LINE + ERRORS.join(""), "utf8")]),
    );
    const manifest = await manifestOf("exec-order");
    assert.equal(manifest.status, "COMPLETE");
    assert.deepEqual(manifest.rows, { total: 30, valid: 24, invalid: 6 });
    assert.deepEqual(manifest.chunks, { expected: 3, completed: 3, missing: [] });
    assert.deepEqual(manifest.processed?.parts, [
      "processed/exec-order/part-00001.csv",
      "processed/exec-order/part-00002.csv",
      "processed/exec-order/part-00003.csv",
    ]);
    assert.deepEqual(out, aggregateOutputOf(manifest, "results/exec-order.json"));
    assert.equal(out.failedChunks, 0);
    // Every request was allowed by the stated grants, and only these actions were made.
    assert.ok(svc.s3Access.length > 0);
    assert.deepEqual(
      svc.s3Access.filter((r) => r.status === 403),
      [],
    );
    assert.deepEqual([...new Set(svc.s3Access.map((r) => r.action))].sort(), ["s3:GetObject", "s3:PutObject"]);
  });

  it("writes the CSV files without a BOM when OUTPUT_BOM is false", async () => {
    process.env.OUTPUT_BOM = "false";
    await putItem(fileItem("exec-nobom"));
    for (const id of [1, 2, 3]) await putChunk("exec-nobom", id, ROWS[id - 1], ERRORS[id - 1], id);

    await aggregate(event("exec-nobom"));

    assert.equal((await bytesOf("rejected/exec-nobom/rows.csv")).toString("utf8"), HEADER_LINE + ROWS.join(""));
    assert.equal(
      (await bytesOf("rejected/exec-nobom/errors.csv")).toString("utf8"),
      ERRORS_HEADER_LINE + ERRORS.join(""),
    );
  });

  it("composes what exists and names the missing chunks (PARTIAL) when the Map failed", async () => {
    await putItem(fileItem("exec-partial", { chunkCount: 4 }));
    await putChunk("exec-partial", 1, ROWS[0], ERRORS[0], 1);
    await putChunk("exec-partial", 3, ROWS[2], ERRORS[2], 3);

    const out = await aggregate(event("exec-partial", { chunkCount: 4, chunkResults: [] }));

    const manifest = await manifestOf("exec-partial");
    assert.equal(manifest.status, "PARTIAL");
    assert.deepEqual(manifest.chunks, { expected: 4, completed: 2, missing: [2, 4] });
    assert.deepEqual(manifest.rows, { total: 20, valid: 16, invalid: 4 });
    assert.deepEqual(manifest.rejected, {
      folder: "rejected/exec-partial/",
      rows: "rejected/exec-partial/rows.csv",
      errors: "rejected/exec-partial/errors.csv",
      rowCount: 4,
      errorCount: 4,
    });
    assert.equal(
      (await bytesOf("rejected/exec-partial/rows.csv")).toString("utf8"),
      `\uFEFF${HEADER_LINE}${ROWS[0]}${ROWS[2]}`,
    );
    assert.equal(
      (await bytesOf("rejected/exec-partial/errors.csv")).toString("utf8"),
      `\uFEFF${ERRORS_HEADER_LINE}${ERRORS[0]}${ERRORS[2]}`,
    );
    assert.deepEqual({ chunks: out.chunks, failedChunks: out.failedChunks }, { chunks: 2, failedChunks: 2 });
  });

  it("lists a rejected file's error in errors.csv and leaves rows.csv as the BOM alone", async () => {
    await putItem(
      fileItem("exec-rejected", {
        status: "REJECTED",
        chunkCount: 0,
        byType: { SchemaError: 1 },
        bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 1 },
        errors: 1,
        message: "The header lacks the required column email (found: order_id, taro@example.jp).",
      }),
    );

    const out = await aggregate(event("exec-rejected", { chunkCount: 0, header: [], splitStatus: "REJECTED" }));

    assert.deepEqual(await bytesOf("rejected/exec-rejected/rows.csv"), BOM);
    assert.equal(
      (await bytesOf("rejected/exec-rejected/errors.csv")).toString("utf8"),
      `\uFEFF${ERRORS_HEADER_LINE},1,,SchemaError,CRITICAL,"The header lacks the required column email (found: order_id, ***)."\r\n`,
    );
    const manifest = await manifestOf("exec-rejected");
    assert.equal(manifest.status, "COMPLETE");
    assert.deepEqual(manifest.errors.byType, { SchemaError: 1 });
    assert.deepEqual(manifest.rejected.errorCount, 1);
    assert.deepEqual(out.bySeverity, { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 1 });
  });

  it("writes an empty rows.csv without a BOM when the split did not run and the BOM is off", async () => {
    process.env.OUTPUT_BOM = "false";

    await aggregate(event("exec-notrun", { chunkCount: 0, header: [], splitStatus: "NOT_RUN" }));

    assert.equal((await bytesOf("rejected/exec-notrun/rows.csv")).length, 0);
    assert.equal((await bytesOf("rejected/exec-notrun/errors.csv")).toString("utf8"), ERRORS_HEADER_LINE);
    assert.equal((await manifestOf("exec-notrun")).status, "PARTIAL");
  });

  it("rewrites the same bytes when retried (the manifest differs only in composedAt)", async () => {
    await putItem(fileItem("exec-retry"));
    for (const id of [1, 2, 3]) await putChunk("exec-retry", id, ROWS[id - 1], ERRORS[id - 1], id);

    const first = await aggregate(event("exec-retry"));
    const files1 = [await bytesOf("rejected/exec-retry/rows.csv"), await bytesOf("rejected/exec-retry/errors.csv")];
    const manifest1 = await manifestOf("exec-retry");
    const second = await aggregate(event("exec-retry"));
    const files2 = [await bytesOf("rejected/exec-retry/rows.csv"), await bytesOf("rejected/exec-retry/errors.csv")];
    const manifest2 = await manifestOf("exec-retry");

    assert.deepEqual(second, first);
    assert.deepEqual(files2, files1);
    assert.deepEqual({ ...manifest2, composedAt: "" }, { ...manifest1, composedAt: "" });
  });

  /** Three parts of ≈ 2.2 MiB of multi-byte rows: together more than one 5 MiB upload part. */
  function bigParts(): Buffer[] {
    const line = (i: number) => `ORD-${String(i).padStart(6, "0")},user${i}@example.jp,"メモ ${i}, 確認"\r\n`;
    const parts: Buffer[] = [];
    let n = 0;
    for (let p = 0; p < 3; p++) {
      const lines: string[] = [];
      for (let bytes = 0; bytes < 2.2 * 1024 * 1024; n++) {
        lines.push(line(n));
        bytes += Buffer.byteLength(line(n));
      }
      parts.push(Buffer.from(lines.join(""), "utf8"));
    }
    return parts;
  }

  it("streams a composition over 5 MiB as a multipart upload, byte-identical to the concatenation", async () => {
    const parts = bigParts();
    await putItem(fileItem("exec-big"));
    for (const id of [2, 3, 1]) await putChunk("exec-big", id, parts[id - 1], ERRORS[id - 1], id);

    await aggregate(event("exec-big"));

    const expected = Buffer.concat([BOM, Buffer.from(HEADER_LINE), ...parts]);
    assert.ok(expected.length > 5 * 1024 * 1024);
    const written = await bytesOf("rejected/exec-big/rows.csv");
    assert.equal(written.length, expected.length);
    assert.ok(written.equals(expected), "rows.csv differs from BOM + header + parts 1, 2, 3");
    assert.equal(calls.multipart, 1, "only rows.csv is large enough for a multipart upload");
  });

  it("aborts a multipart composition whose last part cannot be read, leaving no rows.csv", async () => {
    const parts = bigParts();
    await putItem(fileItem("exec-big-lost", { chunkCount: 4 }));
    for (const id of [1, 2, 3]) await putChunk("exec-big-lost", id, parts[id - 1], ERRORS[id - 1], id);
    await putItem(chunkItem("exec-big-lost", 4, 1));

    await assert.rejects(aggregate(event("exec-big-lost", { chunkCount: 4 })), (err: Error) => {
      assert.equal(err.name, "OutcomePartError");
      assert.match(err.message, /rejected\/exec-big-lost\/parts\/rows-00004\.csv \(chunk 4\)/);
      return true;
    });

    assert.equal(calls.multipart, 1);
    const abort = svc.s3Access.find((r) => r.action === "s3:AbortMultipartUpload");
    assert.deepEqual(abort?.allowedBy, ["WriteRejectedFiles"]);
    await assert.rejects(bytesOf("rejected/exec-big-lost/rows.csv"), { name: "NoSuchKey" });
  });

  it("reads every page of the run's summaries", async () => {
    // Items of ~300 KB: the six of them span two 1 MB Query pages.
    const filler = "x".repeat(300 * 1024);
    await putItem(fileItem("exec-pages", { chunkCount: 6 }));
    for (let id = 1; id <= 6; id++) {
      await putObject(OUTCOME_KEYS.rowsPart(S, "exec-pages", id), `r${id}\r\n`);
      await putObject(OUTCOME_KEYS.errorsPart(S, "exec-pages", id), Buffer.alloc(0));
      await putItem({ ...chunkItem("exec-pages", id, 0), filler });
    }

    const out = await aggregate(event("exec-pages", { chunkCount: 6 }));

    assert.ok(calls.query >= 2, `expected several Query pages, got ${calls.query}`);
    assert.deepEqual(
      { chunks: out.chunks, failedChunks: out.failedChunks, rows: out.rows },
      {
        chunks: 6,
        failedChunks: 0,
        rows: 60,
      },
    );
    assert.equal(
      (await bytesOf("rejected/exec-pages/rows.csv")).toString("utf8"),
      `\uFEFF${HEADER_LINE}r1\r\nr2\r\nr3\r\nr4\r\nr5\r\nr6\r\n`,
    );
  });

  it("fails naming the key when a part its summary promises cannot be read, and writes nothing", async () => {
    await putItem(fileItem("exec-lost"));
    await putChunk("exec-lost", 1, ROWS[0], ERRORS[0], 1);
    await putObject(OUTCOME_KEYS.errorsPart(S, "exec-lost", 2), ERRORS[1]);
    await putItem(chunkItem("exec-lost", 2, 2));

    await assert.rejects(aggregate(event("exec-lost", { chunkCount: 2 })), (err: Error) => {
      assert.equal(err.name, "OutcomePartError");
      assert.match(
        err.message,
        /s3:\/\/csv-pipeline-outcomes\/rejected\/exec-lost\/parts\/rows-00002\.csv \(chunk 2\)/,
      );
      assert.match(err.message, /AccessDenied/);
      return true;
    });
    await assert.rejects(bytesOf("rejected/exec-lost/rows.csv"), { name: "NoSuchKey" });
    await assert.rejects(bytesOf("results/exec-lost.json"), { name: "NoSuchKey" });
  });

  it("writes the manifest to RESULTS_BUCKET and the rejected files to the input bucket", async () => {
    process.env.RESULTS_BUCKET = RESULTS_BUCKET;
    await putItem(fileItem("exec-where", { chunkCount: 1 }));
    await putChunk("exec-where", 1, ROWS[0], ERRORS[0], 1);

    const out = await aggregate(event("exec-where", { chunkCount: 1 }));

    assert.equal(out.resultKey, "results/exec-where.json");
    const manifest = await manifestOf("exec-where", RESULTS_BUCKET);
    assert.equal(manifest.bucket, svc.bucket);
    await assert.rejects(bytesOf("results/exec-where.json"), { name: "NoSuchKey" });
    assert.equal((await bytesOf("rejected/exec-where/rows.csv")).toString("utf8"), `\uFEFF${HEADER_LINE}${ROWS[0]}`);
  });
});
