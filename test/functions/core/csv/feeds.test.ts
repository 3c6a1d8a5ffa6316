import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { clients } from "../../../../functions/adapters/clients";
import { resetRowSchemaCache } from "../../../../functions/adapters/schema-source";
import { handler as aggregate } from "../../../../functions/aggregate-results";
import {
  DEFAULT_OUTCOME_SETTINGS,
  OUTCOME_KEYS,
  RUN_KEYS,
  type RunManifest,
  type SplitResult,
} from "../../../../functions/contract";
import { setLogSink } from "../../../../functions/core/log";
import { handler as processChunk } from "../../../../functions/process-chunk";
import { handler as splitCsv } from "../../../../functions/split-csv";
import { type LocalServices, startLocalServices } from "../../../../local/services/services";
import { readRecords, readRunItems, SAMPLES } from "../../../support/csv-fixtures";
import { restoreEnv } from "../../../support/env";

const START = "2024-05-01T00:00:00.000Z";
const BOM = "\uFEFF";

/** A second feed's schema: nothing in common with the orders schema. */
const STOCK_SCHEMA = {
  header: "required",
  columns: [
    { name: "sku", type: "string", required: true, pattern: "^SKU-[0-9]{4}$", severity: "HIGH" },
    { name: "qty", type: "integer", min: 0 },
  ],
};

const STOCK_CSV = "sku,qty\nSKU-0001,5\nBAD-1,3\nSKU-0002,-1\n";
const ORDERS_CSV = [
  "order_id,email,amount,quantity,status,ordered_at,updated_at,note",
  "ORD-000001,a@example.jp,100,1,NEW,2024-05-01,2024-05-01T10:00:00+09:00,ok",
  "ORD-2,b@example.jp,100,1,NEW,2024-05-01,2024-05-01T10:00:00+09:00,bad id",
  "",
].join("\n");

describe("CSV handlers with two feeds (FEEDS) on local DynamoDB and S3", function () {
  this.timeout(60_000);
  let svc: LocalServices;
  const saved = { ...process.env };
  const logs: Record<string, unknown>[] = [];
  let restoreSink: (line: string) => void;

  before(async () => {
    svc = await startLocalServices();
    Object.assign(process.env, svc.env);
    clients.reset();
    resetRowSchemaCache();
    await put("_config/schema.json", readFileSync(join(SAMPLES, "orders.schema.yaml")));
    await put("_config/feeds/stock/schema.json", JSON.stringify(STOCK_SCHEMA));
    // As a deploy sets them: the function's own variables hold the first feed's values; FEEDS lists each feed with
    // only what differs from them.
    process.env.SCHEMA_LOCATION = `s3://${svc.bucket}/_config/schema.json`;
    process.env.OUTPUT_LOCALE = "ja";
    process.env.FEEDS = JSON.stringify([
      { name: "orders", prefix: "incoming/orders/" },
      {
        name: "stock",
        prefix: "incoming/stock/",
        schema: `s3://${svc.bucket}/_config/feeds/stock/schema.json`,
        locale: "en",
      },
    ]);
    restoreSink = setLogSink((line) => logs.push(JSON.parse(line)));
  });
  after(async () => {
    setLogSink(restoreSink);
    restoreEnv(saved);
    clients.reset();
    resetRowSchemaCache();
    await svc.stop();
  });
  beforeEach(() => {
    logs.length = 0;
  });

  async function put(key: string, body: Buffer | string) {
    await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: body }));
  }

  async function text(key: string): Promise<string> {
    const res = await svc.s3.send(new GetObjectCommand({ Bucket: svc.bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray()).toString("utf8");
  }

  const recordsOf = (executionName: string) => readRecords(svc.errorTable, executionName);

  const runItems = (executionName: string) => readRunItems(svc.runsTable, executionName);

  /** Split, every chunk, aggregation: what the state machine runs for one upload. */
  async function runFile(executionName: string, key: string) {
    const split = await splitCsv({ bucket: svc.bucket, key, executionName, startTime: START });
    const results = [];
    for (const chunk of split.chunks) {
      results.push(
        await processChunk({
          executionName,
          startTime: START,
          bucket: svc.bucket,
          key: split.key,
          encoding: split.encoding,
          header: split.header,
          chunk,
          etag: split.etag,
          versionId: split.versionId,
        }),
      );
    }
    const agg = await aggregate({
      executionName,
      startTime: START,
      bucket: svc.bucket,
      key: split.key,
      chunkCount: split.chunkCount,
      header: split.header,
      splitStatus: split.status,
      chunkResults: results,
    });
    const manifest = JSON.parse(await text(agg.resultKey)) as RunManifest;
    return { split, results, agg, manifest };
  }

  it("reads a stock upload with the stock schema and writes its errors.csv in the stock feed's English", async () => {
    await put("incoming/stock/2024-05-01.csv", STOCK_CSV);

    const { split, results, manifest } = await runFile("exec-stock", "incoming/stock/2024-05-01.csv");

    assert.equal(split.status, "OK", "the orders schema would reject the file: its required columns are missing");
    assert.equal(split.feed, "stock");
    assert.deepEqual(split.header, ["sku", "qty"]);
    assert.deepEqual(
      results.map((r) => [r.rows, r.valid, r.invalid]),
      [[3, 1, 2]],
    );
    const records = await recordsOf("exec-stock");
    assert.equal(records.length, 2);
    assert.deepEqual(
      records.map((r) => r.feed),
      ["stock", "stock"],
    );
    const items = await runItems("exec-stock");
    assert.deepEqual(
      items
        .filter((i) => i.sk === RUN_KEYS.file || String(i.sk).startsWith(RUN_KEYS.chunkPrefix))
        .map((i) => [i.sk, i.feed]),
      [
        [RUN_KEYS.chunk(1), "stock"],
        [RUN_KEYS.file, "stock"],
      ],
    );
    assert.equal(manifest.feed, "stock");
    assert.equal(
      await text(OUTCOME_KEYS.rejectedErrors(DEFAULT_OUTCOME_SETTINGS, "exec-stock")),
      `${BOM}row,line,column,errorType,severity,message\r\n` +
        '2,3,sku,ValidationError,HIGH,"sku must match ^SKU-[0-9]{4}$ (got ""BAD-1"")"\r\n' +
        '3,4,qty,ValidationError,MEDIUM,"qty must be at least 0 (got ""-1"")"\r\n',
    );
    assert.equal(logs.find((l) => l.message === "row outcomes composed")?.feed, "stock");
  });

  it("reads an orders upload with the orders schema (the function's own) and writes its errors.csv in Japanese", async () => {
    await put("incoming/orders/2024-05-01.csv", ORDERS_CSV);

    const { split, results, manifest } = await runFile("exec-orders", "incoming/orders/2024-05-01.csv");

    assert.equal(split.status, "OK");
    assert.equal(split.feed, "orders");
    assert.deepEqual(
      results.map((r) => [r.rows, r.valid, r.invalid]),
      [[2, 1, 1]],
    );
    assert.deepEqual(
      (await recordsOf("exec-orders")).map((r) => [r.feed, r.column]),
      [["orders", "order_id"]],
    );
    assert.equal(manifest.feed, "orders");
    assert.equal(
      await text(OUTCOME_KEYS.rejectedErrors(DEFAULT_OUTCOME_SETTINGS, "exec-orders")),
      `${BOM}row,line,column,errorType,severity,message\r\n` +
        '2,3,order_id,ValidationError,HIGH,"order_id は ^ORD-[0-9]{6}$ に一致する必要があります(値: ""ORD-2"")"\r\n',
    );
  });

  it("reads the schema of the feed the key is under: a stock file under the orders prefix is rejected", async () => {
    await put("incoming/orders/stock-by-mistake.csv", STOCK_CSV);

    const split: SplitResult = await splitCsv({
      bucket: svc.bucket,
      key: "incoming/orders/stock-by-mistake.csv",
      executionName: "exec-mistake",
      startTime: START,
    });

    assert.equal(split.feed, "orders");
    assert.equal(split.status, "REJECTED");
    assert.ok(
      (await recordsOf("exec-mistake")).every((r) => r.feed === "orders" && r.processingStage === "split"),
      "the header problems carry the feed",
    );
  });

  it("fails a key under no feed's prefix before anything is claimed or written, naming every feed's prefix", async () => {
    await put("incoming/other/x.csv", STOCK_CSV);
    const before = await clients.doc().send(new ScanCommand({ TableName: svc.runsTable, ConsistentRead: true }));

    await assert.rejects(
      splitCsv({ bucket: svc.bucket, key: "incoming/other/x.csv", executionName: "exec-nofeed", startTime: START }),
      {
        name: "InputError",
        message: `s3://${svc.bucket}/incoming/other/x.csv is under no feed's prefix (orders: incoming/orders/, stock: incoming/stock/); upload it under the prefix of the feed it belongs to.`,
      },
    );

    const after = await clients.doc().send(new ScanCommand({ TableName: svc.runsTable, ConsistentRead: true }));
    assert.equal(after.Count, before.Count, "no claim, no file summary");
    assert.deepEqual(await recordsOf("exec-nofeed"), []);
    // The aggregation still runs after a caught split failure: it names the feed as unknown.
    const agg = await aggregate({
      executionName: "exec-nofeed",
      startTime: START,
      bucket: svc.bucket,
      key: "incoming/other/x.csv",
      chunkCount: 0,
      header: [],
      splitStatus: "NOT_RUN",
      chunkResults: [],
    });
    const manifest = JSON.parse(await text(agg.resultKey)) as RunManifest;
    assert.equal(manifest.feed, "(unknown)");
    assert.equal(manifest.status, "PARTIAL");
  });
});
