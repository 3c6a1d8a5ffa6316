import assert from "node:assert/strict";
import { LocalSetupError } from "../../../local/engine/errors";
import { runDefinition, startExecution } from "../../../local/engine/execution";
import type { TaskHandler } from "../../../local/engine/invoke";

const TASK = "arn:aws:states:::lambda:invoke";

function failing(name: string, message: string): TaskHandler {
  return () => {
    const err = new Error(message);
    err.name = name;
    throw err;
  };
}

describe("startExecution", () => {
  it("gives the execution the context's start time wherever the definition reads it, then leaves the clock alone", async () => {
    const RealDate = Date;
    const definition = {
      StartAt: "Stamp",
      States: {
        Stamp: {
          Type: "Pass",
          Parameters: {
            "at.$": "$$.Execution.StartTime",
            "text.$": "States.Format('started {}', $$.Execution.StartTime)",
          },
          End: true,
        },
      },
    };

    const result = await runDefinition(
      definition,
      {},
      {
        handlers: {},
        context: { Execution: { Name: "exec-1", StartTime: "2024-01-31T09:00:00.000Z" } },
      },
    );

    assert.equal(result.status, "SUCCEEDED");
    assert.deepEqual(result.output, { at: "2024-01-31T09:00:00.000Z", text: "started 2024-01-31T09:00:00.000Z" });
    assert.equal(Date, RealDate);
    assert.notEqual(new Date().getFullYear(), 2024);
  });

  it("records a failure a Catch took over as caught, with its error, and the execution goes on", async () => {
    const definition = {
      StartAt: "Work",
      States: {
        Work: {
          Type: "Task",
          Resource: TASK,
          Catch: [{ ErrorEquals: ["States.ALL"], Next: "After" }],
          End: true,
        },
        After: { Type: "Pass", End: true },
      },
    };

    const result = await runDefinition(definition, {}, { handlers: { Work: failing("Runtime.ExitError", "exit 1") } });

    assert.equal(result.status, "SUCCEEDED");
    assert.deepEqual(
      result.timeline.map((e) => [e.state, e.outcome, e.error]),
      [
        ["Work", "caught", "Runtime.ExitError"],
        ["After", "succeeded", undefined],
      ],
    );
  });

  it("marks a failed Map iteration failed and reports each iteration's end", async () => {
    const definition = {
      StartAt: "Each",
      States: {
        Each: {
          Type: "Map",
          ItemsPath: "$.items",
          ItemProcessor: { StartAt: "One", States: { One: { Type: "Task", Resource: TASK, End: true } } },
          End: true,
        },
      },
    };
    const ended: number[] = [];

    const result = await runDefinition(
      definition,
      { items: [1] },
      { handlers: { One: failing("ProcessingError", "bad chunk") }, onIterationEnd: (n) => ended.push(n) },
    );

    assert.equal(result.status, "FAILED");
    assert.deepEqual(result.error, { Error: "ProcessingError", Cause: "bad chunk" });
    assert.deepEqual(
      result.timeline.map((e) => [e.state, e.index, e.outcome]),
      [
        ["Each", undefined, "failed"],
        ["One", 0, "failed"],
      ],
    );
    assert.deepEqual(ended, [1]);
  });

  it("waits retryIntervalMs instead of the definition's interval before a retry", async () => {
    let calls = 0;
    const definition = {
      StartAt: "Flaky",
      States: {
        Flaky: {
          Type: "Task",
          Resource: TASK,
          Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 30, MaxAttempts: 2 }],
          End: true,
        },
      },
    };
    const started = Date.now();

    const result = await runDefinition(
      definition,
      {},
      {
        handlers: {
          Flaky: () => {
            calls++;
            if (calls === 1) failing("Throttled", "slow down")({});
            return { ok: true };
          },
        },
        retryIntervalMs: 0,
      },
    );

    assert.equal(result.status, "SUCCEEDED");
    assert.deepEqual(result.retries, { Flaky: 1 });
    assert.ok(Date.now() - started < 5000, "did not wait the definition's 30 s");
    assert.deepEqual(
      result.timeline.map((e) => [e.outcome, e.error]),
      [["succeeded", "Throttled"]],
    );
  });

  it("refuses a definition whose Task state has no local handler, naming the state", () => {
    const definition = {
      StartAt: "Both",
      States: {
        Both: {
          Type: "Parallel",
          Branches: [{ StartAt: "Inner", States: { Inner: { Type: "Task", Resource: TASK, End: true } } }],
          End: true,
        },
      },
    };

    assert.throws(
      () => startExecution(definition, {}, { handlers: {} }),
      (err: unknown) => err instanceof LocalSetupError && err.name === "LocalSetupError" && /Inner/.test(err.message),
    );
  });
});
