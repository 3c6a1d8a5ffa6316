import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FUNCTION_SPECS, type FunctionKey } from "../blueprint/function-specs";
import { type ChunkSummaryItem, ERROR_TABLE, type FileSummaryItem, RUN_KEYS } from "../functions/contract";
import { parseSchema } from "../functions/core/csv/schema";
import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_ROWS } from "../functions/core/csv/settings";
import { splitCsv } from "../functions/core/csv/split";
import { buildPipeline, PLACEHOLDER_RESOURCES } from "../workflow/pipeline";
import { PRICES_LOOKED_UP } from "./lib/aws-prices";
import { generatedFile, inPieces } from "./lib/generated";
import { itemBytes, readUnits, toItem, writeUnits } from "./lib/item-size";
import { ROOT, timed } from "./lib/measure";
import { type BenchRow, row } from "./lib/rows";
import { BENCH_NOW } from "./p1-probe-clock";
import { measureCheckAndAggregation } from "./p6/check-run";
import { type ChunkRun, EXECUTION_NAME, EXPIRES_AT, processChunk, type RecordSize } from "./p6/chunk-records";
import { costTable, pagedReadUnits, type RunUsage, stateTransitions, totalUsd } from "./p6/run-usage";

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
const KB = 1024;
/** The pattern a stack gets when it does not set one (blueprint/config/settings.ts). */
const PATTERN = "sequential";

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

  const { check, aggregate } = await measureCheckAndAggregation({
    runs,
    summaries,
    fileSummary,
    chunkCount: chunks.length,
    header: file.header,
    errors,
  });

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
