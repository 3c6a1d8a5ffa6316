import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { type BatchWriteCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { clients } from "../../../../functions/adapters/clients";
import { ErrorWriter } from "../../../../functions/adapters/error-store";
import { decodeEventKey } from "../../../../functions/adapters/s3";
import { resetRowSchemaCache } from "../../../../functions/adapters/schema-source";
import { handler as aggregate } from "../../../../functions/aggregate-results";
import {
  type ChunkResult,
  DEFAULT_OUTCOME_SETTINGS,
  type FileSummaryItem,
  OUTCOME_KEYS,
  type ProcessChunkInput,
  RUN_KEYS,
  type RunManifest,
  type SplitResult,
} from "../../../../functions/contract";
import { type LogSink, setLogSink } from "../../../../functions/core/log";
import { handler as processChunk } from "../../../../functions/process-chunk";
import { handler as splitCsv } from "../../../../functions/split-csv";
import { type LocalServices, startLocalServices } from "../../../../local/services/services";
import { emptyExpected, generateOrderLines } from "../../../../scripts/generate-csv";
import { readRecords, SAMPLES } from "../../../support/csv-fixtures";
import { restoreEnv } from "../../../support/env";

const START = "2024-05-01T00:00:00.000Z";

describe("CSV handlers on local DynamoDB and S3", () => {
  let svc: LocalServices;
  const saved = { ...process.env };
  let batchCalls = 0;
  let restoreSink: LogSink;

  before(async () => {
    restoreSink = setLogSink(() => undefined);
    svc = await startLocalServices();
    Object.assign(process.env, svc.env);
    clients.reset();
    resetRowSchemaCache();
    await put("_config/schema.yaml", readFileSync(join(SAMPLES, "orders.schema.yaml")));
    process.env.SCHEMA_LOCATION = `s3://${svc.bucket}/_config/schema.yaml`;
    clients.doc().middlewareStack.add(
      (next, context) => async (args) => {
        if (String(context.commandName).startsWith("BatchWrite")) batchCalls++;
        return next(args);
      },
      { step: "initialize", name: "countBatchWrites" },
    );
  });
  after(async () => {
    setLogSink(restoreSink);
    restoreEnv(saved);
    clients.reset();
    resetRowSchemaCache();
    await svc.stop();
  });

  async function put(key: string, body: Buffer | string) {
    await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: body }));
  }

  /** An object's bytes, or null when there is none. */
  async function bytesOf(key: string): Promise<Buffer | null> {
    try {
      const res = await svc.s3.send(new GetObjectCommand({ Bucket: svc.bucket, Key: key }));
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (err) {
      if ((err as Error).name === "NoSuchKey") return null;
      throw err;
    }
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    const page = await svc.s3.send(new ListObjectsV2Command({ Bucket: svc.bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => o.Key!).sort();
  }

  async function chunkSummary(executionName: string, chunkId: number) {
    const item = await clients.doc().send(
      new GetCommand({
        TableName: svc.runsTable,
        Key: { pk: RUN_KEYS.execution(executionName), sk: RUN_KEYS.chunk(chunkId) },
        ConsistentRead: true,
      }),
    );
    return item.Item;
  }

  /** Splits an uploaded file and gives the process-chunk input of each chunk (with the ETag split read). */
  async function chunkInputs(executionName: string, key: string): Promise<ProcessChunkInput[]> {
    const split = await splitCsv({ bucket: svc.bucket, key, executionName, startTime: START });
    return split.chunks.map((chunk) => ({
      executionName,
      startTime: START,
      bucket: svc.bucket,
      key,
      encoding: split.encoding,
      header: split.header,
      chunk,
      etag: split.etag,
      versionId: split.versionId,
    }));
  }

  const recordsOf = (executionName: string) => readRecords(svc.errorTable, executionName);

  async function runFile(executionName: string, key: string): Promise<{ split: SplitResult; results: ChunkResult[] }> {
    const split = await splitCsv({ bucket: svc.bucket, key, executionName, startTime: START });
    const results: ChunkResult[] = [];
    for (const chunk of split.chunks) {
      const input: ProcessChunkInput = {
        executionName,
        startTime: START,
        bucket: svc.bucket,
        key,
        encoding: split.encoding,
        header: split.header,
        chunk,
      };
      results.push(await processChunk(input));
    }
    return { split, results };
  }

  it("runs samples/orders.csv through split, chunks and aggregation with exact counts everywhere", async () => {
    process.env.CHUNK_ROWS = "300";
    await put("incoming/orders.csv", readFileSync(join(SAMPLES, "orders.csv")));
    const { split, results } = await runFile("exec-orders", "incoming/orders.csv");
    assert.equal(split.status, "OK");
    assert.equal(split.chunkCount, 4);
    const agg = await aggregate({
      executionName: "exec-orders",
      startTime: START,
      bucket: svc.bucket,
      key: "incoming/orders.csv",
      chunkCount: split.chunkCount,
      header: split.header,
      splitStatus: split.status,
      chunkResults: results,
    });
    assert.deepEqual(
      {
        rows: agg.rows,
        valid: agg.valid,
        invalid: agg.invalid,
        failedChunks: agg.failedChunks,
        resultKey: agg.resultKey,
      },
      { rows: 1000, valid: 891, invalid: 109, failedChunks: 0, resultKey: "results/exec-orders.json" },
    );
    assert.deepEqual(agg.byType, { ValidationError: 90, ParseError: 19 });
    const stored = await clients
      .s3()
      .send(new (await import("@aws-sdk/client-s3")).GetObjectCommand({ Bucket: svc.bucket, Key: agg.resultKey }));
    const manifest = JSON.parse(await stored.Body!.transformToString()) as RunManifest;
    assert.deepEqual(
      { rows: manifest.rows, errors: manifest.errors.total, status: manifest.status, chunks: manifest.chunks },
      {
        rows: { total: agg.rows, valid: agg.valid, invalid: agg.invalid },
        errors: 109,
        status: "COMPLETE",
        chunks: { expected: 4, completed: 4, missing: [] },
      },
    );

    const records = await recordsOf("exec-orders");
    assert.equal(records.length, 109);
    assert.ok(
      records.every(
        (r) => r.recordData.email === undefined || r.recordData.email === "" || r.recordData.email === "***",
      ),
    );
    const summaries = await clients.doc().send(
      new QueryCommand({
        TableName: svc.runsTable,
        KeyConditionExpression: "pk = :p",
        ExpressionAttributeValues: { ":p": RUN_KEYS.execution("exec-orders") },
        ConsistentRead: true,
      }),
    );
    const chunkItems = (summaries.Items ?? []).filter((i) => String(i.sk).startsWith(RUN_KEYS.chunkPrefix));
    assert.equal(chunkItems.length, 4);
    assert.equal(
      chunkItems.reduce((n, i) => n + (i.errors as number), 0),
      109,
    );
    const file = (summaries.Items ?? []).find((i) => i.sk === RUN_KEYS.file) as FileSummaryItem;
    assert.deepEqual([file.status, file.chunkCount, file.errors, file.encoding], ["OK", 4, 0, "utf-8"]);
    delete process.env.CHUNK_ROWS;
  });

  it("a chunk run twice leaves no duplicate records and the same summary", async () => {
    await put("incoming/twice.csv", readFileSync(join(SAMPLES, "orders.csv")));
    const split = await splitCsv({
      bucket: svc.bucket,
      key: "incoming/twice.csv",
      executionName: "exec-twice",
      startTime: START,
    });
    const input: ProcessChunkInput = {
      executionName: "exec-twice",
      startTime: START,
      bucket: svc.bucket,
      key: "incoming/twice.csv",
      encoding: split.encoding,
      header: split.header,
      chunk: split.chunks[0],
    };
    const first = await processChunk(input);
    const second = await processChunk(input);
    assert.deepEqual(second, first);
    assert.equal((await recordsOf("exec-twice")).length, 109);
    const item = await clients.doc().send(
      new GetCommand({
        TableName: svc.runsTable,
        Key: { pk: RUN_KEYS.execution("exec-twice"), sk: RUN_KEYS.chunk(1) },
        ConsistentRead: true,
      }),
    );
    assert.equal(item.Item?.invalid, 109);
  });

  it("rejects a file that lacks a required column with one CRITICAL record and a REJECTED file summary", async () => {
    await put("incoming/missing.csv", readFileSync(join(SAMPLES, "broken-missing-column.csv")));
    const split = await splitCsv({
      bucket: svc.bucket,
      key: "incoming/missing.csv",
      executionName: "exec-missing",
      startTime: START,
    });
    assert.deepEqual([split.status, split.chunkCount, split.chunks], ["REJECTED", 0, []]);
    assert.match(split.message ?? "", /lacks the required column email/);
    const records = await recordsOf("exec-missing");
    assert.equal(records.length, 1);
    assert.deepEqual(
      [records[0].errorType, records[0].severity, records[0].rowNumber, records[0].processingStage],
      ["SchemaError", "CRITICAL", 1, "split"],
    );
    const file = await clients.doc().send(
      new GetCommand({
        TableName: svc.runsTable,
        Key: { pk: RUN_KEYS.execution("exec-missing"), sk: RUN_KEYS.file },
        ConsistentRead: true,
      }),
    );
    assert.deepEqual([file.Item?.status, file.Item?.errors, file.Item?.bySeverity.CRITICAL], ["REJECTED", 1, 1]);
    assert.deepEqual([file.Item?.detail?.key, file.Item?.detail?.params.columns], ["headerMissing", "email"]);
  });

  it("keeps an accepted file's header warnings in its summary, the file's text made visible, for errors.csv", async () => {
    const csv = "order_id,email,amount,extra,x\u001b[31m\nORD-000001,a@example.com,10,n,x\n";
    await put("incoming/extra.csv", csv);
    const split = await splitCsv({
      bucket: svc.bucket,
      key: "incoming/extra.csv",
      executionName: "exec-extra",
      startTime: START,
    });
    assert.equal(split.status, "OK");
    const file = await clients.doc().send(
      new GetCommand({
        TableName: svc.runsTable,
        Key: { pk: RUN_KEYS.execution("exec-extra"), sk: RUN_KEYS.file },
        ConsistentRead: true,
      }),
    );
    assert.deepEqual(file.Item?.warnings, [
      {
        errorType: "SchemaError",
        severity: "LOW",
        message: 'The header has a column "extra" that the row schema does not define; its values are not checked.',
        column: "extra",
        detail: { key: "headerExtra", params: { name: "extra" } },
      },
      {
        errorType: "SchemaError",
        severity: "LOW",
        message:
          'The header has a column "x\\x1b[31m" that the row schema does not define; its values are not checked.',
        column: "x\\x1b[31m",
        detail: { key: "headerExtra", params: { name: "x\\x1b[31m" } },
      },
    ]);
  });

  it("processes 100k rows with 10% errors: exact counts and ⌈errors/25⌉ BatchWriteItem calls", async function () {
    this.timeout(120000);
    const expected = emptyExpected();
    const text = [...generateOrderLines({ rows: 100_000, errorRate: 0.1, seed: 7 }, expected)].join("");
    await put("incoming/big.csv", text);
    process.env.CHUNK_ROWS = "1000000";
    process.env.CHUNK_BYTES = String(64 * 1024 * 1024);
    try {
      const split = await splitCsv({
        bucket: svc.bucket,
        key: "incoming/big.csv",
        executionName: "exec-big",
        startTime: START,
      });
      assert.equal(split.chunkCount, 1);
      batchCalls = 0;
      const started = Date.now();
      const result = await processChunk({
        executionName: "exec-big",
        startTime: START,
        bucket: svc.bucket,
        key: "incoming/big.csv",
        encoding: split.encoding,
        header: split.header,
        chunk: split.chunks[0],
      });
      const ms = Date.now() - started;
      assert.deepEqual(
        { rows: result.rows, invalid: result.invalid },
        { rows: expected.rows, invalid: expected.invalid },
      );
      assert.deepEqual(result.byType, expected.byType);
      assert.deepEqual(result.bySeverity, expected.bySeverity);
      assert.equal(batchCalls, Math.ceil(expected.invalid / 25));
      console.log(`      100k rows, ${expected.invalid} error records, ${batchCalls} BatchWriteItem calls in ${ms} ms`);
    } finally {
      delete process.env.CHUNK_ROWS;
      delete process.env.CHUNK_BYTES;
    }
  });

  it("retries UnprocessedItems with backoff until everything is written", async () => {
    let calls = 0;
    const real = clients.doc();
    const flaky = {
      async send(command: BatchWriteCommand) {
        calls++;
        const items = command.input.RequestItems![svc.errorTable];
        // Every other call, DynamoDB "throttles" the last third of the batch.
        const cut = calls % 2 === 1 ? Math.ceil((items.length * 2) / 3) : items.length;
        const out = await real.send(
          new (command.constructor as typeof BatchWriteCommand)({
            RequestItems: { [svc.errorTable]: items.slice(0, cut) },
          }),
        );
        const left = items.slice(cut);
        return { ...out, UnprocessedItems: left.length > 0 ? { [svc.errorTable]: left } : {} };
      },
    };
    const delays: number[] = [];
    const writer = new ErrorWriter(svc.errorTable, {
      client: flaky,
      sleep: async (ms) => void delays.push(ms),
      random: () => 0.999,
    });
    for (let i = 0; i < 60; i++) {
      await writer.add({
        errorId: `t${i}`,
        timestamp: START,
        executionName: "exec-throttle",
        errorType: "ValidationError",
        severity: "LOW",
        errorMessage: "m",
        recordData: {},
        retryCount: 0,
        processingStage: "process",
        rowNumber: i + 2,
        chunkId: 1,
        severityRow: `3#${String(i + 2).padStart(12, "0")}`,
        expiresAt: 1,
      });
    }
    await writer.flush();
    assert.equal(writer.written, 60);
    assert.equal((await recordsOf("exec-throttle")).length, 60);
    assert.ok(writer.calls > 3 && delays.length > 0);
    assert.ok(delays.every((d) => d >= 0 && d < 5000));
  });

  it("fails with UnprocessedItemsError after the bounded number of tries", async () => {
    const never = {
      async send(command: BatchWriteCommand) {
        return { $metadata: {}, UnprocessedItems: command.input.RequestItems };
      },
    };
    const writer = new ErrorWriter(svc.errorTable, { client: never, sleep: async () => undefined });
    writer.add({
      errorId: "x",
      timestamp: START,
      executionName: "e",
      errorType: "ParseError",
      severity: "HIGH",
      errorMessage: "m",
      recordData: {},
      retryCount: 0,
      processingStage: "process",
      rowNumber: 2,
      chunkId: 1,
      severityRow: "1#000000000002",
      expiresAt: 1,
    });
    await assert.rejects(
      writer.flush(),
      (err: Error & { cause?: unknown }) =>
        err.name === "UnprocessedItemsError" &&
        /after 8 BatchWriteItem calls/.test(err.message) &&
        err.cause instanceof Error,
    );
    assert.equal(writer.calls, 8);
  });

  describe("row outcome parts", () => {
    const S = DEFAULT_OUTCOME_SETTINGS;
    const HEADER = "order_id,email,amount,quantity,status,ordered_at,updated_at,note";
    const GOOD = "ORD-000001,a@example.com,10.00,1,NEW,2024-05-01,2024-05-01T09:00:00+09:00,ok";
    const QUOTED = 'ORD-000002,b@example.com,5,2,PAID,2024-05-02,2024-05-02T09:00:00Z,"two\r\nlines"';
    const BAD = "ORD-3,not-an-email,1,1,NEW,2024-05-01,2024-05-01T09:00:00Z,=HYPERLINK(1)";
    const RAGGED = "ORD-000004,d@example.com,1";
    const FILE = `${HEADER}\r\n${GOOD}\r\n\r\n${QUOTED}\r\n${BAD}\r\n${RAGGED}\r\n`;
    let saved: NodeJS.ProcessEnv;
    beforeEach(() => {
      saved = { ...process.env };
    });
    afterEach(() => restoreEnv(saved));

    it("writes the processed, rows and errors parts of a chunk byte for byte before its summary", async () => {
      await put("incoming/parts.csv", FILE);
      const [input] = await chunkInputs("exec-parts", "incoming/parts.csv");

      const result = await processChunk(input);

      assert.deepEqual([result.rows, result.valid, result.invalid], [4, 2, 2]);
      assert.equal(
        (await bytesOf(OUTCOME_KEYS.processedPart(S, "exec-parts", 1)))?.toString("utf8"),
        `\uFEFF${HEADER}\r\n${GOOD}\r\n${QUOTED}\r\n`,
      );
      assert.deepEqual(
        await bytesOf(OUTCOME_KEYS.rowsPart(S, "exec-parts", 1)),
        Buffer.from(`${BAD}\r\n${RAGGED}\r\n`),
      );
      assert.equal(
        (await bytesOf(OUTCOME_KEYS.errorsPart(S, "exec-parts", 1)))?.toString("utf8"),
        '3,6,order_id,ValidationError,HIGH,"order_id は ^ORD-[0-9]{6}$ に一致する必要があります(値: ""ORD-3"")"\r\n' +
          "3,6,email,ValidationError,MEDIUM,email は name@example.com のようなメールアドレスにしてください\r\n" +
          "4,7,,ParseError,HIGH,7行目のレコードは項目が3個ですが、ヘッダーは8列です。引用符で囲まれていないカンマ、項目の不足、余分な改行がないか確認してください\r\n",
      );
      assert.deepEqual(await keysUnder("processed/exec-parts/"), [OUTCOME_KEYS.processedPart(S, "exec-parts", 1)]);
      assert.deepEqual(await keysUnder("rejected/exec-parts/"), [
        OUTCOME_KEYS.errorsPart(S, "exec-parts", 1),
        OUTCOME_KEYS.rowsPart(S, "exec-parts", 1),
      ]);
      assert.equal((await chunkSummary("exec-parts", 1))?.invalid, 2);
    });

    it("follows OUTPUT_PROCESSED, OUTPUT_BOM, OUTPUT_LOCALE and the prefixes, and writes one part set per chunk", async () => {
      Object.assign(process.env, {
        OUTPUT_PROCESSED: "false",
        OUTPUT_LOCALE: "en",
        REJECTED_PREFIX: "bad/",
        CHUNK_ROWS: "3",
      });
      await put("incoming/parts-settings.csv", FILE);
      const inputs = await chunkInputs("exec-settings", "incoming/parts-settings.csv");
      assert.equal(inputs.length, 2);

      for (const input of inputs) await processChunk(input);

      const settings = { ...S, processed: false, rejectedPrefix: "bad/" };
      assert.deepEqual(await keysUnder("processed/exec-settings/"), []);
      assert.deepEqual(await keysUnder("bad/exec-settings/"), [
        OUTCOME_KEYS.errorsPart(settings, "exec-settings", 1),
        OUTCOME_KEYS.errorsPart(settings, "exec-settings", 2),
        OUTCOME_KEYS.rowsPart(settings, "exec-settings", 1),
        OUTCOME_KEYS.rowsPart(settings, "exec-settings", 2),
      ]);
      assert.deepEqual(await bytesOf(OUTCOME_KEYS.rowsPart(settings, "exec-settings", 1)), Buffer.alloc(0));
      assert.deepEqual(await bytesOf(OUTCOME_KEYS.errorsPart(settings, "exec-settings", 1)), Buffer.alloc(0));
      assert.equal(
        (await bytesOf(OUTCOME_KEYS.rowsPart(settings, "exec-settings", 2)))?.toString("utf8"),
        `${BAD}\r\n${RAGGED}\r\n`,
      );
      assert.match(
        (await bytesOf(OUTCOME_KEYS.errorsPart(settings, "exec-settings", 2)))!.toString("utf8"),
        /^3,6,order_id,ValidationError,HIGH,"order_id must match \^ORD-\[0-9\]\{6\}\$ \(got ""ORD-3""\)"\r\n/,
      );
    });

    it("finishes its parts before it writes the chunk summary", async () => {
      await put("incoming/parts-order.csv", FILE);
      const [input] = await chunkInputs("exec-order", "incoming/parts-order.csv");
      process.env.RUNS_TABLE_NAME = "no-such-table";

      await assert.rejects(processChunk(input), (err: Error) => err.name === "ResourceNotFoundException");

      assert.deepEqual(
        await bytesOf(OUTCOME_KEYS.rowsPart(S, "exec-order", 1)),
        Buffer.from(`${BAD}\r\n${RAGGED}\r\n`),
      );
      assert.equal((await keysUnder("processed/exec-order/")).length, 1);
    });

    it("overwrites the parts of a retried chunk", async () => {
      process.env.OUTPUT_BOM = "false";
      await put("incoming/parts-retry.csv", FILE);
      const [input] = await chunkInputs("exec-retry", "incoming/parts-retry.csv");
      const key = OUTCOME_KEYS.processedPart(S, "exec-retry", 1);
      await put(key, "left by an earlier attempt\r\n");

      await processChunk(input);
      await processChunk(input);

      assert.equal((await bytesOf(key))?.toString("utf8"), `${HEADER}\r\n${GOOD}\r\n${QUOTED}\r\n`);
    });

    it("writes the header, no rows and the one error line when the object was replaced after the split", async () => {
      await put("incoming/parts-replaced.csv", FILE);
      const [input] = await chunkInputs("exec-replaced", "incoming/parts-replaced.csv");
      await put("incoming/parts-replaced.csv", `${FILE}${GOOD}\r\n`);

      const previousSink = setLogSink(() => undefined);
      const result = await processChunk(input).finally(() => setLogSink(previousSink));

      assert.deepEqual(result.byType, { SourceChangedError: 1 });
      assert.equal(
        (await bytesOf(OUTCOME_KEYS.processedPart(S, "exec-replaced", 1)))?.toString("utf8"),
        `\uFEFF${HEADER}\r\n`,
      );
      assert.deepEqual(await bytesOf(OUTCOME_KEYS.rowsPart(S, "exec-replaced", 1)), Buffer.alloc(0));
      assert.equal(
        (await bytesOf(OUTCOME_KEYS.errorsPart(S, "exec-replaced", 1)))?.toString("utf8"),
        ",2,,SourceChangedError,CRITICAL,処理中にファイルが置き換えられたため、このチャンクの2行目以降の行は読み込まれていません。アップロードが完了してから、もう一度アップロードしてください\r\n",
      );
    });

    it("writes a processed part over 5 MiB as a multipart upload that reads back identical", async function () {
      this.timeout(180_000);
      const expected = emptyExpected();
      const lines = [...generateOrderLines({ rows: 60_000, errorRate: 0, seed: 11 }, expected)];
      await put("incoming/parts-big.csv", lines.join(""));
      Object.assign(process.env, { CHUNK_ROWS: "1000000", CHUNK_BYTES: String(64 * 1024 * 1024) });
      const inputs = await chunkInputs("exec-parts-big", "incoming/parts-big.csv");
      assert.equal(inputs.length, 1);

      const result = await processChunk(inputs[0]);

      assert.deepEqual([result.rows, result.invalid], [60_000, 0]);
      const want = Buffer.from(`\uFEFF${lines.map((l) => `${l.slice(0, -1)}\r\n`).join("")}`, "utf8");
      assert.ok(want.length > 5 * 1024 * 1024, `${want.length} bytes`);
      const got = await bytesOf(OUTCOME_KEYS.processedPart(S, "exec-parts-big", 1));
      assert.equal(got?.length, want.length);
      assert.ok(got?.equals(want), "the processed part reads back byte for byte");
    });

    it("leaves no part object and no summary when the chunk fails, also in the middle of a multipart upload", async function () {
      this.timeout(180_000);
      const expected = emptyExpected();
      const lines = [...generateOrderLines({ rows: 60_000, errorRate: 0, seed: 12 }, expected)];
      await put("incoming/parts-fail.csv", `${lines.join("")}${BAD}\n`);
      Object.assign(process.env, { CHUNK_ROWS: "1000000", CHUNK_BYTES: String(64 * 1024 * 1024) });
      const inputs = await chunkInputs("exec-parts-fail", "incoming/parts-fail.csv");
      // The error records cannot be written: the chunk fails after its processed part passed 5 MiB.
      process.env.ERROR_TABLE_NAME = "no-such-table";
      const commands: string[] = [];
      const s3 = clients.s3();
      s3.middlewareStack.add(
        (next, context) => async (args) => {
          commands.push(String(context.commandName));
          return next(args);
        },
        { step: "initialize", name: "recordPartCommands" },
      );
      const previousSink = setLogSink(() => undefined);
      try {
        await assert.rejects(processChunk(inputs[0]), (err: Error) => err.name === "ResourceNotFoundException");
      } finally {
        setLogSink(previousSink);
        s3.middlewareStack.remove("recordPartCommands");
      }

      assert.ok(commands.includes("UploadPartCommand"), commands.join(", "));
      assert.ok(commands.includes("AbortMultipartUploadCommand"), commands.join(", "));
      assert.ok(!commands.includes("CompleteMultipartUploadCommand") && !commands.includes("PutObjectCommand"));

      assert.deepEqual(await keysUnder("processed/exec-parts-fail/"), []);
      assert.deepEqual(await keysUnder("rejected/exec-parts-fail/"), []);
      assert.equal(await chunkSummary("exec-parts-fail", 1), undefined);
    });
  });

  it("reads the Shift_JIS sample through S3 with its own schema", async () => {
    await put("_config/sjis.yaml", readFileSync(join(SAMPLES, "orders-sjis.schema.yaml")));
    process.env.SCHEMA_LOCATION = `s3://${svc.bucket}/_config/sjis.yaml`;
    try {
      await put("incoming/sjis.csv", readFileSync(join(SAMPLES, "orders-sjis.csv")));
      const { split, results } = await runFile("exec-sjis", "incoming/sjis.csv");
      assert.equal(split.encoding, "shift_jis");
      assert.equal(split.header[0], "注文番号");
      assert.deepEqual([results[0].rows, results[0].invalid, results[0].byType.EncodingError], [40, 5, 1]);
    } finally {
      process.env.SCHEMA_LOCATION = `s3://${svc.bucket}/_config/schema.yaml`;
    }
  });

  it("finds an object whose key the S3 event URL-encoded, and hands the real key on", async () => {
    const real = "incoming/注文 データ+1.csv";
    await put(real, readFileSync(join(SAMPLES, "orders.csv")));
    const encoded = encodeURIComponent(real).replace(/%2F/g, "/").replace(/%20/g, "+");
    assert.notEqual(encoded, real);

    const split = await splitCsv({ bucket: svc.bucket, key: encoded, executionName: "exec-encoded", startTime: START });

    assert.equal(split.status, "OK");
    assert.equal(split.key, real);
    assert.ok(split.chunkCount > 0);
    const file = await clients.doc().send(
      new GetCommand({
        TableName: svc.runsTable,
        Key: { pk: RUN_KEYS.execution("exec-encoded"), sk: RUN_KEYS.file },
      }),
    );
    assert.equal(file.Item?.key, real);
    assert.equal(decodeEventKey("incoming/100%.csv"), "incoming/100%.csv", "not percent-encoding: unchanged");
  });

  it("reports a missing object and a bad schema as InputError naming them", async () => {
    await assert.rejects(
      splitCsv({ bucket: svc.bucket, key: "incoming/nope.csv", executionName: "e", startTime: START }),
      (err: Error) => err.name === "InputError" && err.message.includes("incoming/nope.csv"),
    );
    await put("_config/bad.yaml", "columns:\n  - { name: a, type: text }\n");
    process.env.SCHEMA_LOCATION = `s3://${svc.bucket}/_config/bad.yaml`;
    try {
      await assert.rejects(
        splitCsv({ bucket: svc.bucket, key: "incoming/orders.csv", executionName: "e", startTime: START }),
        (err: Error) =>
          err.name === "InputError" &&
          err.message.includes("_config/bad.yaml") &&
          err.message.includes("columns[0].type"),
      );
    } finally {
      process.env.SCHEMA_LOCATION = `s3://${svc.bucket}/_config/schema.yaml`;
    }
  });
});
