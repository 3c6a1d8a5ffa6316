import assert from "node:assert/strict";
import { runDefinition } from "../../../local/engine/execution";
import { AWS_LIMITS, LimitLedger } from "../../../local/services/aws-limits";

const TASK = "arn:aws:states:::lambda:invoke";
const LIMIT = AWS_LIMITS.statePayload.max;

/** A JSON value whose serialization is exactly `bytes` bytes: `{"x":"aaa…"}`. */
function payloadOf(bytes: number): { x: string } {
  return { x: "a".repeat(bytes - '{"x":""}'.length) };
}

/** A Task with a Retry and a Catch on States.ALL, and the state its Catch leads to. */
function guardedTask(extra: Record<string, unknown> = {}) {
  return {
    StartAt: "Work",
    States: {
      Work: {
        Type: "Task",
        Resource: TASK,
        Retry: [{ ErrorEquals: ["States.ALL"], MaxAttempts: 2 }],
        Catch: [{ ErrorEquals: ["States.ALL"], Next: "Caught" }],
        Next: "After",
        ...extra,
      },
      After: { Type: "Pass", End: true },
      Caught: { Type: "Pass", End: true },
    },
  };
}

describe("the local engine's payload limit (States.DataLimitExceeded)", () => {
  it("fails the execution when a task returns more than 256 KiB, and neither its Retry nor its Catch handles it", async () => {
    let calls = 0;
    const ledger = new LimitLedger();

    const result = await runDefinition(
      guardedTask(),
      {},
      {
        handlers: {
          Work: () => {
            calls++;
            return payloadOf(LIMIT + 1);
          },
        },
        retryIntervalMs: 0,
        limits: ledger,
      },
    );

    assert.equal(result.status, "FAILED");
    assert.equal(result.error?.Error, "States.DataLimitExceeded");
    assert.match(result.error?.Cause ?? "", /"Work" is 262,145 bytes/);
    assert.equal(calls, 1, "no retry");
    assert.deepEqual(result.states, ["Work"], "the Catch's state never runs");
    assert.equal(result.timeline[0].outcome, "failed");
    const [state] = ledger.entries();
    assert.deepEqual(state, { limit: "state payload", max: LIMIT, largest: LIMIT + 1, where: "Work" });
  });

  it("lets a payload of exactly 256 KiB through", async () => {
    const result = await runDefinition(
      guardedTask({ ResultPath: null }),
      {},
      { handlers: { Work: () => payloadOf(LIMIT) }, retryIntervalMs: 0 },
    );

    assert.equal(result.status, "SUCCEEDED");
    assert.deepEqual(result.states, ["Work", "After"]);
  });

  it("fails when the state's output is over the limit although the task's result is not (ResultPath merges them)", async () => {
    const half = Math.ceil(LIMIT / 2) + 10;

    const result = await runDefinition(guardedTask({ ResultPath: "$.result" }), payloadOf(half), {
      handlers: { Work: () => payloadOf(half) },
      retryIntervalMs: 0,
    });

    assert.equal(result.status, "FAILED");
    assert.equal(result.error?.Error, "States.DataLimitExceeded");
    assert.match(result.error?.Cause ?? "", /output of state "Work"/);
    assert.deepEqual(result.states, ["Work"]);
  });

  it("fails when a Map's gathered results are over the limit, though each iteration's are small; its Catch does not handle it", async () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const ledger = new LimitLedger();
    const definition = {
      StartAt: "Each",
      States: {
        Each: {
          Type: "Map",
          ItemsPath: "$.items",
          ItemProcessor: {
            ProcessorConfig: { Mode: "INLINE" },
            StartAt: "One",
            States: { One: { Type: "Task", Resource: TASK, End: true } },
          },
          Catch: [{ ErrorEquals: ["States.ALL"], Next: "Caught" }],
          End: true,
        },
        Caught: { Type: "Pass", End: true },
      },
    };

    const result = await runDefinition(
      definition,
      { items },
      { handlers: { One: () => payloadOf(8 * 1024) }, retryIntervalMs: 0, limits: ledger },
    );

    assert.equal(result.status, "FAILED");
    assert.equal(result.error?.Error, "States.DataLimitExceeded");
    assert.match(result.error?.Cause ?? "", /output of state "Each"/);
    assert.ok(!result.states.includes("Caught"));
    assert.equal(result.states.filter((s) => s === "One").length, items.length);
    assert.equal(ledger.entries()[0].where, "Each");
  });

  it("fails a Map iteration whose input after ItemSelector is over the limit, and the whole execution with it", async () => {
    const definition = {
      StartAt: "Each",
      States: {
        Each: {
          Type: "Map",
          ItemsPath: "$.items",
          ItemSelector: { "big.$": "$.big", "item.$": "$$.Map.Item.Value", pad: "p".repeat(100) },
          ItemProcessor: {
            ProcessorConfig: { Mode: "INLINE" },
            StartAt: "One",
            States: { One: { Type: "Pass", End: true } },
          },
          ResultPath: null,
          Catch: [{ ErrorEquals: ["States.ALL"], Next: "Caught" }],
          End: true,
        },
        Caught: { Type: "Pass", End: true },
      },
    };
    // The state's own input fits; each item's input (the big value, the item and the padding) does not.
    const big = "b".repeat(LIMIT - 60);

    const result = await runDefinition(definition, { items: [1], big }, { handlers: {}, retryIntervalMs: 0 });

    assert.equal(result.status, "FAILED");
    assert.equal(result.error?.Error, "States.DataLimitExceeded");
    assert.match(result.error?.Cause ?? "", /input of state "One"/);
    assert.ok(!result.states.includes("Caught"));
  });

  it("records the largest payload of a run within the limit, and where it was", async () => {
    const ledger = new LimitLedger();

    const result = await runDefinition(
      guardedTask({ ResultPath: "$.result" }),
      { n: 1 },
      { handlers: { Work: () => payloadOf(1000) }, retryIntervalMs: 0, limits: ledger },
    );

    assert.equal(result.status, "SUCCEEDED");
    const [state] = ledger.entries();
    assert.equal(state.largest, '{"n":1,"result":}'.length + 1000);
    assert.ok(["Work", "After"].includes(state.where), state.where);
  });
});
