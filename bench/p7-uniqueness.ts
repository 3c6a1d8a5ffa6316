import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import YAML from "yaml";
import { WORK_KEYS } from "../functions/contract";
import { processChunkStream } from "../functions/core/csv/chunk";
import { parseSchema } from "../functions/core/csv/schema";
import { chunkSettings } from "../functions/core/csv/settings";
import { splitCsv } from "../functions/core/csv/split";
import { KeyFileBuilder } from "../functions/core/unique/key-file";
import { startLocalServices } from "../local/services/services";
import { ORDER_ID_SPAN, writeOrdersFile } from "../scripts/generate-csv";
import { inPieces, SAMPLE_SCHEMA_PATH } from "./lib/generated";
import { lastJson, runNode, startScriptNodeFlags } from "./lib/measure";
import { type BenchRow, row } from "./lib/rows";

/** Sizes of a P7 run. */
export interface P7Options {
  rows: number;
}

export const P7_FULL: P7Options = { rows: 1_000_000 };
export const P7_QUICK: P7Options = { rows: 20_000 };

const MB = 1024 * 1024;
/** A weekday daytime clock, so the run's notices are sent rather than deferred. */
const NOW = "2025-06-03T11:00:00+09:00";
/** The execution whose key files the find-duplicates step reads. */
const EXECUTION = "p7-find-duplicates";

/** The sample schema with `order_id` unique, as YAML. */
function uniqueSchemaText(): string {
  const doc = YAML.parse(readFileSync(SAMPLE_SCHEMA_PATH, "utf8")) as { columns: { name: string; unique?: boolean }[] };
  for (const column of doc.columns) if (column.name === "order_id") column.unique = true;
  return YAML.stringify(doc);
}

/** `npm start -- <file> --schema <schema> --json`, timed from spawn to exit; checks the rows and the duplicates. */
async function localRun(file: string, schema: string, rows: number, duplicates: number): Promise<number> {
  const run = await runNode(["local/cli/cli.ts", file, "--schema", schema, "--json", "--now", NOW], {
    nodeFlags: startScriptNodeFlags(),
  });
  const doc = lastJson<{ status: string; rows: { total: number }; errors: { byType: Record<string, number> } }>(
    { ...run, stdout: run.stdout.trim().replace(/\n\s*/g, " ") },
    "npm start --json",
  );
  const found = doc.errors.byType.DuplicateError ?? 0;
  if (doc.status !== "SUCCEEDED" || doc.rows.total !== rows || found !== duplicates) {
    throw new Error(
      `P7 run of ${schema}: ${doc.status}, ${doc.rows.total} rows, ${found} duplicates; expected ${rows} and ${duplicates}`,
    );
  }
  return run.ms;
}

/**
 * The key files of a generated file as its chunks' first pass writes them: the split's chunk plan (the local run's
 * default chunk size), each chunk read by `processChunkStream` with a key file builder, each file put to local S3.
 */
async function writeKeyFiles(
  file: string,
  schemaText: string,
  put: (key: string, body: Buffer) => Promise<void>,
): Promise<{ partitions: number; chunkCount: number }> {
  const bytes = readFileSync(file);
  const schema = parseSchema(schemaText, "orders.schema.yaml");
  // A local run's chunk settings when its config sets none.
  const defaults = chunkSettings({});
  const outcome = await splitCsv(inPieces(bytes), {
    totalBytes: bytes.length,
    schema,
    chunkRows: defaults.rows,
    chunkBytes: defaults.bytes,
  });
  for (const chunk of outcome.chunks) {
    const entries = new KeyFileBuilder(outcome.uniquePartitions);
    await processChunkStream(
      inPieces(bytes.subarray(chunk.start, chunk.end)),
      {
        executionName: EXECUTION,
        startTime: "2025-06-03T02:00:00.000Z",
        chunk,
        header: outcome.header,
        encoding: outcome.encoding,
        schema,
        expiresAt: 2_000_000_000,
      },
      () => undefined,
      { keyEntries: entries },
    );
    await put(WORK_KEYS.uniqueKeys(EXECUTION, chunk.id), entries.encode());
  }
  return { partitions: outcome.uniquePartitions, chunkCount: outcome.chunks.length };
}

/** Peak RSS and heap of find-duplicates on each partition, each in its own process; the largest of them. */
async function findMemory(
  file: string,
  schemaText: string,
): Promise<{ rssBytes: number; heapBytes: number; partitions: number }> {
  const storage = mkdtempSync(join(tmpdir(), "csv-pipeline-bench-p7-s3-"));
  const services = await startLocalServices({ storageDir: storage });
  try {
    const { partitions, chunkCount } = await writeKeyFiles(file, schemaText, async (key, body) => {
      await services.s3.send(new PutObjectCommand({ Bucket: services.bucket, Key: key, Body: body }));
    });
    let rssBytes = 0;
    let heapBytes = 0;
    for (let p = 0; p < partitions; p++) {
      const run = await runNode(
        ["bench/p7/find-child.ts", EXECUTION, String(p), String(partitions), String(chunkCount)],
        { env: { ...services.env, P7_BUCKET: services.bucket } },
      );
      const out = lastJson<{ heapPeakBytes: number }>(run, "p7 find-child");
      rssBytes = Math.max(rssBytes, run.maxRssBytes);
      heapBytes = Math.max(heapBytes, out.heapPeakBytes);
    }
    return { rssBytes, heapBytes, partitions };
  } finally {
    await services.stop();
    rmSync(storage, { recursive: true, force: true });
  }
}

/**
 * P7: a generated file (no bad rows; order ids repeat only past 999,999 rows) through `npm start` with the sample
 * schema and with the same schema whose `order_id` is unique: rows per second with the unique column against
 * without it. Then the largest find-duplicates step at that size: the real handler on each partition of the key
 * files the chunks' first pass writes, each in its own process, its peak RSS (usage preload) and heap.
 */
export async function runP7(opts: P7Options): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "csv-pipeline-bench-p7-"));
  try {
    const file = join(dir, "orders.csv");
    await writeOrdersFile(file, { rows: opts.rows, errorRate: 0, seed: 7 });
    const uniqueSchema = join(dir, "orders-unique.schema.yaml");
    const schemaText = uniqueSchemaText();
    writeFileSync(uniqueSchema, schemaText);
    const duplicates = Math.max(0, opts.rows - ORDER_ID_SPAN);
    const withoutMs = await localRun(file, SAMPLE_SCHEMA_PATH, opts.rows, 0);
    const withMs = await localRun(file, uniqueSchema, opts.rows, duplicates);
    const memory = await findMemory(file, schemaText);
    const label = opts.rows.toLocaleString("en-US");
    const perSecond = (ms: number) => opts.rows / (ms / 1000);
    return [
      row(
        "P7.throughput",
        `rows/s of npm start on ${label} rows, order_id unique vs the same file and schema without it`,
        perSecond(withMs),
        perSecond(withoutMs),
        { kind: "ratio-min", min: 0.7 },
      ),
      row(
        "P7.find.rss",
        `peak RSS MB of the largest find-duplicates step on ${label} rows (${memory.partitions} partition${memory.partitions === 1 ? "" : "s"}), own process, vs 256 MB`,
        memory.rssBytes / MB,
        256,
        { kind: "ours-max", max: 256, text: "ours ≤ 256 MB" },
      ),
      row("P7.find.heap", `peak heap MB above the start of that step, vs 256 MB`, memory.heapBytes / MB, 256, {
        kind: "ratio-max",
        max: Number.POSITIVE_INFINITY,
        text: "report only",
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
