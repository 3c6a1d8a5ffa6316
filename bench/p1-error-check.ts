import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  type ChunkSummaryItem,
  type ErrorRecord,
  type FileSummaryItem,
  RUN_KEYS,
  type Severity,
} from "../functions/contract";
import { buildErrorRecord, emptyBySeverity } from "../functions/core/records/error-record";
import { startLocalServices } from "../local/services/services";
import { lastJson, runNode } from "./lib/measure";
import { type BenchRow, row } from "./lib/rows";
import { BENCH_NOW } from "./p1-probe-clock";

/** Sizes of a P1 run. */
export interface P1Options {
  small: number;
  large: number;
  /** Chunks of the simulated file (the same for both sizes: same file, different number of bad rows). */
  chunks: number;
  iterations: number;
}

export const P1_FULL: P1Options = { small: 100, large: 100_000, chunks: 200, iterations: 5 };
export const P1_QUICK: P1Options = { small: 100, large: 3_000, chunks: 20, iterations: 5 };

interface ProbeResult {
  latencyMs: number;
  requests: number;
  itemsRead: number;
  peakHeapBytes: number;
  errorCount: number;
}

const ROWS_PER_CHUNK = 5000;

/** Writes `errors` error records (28 % HIGH, the rest MEDIUM, as generated files have) and the run's summary items. */
async function seed(
  doc: DynamoDBDocumentClient,
  tables: { errorTable: string; runsTable: string },
  executionName: string,
  errors: number,
  chunks: number,
): Promise<void> {
  const startTime = BENCH_NOW.toISOString();
  const perChunk = Math.ceil(errors / chunks);
  const items: ErrorRecord[] = [];
  const put = async (batch: Record<string, unknown>[]) => {
    let pending: Record<string, unknown>[] | undefined = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > 20) throw new Error(`Seeding ${tables.errorTable} left items unprocessed after 20 attempts`);
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tables.errorTable]: pending as never } }));
      pending = out.UnprocessedItems?.[tables.errorTable] as Record<string, unknown>[] | undefined;
    }
  };
  const summaries: ChunkSummaryItem[] = [];
  let written = 0;
  for (let c = 0; c < chunks; c++) {
    const n = Math.max(0, Math.min(perChunk, errors - written));
    const bySeverity = emptyBySeverity();
    for (let k = 0; k < n; k++) {
      const rowNumber = 2 + c * ROWS_PER_CHUNK + k;
      const severity: Severity = (written + k) % 25 < 7 ? "HIGH" : "MEDIUM";
      bySeverity[severity]++;
      items.push(
        buildErrorRecord(
          { executionName, startTime, chunkId: c, expiresAt: 2_000_000_000, processingStage: "process" },
          rowNumber,
          {
            rule: severity === "HIGH" ? "order_id:pattern" : "email:type",
            errorType: "ValidationError",
            severity,
            message:
              severity === "HIGH"
                ? `order_id must match ^ORD-[0-9]{6}$ (got "ORD-${rowNumber}X")`
                : `email must be an e-mail address such as name@example.com (got "customer${rowNumber}.example.com")`,
            column: severity === "HIGH" ? "order_id" : "email",
          },
          {
            order_id: `ORD-${String(rowNumber).padStart(6, "0")}`,
            email: `customer${rowNumber}@example.com`,
            amount: "1234.50",
            quantity: "3",
            status: "PAID",
            ordered_at: "2024-05-01",
            updated_at: "2024-05-01T09:30:00+09:00",
            note: "leave at door, ring twice",
          },
        ),
      );
    }
    written += n;
    summaries.push({
      pk: RUN_KEYS.execution(executionName),
      sk: RUN_KEYS.chunk(c),
      executionName,
      chunkId: c,
      rows: ROWS_PER_CHUNK,
      valid: ROWS_PER_CHUNK - n,
      invalid: n,
      byType: n > 0 ? { ValidationError: n } : {},
      bySeverity,
      errors: n,
      updatedAt: startTime,
      expiresAt: 2_000_000_000,
    });
    // Bounded memory while seeding: write as we go, 8 batches at a time.
    if (items.length >= 25 * 8 || c === chunks - 1) {
      const batches: Record<string, unknown>[][] = [];
      for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25) as never);
      items.length = 0;
      await Promise.all(batches.map(put));
    }
  }
  const file: FileSummaryItem = {
    pk: RUN_KEYS.execution(executionName),
    sk: RUN_KEYS.file,
    executionName,
    bucket: "bench",
    key: "incoming/bench.csv",
    status: "OK",
    encoding: "utf-8",
    chunkCount: chunks,
    byType: {},
    bySeverity: emptyBySeverity(),
    errors: 0,
    updatedAt: startTime,
    expiresAt: 2_000_000_000,
  };
  const runItems = [file, ...summaries] as unknown as Record<string, unknown>[];
  for (let i = 0; i < runItems.length; i += 25) {
    await doc.send(
      new BatchWriteCommand({
        RequestItems: { [tables.runsTable]: runItems.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
}

/**
 * P1: the error check's cost at a small and a large number of errors, ours (run summary items + a bounded examples
 * query) against the original design's approach (every error item through the GSI, all pages, counted), on the same
 * local DynamoDB data. Each measurement runs in its own process so its heap is its own.
 */
export async function runP1(opts: P1Options): Promise<BenchRow[]> {
  const svc = await startLocalServices();
  try {
    const doc = DynamoDBDocumentClient.from(svc.dynamo);
    const names = { small: "bench-p1-small", large: "bench-p1-large" };
    await seed(doc, svc, names.small, opts.small, opts.chunks);
    await seed(doc, svc, names.large, opts.large, opts.chunks);
    const probe = async (approach: "ours" | "original", size: "small" | "large"): Promise<ProbeResult> => {
      const run = await runNode(["bench/p1-probe.ts", approach, names[size], String(opts.iterations)], {
        nodeFlags: ["--expose-gc"],
        env: { ...svc.env, BENCH_CHUNKS: String(opts.chunks) },
      });
      const result = lastJson<ProbeResult>(run, `p1-probe ${approach} ${size}`);
      if (process.env.BENCH_VERBOSE) process.stderr.write(`p1 ${approach} ${size}: ${JSON.stringify(result)}\n`);
      const expected = opts[size];
      if (result.errorCount !== expected) {
        throw new Error(`p1-probe ${approach} ${size} counted ${result.errorCount} errors, expected ${expected}`);
      }
      return result;
    };
    const ours = { small: await probe("ours", "small"), large: await probe("ours", "large") };
    const original = { small: await probe("original", "small"), large: await probe("original", "large") };
    const L = opts.large.toLocaleString("en-US");
    const S = opts.small.toLocaleString("en-US");
    const scale = { kind: "ratio-max", max: 2, text: `ours@${L} ≤ 2× ours@${S}` } as const;
    const kib = (b: number) => b / 1024;
    return [
      row(
        "P1.latency.scale",
        `check latency ms, ours @${L} vs @${S} errors`,
        ours.large.latencyMs,
        ours.small.latencyMs,
        scale,
      ),
      row(
        "P1.latency.vs-original",
        `check latency ms @${L} errors, ours vs original`,
        ours.large.latencyMs,
        original.large.latencyMs,
        { kind: "ratio-max", max: 1 / 50, text: "≥ 50× faster (ratio ≤ 0.02)" },
      ),
      row(
        "P1.latency.small.vs-original",
        `check latency ms @${S} errors, ours vs original`,
        ours.small.latencyMs,
        original.small.latencyMs,
        {
          kind: "ratio-max",
          max: Number.POSITIVE_INFINITY,
          text: "report only",
        },
      ),
      row(
        "P1.requests.scale",
        `DynamoDB requests, ours @${L} vs @${S}`,
        ours.large.requests,
        ours.small.requests,
        scale,
      ),
      row(
        "P1.requests.vs-original",
        `DynamoDB requests @${L}, ours vs original`,
        ours.large.requests,
        original.large.requests,
        {
          kind: "ratio-max",
          max: 1,
        },
      ),
      row("P1.items.scale", `items read, ours @${L} vs @${S}`, ours.large.itemsRead, ours.small.itemsRead, scale),
      row(
        "P1.items.vs-original",
        `items read @${L}, ours vs original`,
        ours.large.itemsRead,
        original.large.itemsRead,
        {
          kind: "ratio-max",
          max: 1,
        },
      ),
      row(
        "P1.heap.scale",
        `peak heap KiB, ours @${L} vs @${S}`,
        kib(ours.large.peakHeapBytes),
        kib(ours.small.peakHeapBytes),
        scale,
      ),
      row(
        "P1.heap.vs-original",
        `peak heap KiB @${L}, ours vs original`,
        kib(ours.large.peakHeapBytes),
        kib(original.large.peakHeapBytes),
        {
          kind: "ratio-max",
          max: 1,
        },
      ),
    ];
  } finally {
    await svc.stop();
  }
}
