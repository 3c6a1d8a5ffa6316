import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AttributeValue, BatchWriteItemCommand, WriteRequest } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { clients } from "../functions/adapters/clients";
import { ErrorWriter } from "../functions/adapters/error-store";
import { dynamoRunStore } from "../functions/adapters/run-store";
import { handler as aggregateResults } from "../functions/aggregate-results";
import {
  type ChunkResult,
  type ChunkSummaryItem,
  DEFAULT_OUTCOME_SETTINGS,
  ERROR_TABLE,
  type ErrorRecord,
  type FileSummaryItem,
  NOTIFICATION_CHANNELS,
  type NotificationChannel,
  RUN_KEYS,
} from "../functions/contract";
import { processChunkStream } from "../functions/core/csv/chunk";
import { parseSchema } from "../functions/core/csv/schema";
import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_ROWS } from "../functions/core/csv/settings";
import { splitCsv } from "../functions/core/csv/split";
import type { Logger } from "../functions/core/log";
import { runCheck } from "../functions/core/notify/check";
import { parseNotifyPolicy } from "../functions/core/notify/policy";
import { ChunkParts, chunkPartKeys } from "../functions/core/outcomes/chunk-parts";
import { outputLocale } from "../functions/core/outcomes/settings";
import { renderTable } from "../local/report/table";
import { startLocalServices } from "../local/services/services";
import { FUNCTION_SPECS, type FunctionKey } from "../blueprint/function-specs";
import { buildPipeline, PLACEHOLDER_RESOURCES } from "../workflow/pipeline";
import type { AslDefinition, StateJson } from "../workflow/types";
import { costOf, PRICES, PRICES_LOOKED_UP, type PriceKey } from "./lib/aws-prices";
import { countDynamo } from "./lib/dynamo-count";
import { generatedFile, inPieces } from "./lib/generated";
import { indexEntryBytes, itemBytes, readUnits, toItem, writeUnits } from "./lib/item-size";
import { ROOT, timed } from "./lib/measure";
import { type BenchRow, row } from "./lib/rows";
import { BENCH_NOW } from "./p1-probe-clock";

/** Sizes of a P6 run. */
export interface P6Options {
  /** Rows of the file whose error records are sized (part 1). */
  sizeRows: number;
  /** Rows of the file whose AWS cost is estimated (part 2). */
  costRows: number;
}

export const P6_FULL: P6Options = { sizeRows: 100_000, costRows: 1_000_000 };
export const P6_QUICK: P6Options = { sizeRows: 10_000, costRows: 50_000 };

const SCHEMA_PATH = join(ROOT, "samples", "orders.schema.yaml");
/** An execution name as EventBridge's StartExecution gives one (a UUID, 36 characters). */
const EXECUTION_NAME = "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c";
const START_TIME = "2025-06-03T02:00:00.000Z";
/** TTL as the handlers set it (30 days after the run): a 10-digit epoch. */
const EXPIRES_AT = Math.floor(Date.parse(START_TIME) / 1000) + 30 * 86400;
const KB = 1024;
/** DynamoDB's page limit of a Query. */
const PAGE_BYTES = 1024 * 1024;
/** The pattern a stack gets when it does not set one (blueprint/config/settings.ts). */
const PATTERN = "sequential";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Sizes of one error record as written: in the table and in the `ExecutionName-index` GSI. */
interface RecordSize {
  table: number;
  gsi: number;
}

function sizeOf(item: Record<string, AttributeValue>): RecordSize {
  const gsi = indexEntryBytes(item, ERROR_TABLE, ERROR_TABLE.executionIndex);
  if (gsi === null) throw new Error(`an error record lacks the keys of ${ERROR_TABLE.executionIndex.name}`);
  return { table: itemBytes(item), gsi };
}

/**
 * A BatchWriteItem sender that answers at once and keeps what it was sent (attribute-value items, exactly as the
 * real client would send them), so the records can be sized after the timed part.
 */
function keepingSender() {
  const state = { calls: 0, items: [] as Record<string, AttributeValue>[] };
  return {
    state,
    client: {
      send: async (command: BatchWriteItemCommand) => {
        state.calls++;
        for (const list of Object.values(command.input.RequestItems ?? {})) {
          for (const w of list as WriteRequest[]) if (w.PutRequest?.Item) state.items.push(w.PutRequest.Item);
        }
        return { $metadata: {} };
      },
    },
  };
}

/** One chunk processed as process-chunk does it (records built, validated and batched), timed. */
interface ChunkRun {
  result: ChunkResult;
  ms: number;
  batchCalls: number;
  sizes: RecordSize[];
  /** The first HIGH/CRITICAL records (examples for the check's index query). */
  examples: ErrorRecord[];
  /** The chunk's rejected-rows and error-lines parts as it wrote them (the aggregation reads these two). */
  parts: { key: string; text: string }[];
}

async function processChunk(
  bytes: Buffer,
  chunk: { id: number; start: number; end: number; firstLine: number },
  header: string[],
  schema: ReturnType<typeof parseSchema>,
): Promise<ChunkRun> {
  const sender = keepingSender();
  const examples: ErrorRecord[] = [];
  const writer = new ErrorWriter(ERROR_TABLE.defaultName, { client: sender.client });
  const job = {
    executionName: EXECUTION_NAME,
    startTime: START_TIME,
    chunk,
    header,
    encoding: "utf-8" as const,
    schema,
    expiresAt: EXPIRES_AT,
  };
  // Row outcomes as the handler builds them (default settings); the upload is S3's work and is not timed here. The
  // processed part is only counted; the two parts the aggregation reads are kept for it.
  const read = chunkPartKeys(DEFAULT_OUTCOME_SETTINGS, EXECUTION_NAME, chunk.id);
  const kept = new Map<string, string[]>();
  const parts = new ChunkParts({
    settings: DEFAULT_OUTCOME_SETTINGS,
    executionName: EXECUTION_NAME,
    chunkId: chunk.id,
    header,
    open: (key) => {
      const pieces: string[] | undefined = key === read.rows || key === read.errors ? [] : undefined;
      if (pieces !== undefined) kept.set(key, pieces);
      return {
        write: (text: string) => {
          pieces?.push(text);
          return undefined;
        },
        end: async () => undefined,
        abort: async () => undefined,
      };
    },
  });
  const run = await timed(async () => {
    const result = await processChunkStream(
      inPieces(bytes.subarray(chunk.start, chunk.end)),
      job,
      (r) => {
        if (examples.length < 25 && (r.severity === "HIGH" || r.severity === "CRITICAL")) examples.push(r);
        return writer.add(r);
      },
      { outcomes: { sink: parts.sink, locale: outputLocale({}) } },
    );
    await writer.flush();
    await parts.end();
    return result;
  });
  return {
    result: run.value,
    ms: run.ms,
    batchCalls: sender.state.calls,
    sizes: sender.state.items.map(sizeOf),
    examples,
    parts: [...kept].map(([key, pieces]) => ({ key, text: pieces.join("") })),
  };
}

/** States entered by one execution along its normal path (Choice → Default), a Distributed Map's body once per item. */
export function stateTransitions(def: Pick<AslDefinition, "StartAt" | "States">, mapItems: number): number {
  let count = 0;
  let name: string | undefined = def.StartAt;
  const seen = new Set<string>();
  while (name !== undefined) {
    if (seen.has(name)) throw new Error(`state ${name} is entered twice on the normal path`);
    seen.add(name);
    const state: StateJson = def.States[name];
    count++;
    if (state.Type === "Map") {
      const body = (state.ItemProcessor ?? state.Iterator) as unknown as AslDefinition;
      count += mapItems * stateTransitions(body, mapItems);
    } else if (state.Type === "Parallel") {
      for (const branch of state.Branches as unknown as AslDefinition[]) count += stateTransitions(branch, mapItems);
    }
    if (state.End === true || state.Type === "Succeed" || state.Type === "Fail") break;
    name = (state.Type === "Choice" ? state.Default : state.Next) as string | undefined;
  }
  return count;
}

/** Read units of reading `sizes` through Query pages of at most 1 MB (each page rounded up to 4 KB). */
function pagedReadUnits(sizes: readonly number[], consistent: boolean): { pages: number; units: number } {
  let pages = 0;
  let units = 0;
  let page = 0;
  for (const s of sizes) {
    if (page > 0 && page + s > PAGE_BYTES) {
      pages++;
      units += readUnits(page, consistent);
      page = 0;
    }
    page += s;
  }
  if (page > 0 || pages === 0) {
    pages++;
    units += readUnits(page, consistent);
  }
  return { pages, units };
}

/** Requests and durations of one run, by what is billed. */
interface RunUsage {
  lambdaRequests: number;
  lambdaGbSeconds: number;
  sfnTransitions: number;
  dynamoWru: number;
  dynamoRru: number;
  dynamoRequests: Record<string, number>;
  s3Get: number;
  s3Put: number;
  putMetricData: number;
  snsPublish: number;
  sesEmail: number;
}

const PRICED: { key: PriceKey; usage: keyof RunUsage }[] = [
  { key: "lambdaRequest", usage: "lambdaRequests" },
  { key: "lambdaArmGbSecond", usage: "lambdaGbSeconds" },
  { key: "sfnTransition", usage: "sfnTransitions" },
  { key: "dynamoWru", usage: "dynamoWru" },
  { key: "dynamoRru", usage: "dynamoRru" },
  { key: "s3Get", usage: "s3Get" },
  { key: "s3Put", usage: "s3Put" },
  { key: "putMetricData", usage: "putMetricData" },
  { key: "snsPublish", usage: "snsPublish" },
  { key: "sesEmail", usage: "sesEmail" },
];

function totalUsd(u: RunUsage): number {
  return PRICED.reduce((sum, p) => sum + (costOf(p.key, u[p.usage] as number) ?? 0), 0);
}

const usd = (n: number | null) => (n === null ? "n/a (price not found)" : `$${n.toFixed(6)}`);
const qty = (n: number) =>
  Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 });

/** The breakdown table, ours beside the original design's approach. */
export function costTable(ours: RunUsage, original: RunUsage): string {
  const body = PRICED.map((p) => {
    const price = PRICES[p.key];
    const o = ours[p.usage] as number;
    const g = original[p.usage] as number;
    return [
      price.item,
      price.usd === null ? "not found" : `$${price.usd} / ${price.per.toLocaleString("en-US")} ${price.unit}`,
      price.region,
      qty(o),
      usd(costOf(p.key, o)),
      qty(g),
      usd(costOf(p.key, g)),
    ];
  });
  body.push(["total (priced items)", "", "", "", usd(totalUsd(ours)), "", usd(totalUsd(original))]);
  return renderTable(
    ["billed item", "price", "region of the price", "ours", "ours USD", "original", "original USD"],
    body,
    {
      style: "markdown",
      alignRight: [false, false, false, true, true, true, true],
    },
  ).join("\n");
}

/**
 * P6: (1) DynamoDB item size and write units of the error records of a generated file with 10 % bad rows, by
 * DynamoDB's size rules, in the table and in `ExecutionName-index`; (2) the AWS cost of a run of `costRows` rows,
 * from this suite's own counts (chunks processed in process, the check on local DynamoDB), against the original
 * design's approach (one PutItem per error, every error read back through the GSI by the check).
 */
export async function runP6(opts: P6Options): Promise<BenchRow[]> {
  const schema = parseSchema(readFileSync(SCHEMA_PATH, "utf8"), SCHEMA_PATH);

  // Part 1: sizes of the records of one chunk-sized pass over `sizeRows` rows.
  const small = generatedFile(opts.sizeRows);
  const sized = await processChunk(
    small.bytes,
    { id: 1, start: small.headerBytes, end: small.bytes.length, firstLine: 2 },
    small.header,
    schema,
  );
  const n = sized.sizes.length;
  if (n === 0) throw new Error(`P6: ${opts.sizeRows} generated rows gave no error records`);
  const avg = (f: (s: RecordSize) => number) => sized.sizes.reduce((a, s) => a + f(s), 0) / n;
  const max = (f: (s: RecordSize) => number) => sized.sizes.reduce((a, s) => Math.max(a, f(s)), 0);
  const wru = (s: RecordSize) => writeUnits(s.table) + writeUnits(s.gsi);

  // Part 2: the cost of a run of `costRows` rows.
  const file = generatedFile(opts.costRows);
  const split = await timed(() =>
    splitCsv(inPieces(file.bytes), {
      totalBytes: file.bytes.length,
      schema,
      chunkRows: DEFAULT_CHUNK_ROWS,
      chunkBytes: DEFAULT_CHUNK_BYTES,
    }),
  );
  if (split.value.status !== "OK") throw new Error(`P6: the split ${split.value.status}: ${split.value.message}`);
  const chunks = split.value.chunks;
  const runs: ChunkRun[] = [];
  for (const chunk of chunks) runs.push(await processChunk(file.bytes, chunk, file.header, schema));
  const sizes = runs.flatMap((r) => r.sizes);
  const errors = sizes.length;
  const rows = runs.reduce((a, r) => a + r.result.rows, 0);
  if (rows !== opts.costRows) throw new Error(`P6 counted ${rows} rows; the file has ${opts.costRows}`);

  const summaries: ChunkSummaryItem[] = runs.map((r) => ({
    ...r.result,
    pk: RUN_KEYS.execution(EXECUTION_NAME),
    sk: RUN_KEYS.chunk(r.result.chunkId),
    executionName: EXECUTION_NAME,
    errors: Object.values(r.result.bySeverity).reduce((a, b) => a + b, 0),
    updatedAt: BENCH_NOW.toISOString(),
    expiresAt: EXPIRES_AT,
  }));
  const fileSummary: FileSummaryItem = {
    pk: RUN_KEYS.execution(EXECUTION_NAME),
    sk: RUN_KEYS.file,
    executionName: EXECUTION_NAME,
    bucket: "csv-pipeline-input-123456789012",
    key: "incoming/orders-1m.csv",
    status: "OK",
    encoding: "utf-8",
    chunkCount: chunks.length,
    byType: {},
    bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
    errors: 0,
    updatedAt: BENCH_NOW.toISOString(),
    expiresAt: EXPIRES_AT,
  };
  const summaryBytes = summaries.map((s) => itemBytes(toItem(s as unknown as Record<string, unknown>)));

  // The check, on local DynamoDB holding the run's summaries and some example records: requests counted, timed.
  const svc = await startLocalServices();
  const saved = { ...process.env };
  let check: {
    ms: number;
    byCommand: Record<string, number>;
    sent: Record<NotificationChannel, number>;
    metrics: number;
  };
  let aggregate: { ms: number };
  try {
    Object.assign(process.env, svc.env);
    clients.reset();
    const doc = clients.doc();
    for (const item of [...summaries, fileSummary]) {
      await doc.send(new PutCommand({ TableName: svc.runsTable, Item: item }));
    }
    const seedWriter = new ErrorWriter(svc.errorTable);
    for (const r of runs[0]?.examples ?? []) await seedWriter.add(r);
    await seedWriter.flush();
    const counter = countDynamo(clients.dynamo());
    counter.reset();
    const sent = Object.fromEntries(NOTIFICATION_CHANNELS.map((c) => [c, 0])) as Record<NotificationChannel, number>;
    let metrics = 0;
    const run = await timed(() =>
      runCheck(
        {
          executionName: EXECUTION_NAME,
          startTime: START_TIME,
          bucket: fileSummary.bucket,
          key: fileSummary.key,
          chunkCount: chunks.length,
          splitStatus: "OK",
          failure: null,
        },
        { pipelineName: "csv-pipeline", policy: parseNotifyPolicy({}), consoleRegion: "ap-northeast-1" },
        {
          now: () => BENCH_NOW,
          store: dynamoRunStore({ runsTable: svc.runsTable, errorTable: svc.errorTable }),
          send: async (message) => {
            sent[message.channel]++;
            return { attempts: 1 };
          },
          putMetrics: async () => {
            metrics++;
          },
          log: silent,
        },
      ),
    );
    if (run.value.errorCount !== errors) {
      throw new Error(`P6: the check counted ${run.value.errorCount} errors; the chunks wrote ${errors}`);
    }
    check = { ms: run.ms, byCommand: { ...counter.counts.byCommand }, sent, metrics };

    // The aggregation, as the handler runs it: the chunks' rows and errors parts in S3, composed into rows.csv and
    // errors.csv with the manifest; timed on local S3.
    for (const part of runs.flatMap((r) => r.parts)) {
      await clients.s3().send(new PutObjectCommand({ Bucket: svc.bucket, Key: part.key, Body: part.text }));
    }
    const aggregated = await timed(() =>
      aggregateResults({
        executionName: EXECUTION_NAME,
        startTime: START_TIME,
        bucket: svc.bucket,
        key: fileSummary.key,
        chunkCount: chunks.length,
        header: file.header,
        splitStatus: "OK",
      }),
    );
    const invalid = runs.reduce((a, r) => a + r.result.invalid, 0);
    if (aggregated.value.invalid !== invalid || aggregated.value.failedChunks !== 0) {
      throw new Error(
        `P6: the aggregation counted ${aggregated.value.invalid} rejected rows and ${aggregated.value.failedChunks} missing chunks; the chunks rejected ${invalid}`,
      );
    }
    aggregate = { ms: aggregated.ms };
  } finally {
    process.env = saved;
    clients.reset();
    await svc.stop();
  }

  // Lambda: one split, one invocation per chunk, the aggregation (row outcome files and manifest) and one check.
  const gbSeconds = (key: FunctionKey, ms: number) => (Math.ceil(ms) / 1000) * (FUNCTION_SPECS[key].memorySize / 1024);
  const lambdaGbSeconds =
    gbSeconds("splitCsv", split.ms) +
    runs.reduce((a, r) => a + gbSeconds("processChunk", r.ms), 0) +
    gbSeconds("aggregateResults", aggregate.ms) +
    gbSeconds("checkErrors", check.ms);
  const lambdaRequests = 1 + chunks.length + 1 + 1;
  const definition = buildPipeline({ pattern: PATTERN, resources: PLACEHOLDER_RESOURCES }).render();
  const sfnTransitions = stateTransitions(definition, chunks.length);

  const recordWru = sizes.reduce((a, s) => a + wru(s), 0);
  const gsiSizes = sizes.map((s) => s.gsi);
  // The check's reads: the run's summaries (one consistent Query), five examples from the index (eventual), and
  // small consistent GetItem/Query reads of the ledger (1 unit each); its writes are small items (1 unit each).
  const checkQueries = check.byCommand.QueryCommand ?? 0;
  const checkGets = check.byCommand.GetItemCommand ?? 0;
  const checkWrites = ["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand", "BatchWriteItemCommand"].reduce(
    (a, c) => a + (check.byCommand[c] ?? 0),
    0,
  );
  const summaryRead = pagedReadUnits(summaryBytes, true);
  const exampleRead = readUnits(
    gsiSizes.slice(0, 5).reduce((a, b) => a + b, 0),
    false,
  );
  const oursRru = summaryRead.units + exampleRead + Math.max(0, checkQueries - summaryRead.pages - 1) + checkGets;
  const oursWru =
    recordWru +
    summaryBytes.reduce((a, b) => a + writeUnits(b), 0) +
    2 /* upload claim and file summary */ +
    checkWrites;
  const batchCalls = runs.reduce((a, r) => a + r.batchCalls, 0);
  const messages = { snsPublish: check.sent.sns, sesEmail: check.sent.email };
  const ours: RunUsage = {
    lambdaRequests,
    lambdaGbSeconds,
    sfnTransitions,
    dynamoWru: oursWru,
    dynamoRru: oursRru,
    dynamoRequests: {
      BatchWriteItem: batchCalls,
      PutItem: chunks.length + 2,
      ...Object.fromEntries(Object.entries(check.byCommand).map(([k, v]) => [`check ${k.replace(/Command$/, "")}`, v])),
    },
    // split: the schema and the object; each chunk: the schema (once per cold container: counted every time) and
    // its byte range.
    // aggregation: each chunk's rows and errors parts.
    s3Get: 2 + 2 * chunks.length + 2 * chunks.length,
    // Row outcomes: three parts per chunk (processed, rejected rows, error lines); rows.csv, errors.csv and the
    // manifest (a file over 5 MiB is a multipart upload: a few requests more, not counted).
    s3Put: 3 * chunks.length + 3,
    putMetricData: check.metrics,
    ...messages,
  };
  const allPages = pagedReadUnits(gsiSizes, false);
  const original: RunUsage = {
    ...ours,
    dynamoWru: recordWru,
    dynamoRru: allPages.units,
    dynamoRequests: { PutItem: errors, "Query (index pages)": allPages.pages },
  };

  const costRowsLabel = opts.costRows.toLocaleString("en-US");
  process.stdout.write(
    [
      "",
      `P6 estimated AWS cost of one run: ${costRowsLabel} rows (10 % bad), ${errors.toLocaleString("en-US")} error records, ${chunks.length} chunks, pattern ${PATTERN}`,
      `prices looked up ${PRICES_LOOKED_UP} (bench/lib/aws-prices.ts); "original" = one PutItem per error and every error read back through ${ERROR_TABLE.executionIndex.name}`,
      "",
      costTable(ours, original),
      "",
      `DynamoDB requests, ours: ${JSON.stringify(ours.dynamoRequests)}; original: ${JSON.stringify(original.dynamoRequests)}`,
      `Lambda ms (measured here): split ${split.ms.toFixed(0)}, chunks ${runs.reduce((a, r) => a + r.ms, 0).toFixed(0)} in all (in process, row outcomes built but not uploaded), aggregation ${aggregate.ms.toFixed(0)} (on local S3), check ${check.ms.toFixed(0)} (on local DynamoDB)`,
      "",
    ].join("\n"),
  );

  const sizeLabel = `${n.toLocaleString("en-US")} error records of ${opts.sizeRows.toLocaleString("en-US")} rows`;
  const kbGoal = { kind: "ours-max", max: KB, text: "≤ 1 KB (1 WRU)" } as const;
  return [
    row(
      "P6.item.table.avg",
      `average table item bytes, ${sizeLabel}, vs 1 KB`,
      avg((s) => s.table),
      KB,
      kbGoal,
    ),
    row(
      "P6.item.table.max",
      `largest table item bytes, ${sizeLabel}, vs 1 KB`,
      max((s) => s.table),
      KB,
      kbGoal,
    ),
    row(
      "P6.item.gsi.avg",
      `average ${ERROR_TABLE.executionIndex.name} entry bytes (projection ${ERROR_TABLE.executionIndex.projection} + keys + 100), vs 1 KB`,
      avg((s) => s.gsi),
      KB,
      kbGoal,
    ),
    row(
      "P6.item.gsi.max",
      `largest ${ERROR_TABLE.executionIndex.name} entry bytes, vs 1 KB`,
      max((s) => s.gsi),
      KB,
      kbGoal,
    ),
    row("P6.wru.per-record", "WRUs per error record (table + GSI), average, vs 1 + 1", avg(wru), 2, {
      kind: "ours-max",
      max: 2,
      text: "≤ 2 (1 WRU each)",
    }),
    row("P6.wru.per-record.max", "WRUs per error record (table + GSI), largest record, vs 1 + 1", max(wru), 2, {
      kind: "ours-max",
      max: 2,
      text: "≤ 2 (1 WRU each)",
    }),
    row(
      "P6.cost.ours",
      `US cents per run of ${costRowsLabel} rows (10 % bad) on AWS, ours vs the original design`,
      totalUsd(ours) * 100,
      totalUsd(original) * 100,
      { kind: "ratio-min", min: 0, text: "report only" },
    ),
    row(
      "P6.cost.original",
      `US cents per run of ${costRowsLabel} rows (10 % bad), the original design (PutItem per error, GSI read-back) vs ours`,
      totalUsd(original) * 100,
      totalUsd(ours) * 100,
      { kind: "ratio-min", min: 0, text: "report only" },
    ),
  ];
}
