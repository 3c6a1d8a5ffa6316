import assert from "node:assert/strict";
import { clients } from "../../../../functions/adapters/clients";
import { sendEmailNotice } from "../../../../functions/adapters/ses";
import { publishSnsNotice } from "../../../../functions/adapters/sns";
import { getSlackWebhookUrl, resetSlackWebhookCache } from "../../../../functions/adapters/ssm";
import { handler, setClock } from "../../../../functions/check-errors-and-notify";
import type { CheckInput } from "../../../../functions/contract";
import { NotificationDeliveryError } from "../../../../functions/core/errors";
import { setLogSink } from "../../../../functions/core/log";
import { DEFAULT_NOTIFY_POLICY } from "../../../../functions/core/notify/policy";
import { type AwsRecorder, startAwsRecorder } from "../../../../local/services/aws-recorder";
import { parseFaults } from "../../../../local/services/faults";
import { type LocalServices, startLocalServices } from "../../../../local/services/services";
import { restoreEnv } from "../../../support/env";
import { SlackReceiver } from "../../../support/notify-world";

const WEBHOOK_PARAMETER = "/csv-pipeline/slack-webhook";

/**
 * HTTP attempts per notice, counted where they arrive: a loopback endpoint speaking SNS, SES, SSM and CloudWatch
 * behind the real SDK clients, and a loopback Slack webhook. The documented bound is the policy's
 * `delivery.attempts` (3 by default) — whatever the SDK's own retry settings (`AWS_MAX_ATTEMPTS` is set high here).
 */
describe("notice delivery attempts (loopback endpoints)", function () {
  this.timeout(60_000);
  const saved = { ...process.env };
  /** The documented default, written out: comparing with the constant itself would follow any change to it. */
  const documented = 3;
  let svc: LocalServices;
  let aws: AwsRecorder;
  let slack: SlackReceiver;
  let restoreSink: (line: string) => void;
  const opts = { timeoutMs: 5000, attempts: documented, backoffMs: 1, maxRetryAfterMs: 1000 };

  before(async () => {
    svc = await startLocalServices();
    slack = await new SlackReceiver().start();
    aws = await startAwsRecorder({
      parameters: { [WEBHOOK_PARAMETER]: slack.url },
      faults: parseFaults(["sns-failure", "email-failure"]),
    });
    Object.assign(process.env, svc.env, aws.env, {
      AWS_MAX_ATTEMPTS: "5",
      ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:csv-alerts",
      SLACK_WEBHOOK_PARAMETER: WEBHOOK_PARAMETER,
      EMAIL_FROM: "noreply@example.jp",
      EMAIL_TO: "ops@example.jp",
      NOTIFY_POLICY: JSON.stringify({ delivery: { backoffMs: 1 } }),
    });
    clients.reset();
    restoreSink = setLogSink(() => undefined);
  });
  after(async () => {
    setLogSink(restoreSink);
    setClock(undefined);
    restoreEnv(saved);
    clients.reset();
    resetSlackWebhookCache();
    await aws.stop();
    await slack.stop();
    await svc.stop();
  });
  beforeEach(() => {
    aws.calls.length = 0;
    slack.reset();
    resetSlackWebhookCache();
  });

  const calls = (action: string) => aws.calls.filter((c) => c.action === action);

  it("defaults to three delivery attempts per channel", () => {
    assert.equal(DEFAULT_NOTIFY_POLICY.delivery.attempts, 3);
  });

  it("makes exactly the documented attempts for an SNS notice answered 500", async () => {
    const notice = { subject: "s", message: "m", severity: "CRITICAL" as const, executionName: "e", truncated: false };

    await assert.rejects(publishSnsNotice("arn:aws:sns:ap-northeast-1:123456789012:csv-alerts", notice, opts), {
      name: "DeliveryAttemptError",
      message: /SNS Publish failed/,
    });

    assert.equal(calls("Publish").length, documented);
    assert.ok(calls("Publish").every((c) => c.status === 500));
  });

  it("makes exactly the documented attempts for an e-mail answered 500", async () => {
    const notice = { subject: "s", text: "t", html: "<p>h</p>" };

    await assert.rejects(sendEmailNotice("noreply@example.jp", ["ops@example.jp"], notice, opts), {
      name: "DeliveryAttemptError",
      message: /SES SendEmail failed/,
    });

    assert.equal(calls("SendEmail").length, documented);
  });

  it("reads the webhook parameter with one HTTP attempt per read, up to its own bound", async () => {
    await assert.rejects(getSlackWebhookUrl("/csv-pipeline/missing"), { name: "SlackWebhookConfigError" });
    assert.equal(calls("GetParameter").length, 1, "ParameterNotFound is not retried");

    assert.equal(await getSlackWebhookUrl(WEBHOOK_PARAMETER), slack.url);
    assert.equal(calls("GetParameter").length, 2);
  });

  it("makes exactly the documented attempts per channel when the check finds every channel failing", async () => {
    setClock(() => new Date("2025-06-02T03:00:00.000Z")); // Monday 12:00 Asia/Tokyo
    slack.script.push(...Array.from({ length: 10 }, () => ({ status: 500 })));
    const input: CheckInput = {
      executionName: "exec-attempts",
      startTime: "2025-06-02T03:00:00.000Z",
      bucket: "in-bucket",
      key: "incoming/attempts/orders.csv",
      chunkCount: 0,
      splitStatus: "NOT_RUN",
      failure: { Error: "States.TaskFailed", Cause: "split crashed" },
    };

    await assert.rejects(handler(input, {}), (e: unknown) => e instanceof NotificationDeliveryError);

    assert.equal(calls("Publish").length, documented, "SNS");
    assert.equal(calls("SendEmail").length, documented, "SES");
    assert.equal(slack.received.length, documented, "Slack");
  });
});
