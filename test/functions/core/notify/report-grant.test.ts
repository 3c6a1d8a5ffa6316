import assert from "node:assert/strict";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { type SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { clients, setClientCredentials } from "../../../../functions/adapters/clients";
import { handler, setClock } from "../../../../functions/check-errors-and-notify";
import type { CheckInput, CheckOutput } from "../../../../functions/contract";
import { setLogSink } from "../../../../functions/core/log";
import { localFunctionStatements } from "../../../../local/services/iam-local";
import { LOCAL_REGION, type LocalServices, startLocalServices } from "../../../../local/services/services";
import { restoreEnv } from "../../../support/env";
import {
  answerChannels,
  batchPut,
  errorRecord,
  mockChannels,
  putChunkItems,
  putFileItem,
  restoreChannels,
} from "../../../support/notify-world";

const BUCKET = "in-bucket";
const MON_NOON = "2025-06-02T03:00:00.000Z"; // Monday 12:00 Asia/Tokyo

/**
 * The check's report against the local S3, which evaluates the check's own role as IAM would: with the role's
 * `WriteRunReport` grant the report is written and the notices link it; without it S3 answers 403, the check says
 * so in its output and log, and the notices still go, without the link.
 */
describe("the check's report and its grant (local S3, the check's role)", function () {
  this.timeout(60_000);
  let svc: LocalServices;
  let channels: {
    sns: AwsClientStub<SNSClient>;
    ses: AwsClientStub<SESClient>;
    cw: AwsClientStub<CloudWatchClient>;
    ssm: AwsClientStub<SSMClient>;
  };
  const saved = { ...process.env };
  const logs: Record<string, unknown>[] = [];
  let restoreSink: (line: string) => void;
  let n = 0;

  before(async () => {
    channels = mockChannels();
    const own = localFunctionStatements(
      { bucket: BUCKET, errorTable: "errors", runsTable: "runs", region: LOCAL_REGION },
      { inputPrefix: "incoming/" },
    ).checkErrors;
    assert.ok(own.some((s) => s.Sid === "WriteRunReport"));
    svc = await startLocalServices({
      bucket: BUCKET,
      s3Roles: {
        CHECK: { name: "check", statements: own },
        CHECKNOREPORT: { name: "check-without-report", statements: own.filter((s) => s.Sid !== "WriteRunReport") },
      },
    });
    Object.assign(process.env, svc.env, {
      PIPELINE_NAME: "orders-pipeline",
      EMAIL_FROM: "noreply@example.jp",
      EMAIL_TO: "ops@example.jp",
      SLACK_WEBHOOK_PARAMETER: "/csv-pipeline/slack-webhook",
      ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:csv-alerts",
      CONSOLE_REGION: "ap-northeast-1",
      // HIGH goes to e-mail only: its text and HTML show whether the report is linked.
      NOTIFY_POLICY: JSON.stringify({
        routing: { CRITICAL: ["email"], HIGH: ["email"], MEDIUM: ["email"], LOW: ["email"] },
        rateLimit: { max: 1000 },
      }),
    });
    clients.reset();
    setClock(() => new Date(MON_NOON));
    restoreSink = setLogSink((line) => logs.push(JSON.parse(line)));
  });
  after(async () => {
    setLogSink(restoreSink);
    setClientCredentials(undefined);
    setClock(undefined);
    restoreChannels(channels);
    restoreEnv(saved);
    clients.reset();
    await svc.stop();
  });
  beforeEach(() => {
    answerChannels(channels);
    logs.length = 0;
  });

  /** Runs the check for a fresh execution with 2 HIGH errors, signed with `accessKeyId`'s role. */
  async function check(accessKeyId: string): Promise<{ input: CheckInput; out: CheckOutput }> {
    n++;
    const input: CheckInput = {
      executionName: `orders-report-${n}`,
      startTime: MON_NOON,
      bucket: BUCKET,
      key: `incoming/p${n}/orders.csv`,
      chunkCount: 1,
      splitStatus: "OK",
      failure: null,
    };
    // The tables are the local services' own (not under the role): only S3 is asked for the check's grant here.
    await putFileItem(svc.runsTable, input.executionName, { bucket: BUCKET, key: input.key, chunkCount: 1 });
    await putChunkItems(svc.runsTable, input.executionName, 1, { rows: 10, bySeverity: { HIGH: 2 } });
    await batchPut(svc.errorTable, [
      errorRecord(input.executionName, 3, "HIGH", { recordData: { email: "hanako@example.jp" }, column: "email" }),
      errorRecord(input.executionName, 5, "HIGH"),
    ] as never);
    setClientCredentials(() => ({ accessKeyId, secretAccessKey: accessKeyId }));
    try {
      return { input, out: (await handler(input, {})) as CheckOutput };
    } finally {
      setClientCredentials(undefined);
    }
  }

  it("writes results/<exec>.html with the check's grant, and the e-mail links it", async () => {
    const { input, out } = await check("CHECK");

    const key = `results/${input.executionName}.html`;
    assert.deepEqual(out.report, { key, status: "written" });
    const object = await svc.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.equal(object.ContentType, "text/html; charset=utf-8");
    const html = (await object.Body?.transformToString()) ?? "";
    assert.match(html, new RegExp(`<code>${input.executionName}</code> <span class="status SUCCEEDED">`));
    assert.match(
      html,
      /<td class="num">10<\/td><td class="num">8<\/td><td class="num">2<\/td><td class="num">2<\/td><td class="num">2<\/td>/,
    );
    assert.match(html, /<strong>Row 3 ValidationError \[HIGH\] column: email<\/strong>/);
    assert.ok(!html.includes("hanako@example.jp"), "the example's e-mail address is masked");
    assert.ok(html.includes(`<code>s3://${BUCKET}/rejected/${input.executionName}/errors.csv</code>`));

    const url = `https://ap-northeast-1.console.aws.amazon.com/s3/object/${BUCKET}?region=ap-northeast-1&prefix=${key}`;
    const mail = channels.ses.commandCalls(SendEmailCommand)[0].args[0].input;
    assert.ok(mail.Message?.Body?.Text?.Data?.includes(`レポートを開く: ${url}`));
    assert.ok(mail.Message?.Body?.Html?.Data?.includes(`<a href="${url.replaceAll("&", "&amp;")}">レポートを開く</a>`));
    const decisions = svc.s3Access.filter((a) => a.resource === `arn:aws:s3:::${BUCKET}/${key}`);
    assert.deepEqual(
      decisions.map((a) => [a.role, a.action, a.allowedBy, a.status]),
      [["check", "s3:PutObject", ["WriteRunReport"], 200]],
    );
  });

  it("gets 403 without the grant, says so, and still sends the notice without the link", async () => {
    const { input, out } = await check("CHECKNOREPORT");

    const key = `results/${input.executionName}.html`;
    assert.equal(out.report?.status, "failed");
    assert.equal(out.report?.key, key);
    assert.match(out.report?.reason ?? "", /^AccessDenied: /);
    assert.deepEqual(out.notifications, [{ channel: "email", status: "sent", attempts: 1 }]);
    const decisions = svc.s3Access.filter((a) => a.resource === `arn:aws:s3:::${BUCKET}/${key}`);
    assert.deepEqual(
      decisions.map((a) => [a.role, a.action, a.status]),
      [["check-without-report", "s3:PutObject", 403]],
      "one attempt, refused",
    );
    const mail = channels.ses.commandCalls(SendEmailCommand)[0].args[0].input;
    assert.doesNotMatch(mail.Message?.Body?.Text?.Data ?? "", /レポート/);
    const line = logs.find((l) => l.message === "report not written");
    assert.equal(line?.key, key);
    assert.match(String(line?.error), /AccessDenied/);
    const finished = logs.find((l) => String(l.message).startsWith("check finished"));
    assert.equal(finished?.report, "failed");
  });
});
