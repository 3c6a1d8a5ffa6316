import assert from "node:assert/strict";
import type {
  CheckInput,
  CheckOutput,
  ChunkRef,
  ChunkResult,
  ProcessChunkInput,
  SplitResult,
} from "../../functions/contract";
import { type RunResult, runDefinition } from "../../local/execution";
import { type Json, lambdaInvoke, type TaskHandler } from "../../local/invoke";
import { buildPipeline, STATE_NAMES as N, type PipelinePattern, PLACEHOLDER_RESOURCES } from "../../workflow/pipeline";

const EXECUTION = { Name: "orders-20240131-parent", StartTime: "2024-01-31T09:00:00.000Z" };
const INPUT = { bucket: "csv-in", key: "incoming/orders.csv" };

const chunks: ChunkRef[] = [
  { id: 0, start: 0, end: 100, firstLine: 2 },
  { id: 1, start: 100, end: 200, firstLine: 12 },
];

function errorOf(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/** Stand-in Lambdas that record what they receive; `faults` makes them throw. */
function fakes(
  faults: {
    split?: Error;
    chunk?: (input: ProcessChunkInput, attempt: number) => Error | undefined;
    check?: Error;
  } = {},
) {
  const seen = {
    split: [] as Json[],
    chunks: [] as ProcessChunkInput[],
    check: [] as CheckInput[],
    aggregate: [] as Json[],
    sns: [] as Json[],
    contexts: [] as string[],
  };
  const attempts = new Map<number, number>();
  const handlers: Record<string, TaskHandler> = {
    [N.splitCsv]: lambdaInvoke((event, ctx) => {
      seen.split.push(event);
      seen.contexts.push(ctx.functionName);
      if (faults.split) throw faults.split;
      const out: SplitResult & { extra: string } = {
        status: "OK",
        bucket: event.bucket,
        key: event.key,
        encoding: "shift_jis",
        header: ["order_id", "email"],
        bytes: 200,
        chunkCount: chunks.length,
        chunks,
        etag: '"0123456789abcdef0123456789abcdef"',
        versionId: null,
        extra: "dropped by ResultSelector",
      };
      return out;
    }),
    [N.processChunk]: lambdaInvoke(async (event: ProcessChunkInput) => {
      seen.chunks.push(event);
      const attempt = (attempts.get(event.chunk.id) ?? 0) + 1;
      attempts.set(event.chunk.id, attempt);
      const fault = faults.chunk?.(event, attempt);
      if (fault) throw fault;
      const out: ChunkResult & { debug: string } = {
        chunkId: event.chunk.id,
        rows: 10,
        valid: 9,
        invalid: 1,
        byType: { ValidationError: 1 },
        bySeverity: { LOW: 0, MEDIUM: 1, HIGH: 0, CRITICAL: 0 },
        debug: "dropped by ResultSelector",
      };
      return out;
    }),
    [N.checkErrors]: lambdaInvoke((event: CheckInput) => {
      seen.check.push(event);
      if (faults.check) throw faults.check;
      const out: CheckOutput = {
        hasErrors: true,
        errorCount: 2,
        criticalCount: 0,
        byType: { ValidationError: 2 },
        bySeverity: { LOW: 0, MEDIUM: 2, HIGH: 0, CRITICAL: 0 },
        rows: { total: 20, valid: 18, invalid: 2 },
        runFailed: event.failure != null,
        notifications: [{ channel: "slack", status: "sent" }],
      };
      return out;
    }),
    [N.aggregateResults]: lambdaInvoke((event) => {
      seen.aggregate.push(event);
      return {
        rows: 20,
        valid: 18,
        invalid: 2,
        byType: {},
        bySeverity: {},
        chunks: 2,
        failedChunks: 0,
        resultKey: "results/x.json",
      };
    }),
    [N.notifyCheckFailure]: (input: Json) => {
      seen.sns.push(input);
      return { MessageId: "m-1" };
    },
  };
  return { handlers, seen };
}

async function run(pattern: PipelinePattern, handlers: Record<string, TaskHandler>): Promise<RunResult> {
  const definition = buildPipeline({ pattern, resources: PLACEHOLDER_RESOURCES }).render();
  return runDefinition(definition, INPUT, {
    handlers,
    context: { Execution: EXECUTION },
    retryIntervalMs: 0,
  });
}

const CHECK_STEP: Record<PipelinePattern, string[]> = {
  sequential: [N.checkErrors],
  parallel: [N.resultProcessing, N.aggregateResults, N.checkErrors],
};

for (const pattern of ["sequential", "parallel"] as const) {
  describe(`pipeline (${pattern}) run locally`, () => {
    it("succeeds, handing the parent execution name to every chunk and to the check", async () => {
      const { handlers, seen } = fakes();

      const result = await run(pattern, handlers);

      assert.equal(result.status, "SUCCEEDED");
      assert.deepEqual(result.states, [
        N.prepare,
        N.splitCsv,
        N.uploadClaimed,
        N.processChunks,
        N.processChunk,
        N.processChunk,
        ...CHECK_STEP[pattern],
        N.runOutcome,
        N.done,
      ]);
      assert.deepEqual(seen.split, [
        { executionName: EXECUTION.Name, startTime: EXECUTION.StartTime, ...INPUT, upload: INPUT },
      ]);
      assert.deepEqual(
        seen.chunks.map((c) => [c.executionName, c.startTime, c.encoding, c.header.join("|"), c.chunk.id]).sort(),
        [
          [EXECUTION.Name, EXECUTION.StartTime, "shift_jis", "order_id|email", 0],
          [EXECUTION.Name, EXECUTION.StartTime, "shift_jis", "order_id|email", 1],
        ],
      );
      assert.deepEqual(seen.check, [
        {
          executionName: EXECUTION.Name,
          startTime: EXECUTION.StartTime,
          ...INPUT,
          chunkCount: 2,
          splitStatus: "OK",
          failure: null,
        },
      ]);
      const chunkResults = result.output.chunkResults as Json[];
      assert.equal(chunkResults.length, 2);
      assert.deepEqual(Object.keys(chunkResults[0]).sort(), [
        "bySeverity",
        "byType",
        "chunkId",
        "invalid",
        "rows",
        "valid",
      ]);
      assert.equal(result.output.split.extra, undefined);
      const check = pattern === "sequential" ? result.output.check : result.output.results.check;
      assert.equal(check.errorCount, 2);
      if (pattern === "parallel") {
        assert.equal(result.output.results.aggregate.resultKey, "results/x.json");
        assert.equal(seen.aggregate[0].chunkResults.length, 2);
        assert.equal(seen.aggregate[0].executionName, EXECUTION.Name);
      }
    });

    it("still runs the check, told the failure, when the split fails", async () => {
      const { handlers, seen } = fakes({ split: errorOf("InputError", "s3://csv-in/incoming/orders.csv: not found") });

      const result = await run(pattern, handlers);

      assert.equal(result.status, "FAILED", "a run whose split failed ends FAILED after the check reported it");
      assert.equal(result.error?.Error, "RunFailed");
      assert.deepEqual(result.states, [N.prepare, N.splitCsv, ...CHECK_STEP[pattern], N.runOutcome, N.runFailed]);
      assert.equal(seen.chunks.length, 0);
      assert.equal(seen.check.length, 1);
      const got = seen.check[0];
      assert.equal(got.executionName, EXECUTION.Name);
      assert.equal(got.splitStatus, "NOT_RUN");
      assert.equal(got.chunkCount, 0);
      assert.equal(got.failure?.Error, "InputError");
      const cause = JSON.parse(got.failure?.Cause ?? "{}");
      assert.equal(cause.errorType, "InputError");
      assert.equal(cause.errorMessage, "s3://csv-in/incoming/orders.csv: not found");
      assert.ok(Array.isArray(cause.trace) && cause.trace.length > 0);
    });

    it("retries a chunk that fails once, then succeeds without telling the check of a failure", async () => {
      const { handlers, seen } = fakes({
        chunk: (input, attempt) =>
          input.chunk.id === 1 && attempt === 1
            ? errorOf("UnprocessedItemsError", "3 items left unprocessed")
            : undefined,
      });

      const result = await run(pattern, handlers);

      assert.equal(result.status, "SUCCEEDED");
      assert.equal(result.retries[N.processChunk], 1);
      assert.equal(seen.chunks.filter((c) => c.chunk.id === 1).length, 2);
      assert.deepEqual(result.states, [
        N.prepare,
        N.splitCsv,
        N.uploadClaimed,
        N.processChunks,
        N.processChunk,
        N.processChunk,
        ...CHECK_STEP[pattern],
        N.runOutcome,
        N.done,
      ]);
      assert.equal(seen.check[0].failure, null);
      assert.equal(seen.check[0].chunkCount, 2);
    });

    it("runs the check, told the Map failed, when a chunk fails for good", async () => {
      const { handlers, seen } = fakes({
        chunk: (input) => (input.chunk.id === 0 ? errorOf("ProcessingError", "chunk 0: schema unreadable") : undefined),
      });

      const result = await run(pattern, handlers);

      assert.equal(result.status, "FAILED");
      assert.equal(result.error?.Error, "RunFailed");
      assert.equal(result.retries[N.processChunk] ?? 0, 0, "ProcessingError is not retried");
      assert.deepEqual(result.states.slice(0, 4), [N.prepare, N.splitCsv, N.uploadClaimed, N.processChunks]);
      assert.deepEqual(result.states.slice(-CHECK_STEP[pattern].length - 2), [
        ...CHECK_STEP[pattern],
        N.runOutcome,
        N.runFailed,
      ]);
      assert.equal(seen.check.length, 1);
      assert.equal(seen.check[0].executionName, EXECUTION.Name);
      assert.equal(seen.check[0].splitStatus, "OK");
      assert.equal(seen.check[0].failure?.Error, "ProcessingError");
      assert.match(seen.check[0].failure?.Cause ?? "", /chunk 0: schema unreadable/);
      if (pattern === "parallel") assert.deepEqual(seen.aggregate[0].chunkResults, []);
    });

    it("pages on-call through SNS and fails the execution when the check itself fails", async () => {
      const { handlers, seen } = fakes({
        check: errorOf("NotificationDeliveryError", "slack 500, sns 500, email 500"),
      });

      const result = await run(pattern, handlers);

      assert.equal(result.status, "FAILED");
      assert.equal(result.error?.Error, "CheckFailed");
      assert.deepEqual(result.states, [
        N.prepare,
        N.splitCsv,
        N.uploadClaimed,
        N.processChunks,
        N.processChunk,
        N.processChunk,
        ...CHECK_STEP[pattern],
        N.checkFailureCause,
        N.notifyCheckFailure,
        N.checkFailed,
      ]);
      assert.equal(seen.sns.length, 1);
      const published = seen.sns[0];
      assert.equal(published.TopicArn, PLACEHOLDER_RESOURCES.alertTopic);
      assert.ok(published.Subject.length < 100 && !/[\r\n]/.test(published.Subject));
      assert.match(published.Message, new RegExp(EXECUTION.Name));
      assert.match(published.Message, /s3:\/\/csv-in\/incoming\/orders\.csv/);
      assert.match(published.Message, /NotificationDeliveryError/);
      assert.match(published.Message, /slack 500, sns 500, email 500/);
      assert.deepEqual(published.MessageAttributes, {
        severity: { DataType: "String", StringValue: "CRITICAL" },
        executionName: { DataType: "String", StringValue: EXECUTION.Name },
      });
    });
  });
}
