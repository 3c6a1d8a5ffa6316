import assert from "node:assert/strict";
import { ERROR_NAMES } from "../../../functions/contract";
import { ConcurrencyQuota } from "../../../local/engine/lambda-concurrency";
import { loadPipeline, type PipelineHandlers } from "../../../local/engine/pipeline-source";
import { bindPipelineTasks } from "../../../local/engine/tasks";
import { STATE_NAMES as N } from "../../../workflow/pipeline";
import { restoreEnv } from "../../support/env";

/** A handler that runs until `release()` is called. */
function held() {
  let release: () => void = () => {};
  const until = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { release, handler: async () => until.then(() => ({ ok: true })) };
}

describe("ConcurrencyQuota", () => {
  it("refuses an invocation above the quota at once, as Lambda.TooManyRequestsException, and admits again once one ends", async () => {
    const quota = new ConcurrencyQuota(2);
    const a = held();
    const guarded = quota.guard(a.handler);
    const running = [guarded({}), guarded({})];

    await assert.rejects(guarded({}), (err: Error) => {
      assert.equal(err.name, ERROR_NAMES.lambdaThrottled);
      assert.equal(err.name, "Lambda.TooManyRequestsException");
      assert.match(err.message, /^Rate Exceeded\. .*all 2 concurrent executions of the account are in use$/);
      return true;
    });
    a.release();
    assert.deepEqual(await Promise.all(running), [{ ok: true }, { ok: true }]);
    assert.deepEqual(await guarded({}), { ok: true });
    assert.deepEqual(
      { peak: quota.peak, throttled: quota.throttled, admitted: quota.admitted },
      {
        peak: 2,
        throttled: 1,
        admitted: 3,
      },
    );
  });

  it("frees the slot of an invocation that failed", async () => {
    const quota = new ConcurrencyQuota(1);
    const failing = quota.guard(async () => {
      throw new Error("handler failed");
    });
    await assert.rejects(failing({}), /handler failed/);
    await assert.rejects(failing({}), /handler failed/);
    assert.equal(quota.throttled, 0);
  });

  it("refuses a quota that is not a whole number ≥ 1, naming it", () => {
    assert.throws(() => new ConcurrencyQuota(0), /Lambda concurrency quota is 0; give a whole number/);
    assert.throws(() => new ConcurrencyQuota(1.5), RangeError);
  });
});

describe("bindPipelineTasks with a concurrency quota", () => {
  const saved = { ...process.env };
  after(() => restoreEnv(saved));

  it("shares one quota across every function and leaves the state machine's own sns:publish alone", async () => {
    // Nothing listens on port 9: the publish fails as an SNS call, not as a throttled invocation.
    process.env.AWS_ENDPOINT_URL_SNS = "http://127.0.0.1:9";
    const chunk = held();
    const stub = async () => ({});
    const functions: PipelineHandlers = {
      splitCsv: stub,
      processChunk: chunk.handler,
      aggregateResults: stub,
      findDuplicates: stub,
      checkErrors: stub,
    };
    const pipeline = { ...loadPipeline("sequential"), loadHandlers: () => functions };
    const tasks = bindPipelineTasks(pipeline, {}, undefined, new ConcurrencyQuota(1));
    try {
      const running = tasks.handlers[N.processChunk]({ FunctionName: "process-chunk", Payload: {} } as never);

      for (const state of [
        N.splitCsv,
        N.processChunk,
        N.aggregateResults,
        N.findPartitionDuplicates,
        N.applyChunkDuplicates,
        N.checkErrors,
      ])
        await assert.rejects(
          Promise.resolve(tasks.handlers[state]({ Payload: {} } as never)),
          { name: "Lambda.TooManyRequestsException" },
          state,
        );
      await assert.rejects(
        Promise.resolve(tasks.handlers[N.notifyCheckFailure]({ Message: "m" } as never)),
        (err: Error) => err.name.startsWith("SNS."),
      );
      chunk.release();
      assert.deepEqual((await running) as unknown, {
        ExecutedVersion: "$LATEST",
        Payload: { ok: true },
        StatusCode: 200,
      });
    } finally {
      tasks.close();
    }
  });
});
