import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import type { ChunkRef, ChunkResult, ProcessChunkInput } from "../../functions/contract";
import { runDefinition } from "../../local/engine/execution";
import { type Json, lambdaInvoke, type TaskHandler } from "../../local/engine/invoke";
import { ConcurrencyQuota } from "../../local/engine/lambda-concurrency";
import { LAMBDA_THROTTLE_RETRY, retryCoverage } from "../../workflow/lambda-retry";
import {
  buildPipeline,
  DEFAULT_PIPELINE_OPTIONS,
  STATE_NAMES as N,
  PLACEHOLDER_RESOURCES,
} from "../../workflow/pipeline";

const EXECUTION = { Name: "orders-20240131-parent", StartTime: "2024-01-31T09:00:00.000Z" };
/** A new account's Lambda concurrency quota can be this low. */
const NEW_ACCOUNT_QUOTA = 10;
const CHUNKS = 100;

/**
 * Time scaled down: a chunk takes CHUNK_MS here and every retry waits RETRY_MS. Against the throttle retrier's mean
 * wait once capped (30 s on AWS), that is a chunk of 60 s on AWS.
 */
const CHUNK_MS = 20;
const RETRY_MS = 10;

const chunkRefs: ChunkRef[] = Array.from({ length: CHUNKS }, (_, id) => ({
  id,
  start: id * 100,
  end: (id + 1) * 100,
  firstLine: 2 + id * 10,
}));
/** What chunk `id` counts: 10 rows, of which `id % 3` invalid. */
const countsOf = (id: number): ChunkResult => ({
  chunkId: id,
  rows: 10,
  valid: 10 - (id % 3),
  invalid: id % 3,
  byType: { ValidationError: id % 3 },
  bySeverity: { LOW: 0, MEDIUM: id % 3, HIGH: 0, CRITICAL: 0 },
});

describe("a 100-chunk run under a Lambda concurrency quota of 10", () => {
  it("completes at the default mapConcurrency: throttled chunks are retried until a slot is free", async () => {
    assert.equal(DEFAULT_PIPELINE_OPTIONS.mapConcurrency, 100, "the Map starts up to 100 chunks at once");
    const quota = new ConcurrencyQuota(NEW_ACCOUNT_QUOTA);
    const processed: number[] = [];
    const lambda = (handler: (event: Json) => unknown): TaskHandler => quota.guard(lambdaInvoke(handler));
    const definition = buildPipeline({ pattern: "sequential", resources: PLACEHOLDER_RESOURCES }).render();

    const result = await runDefinition(
      definition,
      { bucket: "csv-in", key: "incoming/orders.csv" },
      {
        handlers: {
          [N.splitCsv]: lambda((event) => ({
            status: "OK",
            bucket: event.bucket,
            key: event.key,
            feed: "orders",
            encoding: "utf-8",
            header: ["order_id"],
            headerRange: null,
            bytes: CHUNKS * 100,
            chunkCount: CHUNKS,
            chunks: chunkRefs,
            uniquePartitions: 0,
            etag: '"0123456789abcdef0123456789abcdef"',
            versionId: null,
          })),
          [N.processChunk]: lambda(async (event: ProcessChunkInput) => {
            await delay(CHUNK_MS);
            processed.push(event.chunk.id);
            return countsOf(event.chunk.id);
          }),
          [N.aggregateResults]: lambda(() => ({
            rows: 0,
            valid: 0,
            invalid: 0,
            byType: {},
            bySeverity: {},
            chunks: CHUNKS,
            failedChunks: 0,
            resultKey: "results/x.json",
          })),
          [N.checkErrors]: lambda(() => ({
            hasErrors: true,
            errorCount: 0,
            criticalCount: 0,
            byType: {},
            bySeverity: {},
            rows: { total: 0, valid: 0, invalid: 0 },
            runFailed: false,
            notifications: [],
          })),
          [N.notifyCheckFailure]: () => ({ MessageId: "m-1" }),
          // No unique key (uniquePartitions 0): never called.
          [N.findPartitionDuplicates]: lambda(() => ({})),
          [N.applyChunkDuplicates]: lambda(() => ({})),
        },
        context: { Execution: EXECUTION },
        retryIntervalMs: RETRY_MS,
      },
    );

    assert.equal(result.status, "SUCCEEDED", JSON.stringify(result.error));
    // The Map itself succeeded: no chunk ran out of retries (a failed Map would be caught and reported, not fail here).
    assert.equal(result.output.failure, null, JSON.stringify(result.output.failure));
    // Only the chunks ran at the same time: every refusal was a chunk's, and each one was retried.
    assert.ok(quota.throttled > 0, "invocations above the quota were refused");
    assert.equal(quota.peak, NEW_ACCOUNT_QUOTA, "never more than the quota at once");
    assert.deepEqual(result.retries, { [N.processChunk]: quota.throttled });
    assert.equal(quota.admitted, CHUNKS + 3, "each chunk, the split, the aggregation and the check once");
    // Every chunk ran exactly once to its end, and the Map returned each one's counts.
    assert.deepEqual(
      [...processed].sort((a, b) => a - b),
      chunkRefs.map((c) => c.id),
    );
    const chunkResults = result.output.chunkResults as ChunkResult[];
    assert.deepEqual(
      chunkResults.map((c) => c.chunkId),
      chunkRefs.map((c) => c.id),
    );
    assert.deepEqual(
      chunkResults,
      chunkRefs.map((c) => countsOf(c.id)),
    );
    const sum = (f: (c: ChunkResult) => number) => chunkResults.reduce((n, c) => n + f(c), 0);
    assert.deepEqual(
      { rows: sum((c) => c.rows), valid: sum((c) => c.valid), invalid: sum((c) => c.invalid) },
      { rows: 1000, valid: 901, invalid: 99 },
    );
  });

  it("retries a throttle long enough on AWS: 100 chunks through 10 slots at 60 s a chunk, with a 3σ margin", () => {
    const coverage = retryCoverage(LAMBDA_THROTTLE_RETRY);
    // 2 + 4 + 8 + 16 + 32 s, then 35 waits capped at 60 s; FULL jitter waits a uniform [0, d].
    assert.equal(coverage.maxSeconds, 2162);
    assert.equal(coverage.meanSeconds, 1081);
    // The last chunk waits 9 rounds of the 10 that 100 chunks take through 10 slots.
    const needed = (CHUNKS / NEW_ACCOUNT_QUOTA - 1) * 60;
    assert.ok(
      coverage.meanSeconds - 3 * coverage.stdDevSeconds >= needed,
      `${coverage.meanSeconds} s - 3 × ${coverage.stdDevSeconds.toFixed(0)} s covers ${needed} s`,
    );
  });
});
