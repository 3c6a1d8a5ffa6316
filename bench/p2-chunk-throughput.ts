import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { parse } from "csv-parse";
import { clients } from "../functions/adapters/clients";
import { ErrorWriter } from "../functions/adapters/error-store";
import { resetRowSchemaCache } from "../functions/adapters/schema-source";
import { DEFAULT_OUTCOME_SETTINGS, ENV, type ProcessChunkInput } from "../functions/contract";
import { processChunkStream } from "../functions/core/csv/chunk";
import { ChunkParts } from "../functions/core/outcomes/chunk-parts";
import { handler as processChunk } from "../functions/process-chunk";
import { startLocalServices } from "../local/services/services";
import { countDynamo } from "./lib/dynamo-count";
import { generatedFile, inPieces, SAMPLE_SCHEMA_PATH, wholeFileJob } from "./lib/generated";
import { median, timed } from "./lib/measure";
import { type BenchRow, row } from "./lib/rows";

/** Sizes of a P2 run. */
export interface P2Options {
  rows: number;
  rounds: number;
  /** Rows of the file the real handler writes to local DynamoDB (BatchWriteItem count). */
  handlerRows: number;
}

export const P2_FULL: P2Options = { rows: 200_000, rounds: 5, handlerRows: 200_000 };
export const P2_QUICK: P2Options = { rows: 40_000, rounds: 3, handlerRows: 10_000 };

/** What a user would write without this project: csv-parse over the stream, counting records. */
async function bareCsvParse(body: Uint8Array): Promise<number> {
  const parser = parse({ relax_column_count: true });
  Readable.from(inPieces(body), { objectMode: false }).pipe(parser);
  let rows = 0;
  for await (const _record of parser) rows++;
  return rows;
}

/**
 * A DynamoDB client whose requests are built, marshalled, serialized and signed as usual but answered at once with
 * an empty BatchWriteItem output (no network, nothing unprocessed).
 */
function instantDynamo(): DynamoDBClient {
  return new DynamoDBClient({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: 200,
          headers: { "content-type": "application/x-amz-json-1.0" },
          body: Readable.from([Buffer.from("{}")]),
        },
      }),
    } as never,
  });
}

/**
 * P2: process-chunk's parse + validate + record path (error records built and batched by the real writer, whose
 * client answers at once) against bare csv-parse on the same bytes, in alternating rounds; the same with the SDK's
 * DynamoDB client building and signing every request (report only); then the real handler on local S3 and DynamoDB,
 * counting its BatchWriteItem calls against ⌈errors / 25⌉.
 */
export async function runP2(opts: P2Options): Promise<BenchRow[]> {
  const file = generatedFile(opts.rows);
  const body = file.bytes.subarray(file.headerBytes);
  const job = wholeFileJob(file, "bench-p2");
  const ours = async () => {
    const writer = new ErrorWriter("bench", { client: { send: async () => ({ $metadata: {} }) } });
    const result = await processChunkStream(inPieces(body), job, (r) => writer.add(r));
    await writer.flush();
    return result.rows;
  };
  // Row outcomes on: the processed part, the rejected rows and the error lines built and gathered into writes as the
  // handler does (bytes counted, not uploaded: the upload is S3's work, measured by P4).
  let outputBytes = 0;
  const oursWithOutputs = async () => {
    const writer = new ErrorWriter("bench", { client: { send: async () => ({ $metadata: {} }) } });
    const parts = new ChunkParts({
      settings: DEFAULT_OUTCOME_SETTINGS,
      executionName: job.executionName,
      chunkId: 1,
      header: job.header,
      open: () => ({
        write: (text: string) => {
          outputBytes += text.length;
          return undefined;
        },
        end: async () => undefined,
        abort: async () => undefined,
      }),
    });
    const result = await processChunkStream(inPieces(body), job, (r) => writer.add(r), {
      outcomes: { sink: parts.sink, locale: "ja" },
    });
    await parts.end();
    await writer.flush();
    return result.rows;
  };
  const sdkClient = instantDynamo();
  const oursWithSdk = async () => {
    const writer = new ErrorWriter("bench", { client: sdkClient });
    const result = await processChunkStream(inPieces(body), job, (r) => writer.add(r));
    await writer.flush();
    return result.rows;
  };
  const oursRates: number[] = [];
  const outputRates: number[] = [];
  const sdkRates: number[] = [];
  const bareRates: number[] = [];
  await ours(); // warm-up of every path
  await oursWithOutputs();
  await oursWithSdk();
  await bareCsvParse(body);
  for (let i = 0; i < opts.rounds; i++) {
    const a = await timed(ours);
    const s = await timed(oursWithSdk);
    const b = await timed(() => bareCsvParse(body));
    const o = await timed(oursWithOutputs);
    if (a.value !== opts.rows || s.value !== opts.rows || b.value !== opts.rows || o.value !== opts.rows) {
      throw new Error(
        `P2 read ${a.value} rows (ours), ${s.value} (ours with the SDK client) and ${b.value} (csv-parse); the file has ${opts.rows}`,
      );
    }
    oursRates.push(a.value / (a.ms / 1000));
    sdkRates.push(s.value / (s.ms / 1000));
    bareRates.push(b.value / (b.ms / 1000));
    outputRates.push(o.value / (o.ms / 1000));
  }
  if (outputBytes === 0) throw new Error("P2 with outputs on wrote nothing");

  // BatchWriteItem calls of the real handler on local services.
  const svc = await startLocalServices();
  const saved = { ...process.env };
  try {
    const small = opts.handlerRows === opts.rows ? file : generatedFile(opts.handlerRows);
    await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: "incoming/p2.csv", Body: small.bytes }));
    await svc.s3.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: "_config/schema.yaml", Body: readFileSync(SAMPLE_SCHEMA_PATH) }),
    );
    Object.assign(process.env, svc.env, { [ENV.schemaLocation]: `s3://${svc.bucket}/_config/schema.yaml` });
    clients.reset();
    resetRowSchemaCache();
    const counter = countDynamo(clients.dynamo());
    const input: ProcessChunkInput = {
      executionName: "bench-p2",
      startTime: job.startTime,
      bucket: svc.bucket,
      key: "incoming/p2.csv",
      encoding: "utf-8",
      header: small.header,
      chunk: { id: 0, start: small.headerBytes, end: small.bytes.length, firstLine: 2 },
    };
    const result = await processChunk(input);
    const errors = Object.values(result.bySeverity).reduce((a, b) => a + b, 0);
    const calls = counter.counts.byCommand.BatchWriteItemCommand ?? 0;
    const rowsLabel = opts.rows.toLocaleString("en-US");
    return [
      row(
        "P2.throughput",
        `rows/s on ${rowsLabel} rows, ours vs bare csv-parse`,
        median(oursRates),
        median(bareRates),
        {
          kind: "ratio-min",
          min: 0.5,
        },
      ),
      row(
        "P2.throughput.outputs",
        `rows/s on ${rowsLabel} rows with row outcomes on (processed part, rejected rows, errors.csv lines), vs bare csv-parse`,
        median(outputRates),
        median(bareRates),
        { kind: "ratio-min", min: 0.5 },
      ),
      row(
        "P2.throughput.sdk",
        `rows/s on ${rowsLabel} rows with the SDK's DynamoDB client building and signing each request, vs bare csv-parse`,
        median(sdkRates),
        median(bareRates),
        { kind: "ratio-min", min: 0, text: "report only" },
      ),
      row(
        "P2.batch-calls",
        `BatchWriteItem calls for ${errors.toLocaleString("en-US")} errors vs ⌈errors/25⌉`,
        calls,
        Math.ceil(errors / 25),
        { kind: "equal", text: "calls = ⌈errors/25⌉" },
      ),
    ];
  } finally {
    process.env = saved;
    clients.reset();
    await svc.stop();
  }
}
