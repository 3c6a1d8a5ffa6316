import assert from "node:assert/strict";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { clients } from "../../functions/adapters/clients";
import {
  type CheckInput,
  type CheckOutput,
  type ChunkResult,
  type ProcessChunkInput,
  RUN_KEYS,
} from "../../functions/contract";
import { handler as splitCsv } from "../../functions/split-csv";
import { type RunResult, runDefinition } from "../../local/engine/execution";
import { type Json, lambdaInvoke, type TaskHandler } from "../../local/engine/invoke";
import type { LocalServices } from "../../local/services/services";
import { buildPipeline, STATE_NAMES as N, PIPELINE_PATTERNS, PLACEHOLDER_RESOURCES } from "../../workflow/pipeline";
import { openSplitWorld, type SplitWorld } from "../support/split-world";

const START = "2024-01-31T09:00:00.000Z";
const CSV = "order_id,email,amount,quantity,status,ordered_at,updated_at,note\n".concat(
  ...[1, 2, 3, 4, 5].map((n) => `ORD-00000${n},c${n}@example.com,10.00,1,NEW,2024-10-19,2024-10-19T02:15:00+09:00,\n`),
);

/**
 * The definition run locally with the real split-csv (its claim against local DynamoDB and S3) and recording
 * stand-ins for the chunk, check and aggregation Lambdas.
 */
function pipelineHandlers(opts: { splitFailsOnceAfterClaim?: boolean } = {}) {
  const seen = { chunks: [] as ProcessChunkInput[], checks: [] as CheckInput[], aggregates: 0, splits: 0 };
  const handlers: Record<string, TaskHandler> = {
    [N.splitCsv]: lambdaInvoke(async (event) => {
      seen.splits++;
      const out = await splitCsv(event as Parameters<typeof splitCsv>[0]);
      if (opts.splitFailsOnceAfterClaim && seen.splits === 1) {
        const lost = new Error("the invocation's response was lost");
        lost.name = "Lambda.ServiceException";
        throw lost;
      }
      return out;
    }),
    [N.processChunk]: lambdaInvoke((event: ProcessChunkInput) => {
      seen.chunks.push(event);
      const out: ChunkResult = {
        chunkId: event.chunk.id,
        rows: 1,
        valid: 1,
        invalid: 0,
        byType: {},
        bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
      };
      return out;
    }),
    [N.checkErrors]: lambdaInvoke((event: CheckInput) => {
      seen.checks.push(event);
      const out: CheckOutput = {
        hasErrors: false,
        errorCount: 0,
        criticalCount: 0,
        byType: {},
        bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
        warningCount: 0,
        warningsByType: {},
        rows: { total: 5, valid: 5, invalid: 0 },
        runFailed: false,
        notifications: [{ channel: "slack", status: "sent" }],
      };
      return out;
    }),
    [N.aggregateResults]: lambdaInvoke(() => {
      seen.aggregates++;
      return { rows: 5, valid: 5, invalid: 0, byType: {}, bySeverity: {}, chunks: 1, failedChunks: 0, resultKey: "r" };
    }),
    [N.notifyCheckFailure]: () => ({ MessageId: "m-1" }),
    // The schema has no unique key: the uniqueness step never runs.
    [N.findPartitionDuplicates]: lambdaInvoke(() => {
      throw new Error("FindPartitionDuplicates runs only for a schema with unique keys");
    }),
    [N.applyChunkDuplicates]: lambdaInvoke(() => {
      throw new Error("ApplyChunkDuplicates runs only when a partition found duplicates");
    }),
  };
  return { handlers, seen };
}

describe("one upload, one processed run (the pipeline run locally against local DynamoDB and S3)", () => {
  let svc: LocalServices;
  let world: SplitWorld;

  before(async () => {
    world = await openSplitWorld({ chunkRows: 2 });
    ({ svc } = world);
  });
  after(() => world.stop());

  async function upload(key: string): Promise<string> {
    const out = await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: CSV }));
    return (out.ETag ?? "").replace(/"/g, "");
  }

  function run(
    pattern: (typeof PIPELINE_PATTERNS)[number],
    input: Json,
    executionName: string,
    handlers: Record<string, TaskHandler>,
  ): Promise<RunResult> {
    const definition = buildPipeline({ pattern, resources: PLACEHOLDER_RESOURCES }).render();
    return runDefinition(definition, input, {
      handlers,
      context: { Execution: { Name: executionName, StartTime: START } },
      retryIntervalMs: 0,
    });
  }

  async function fileSummaryOf(executionName: string): Promise<unknown> {
    const out = await clients.doc().send(
      new QueryCommand({
        TableName: svc.runsTable,
        ConsistentRead: true,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": RUN_KEYS.execution(executionName) },
      }),
    );
    return out.Items?.find((i) => i.sk === RUN_KEYS.file);
  }

  for (const pattern of PIPELINE_PATTERNS) {
    describe(`${pattern} pattern`, () => {
      it("ends a second execution for the same S3 event in Duplicate: no chunks, no check, no summary", async () => {
        const key = `incoming/${pattern}-twice.csv`;
        const etag = await upload(key);
        const event = { bucket: svc.bucket, key, object: { key, etag, sequencer: "0064D3901D00059242" } };
        const first = pipelineHandlers();
        const second = pipelineHandlers();

        const a = await run(pattern, event, `${pattern}-delivery-1`, first.handlers);
        const b = await run(pattern, event, `${pattern}-delivery-2`, second.handlers);

        assert.equal(a.status, "SUCCEEDED");
        assert.ok(a.states.includes(N.processChunks) && a.states.at(-1) === N.done, a.states.join(" → "));
        assert.equal(first.seen.chunks.length, 3);
        assert.ok(
          first.seen.chunks.every((c) => c.etag === `"${etag}"` && c.versionId === null),
          "every chunk reads the version split-csv read",
        );
        assert.equal(first.seen.checks.length, 1);
        assert.equal(first.seen.aggregates, 1, "the run that claimed the upload composes its outcomes once");
        assert.equal(b.status, "SUCCEEDED");
        assert.deepEqual(b.states, [N.prepare, N.splitCsv, N.uploadClaimed, N.duplicate]);
        assert.deepEqual(second.seen.chunks, []);
        assert.deepEqual(second.seen.checks, [], "no check: no metrics and no notices");
        assert.equal(second.seen.aggregates, 0);
        assert.equal(await fileSummaryOf(`${pattern}-delivery-2`), undefined);
      });

      it("processes the upload exactly once when both deliveries run at the same time", async () => {
        const key = `incoming/${pattern}-concurrent.csv`;
        const etag = await upload(key);
        const event = { bucket: svc.bucket, key, object: { key, etag, sequencer: "0064D3901D000592AA" } };
        const runs = [pipelineHandlers(), pipelineHandlers()];

        const results = await Promise.all(
          runs.map((r, i) => run(pattern, event, `${pattern}-concurrent-${i}`, r.handlers)),
        );

        assert.deepEqual(
          results.map((r) => r.status),
          ["SUCCEEDED", "SUCCEEDED"],
        );
        const ended = results.map((r) => r.states.at(-1)).sort();
        assert.deepEqual(ended, [N.done, N.duplicate].sort());
        assert.equal(runs[0].seen.checks.length + runs[1].seen.checks.length, 1);
        assert.equal(runs[0].seen.aggregates + runs[1].seen.aggregates, 1);
      });

      it("lets a retry of the same execution through after it claimed the upload", async () => {
        const key = `incoming/${pattern}-retried.csv`;
        await upload(key);
        const { handlers, seen } = pipelineHandlers({ splitFailsOnceAfterClaim: true });

        const result = await run(pattern, { bucket: svc.bucket, key }, `${pattern}-retried`, handlers);

        assert.equal(result.status, "SUCCEEDED");
        assert.equal(result.retries[N.splitCsv], 1);
        assert.equal(seen.splits, 2);
        assert.ok(!result.states.includes(N.duplicate), result.states.join(" → "));
        assert.equal(seen.checks.length, 1);
      });
    });
  }
});
