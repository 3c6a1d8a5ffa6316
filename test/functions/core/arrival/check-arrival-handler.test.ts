import assert from "node:assert/strict";
import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { type SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { PublishCommand, type PublishCommandInput, type SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { recordFeedRun } from "../../../../functions/adapters/arrival-store";
import { clients } from "../../../../functions/adapters/clients";
import { resetSlackWebhookCache } from "../../../../functions/adapters/ssm";
import { handler, setArrivalClock } from "../../../../functions/check-arrival";
import type { ArrivalResult } from "../../../../functions/core/arrival/check";
import { arrivalEvent } from "../../../../functions/core/arrival/event";
import { type ArrivalRule, parseArrivalRule } from "../../../../functions/core/arrival/rule";
import { InputError } from "../../../../functions/core/errors";
import { setLogSink } from "../../../../functions/core/log";
import { type LocalServices, startLocalServices } from "../../../../local/services/services";
import { restoreEnv } from "../../../support/env";
import { answerChannels, mockChannels, restoreChannels, SlackReceiver } from "../../../support/notify-world";

/** Monday 2025-06-02 10:00:30 Asia/Tokyo, just after a 10:00 deadline. */
const MON_AFTER = "2025-06-02T01:00:30.000Z";
const FEEDS = ["received", "early", "missing", "twice", "race", "weekend", "holiday", "expect", "high", "before"];

describe("check-arrival handler (real local DynamoDB)", function () {
  this.timeout(60_000);
  let svc: LocalServices;
  let slack: SlackReceiver;
  const saved = { ...process.env };
  let sns: AwsClientStub<SNSClient>;
  let ses: AwsClientStub<SESClient>;
  let cw: AwsClientStub<CloudWatchClient>;
  let ssm: AwsClientStub<SSMClient>;
  let restoreSink: (line: string) => void;
  const rule = (over: Partial<ArrivalRule> = {}) => parseArrivalRule({ by: "10:00", ...over }, "arrival");
  const check = (feed: string, at: string, over: Partial<ArrivalRule> = {}) => {
    setArrivalClock(() => new Date(at));
    return handler(arrivalEvent(feed, rule(over))) as Promise<ArrivalResult>;
  };
  const run = (feed: string, startTime: string, executionName = `exec-${feed}-${startTime}`) =>
    recordFeedRun(svc.runsTable, {
      feed,
      executionName,
      startTime,
      key: `incoming/${feed}/x.csv`,
      expiresAt: 2_000_000_000,
    });
  const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input as PublishCommandInput);
  const metrics = () =>
    cw.commandCalls(PutMetricDataCommand).flatMap((c) => (c.args[0].input.MetricData ?? []) as MetricDatum[]);

  before(async () => {
    ({ sns, ses, cw, ssm } = mockChannels());
    svc = await startLocalServices();
    slack = await new SlackReceiver().start();
    Object.assign(process.env, svc.env, {
      PIPELINE_NAME: "orders-pipeline",
      ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:csv-alerts",
      SLACK_WEBHOOK_PARAMETER: "/csv-pipeline/slack-webhook",
      EMAIL_FROM: "noreply@example.jp",
      EMAIL_TO: "ops@example.jp",
      NOTIFY_POLICY: JSON.stringify({ delivery: { timeoutMs: 500, attempts: 2, backoffMs: 1 } }),
      FEEDS: JSON.stringify(FEEDS.map((name) => ({ name, prefix: `incoming/${name}/` }))),
    });
    clients.reset();
    restoreSink = setLogSink(() => undefined);
  });
  after(async () => {
    setLogSink(restoreSink);
    setArrivalClock(undefined);
    restoreChannels({ sns, ses, cw, ssm });
    restoreEnv(saved);
    clients.reset();
    await slack.stop();
    await svc.stop();
  });
  beforeEach(() => {
    answerChannels({ sns, ses, cw, ssm });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: "/csv-pipeline/slack-webhook", Value: slack.url } });
    resetSlackWebhookCache();
    slack.reset();
  });

  it("reports received when a run started after the previous expected deadline (Friday's, for a Monday)", async () => {
    await run("received", "2025-05-31T02:00:00.000Z"); // Saturday 11:00: counts for Monday

    const out = await check("received", MON_AFTER);

    assert.equal(out.status, "received");
    assert.equal(out.expectedBy, "2025-06-02T10:00:00+09:00");
    assert.equal(out.windowOpened, "2025-05-30T10:00:00+09:00");
    assert.equal(out.lastRun?.startTime, "2025-05-31T02:00:00.000Z");
    assert.deepEqual(out.notifications, []);
    assert.equal(published().length + slack.received.length + metrics().length, 0);
  });

  it("reports missing, notifies every CRITICAL channel and publishes FilesMissing when no run started in the window", async () => {
    await run("missing", "2025-05-30T00:30:00.000Z"); // Friday 09:30: Friday's file, before its deadline

    const out = await check("missing", MON_AFTER);

    assert.equal(out.status, "missing");
    assert.equal(out.notice, "sent");
    assert.equal(out.lastRun?.startTime, "2025-05-30T00:30:00.000Z");
    assert.deepEqual(
      out.notifications.map((n) => `${n.channel}:${n.status}`),
      ["sns:sent", "slack:sent", "email:sent"],
    );
    const [publish] = published();
    assert.match(String(publish.Subject), /10:00 までにファイルが届いていません \(missing\)/);
    assert.deepEqual(publish.MessageAttributes?.severity, { DataType: "String", StringValue: "CRITICAL" });
    assert.deepEqual(publish.MessageAttributes?.feed, { DataType: "String", StringValue: "missing" });
    assert.equal(slack.received.length, 1);
    assert.match(slack.received[0].body, /incoming\/missing\//);
    assert.equal(ses.commandCalls(SendEmailCommand).length, 1);
    assert.deepEqual(
      metrics().map((m) => [m.MetricName, m.Value, (m.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(",")]),
      [
        ["FilesMissing", 1, "Pipeline=orders-pipeline"],
        ["FilesMissing", 1, "Pipeline=orders-pipeline,Feed=missing"],
      ],
    );
  });

  it("counts a run that started before the window opened as no file: missing, even with runs on record", async () => {
    await run("early", "2025-05-30T00:59:00.000Z"); // Friday 09:59, one minute before Friday's deadline
    const out = await check("early", MON_AFTER);
    assert.equal(out.status, "missing");
  });

  it("sends the day's notice once when the schedule fires twice, one after the other", async () => {
    const first = await check("twice", MON_AFTER);
    const second = await check("twice", "2025-06-02T01:05:00.000Z");

    assert.equal(first.notice, "sent");
    assert.equal(second.status, "missing");
    assert.equal(second.notice, "already-notified");
    assert.deepEqual(second.notifications, []);
    assert.equal(published().length, 1);
    assert.equal(slack.received.length, 1);
    assert.equal(metrics().filter((m) => m.Dimensions?.length === 1).length, 1);
  });

  it("sends the day's notice once when two checks run at the same time", async () => {
    const both = await Promise.all([check("race", MON_AFTER), handler(arrivalEvent("race", rule()))]);
    assert.deepEqual(both.map((r) => (r as ArrivalResult).notice).sort(), ["already-notified", "sent"]);
    assert.equal(published().length, 1);
  });

  it("is not due before the deadline, and names the day's deadline", async () => {
    const out = await check("before", "2025-06-02T00:59:00.000Z");
    assert.equal(out.status, "not-due");
    assert.equal(out.notDue, "before-deadline");
    assert.equal(out.expectedBy, "2025-06-02T10:00:00+09:00");
    assert.equal(published().length + slack.received.length, 0);
  });

  it("is not due on a day the rule does not name, and names the next deadline (Saturday → Monday)", async () => {
    const out = await check("weekend", "2025-05-31T05:00:00.000Z");
    assert.equal(out.status, "not-due");
    assert.equal(out.notDue, "not-expected-today");
    assert.equal(out.expectedBy, "2025-06-02T10:00:00+09:00");
    assert.equal(published().length + metrics().length, 0);
  });

  it("skips a Japanese public holiday with holidays: skip, and expects a file on it with holidays: expect", async () => {
    const holiday = "2026-01-12T01:30:00.000Z"; // Monday 2026-01-12 10:30, Coming of Age Day

    const skipped = await check("holiday", holiday);
    const expected = await check("expect", holiday, { holidays: "expect" });

    assert.equal(skipped.status, "not-due");
    assert.equal(skipped.expectedBy, "2026-01-13T10:00:00+09:00");
    assert.equal(expected.status, "missing");
    assert.equal(published().length, 1);
  });

  it("routes a HIGH rule as HIGH notices go (Slack and e-mail, never on-call)", async () => {
    const out = await check("high", MON_AFTER, { severity: "HIGH" });
    assert.deepEqual(
      out.notifications.map((n) => n.channel),
      ["slack", "email"],
    );
    assert.equal(published().length, 0);
  });

  it("refuses an event without a known feed or with a bad rule, naming what to fix", async () => {
    await assert.rejects(handler({ arrival: "check", feed: "nope", rule: { by: "10:00" } }), /feed "nope" is not one/);
    await assert.rejects(
      handler({ arrival: "check", feed: "missing", rule: { by: "25:00" } }),
      (err: Error) => err instanceof InputError && /rule\.by: must be the deadline as "HH:MM"/.test(err.message),
    );
    await assert.rejects(handler({}), /check-arrival input must be/);
  });
});
