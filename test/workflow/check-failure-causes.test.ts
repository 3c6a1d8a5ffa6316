import assert from "node:assert/strict";
import { runDefinition } from "../../local/execution";
import { type Json, lambdaInvoke } from "../../local/invoke";
import { buildPipeline, STATE_NAMES as N, PLACEHOLDER_RESOURCES } from "../../workflow/pipeline";

const EXECUTION = { Name: "orders-20240131-parent", StartTime: "2024-01-31T09:00:00.000Z" };

/** An error as a failing task reports it, with a Cause of the given shape (undefined: none at all). */
function failure(name: string, cause: string | undefined): Error {
  const e = new Error("placeholder");
  e.name = name;
  Object.defineProperty(e, "message", { value: cause, enumerable: false });
  return e;
}

const SHAPES: { shape: string; cause: string | undefined; shown: RegExp }[] = [
  { shape: "no Cause", cause: undefined, shown: /error: Lambda\.Unknown cause: \(the error gave no cause\)$/ },
  { shape: "a plain-text Cause", cause: "disk full", shown: /error: States\.TaskFailed cause: disk full$/ },
  {
    shape: "a Lambda JSON Cause",
    cause: JSON.stringify({ errorMessage: "boom", errorType: "TypeError", trace: ["TypeError: boom"] }),
    shown: /cause: \{"errorMessage":"boom"/,
  },
  { shape: "a 200 KB Cause", cause: "x".repeat(200_000), shown: /cause: x{200000}$/ },
];

describe("NotifyCheckFailure", () => {
  for (const { shape, cause, shown } of SHAPES) {
    it(`pages on-call when the check fails with ${shape}`, async () => {
      const published: Json[] = [];
      const ok = (out: Json) => lambdaInvoke(() => out);
      const definition = buildPipeline({ pattern: "sequential", resources: PLACEHOLDER_RESOURCES }).render();
      const result = await runDefinition(
        definition,
        { bucket: "csv-in", key: "incoming/orders.csv" },
        {
          handlers: {
            [N.splitCsv]: lambdaInvoke(() => {
              throw failure("InputError", "the object is not readable");
            }),
            [N.processChunk]: ok({}),
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
            // As the Task state sees it (no Lambda wrapping): the error's message is the Catch's Cause.
            [N.checkErrors]: () => {
              throw failure(shape === "no Cause" ? "Lambda.Unknown" : "States.TaskFailed", cause);
            },
            [N.notifyCheckFailure]: (input: Json) => {
              published.push(input);
              return { MessageId: "m-1" };
            },
          },
          context: { Execution: EXECUTION },
          retryIntervalMs: 0,
        },
      );

      assert.equal(result.error?.Error, "CheckFailed", JSON.stringify(result.error));
      const path = cause === undefined ? [N.checkFailureCause, N.noCauseGiven] : [N.checkFailureCause];
      assert.deepEqual(result.states.slice(-path.length - 2), [...path, N.notifyCheckFailure, N.checkFailed]);
      assert.equal(published.length, 1);
      assert.match(String(published[0].Message), shown);
    });
  }
});
