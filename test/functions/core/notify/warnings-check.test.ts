import assert from "node:assert/strict";
import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { type SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { clients } from "../../../../functions/adapters/clients";
import { resetSlackWebhookCache } from "../../../../functions/adapters/ssm";
import { handler, setClock } from "../../../../functions/check-errors-and-notify";
import type { CheckInput, CheckOutput, FileWarning } from "../../../../functions/contract";
import { NotificationDeliveryError } from "../../../../functions/core/errors";
import { setLogSink } from "../../../../functions/core/log";
import { summarizeRun } from "../../../../functions/core/records/summary";
import { type LocalServices, startLocalServices } from "../../../../local/services/services";
import { restoreEnv } from "../../../support/env";
import {
  answerChannels,
  mockChannels,
  putChunkItems,
  putFileItem,
  restoreChannels,
  SlackReceiver,
} from "../../../support/notify-world";

const MON_NOON = "2025-06-02T03:00:00.000Z"; // Monday 12:00 Asia/Tokyo

/** The FILE item split-csv writes for an accepted file whose header has `n` columns the row schema does not define. */
function extraColumns(n: number) {
  const warnings: FileWarning[] = Array.from({ length: n }, (_, i) => ({
    errorType: "SchemaError",
    severity: "LOW",
    message: `The header has a column "extra_${i + 1}" that the row schema does not define; its values are not checked.`,
    column: `extra_${i + 1}`,
    detail: { key: "headerExtra", params: { name: `extra_${i + 1}` } },
  }));
  return {
    status: "OK" as const,
    errors: n,
    byType: { SchemaError: n },
    bySeverity: { LOW: n, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
    warnings,
  };
}

describe("check-errors-and-notify: warnings and the run's log line", function () {
  this.timeout(60_000);
  let svc: LocalServices;
  let slack: SlackReceiver;
  const saved = { ...process.env };
  let sns: AwsClientStub<SNSClient>;
  let ses: AwsClientStub<SESClient>;
  let cw: AwsClientStub<CloudWatchClient>;
  let ssm: AwsClientStub<SSMClient>;
  const logs: Record<string, unknown>[] = [];
  let restoreSink: (line: string) => void;
  let n = 0;

  const setPolicy = (p: object) => {
    process.env.NOTIFY_POLICY = JSON.stringify({
      delivery: { timeoutMs: 500, attempts: 2, backoffMs: 1 },
      rateLimit: { max: 1000 },
      ...p,
    });
  };
  const fresh = (over: Partial<CheckInput> = {}): CheckInput => {
    n++;
    return {
      executionName: `warn-exec-${n}`,
      startTime: MON_NOON,
      bucket: "in-bucket",
      key: `incoming/w${n}/orders.csv`,
      chunkCount: 2,
      splitStatus: "OK",
      failure: null,
      ...over,
    };
  };
  const run = (input: CheckInput) => handler(input, {}) as Promise<CheckOutput>;
  /** Every value published with the `{Pipeline}` dimension alone, by metric name. */
  const published = () => {
    const values: Record<string, number> = {};
    for (const call of cw.commandCalls(PutMetricDataCommand))
      for (const m of (call.args[0].input.MetricData ?? []) as MetricDatum[])
        if (m.Dimensions?.length === 1) values[m.MetricName!] = (values[m.MetricName!] ?? 0) + m.Value!;
    return values;
  };
  const runLines = (exec: string) =>
    logs.filter((l) => l.executionName === exec && String(l.message).startsWith("check finished"));

  before(async () => {
    ({ sns, ses, cw, ssm } = mockChannels());
    // The input bucket the runs name: the check writes each run's report there.
    svc = await startLocalServices({ bucket: "in-bucket" });
    slack = await new SlackReceiver().start();
    Object.assign(process.env, svc.env, {
      PIPELINE_NAME: "orders-pipeline",
      ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:csv-alerts",
      SLACK_WEBHOOK_PARAMETER: "/csv-pipeline/slack-webhook",
      EMAIL_FROM: "noreply@example.jp",
      EMAIL_TO: "ops@example.jp",
    });
    clients.reset();
    restoreSink = setLogSink((line) => logs.push(JSON.parse(line)));
    setClock(() => new Date(MON_NOON));
  });
  after(async () => {
    setLogSink(restoreSink);
    setClock(undefined);
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
    logs.length = 0;
    // LOW errors would page on-call here: warnings must not.
    setPolicy({ routing: { LOW: ["sns", "slack", "email"] } });
  });

  it("counts a valid file's 11 extra header columns as warnings: ErrorCount 0, WarningCount 11, no page", async () => {
    const input = fresh();
    await putFileItem(svc.runsTable, input.executionName, { key: input.key, chunkCount: 2, ...extraColumns(11) });
    await putChunkItems(svc.runsTable, input.executionName, 2, { rows: 50, bySeverity: {} });

    const out = await run(input);

    assert.deepEqual(out, {
      hasErrors: false,
      errorCount: 0,
      criticalCount: 0,
      byType: {},
      bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
      warningCount: 11,
      warningsByType: { SchemaError: 11 },
      rows: { total: 100, valid: 100, invalid: 0 },
      runFailed: false,
      notifications: [
        { channel: "slack", status: "sent", attempts: 1 },
        { channel: "email", status: "sent", attempts: 1 },
      ],
      report: { key: `results/${input.executionName}.html`, status: "written" },
    });
    assert.equal(sns.commandCalls(PublishCommand).length, 0, "on-call is not paged");
    assert.deepEqual(published(), {
      ErrorCount: 0,
      CriticalErrorCount: 0,
      WarningCount: 11,
      RowsProcessed: 100,
      NotificationsSent: 2,
      NotificationsSuppressed: 0,
      NotificationsFailed: 0,
    });
    const header = (slack.received[0].json as { blocks: { text?: { text: string } }[] }).blocks[0].text?.text;
    assert.equal(header, "ℹ️ CSV処理完了(警告あり)");
    assert.equal(
      ses.commandCalls(SendEmailCommand)[0].args[0].input.Message?.Subject?.Data,
      "ℹ️ CSV処理完了(警告あり) orders.csv",
    );
    const [line] = runLines(input.executionName);
    assert.equal(line.severity, "WARNING", "not a severity the CRITICAL metric filter counts");
    assert.equal(line.errorCount, 0);
    assert.equal(line.warningCount, 11);
  });

  it("never escalates consecutive runs with warnings only to on-call", async () => {
    const key = `incoming/w-streak-${n}/x.csv`;
    for (let i = 0; i < 4; i++) {
      const input = fresh({ key });
      await putFileItem(svc.runsTable, input.executionName, { key, chunkCount: 2, ...extraColumns(2) });
      await putChunkItems(svc.runsTable, input.executionName, 2, { rows: 5, bySeverity: {} });
      assert.deepEqual(
        (await run(input)).notifications.map((x) => x.channel),
        ["slack", "email"],
      );
    }
    assert.equal(sns.commandCalls(PublishCommand).length, 0);
  });

  it("counts a file with errors and warnings apart: the errors decide the level, the warnings go to WarningCount", async () => {
    setPolicy({});
    const input = fresh();
    await putFileItem(svc.runsTable, input.executionName, { key: input.key, chunkCount: 2, ...extraColumns(3) });
    await putChunkItems(svc.runsTable, input.executionName, 2, { rows: 50, bySeverity: { HIGH: 1 } });

    const out = await run(input);

    assert.equal(out.hasErrors, true);
    assert.equal(out.errorCount, 2);
    assert.equal(out.criticalCount, 2);
    assert.deepEqual(out.byType, { ValidationError: 2 });
    assert.deepEqual(out.bySeverity, { LOW: 0, MEDIUM: 0, HIGH: 2, CRITICAL: 0 });
    assert.equal(out.warningCount, 3);
    assert.deepEqual(out.warningsByType, { SchemaError: 3 });
    const metrics = published();
    assert.equal(metrics.ErrorCount, 2);
    assert.equal(metrics.WarningCount, 3);
    const text = ses.commandCalls(SendEmailCommand)[0].args[0].input.Message?.Body?.Text?.Data ?? "";
    assert.ok(text.startsWith("⚠️ CSV処理エラー [HIGH]\n"), text);
    assert.ok(text.includes("\n件数: エラー 2件(重要 2件) / 行 100件(不正 2件) / 警告 3件\n"), text);
    assert.ok(text.includes("\n警告(行は却下されません):\n- SchemaError: 3件\n"), text);
  });

  it("keeps a rejected file's problem and an accepted file's non-LOW problem as errors", () => {
    const input = fresh();
    const file = (over: object) => ({
      pk: "p",
      sk: "FILE" as const,
      executionName: input.executionName,
      bucket: "in-bucket",
      key: input.key,
      encoding: "utf-8",
      chunkCount: 0,
      updatedAt: MON_NOON,
      expiresAt: 1,
      ...extraColumns(1),
      ...over,
    });
    const rejected = summarizeRun(
      input,
      file({ status: "REJECTED", bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 1 } }),
      [],
    );
    assert.equal(rejected.errorCount, 1);
    assert.equal(rejected.warningCount, 0);
    const high = summarizeRun(input, file({ bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 1, CRITICAL: 0 } }), []);
    assert.equal(high.errorCount, 1);
    assert.equal(high.warningCount, 0);
  });

  it("logs the run's CRITICAL line once when a check that found every channel failing is retried", async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error("topic gone"), { name: "NotFoundException" }));
    ses.on(SendEmailCommand).rejects(Object.assign(new Error("not verified"), { name: "MessageRejected" }));
    slack.script.push({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    const input = fresh({ failure: { Error: "States.ALL", Cause: "map failed" }, chunkCount: 2 });
    await putFileItem(svc.runsTable, input.executionName, { key: input.key, chunkCount: 2 });

    // The first attempt, then Step Functions' retry of the same execution's check: the runs table is shared.
    await assert.rejects(run(input), NotificationDeliveryError);
    await assert.rejects(run(input), NotificationDeliveryError);

    const lines = runLines(input.executionName);
    assert.deepEqual(
      lines.map((l) => [l.message, l.severity, l.retriedCheck]),
      [
        ["check finished: every notification channel failed", "CRITICAL", undefined],
        ["check finished: every notification channel failed", undefined, true],
      ],
      'the metric filter ({ $.severity = "CRITICAL" }) matches the first line only',
    );
    assert.equal(logs.filter((l) => l.severity === "CRITICAL").length, 1);
  });

  it("logs the run's severity once when the check is retried after it finished (a lost response)", async () => {
    setPolicy({});
    const input = fresh({ failure: { Error: "States.ALL", Cause: "map failed" }, chunkCount: 2 });
    await putFileItem(svc.runsTable, input.executionName, { key: input.key, chunkCount: 2 });

    await run(input);
    const retried = await run(input);

    assert.equal(retried.runFailed, true);
    assert.deepEqual(
      runLines(input.executionName).map((l) => [l.message, l.severity, l.retriedCheck]),
      [
        ["check finished", "CRITICAL", undefined],
        ["check finished", undefined, true],
      ],
    );
  });
});
