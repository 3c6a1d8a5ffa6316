import assert from "node:assert/strict";
import { DeliveryAttemptError, RetryAfterExceededError } from "../../../functions/core/errors";
import { backoffDelay, withDeliveryRetry, withRetry } from "../../../functions/core/retry";

describe("backoffDelay", () => {
  it("doubles from the base and stops at the cap", () => {
    const none = [1, 2, 3, 4, 5].map((r) => backoffDelay(r, { baseMs: 100, capMs: 500, jitter: "none" }));
    assert.deepEqual(none, [100, 200, 400, 500, 500]);
  });

  it("draws full jitter from [0, d) and partial jitter from [d, 1.25 d], both within the cap", () => {
    assert.equal(
      backoffDelay(3, { baseMs: 100, jitter: "full" }, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(3, { baseMs: 100, jitter: "full" }, () => 0.5),
      200,
    );
    assert.equal(
      backoffDelay(3, { baseMs: 100, jitter: "partial" }, () => 0),
      400,
    );
    assert.equal(
      backoffDelay(3, { baseMs: 100, jitter: "partial" }, () => 0.999),
      500,
    );
    assert.equal(
      backoffDelay(3, { baseMs: 100, capMs: 450, jitter: "partial" }, () => 0.999),
      450,
    );
  });
});

describe("withRetry", () => {
  const waits: number[] = [];
  const base = {
    attempts: 4,
    baseMs: 10,
    jitter: "none" as const,
    sleep: async (ms: number) => void waits.push(ms),
  };
  beforeEach(() => {
    waits.length = 0;
  });

  it("retries retryable failures with backoff and reports the attempts made", async () => {
    let calls = 0;
    const out = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new Error("flaky");
        return "ok";
      },
      { ...base, retryable: () => true },
    );
    assert.deepEqual(out, { value: "ok", attempts: 3 });
    assert.deepEqual(waits, [10, 20]);
  });

  it("throws the last failure as it is after the bounded attempts", async () => {
    const failure = new Error("still down");
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw failure;
        },
        { ...base, retryable: () => true },
      ),
      (e: unknown) => e === failure,
    );
    assert.equal(calls, 4);
    assert.deepEqual(waits, [10, 20, 40]);
  });

  it("ends at once on a failure it may not retry", async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new TypeError("bad request");
        },
        { ...base, retryable: (e) => !(e instanceof TypeError) },
      ),
      TypeError,
    );
    assert.equal(calls, 1);
    assert.deepEqual(waits, []);
  });

  it("waits a requested Retry-After instead of the backoff, and refuses one above the limit", async () => {
    const asked = (ms: number) => new DeliveryAttemptError("429", true, ms);
    let calls = 0;
    const out = await withDeliveryRetry(
      async () => {
        calls++;
        if (calls === 1) throw asked(2000);
        return calls;
      },
      { timeoutMs: 100, attempts: 3, backoffMs: 10, maxRetryAfterMs: 30_000, sleep: base.sleep },
    );
    assert.equal(out.attempts, 2);
    assert.deepEqual(waits, [2000]);

    const tooLong = asked(600_000);
    await assert.rejects(
      withDeliveryRetry(
        async () => {
          throw tooLong;
        },
        { timeoutMs: 100, attempts: 3, backoffMs: 10, maxRetryAfterMs: 30_000, sleep: base.sleep },
      ),
      (e: unknown) =>
        e instanceof RetryAfterExceededError &&
        e.cause === tooLong &&
        /Retry-After 600 s exceeds the 30 s/.test(e.message),
    );
    assert.deepEqual(waits, [2000]);
  });

  it("retries only delivery failures marked retryable", async () => {
    let calls = 0;
    await assert.rejects(
      withDeliveryRetry(
        async () => {
          calls++;
          throw new DeliveryAttemptError("answered 400", false);
        },
        { timeoutMs: 100, attempts: 3, backoffMs: 10, maxRetryAfterMs: 1000, sleep: base.sleep },
      ),
      /answered 400/,
    );
    assert.equal(calls, 1);
  });
});
