import assert from "node:assert/strict";
import { UNKNOWN_FEED } from "../../functions/contract";
import { runDefinition } from "../../local/engine/execution";
import { type Json, lambdaInvoke, type TaskHandler } from "../../local/engine/invoke";
import { NO_CAUSE_MESSAGE, UNREADABLE_CAUSE_MESSAGE } from "../../workflow/check-failure-page";
import { buildPipeline, STATE_NAMES as N, PIPELINE_PATTERNS, PLACEHOLDER_RESOURCES } from "../../workflow/pipeline";

const EXECUTION = { Name: "orders-20240131-parent", StartTime: "2024-01-31T09:00:00.000Z" };

/** An error as a failing task reports it, with a Cause of the given shape (undefined: none at all). */
function failure(name: string, cause: string | undefined): Error {
  const e = new Error("placeholder");
  e.name = name;
  Object.defineProperty(e, "message", { value: cause, enumerable: false });
  return e;
}

/** The page exactly as on-call reads it: the run's context, the failed step, the error type and its message. */
function page(error: string, message: string): string {
  return `[CRITICAL] CSV処理のエラーチェックが失敗しました / The CSV error check failed. execution: ${EXECUTION.Name} file: s3://csv-in/incoming/orders.csv feed: ${UNKNOWN_FEED} step: ${N.checkErrors} error: ${error} message: ${message}`;
}

/** A Lambda error document cut short in its trace (as a Cause past its length limit would be). */
const CUT_SHORT = JSON.stringify({
  errorType: "TypeError",
  errorMessage: "boom",
  trace: ["TypeError: boom", "    at handler (/var/task/index.js:12:7)"],
}).slice(0, 80);

interface Shape {
  shape: string;
  /** The check as its Task state sees it. */
  check: TaskHandler;
  /** The states between the Catch and the publish. */
  path: string[];
  published: string;
}

const SHAPES: Shape[] = [
  {
    shape: "a Lambda error document with a trace (a handler threw)",
    // The real lambda:invoke adapter: the Cause is the runtime's document, its trace naming this file.
    check: lambdaInvoke(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'rows')");
    }),
    path: [N.checkFailureCause, N.causeShape, N.readLambdaCause, N.lambdaErrorMessage],
    published: page("TypeError", "Cannot read properties of undefined (reading 'rows')"),
  },
  {
    shape: "a Lambda error document without a trace (the runtime exited)",
    check: () => {
      throw failure(
        "Runtime.ExitError",
        JSON.stringify({
          errorType: "Runtime.ExitError",
          errorMessage: "RequestId: 1f0c Error: Runtime exited with error: exit status 1",
        }),
      );
    },
    path: [N.checkFailureCause, N.causeShape, N.readLambdaCause, N.lambdaErrorMessage],
    published: page("Runtime.ExitError", "RequestId: 1f0c Error: Runtime exited with error: exit status 1"),
  },
  {
    shape: "a Lambda error document cut short",
    check: () => {
      throw failure("TypeError", CUT_SHORT);
    },
    path: [N.checkFailureCause, N.causeShape, N.unreadableCause],
    published: page("TypeError", UNREADABLE_CAUSE_MESSAGE),
  },
  {
    shape: "a plain-text Cause (States.TaskFailed)",
    check: () => {
      throw failure("States.TaskFailed", "disk full");
    },
    path: [N.checkFailureCause, N.causeShape, N.plainCause],
    published: page("States.TaskFailed", "disk full"),
  },
  {
    shape: "a plain-text Cause that opens like JSON (not JSON)",
    check: () => {
      throw failure("States.Timeout", "{task timed out after 300 s}");
    },
    path: [N.checkFailureCause, N.causeShape, N.plainCause],
    published: page("States.Timeout", "{task timed out after 300 s}"),
  },
  {
    shape: "no Cause",
    check: () => {
      throw failure("Lambda.Unknown", undefined);
    },
    path: [N.checkFailureCause, N.noCauseGiven],
    published: page("Lambda.Unknown", NO_CAUSE_MESSAGE),
  },
  {
    shape: "a 200 KB Cause",
    check: () => {
      throw failure("States.TaskFailed", "x".repeat(200_000));
    },
    path: [N.checkFailureCause, N.causeShape, N.plainCause],
    published: page("States.TaskFailed", "x".repeat(200_000)),
  },
];

describe("NotifyCheckFailure", () => {
  for (const pattern of PIPELINE_PATTERNS) {
    describe(`${pattern} pattern`, () => {
      // Every shape in one pattern; the page path is the same states in the other, shown with a handler's trace.
      for (const { shape, check, path, published } of pattern === "sequential" ? SHAPES : SHAPES.slice(0, 1)) {
        it(`pages the failed step, the error and its message only, for ${shape}`, async () => {
          const pages: Json[] = [];
          const ok = (out: Json) => lambdaInvoke(() => out);
          const definition = buildPipeline({ pattern, resources: PLACEHOLDER_RESOURCES }).render();
          const result = await runDefinition(
            definition,
            { bucket: "csv-in", key: "incoming/orders.csv" },
            {
              handlers: {
                [N.splitCsv]: lambdaInvoke(() => {
                  throw failure("InputError", "the object is not readable");
                }),
                [N.processChunk]: ok({}),
                // The split fails: the uniqueness step is never reached.
                [N.findPartitionDuplicates]: ok({}),
                [N.applyChunkDuplicates]: ok({}),
                [N.aggregateResults]: ok({
                  rows: 0,
                  valid: 0,
                  invalid: 0,
                  byType: {},
                  bySeverity: {},
                  chunks: 0,
                  failedChunks: 0,
                  resultKey: "results/orders-20240131-parent.json",
                }),
                [N.checkErrors]: check,
                [N.notifyCheckFailure]: (input: Json) => {
                  pages.push(input);
                  return { MessageId: "m-1" };
                },
              },
              context: { Execution: EXECUTION },
              retryIntervalMs: 0,
            },
          );

          assert.equal(result.error?.Error, "CheckFailed", JSON.stringify(result.error));
          assert.deepEqual(result.states.slice(-path.length - 2), [...path, N.notifyCheckFailure, N.checkFailed]);
          assert.equal(pages.length, 1);
          assert.equal(pages[0].Message, published);
          assert.doesNotMatch(pages[0].Message, /trace|\/var\/task|\.ts:\d|\.js:\d|\bat /);
        });
      }
    });
  }
});
