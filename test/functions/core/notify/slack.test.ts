import assert from "node:assert/strict";
import { postSlackWebhook } from "../../../../functions/adapters/slack";
import { DeliveryAttemptError } from "../../../../functions/core/errors";
import { SlackReceiver } from "../../../support/notify-world";

describe("postSlackWebhook (loopback webhook)", () => {
  let slack: SlackReceiver;
  const waits: number[] = [];
  const opts = {
    timeoutMs: 300,
    attempts: 3,
    backoffMs: 10,
    maxRetryAfterMs: 30_000,
    sleep: async (ms: number) => void waits.push(ms),
    random: () => 0,
  };
  before(async () => {
    slack = await new SlackReceiver().start();
  });
  after(() => slack.stop());
  beforeEach(() => {
    slack.reset();
    waits.length = 0;
  });

  it("posts exactly the JSON payload once on 200", async () => {
    const payload = {
      text: "hello",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "`&lt;!channel&gt;`" } }],
    };
    const out = await postSlackWebhook(slack.url, payload, opts);
    assert.deepEqual(out, { attempts: 1, status: 200 });
    assert.equal(slack.received.length, 1);
    assert.equal(slack.received[0].body, JSON.stringify(payload));
  });

  it("waits the Retry-After of a 429, then succeeds", async () => {
    slack.script.push({ status: 429, headers: { "retry-after": "2" } });
    const out = await postSlackWebhook(slack.url, { text: "x" }, opts);
    assert.equal(out.attempts, 2);
    assert.deepEqual(waits, [2000]);
    assert.equal(slack.received.length, 2);
  });

  it("fails without waiting when Retry-After exceeds the longest wait", async () => {
    slack.script.push({ status: 429, headers: { "retry-after": "600" } });
    await assert.rejects(postSlackWebhook(slack.url, { text: "x" }, opts), /Retry-After 600 s exceeds the 30 s/);
    assert.deepEqual(waits, []);
  });

  it("retries 500 with exponential backoff, bounded by the attempts", async () => {
    slack.script.push({ status: 500 }, { status: 503 });
    const ok = await postSlackWebhook(slack.url, { text: "x" }, opts);
    assert.equal(ok.attempts, 3);
    assert.deepEqual(waits, [10, 20]);
    slack.reset();
    waits.length = 0;
    slack.script.push({ status: 500 }, { status: 500 }, { status: 500 }, { status: 200 });
    await assert.rejects(
      postSlackWebhook(slack.url, { text: "x" }, opts),
      (e: unknown) => e instanceof DeliveryAttemptError && /answered 500/.test(e.message),
    );
    assert.equal(slack.received.length, 3);
  });

  it("times out a slow answer and retries it", async () => {
    slack.script.push({ status: 200, delayMs: 1000 });
    const out = await postSlackWebhook(slack.url, { text: "x" }, opts);
    assert.equal(out.attempts, 2);
    assert.equal(slack.received.length, 2);
    slack.reset();
    slack.script.push({ status: 200, delayMs: 1000 }, { status: 200, delayMs: 1000 }, { status: 200, delayMs: 1000 });
    await assert.rejects(postSlackWebhook(slack.url, { text: "x" }, opts), /timed out after 300 ms/);
  });

  it("does not retry a 4xx such as a revoked webhook", async () => {
    slack.script.push({ status: 404, body: "no_service" });
    await assert.rejects(postSlackWebhook(slack.url, { text: "x" }, opts), /answered 404 no_service/);
    assert.equal(slack.received.length, 1);
  });
});
