import assert from "node:assert/strict";
import {
  type AggregateOutput,
  type CheckInput,
  type CheckOutput,
  type ChunkRef,
  type ChunkResult,
  type ProcessChunkInput,
  type SplitResult,
  UNKNOWN_FEED,
} from "../../functions/contract";
import { type RunResult, runDefinition } from "../../local/engine/execution";
import { type Json, lambdaInvoke, type TaskHandler } from "../../local/engine/invoke";
import {
  buildPipeline,
  LAMBDA_THROTTLE_RETRY,
  STATE_NAMES as N,
  type PipelinePattern,
  PLACEHOLDER_RESOURCES,
} from "../../workflow/pipeline";

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

/** What the stand-in AggregateResults returns: it composed both chunks. */
const COMPOSED_BOTH: AggregateOutput = {
  rows: 20,
  valid: 18,
  invalid: 2,
  byType: {},
  bySeverity: { LOW: 0, MEDIUM: 2, HIGH: 0, CRITICAL: 0 },
  chunks: 2,
  failedChunks: 0,
  resultKey: "results/x.json",
};

/** Stand-in Lambdas that record what they receive; `faults` makes them throw. */
function fakes(
  faults: {
    split?: Error;
    chunk?: (input: ProcessChunkInput, attempt: number) => Error | undefined;
    /** Holds a chunk's invocation until the promise settles (a chunk still running). */
    chunkRunsUntil?: (input: ProcessChunkInput) => Promise<unknown> | undefined;
    check?: Error;
    /** An error for every attempt, or per attempt (1-based). */
    aggregate?: Error | ((attempt: number) => Error | undefined);
    /** What the aggregation returns (default: it composed both chunks). */
    composed?: AggregateOutput;
  } = {},
) {
  const seen = {
    split: [] as Json[],
    chunks: [] as ProcessChunkInput[],
    check: [] as CheckInput[],
    aggregate: [] as Json[],
    sns: [] as Json[],
    contexts: [] as string[],
    /** The aggregation and the check, in the order their invocations began, and the ends of held chunks. */
    calls: [] as string[],
  };
  const attempts = new Map<number, number>();
  let aggregateAttempts = 0;
  const handlers: Record<string, TaskHandler> = {
    [N.splitCsv]: lambdaInvoke((event, ctx) => {
      seen.split.push(event);
      seen.contexts.push(ctx.functionName);
      if (faults.split) throw faults.split;
      const out: SplitResult & { extra: string } = {
        status: "OK",
        bucket: event.bucket,
        key: event.key,
        feed: "orders",
        encoding: "shift_jis",
        header: ["order_id", "email"],
        headerRange: { start: 0, end: 15 },
        bytes: 200,
        chunkCount: chunks.length,
        chunks,
        uniquePartitions: 0,
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
      const held = faults.chunkRunsUntil?.(event);
      if (held) {
        await held;
        seen.calls.push(`${N.processChunk} ${event.chunk.id} ended`);
      }
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
      seen.calls.push(N.checkErrors);
      if (faults.check) throw faults.check;
      const out: CheckOutput = {
        hasErrors: true,
        errorCount: 2,
        criticalCount: 0,
        byType: { ValidationError: 2 },
        bySeverity: { LOW: 0, MEDIUM: 2, HIGH: 0, CRITICAL: 0 },
        warningCount: 0,
        warningsByType: {},
        rows: { total: 20, valid: 18, invalid: 2 },
        // As the real check decides: a failed step, the aggregation included, fails the run.
        runFailed: event.failure != null || event.aggregationFailure != null,
        notifications: [{ channel: "slack", status: "sent" }],
      };
      return out;
    }),
    [N.aggregateResults]: lambdaInvoke((event) => {
      seen.aggregate.push(event);
      seen.calls.push(N.aggregateResults);
      aggregateAttempts++;
      const fault = typeof faults.aggregate === "function" ? faults.aggregate(aggregateAttempts) : faults.aggregate;
      if (fault) throw fault;
      return faults.composed ?? COMPOSED_BOTH;
    }),
    [N.notifyCheckFailure]: (input: Json) => {
      seen.sns.push(input);
      return { MessageId: "m-1" };
    },
    // The split here finds no unique key (uniquePartitions 0): the uniqueness step never runs.
    [N.findPartitionDuplicates]: lambdaInvoke(() => {
      throw new Error("FindPartitionDuplicates runs only for a schema with unique keys");
    }),
    [N.applyChunkDuplicates]: lambdaInvoke(() => {
      throw new Error("ApplyChunkDuplicates runs only when a partition found duplicates");
    }),
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

/**
 * What the check is told of the aggregation: in the sequential pattern `aggregationFailure` (Prepare's null when the
 * aggregation succeeded) and `composed`, its whole output (Prepare's null when it failed); in the parallel pattern
 * nothing, since it runs beside the aggregation.
 */
function toldOfAggregation(
  pattern: PipelinePattern,
  failure: CheckInput["aggregationFailure"] = null,
  composed: AggregateOutput | null = failure ? null : COMPOSED_BOTH,
) {
  return pattern === "sequential" ? { aggregationFailure: failure, composed } : {};
}

const CHECK_STEP: Record<PipelinePattern, string[]> = {
  sequential: [N.aggregateResults, N.checkErrors],
  parallel: [N.resultProcessing, N.aggregateResults, N.checkErrors],
};

/** What AggregateResults receives when the split produced nothing (Prepare's defaults). */
const AGGREGATE_AFTER_FAILED_SPLIT = {
  executionName: EXECUTION.Name,
  startTime: EXECUTION.StartTime,
  ...INPUT,
  header: [],
  headerRange: null,
  splitStatus: "NOT_RUN",
  chunkCount: 0,
  chunkResults: [],
};

/**
 * In the sequential pattern the aggregation has ended before the check begins (the notice links the rejected folder
 * it wrote); in the parallel pattern both run, side by side.
 */
function assertAggregationBeforeCheck(pattern: PipelinePattern, result: RunResult, calls: string[]): void {
  const aggregate = result.timeline.find((e) => e.state === N.aggregateResults);
  const check = result.timeline.find((e) => e.state === N.checkErrors);
  assert.ok(aggregate && check, `states: ${result.states.join(", ")}`);
  if (pattern === "sequential") {
    assert.deepEqual(calls, [N.aggregateResults, N.checkErrors]);
    assert.ok(
      aggregate.endMs !== undefined && aggregate.endMs <= check.startMs,
      `AggregateResults ended at ${aggregate.endMs} ms, after the check began at ${check.startMs} ms`,
    );
  } else assert.deepEqual([...calls].sort(), [N.aggregateResults, N.checkErrors].sort());
}

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
        N.uniqueKeys,
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
          ...toldOfAggregation(pattern),
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
      assert.deepEqual(seen.aggregate.length, 1);
      const { chunkResults: handed, ...aggregateRun } = seen.aggregate[0];
      assert.deepEqual(aggregateRun, {
        executionName: EXECUTION.Name,
        startTime: EXECUTION.StartTime,
        ...INPUT,
        header: ["order_id", "email"],
        headerRange: { start: 0, end: 15 },
        splitStatus: "OK",
        chunkCount: 2,
      });
      assert.deepEqual(handed, chunkResults);
      const aggregate = pattern === "sequential" ? result.output.aggregate : result.output.results.aggregate;
      assert.equal(aggregate.resultKey, "results/x.json");
      assertAggregationBeforeCheck(pattern, result, seen.calls);
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
      assert.equal(got.aggregationFailure, toldOfAggregation(pattern).aggregationFailure);
      assert.deepEqual(got.composed, toldOfAggregation(pattern).composed);
      // The aggregation still runs: it writes the manifest (and empty rejected files) for the failed run.
      assert.deepEqual(seen.aggregate, [AGGREGATE_AFTER_FAILED_SPLIT]);
      assertAggregationBeforeCheck(pattern, result, seen.calls);
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
        N.uniqueKeys,
        ...CHECK_STEP[pattern],
        N.runOutcome,
        N.done,
      ]);
      assert.equal(seen.check[0].failure, null);
      assert.equal(seen.check[0].aggregationFailure, toldOfAggregation(pattern).aggregationFailure);
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
      // A failed Map returns no results: the aggregation composes what the chunks that ran wrote, from S3.
      assert.equal(seen.aggregate.length, 1);
      assert.deepEqual(seen.aggregate[0].chunkResults, []);
      assert.equal(seen.aggregate[0].splitStatus, "OK");
      assert.equal(seen.aggregate[0].chunkCount, 2);
      assert.deepEqual(seen.aggregate[0].header, ["order_id", "email"]);
      assertAggregationBeforeCheck(pattern, result, seen.calls);
    });

    it("still runs the check when the aggregation fails for good, and fails the run: told to the sequential check, in RunOutcome in parallel", async () => {
      const { handlers, seen } = fakes({ aggregate: errorOf("ProcessingError", "rejected/x/parts: read failed") });

      const result = await run(pattern, handlers);

      assert.equal(result.retries[N.aggregateResults] ?? 0, 0, "ProcessingError is not retried");
      const aggregate = result.timeline.find((e) => e.state === N.aggregateResults);
      assert.equal(aggregate?.outcome, "caught");
      assert.equal(seen.check.length, 1);
      assert.equal(seen.check[0].failure, null, "the aggregation's failure does not take the run's failure field");
      assertAggregationBeforeCheck(pattern, result, seen.calls);
      if (pattern === "sequential") {
        // The check is told, says the rejected files could not be written, and fails the run (ExecutionsFailed).
        const told = seen.check[0].aggregationFailure;
        assert.equal(told?.Error, "ProcessingError");
        const cause = JSON.parse(told?.Cause ?? "{}");
        assert.equal(cause.errorType, "ProcessingError");
        assert.equal(cause.errorMessage, "rejected/x/parts: read failed");
        assert.equal(seen.check[0].composed, null, "nothing was composed: Prepare's null");
        assert.equal(result.status, "FAILED");
        assert.equal(result.error?.Error, "RunFailed");
        assert.deepEqual(result.states, [
          N.prepare,
          N.splitCsv,
          N.uploadClaimed,
          N.processChunks,
          N.processChunk,
          N.processChunk,
          N.uniqueKeys,
          N.aggregateResults,
          N.checkErrors,
          N.runOutcome,
          N.runFailed,
        ]);
      } else {
        // Beside the check, the aggregation's failure does not reach the check: RunOutcome fails the run on it, so
        // the ExecutionsFailed alarm counts a run whose row outcome files are missing.
        assert.equal("aggregationFailure" in seen.check[0], false);
        assert.equal("composed" in seen.check[0], false);
        assert.equal(result.status, "FAILED");
        assert.equal(result.error?.Error, "RunFailed");
        assert.match(
          result.error?.Cause ?? "",
          /^The row outcome files \(rows\.csv and errors\.csv in the rejected folder, the run manifest\) could not be written: AggregateResults failed/,
        );
        assert.deepEqual(result.states, [
          N.prepare,
          N.splitCsv,
          N.uploadClaimed,
          N.processChunks,
          N.processChunk,
          N.processChunk,
          N.uniqueKeys,
          N.resultProcessing,
          N.aggregateResults,
          N.checkErrors,
          N.aggregationFailed,
          N.runOutcome,
          N.rowOutcomesMissing,
        ]);
        assert.equal(result.output, undefined);
      }
    });

    it("retries an aggregation that Lambda throttles, then tells the check nothing failed once it succeeds", async () => {
      const { handlers, seen } = fakes({
        aggregate: (attempt) =>
          attempt <= 2 ? errorOf("Lambda.TooManyRequestsException", "Rate exceeded") : undefined,
      });

      const result = await run(pattern, handlers);

      assert.equal(result.status, "SUCCEEDED");
      assert.equal(result.retries[N.aggregateResults], 2);
      assert.equal(seen.check[0].aggregationFailure, toldOfAggregation(pattern).aggregationFailure);
      assert.equal(seen.check[0].failure, null);
    });

    it("catches the aggregation once Lambda keeps throttling it past its retries", async () => {
      const { handlers, seen } = fakes({ aggregate: errorOf("Lambda.TooManyRequestsException", "Rate exceeded") });

      const result = await run(pattern, handlers);

      // A throttled invocation has its own, longer retrier.
      const retries = LAMBDA_THROTTLE_RETRY.maxAttempts ?? 0;
      assert.equal(retries, 40);
      assert.equal(result.retries[N.aggregateResults], retries);
      assert.equal(seen.aggregate.length, retries + 1, "the first attempt and every retry");
      assert.equal(seen.check.length, 1);
      if (pattern === "sequential")
        assert.equal(seen.check[0].aggregationFailure?.Error, "Lambda.TooManyRequestsException");
      assert.equal(result.status, "FAILED");
      assert.equal(result.error?.Error, "RunFailed");
      assert.equal(result.states.at(-1), pattern === "sequential" ? N.runFailed : N.rowOutcomesMissing);
    });

    it("keeps the Map's failure for the check when the aggregation then fails too", async () => {
      const { handlers, seen } = fakes({
        chunk: (input) => (input.chunk.id === 1 ? errorOf("ProcessingError", "chunk 1 lost") : undefined),
        aggregate: errorOf("ProcessingError", "aggregation lost"),
      });

      const result = await run(pattern, handlers);

      assert.equal(result.status, "FAILED");
      assert.equal(result.error?.Error, "RunFailed");
      assert.equal(seen.check.length, 1);
      assert.equal(seen.check[0].failure?.Error, "ProcessingError");
      assert.match(seen.check[0].failure?.Cause ?? "", /chunk 1 lost/);
      assert.doesNotMatch(seen.check[0].failure?.Cause ?? "", /aggregation lost/);
      if (pattern === "sequential") {
        assert.equal(seen.check[0].aggregationFailure?.Error, "ProcessingError");
        assert.match(seen.check[0].aggregationFailure?.Cause ?? "", /aggregation lost/);
      } else assert.equal("aggregationFailure" in seen.check[0], false);
      // The parallel check reported the Map's failure; the Cause says what it could not: the row files are missing.
      assert.equal(result.states.at(-1), pattern === "sequential" ? N.runFailed : N.rowOutcomesMissing);
      assertAggregationBeforeCheck(pattern, result, seen.calls);
    });

    it("composes while a chunk still runs after the Map failed, and hands the check what was composed", async () => {
      // As on AWS: a failed child fails the Map at once; a child already running goes on and ends later.
      let aggregationBegan: () => void = () => undefined;
      const began = new Promise<void>((resolve) => {
        aggregationBegan = resolve;
      });
      const composedNothing: AggregateOutput = {
        ...COMPOSED_BOTH,
        rows: 0,
        valid: 0,
        invalid: 0,
        bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
        chunks: 0,
        failedChunks: 2,
      };
      const { handlers, seen } = fakes({
        chunk: (input) => (input.chunk.id === 0 ? errorOf("Runtime.ExitError", "chunk 0 exited") : undefined),
        // Chunk 1 runs until the aggregation has begun (10 s at most, so a Map that waited fails the test, not hangs).
        chunkRunsUntil: (input) =>
          input.chunk.id === 1 ? Promise.race([began, new Promise((r) => setTimeout(r, 10_000))]) : undefined,
        composed: composedNothing,
      });
      const aggregate = handlers[N.aggregateResults];
      handlers[N.aggregateResults] = (input: Json) => {
        aggregationBegan();
        return aggregate(input);
      };

      const result = await run(pattern, handlers);

      assert.equal(result.status, "FAILED");
      assert.equal(result.error?.Error, "RunFailed");
      const chunkEnded = seen.calls.indexOf(`${N.processChunk} 1 ended`);
      assert.ok(
        chunkEnded > seen.calls.indexOf(N.aggregateResults),
        `chunk 1 ended after the aggregation began: ${seen.calls.join(", ")}`,
      );
      assert.equal(seen.check[0].failure?.Error, "Runtime.ExitError");
      // Sequential: the check learns what the aggregation composed, and can tell the late chunk apart.
      assert.deepEqual(seen.check[0].composed, toldOfAggregation(pattern, null, composedNothing).composed);
      if (pattern === "parallel") assert.equal("composed" in seen.check[0], false);
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
        N.uniqueKeys,
        ...CHECK_STEP[pattern],
        N.checkFailureCause,
        N.causeShape,
        N.readLambdaCause,
        N.lambdaErrorMessage,
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
      assert.match(published.Message, / feed: orders /);
      // The handler's error document carried its trace (this file's path): the page names the error only.
      assert.match(
        published.Message,
        / step: CheckErrorsAndNotify error: NotificationDeliveryError message: slack 500, sns 500, email 500$/,
      );
      assert.doesNotMatch(published.Message, /trace|pipeline-run\.test/);
      assert.deepEqual(published.MessageAttributes, {
        severity: { DataType: "String", StringValue: "CRITICAL" },
        executionName: { DataType: "String", StringValue: EXECUTION.Name },
        feed: { DataType: "String", StringValue: "orders" },
      });
    });

    it("pages with the feed unknown when the split failed before the check failed", async () => {
      const { handlers, seen } = fakes({
        split: errorOf("InputError", "the key is under no feed's prefix"),
        check: errorOf("NotificationDeliveryError", "slack 500, sns 500, email 500"),
      });

      const result = await run(pattern, handlers);

      assert.equal(result.error?.Error, "CheckFailed");
      assert.equal(seen.sns.length, 1);
      assert.match(seen.sns[0].Message, / feed: \(unknown\) /);
      assert.deepEqual(seen.sns[0].MessageAttributes.feed, { DataType: "String", StringValue: UNKNOWN_FEED });
    });
  });
}
