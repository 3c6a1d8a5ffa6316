import assert from "node:assert/strict";
import { type CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { type SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { clients } from "../../../../functions/adapters/clients";
import { dynamoRunStore } from "../../../../functions/adapters/run-store";
import { resetSlackWebhookCache } from "../../../../functions/adapters/ssm";
import {
  type DigestFlushOutput,
  handler,
  loadCheckConfig,
  setClock,
} from "../../../../functions/check-errors-and-notify";
import type { CheckInput, CheckOutput } from "../../../../functions/contract";
import { setLogSink } from "../../../../functions/core/log";
import { type LocalServices, startLocalServices } from "../../../../local/services/services";
import {
  feedWebhookPath,
  LOCAL_WEBHOOK_PATH,
  type SlackReceiver,
  startSlackReceiver,
} from "../../../../local/services/slack-receiver";
import { restoreEnv } from "../../../support/env";
import {
  answerChannels,
  mockChannels,
  putChunkItems,
  putFileItem,
  restoreChannels,
} from "../../../support/notify-world";

const MON_NOON = "2025-06-02T03:00:00.000Z"; // Monday 12:00 Asia/Tokyo
const MON_NIGHT = "2025-06-02T14:30:00.000Z"; // Monday 23:30 Asia/Tokyo
const TUE_MORNING = "2025-06-02T23:10:00.000Z"; // Tuesday 08:10 Asia/Tokyo
const STOCK_WEBHOOK_PARAMETER = "/csv-pipeline/slack/stock/webhook-url";

describe("check-errors-and-notify with two feeds", function () {
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

  const base = { delivery: { timeoutMs: 500, attempts: 1, backoffMs: 1 }, rateLimit: { max: 1000 } };
  const clock = (iso: string) => setClock(() => new Date(iso));
  /** A failed run (the split failed): CRITICAL, every channel, whatever the hour. */
  const failedRun = (key: string): CheckInput => {
    n++;
    return {
      executionName: `exec-f${n}`,
      startTime: MON_NOON,
      bucket: "in-bucket",
      key,
      chunkCount: 0,
      splitStatus: "NOT_RUN",
      failure: { Error: "InputError", Cause: "split failed" },
    };
  };
  const run = (input: CheckInput) => handler(input, {}) as Promise<CheckOutput>;
  const publish = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
  const emails = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
  const metricData = () => cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input.MetricData ?? []);

  before(async () => {
    ({ sns, ses, cw, ssm } = mockChannels());
    svc = await startLocalServices();
    slack = await startSlackReceiver({}, ["stock"]);
    for (const name of ["STATE_MACHINE_ARN", "CHECK_LOG_GROUP", "AWS_LAMBDA_LOG_GROUP_NAME"]) delete process.env[name];
    // As a deploy sets them: the function's own variables hold the first feed's (orders) values, FEEDS what the
    // stock feed has of its own.
    Object.assign(process.env, svc.env, {
      PIPELINE_NAME: "shop",
      ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:csv-alerts",
      SLACK_WEBHOOK_PARAMETER: "/csv-pipeline/slack-webhook",
      EMAIL_FROM: "noreply@example.jp",
      EMAIL_TO: "ops@example.jp",
      CONSOLE_REGION: "ap-northeast-1",
      NOTIFY_POLICY: JSON.stringify({ ...base, locale: "ja" }),
      FEEDS: JSON.stringify([
        { name: "orders", prefix: "incoming/orders/" },
        {
          name: "stock",
          prefix: "incoming/stock/",
          notifyPolicy: JSON.stringify({ ...base, locale: "en" }),
          emailTo: "stock-team@example.jp",
          slackWebhookParameter: STOCK_WEBHOOK_PARAMETER,
        },
      ]),
    });
    clients.reset();
    restoreSink = setLogSink((line) => logs.push(JSON.parse(line)));
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
    ssm
      .on(GetParameterCommand, { Name: "/csv-pipeline/slack-webhook" })
      .resolves({ Parameter: { Value: slack.webhookUrl } })
      .on(GetParameterCommand, { Name: STOCK_WEBHOOK_PARAMETER })
      .resolves({ Parameter: { Value: slack.feedWebhookUrls.stock } });
    resetSlackWebhookCache();
    slack.reset();
    logs.length = 0;
    clock(MON_NOON);
  });

  /** The Slack payload of a failed run (no links: no state machine or log group is configured here). */
  const slackPayload = (t: {
    title: string;
    file: string;
    fields: [string, string][];
    failed: string[];
    severity: string;
  }) =>
    JSON.stringify({
      text: `${t.title} ${t.file}`,
      blocks: [
        { type: "header", text: { type: "plain_text", text: t.title, emoji: true } },
        {
          type: "section",
          fields: t.fields.map(([label, value]) => ({ type: "mrkdwn", text: `*${label}*\n${value}` })),
        },
        { type: "section", text: { type: "mrkdwn", text: t.failed.join("\n") } },
        { type: "section", text: { type: "mrkdwn", text: t.severity } },
      ],
    });

  it("notifies a stock run with the stock feed's policy (English), recipients and webhook, naming the feed", async () => {
    const input = failedRun("incoming/stock/s.csv");

    const out = await run(input);

    assert.deepEqual(
      out.notifications.map((x) => [x.channel, x.status]),
      [
        ["sns", "sent"],
        ["slack", "sent"],
        ["email", "sent"],
      ],
    );
    const text = [
      "🚨 CSV processing failed [CRITICAL]",
      "",
      "Feed: stock",
      `Execution: ${input.executionName}`,
      "File: s3://in-bucket/incoming/stock/s.csv",
      "Started: 2025-06-02 12:00:00 Asia/Tokyo",
      "Totals: 0 errors (0 critical) / 0 rows (0 invalid)",
      "",
      "The run did not complete. It is treated as critical whatever the number of row errors.",
      "- A state of the state machine failed",
      "- SplitCsv failed: InputError: split failed",
      "",
      "Errors by severity: CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0",
      "",
      "Please check at once.",
    ].join("\n");
    const [pub] = publish();
    assert.equal(pub.Subject, "🚨 CSV processing failed [CRITICAL] s.csv");
    assert.equal(pub.Message, text);
    assert.deepEqual(pub.MessageAttributes, {
      severity: { DataType: "String", StringValue: "CRITICAL" },
      executionName: { DataType: "String", StringValue: input.executionName },
      feed: { DataType: "String", StringValue: "stock" },
    });
    const [mail] = emails();
    assert.deepEqual(mail.Destination, { ToAddresses: ["stock-team@example.jp"] });
    assert.equal(mail.Message?.Body?.Text?.Data, text);
    assert.equal(
      mail.Message?.Body?.Html?.Data,
      [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head><body><h2>🚨 CSV processing failed [CRITICAL]</h2>',
        '<table><tr><th align="left">Feed</th><td>stock</td></tr><tr><th align="left">Execution</th><td>exec-f1</td></tr><tr><th align="left">File</th><td>s3://in-bucket/incoming/stock/s.csv</td></tr><tr><th align="left">Started</th><td>2025-06-02 12:00:00 Asia/Tokyo</td></tr><tr><th align="left">Totals</th><td>0 errors (0 critical) / 0 rows (0 invalid)</td></tr></table>',
        "<p><strong>The run did not complete. It is treated as critical whatever the number of row errors.</strong></p><ul><li>A state of the state machine failed</li><li>SplitCsv failed: InputError: split failed</li></ul>",
        "<p>Errors by severity: CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0</p>",
        "<p>Please check at once.</p></body></html>",
      ].join("\n"),
    );
    assert.equal(slack.deliveries.length, 1);
    assert.equal(slack.deliveries[0].path, feedWebhookPath("stock"), "the stock feed's own webhook");
    assert.equal(
      slack.deliveries[0].body,
      slackPayload({
        title: "🚨 CSV processing failed [CRITICAL]",
        file: "s3://in-bucket/incoming/stock/s.csv",
        fields: [
          ["Feed", "`stock`"],
          ["Execution", `\`${input.executionName}\``],
          ["File", "`s3://in-bucket/incoming/stock/s.csv`"],
          ["Started", "2025-06-02 12:00:00 Asia/Tokyo"],
          ["Totals", "0 errors (0 critical) / 0 rows (0 invalid)"],
        ],
        failed: [
          "*The run did not complete. It is treated as critical whatever the number of row errors.*",
          "• `A state of the state machine failed`",
          "• `SplitCsv failed: InputError: split failed`",
        ],
        severity: "*Errors by severity*\nCRITICAL: 0  ·  HIGH: 0  ·  MEDIUM: 0  ·  LOW: 0",
      }),
    );
    const values = [
      ["ErrorCount", 0],
      ["CriticalErrorCount", 0],
      ["WarningCount", 0],
      ["RowsProcessed", 0],
      ["NotificationsSent", 3],
      ["NotificationsSuppressed", 0],
      ["NotificationsFailed", 0],
    ];
    const pipeline = [{ Name: "Pipeline", Value: "shop" }];
    assert.deepEqual(
      metricData().map((data) => data.map((m) => [m.MetricName, m.Value, m.Dimensions])),
      [
        [
          ...values.map(([name, value]) => [name, value, pipeline]),
          ...values.map(([name, value]) => [name, value, [...pipeline, { Name: "Feed", Value: "stock" }]]),
        ],
      ],
      "one PutMetricData call: each value on {Pipeline} and on {Pipeline, Feed}",
    );
    const finished = logs.filter((l) => l.message === "check finished");
    assert.deepEqual(
      finished.map((l) => [l.feed, l.executionName]),
      [["stock", input.executionName]],
    );
    assert.ok(
      logs.filter((l) => l.logger === "check-errors-and-notify").every((l) => l.feed === "stock"),
      "every line of the run carries the feed",
    );
  });

  it("notifies an orders run with the function's own settings (Japanese), naming the feed", async () => {
    const input = failedRun("incoming/orders/o.csv");

    await run(input);

    const text = [
      "🚨 CSV処理失敗 [CRITICAL]",
      "",
      "フィード: orders",
      `実行名: ${input.executionName}`,
      "ファイル: s3://in-bucket/incoming/orders/o.csv",
      "開始時刻: 2025-06-02 12:00:00 Asia/Tokyo",
      "件数: エラー 0件(重要 0件) / 行 0件(不正 0件)",
      "",
      "処理が完了していません。行エラーの有無にかかわらず重大として扱います。",
      "- ステートマシンの処理が失敗しました",
      "- SplitCsv が失敗しました: InputError: split failed",
      "",
      "重要度別内訳: CRITICAL: 0件, HIGH: 0件, MEDIUM: 0件, LOW: 0件",
      "",
      "至急確認をお願いします。",
    ].join("\n");
    const [pub] = publish();
    assert.equal(pub.Message, text);
    assert.deepEqual(pub.MessageAttributes?.feed, { DataType: "String", StringValue: "orders" });
    const [mail] = emails();
    assert.deepEqual(mail.Destination, { ToAddresses: ["ops@example.jp"] });
    assert.equal(mail.Message?.Body?.Text?.Data, text);
    assert.equal(
      mail.Message?.Body?.Html?.Data,
      [
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"></head><body><h2>🚨 CSV処理失敗 [CRITICAL]</h2>',
        `<table><tr><th align="left">フィード</th><td>orders</td></tr><tr><th align="left">実行名</th><td>${input.executionName}</td></tr><tr><th align="left">ファイル</th><td>s3://in-bucket/incoming/orders/o.csv</td></tr><tr><th align="left">開始時刻</th><td>2025-06-02 12:00:00 Asia/Tokyo</td></tr><tr><th align="left">件数</th><td>エラー 0件(重要 0件) / 行 0件(不正 0件)</td></tr></table>`,
        "<p><strong>処理が完了していません。行エラーの有無にかかわらず重大として扱います。</strong></p><ul><li>ステートマシンの処理が失敗しました</li><li>SplitCsv が失敗しました: InputError: split failed</li></ul>",
        "<p>重要度別内訳: CRITICAL: 0件, HIGH: 0件, MEDIUM: 0件, LOW: 0件</p>",
        "<p>至急確認をお願いします。</p></body></html>",
      ].join("\n"),
    );
    assert.equal(slack.deliveries[0].path, LOCAL_WEBHOOK_PATH, "the stack's webhook");
    assert.equal(
      slack.deliveries[0].body,
      slackPayload({
        title: "🚨 CSV処理失敗 [CRITICAL]",
        file: "s3://in-bucket/incoming/orders/o.csv",
        fields: [
          ["フィード", "`orders`"],
          ["実行名", `\`${input.executionName}\``],
          ["ファイル", "`s3://in-bucket/incoming/orders/o.csv`"],
          ["開始時刻", "2025-06-02 12:00:00 Asia/Tokyo"],
          ["件数", "エラー 0件(重要 0件) / 行 0件(不正 0件)"],
        ],
        failed: [
          "*処理が完了していません。行エラーの有無にかかわらず重大として扱います。*",
          "• `ステートマシンの処理が失敗しました`",
          "• `SplitCsv が失敗しました: InputError: split failed`",
        ],
        severity: "*重要度別内訳*\nCRITICAL: 0件  ·  HIGH: 0件  ·  MEDIUM: 0件  ·  LOW: 0件",
      }),
    );
    const [data] = metricData();
    assert.deepEqual(
      data.filter((m) => m.Dimensions?.length === 2).map((m) => m.Dimensions?.[1]),
      Array(7).fill({ Name: "Feed", Value: "orders" }),
    );
  });

  it("notifies a key under no feed's prefix with the function's own settings, saying the feed is unknown", async () => {
    const input = failedRun("incoming/other/x.csv");

    await run(input);

    const [pub] = publish();
    assert.equal(
      pub.Message?.split("\n").slice(0, 4).join("\n"),
      [
        "🚨 CSV処理失敗 [CRITICAL]",
        "",
        "フィード: 不明(どのフィードのプレフィックスにも属さないキー)",
        `実行名: ${input.executionName}`,
      ].join("\n"),
    );
    assert.deepEqual(pub.MessageAttributes?.feed, { DataType: "String", StringValue: "(unknown)" });
    assert.deepEqual(emails()[0].Destination, { ToAddresses: ["ops@example.jp"] });
    assert.equal(slack.deliveries[0].path, LOCAL_WEBHOOK_PATH);
    const fields = (slack.deliveries[0].json as { blocks: { fields?: { text: string }[] }[] }).blocks[1].fields;
    assert.equal(fields?.[0].text, "*フィード*\n`不明(どのフィードのプレフィックスにも属さないキー)`");
    const [data] = metricData();
    assert.equal(data.length, 7);
    assert.ok(
      data.every((m) => m.Dimensions?.length === 1),
      "no Feed datum for a key under no feed",
    );
    assert.equal(logs.find((l) => l.message === "check finished")?.feed, "(unknown)");
  });

  it("keeps each feed's deferred notices and rate limit apart and flushes one digest per feed to its recipients", async () => {
    clock(MON_NIGHT);
    const runs: CheckInput[] = [];
    for (const key of ["incoming/orders/night.csv", "incoming/stock/night.csv"]) {
      n++;
      const input: CheckInput = {
        executionName: `exec-q${n}`,
        startTime: MON_NIGHT,
        bucket: "in-bucket",
        key,
        chunkCount: 1,
        splitStatus: "OK",
        failure: null,
      };
      await putFileItem(svc.runsTable, input.executionName, { key, chunkCount: 1 });
      await putChunkItems(svc.runsTable, input.executionName, 1, { rows: 10, bySeverity: { LOW: 1 } });
      runs.push(input);
    }

    for (const input of runs) {
      const out = await run(input);
      assert.deepEqual(
        out.notifications.map((x) => [x.channel, x.status]),
        [["slack", "suppressed"]],
      );
    }

    const item = async (pk: string, sk: string) =>
      (await clients.doc().send(new GetCommand({ TableName: svc.runsTable, Key: { pk, sk }, ConsistentRead: true })))
        .Item;
    assert.equal((await item("CHANNEL#slack#FEED#orders", `DIGEST#${runs[0].executionName}`))?.key, runs[0].key);
    assert.equal((await item("CHANNEL#slack#FEED#stock", `DIGEST#${runs[1].executionName}`))?.key, runs[1].key);
    assert.equal(await item("CHANNEL#slack", `DIGEST#${runs[0].executionName}`), undefined);
    assert.ok(await item("PREFIX#FEED#stock#incoming/stock/", "STREAK"), "the stock feed's streak");
    assert.equal(slack.deliveries.length, 0);

    clock(TUE_MORNING);
    const flushed = (await handler({ digest: "flush" })) as DigestFlushOutput;

    assert.deepEqual(
      flushed.results.filter((r) => r.channel === "slack").map((r) => [r.feed, r.status, r.runs]),
      [
        ["orders", "sent", 1],
        ["stock", "sent", 1],
      ],
    );
    const byPath = Object.fromEntries(
      slack.deliveries.map((d) => [d.path, d.json as { blocks: { text?: { text: string } }[] }]),
    );
    assert.deepEqual(Object.keys(byPath).sort(), [LOCAL_WEBHOOK_PATH, feedWebhookPath("stock")].sort());
    assert.equal(
      byPath[LOCAL_WEBHOOK_PATH].blocks[1].text?.text,
      "静穏時間帯に保留された通知です。\n*フィード*: `orders`",
    );
    assert.equal(
      byPath[feedWebhookPath("stock")].blocks[1].text?.text,
      "Notices held back during quiet hours.\n*Feed*: `stock`",
    );
    assert.ok(JSON.stringify(byPath[feedWebhookPath("stock")]).includes(runs[1].key));
    assert.ok(
      !JSON.stringify(byPath[feedWebhookPath("stock")]).includes(runs[0].key),
      "no orders run in the stock digest",
    );
  });

  it("counts each feed's notices in its own rate window; the default feed keeps the keys of a stack without feeds", async () => {
    const at = new Date(MON_NOON);
    const store = (feed?: string) => dynamoRunStore({ runsTable: svc.runsTable, errorTable: svc.errorTable, feed });

    assert.equal((await store("stock").acquireRateSlot("email", 0, 1, at)).allowed, true);
    assert.equal((await store("stock").acquireRateSlot("email", 0, 1, at)).allowed, false, "stock's window is full");
    assert.equal((await store("orders").acquireRateSlot("email", 0, 1, at)).allowed, true, "orders has its own");
    assert.equal((await store("default").acquireRateSlot("email", 0, 1, at)).allowed, true);
    assert.equal((await store().acquireRateSlot("email", 0, 1, at)).allowed, false, "no feed = default's keys");

    const item = async (pk: string) =>
      (
        await clients
          .doc()
          .send(new GetCommand({ TableName: svc.runsTable, Key: { pk, sk: "RATE" }, ConsistentRead: true }))
      ).Item;
    assert.equal((await item("CHANNEL#email#FEED#stock"))?.suppressed, 1);
    assert.equal((await item("CHANNEL#email#FEED#orders"))?.count, 1);
    assert.equal((await item("CHANNEL#email"))?.suppressed, 1);
  });

  it("names the feed when its own settings cannot notify", () => {
    const env = { ...process.env };
    const stock = { name: "stock", prefix: "incoming/stock/", emailTo: "" };

    assert.throws(() => loadCheckConfig(env, stock), {
      name: "EnvironmentError",
      message:
        'FEEDS entry "stock" emailTo names no recipient while its policy routes notices to e-mail: give the feed notify.emailTo or route it to no e-mail.',
    });
    assert.throws(
      () => loadCheckConfig(env, { ...stock, emailTo: "a@example.jp", notifyPolicy: '{"locale":"fr"}' }),
      (err: Error) => err.message.startsWith('FEEDS entry "stock" notifyPolicy is invalid: locale'),
    );
    const unknown = loadCheckConfig(env, null);
    assert.deepEqual([unknown.feed, unknown.noticeScope, unknown.metricFeed], ["(unknown)", "orders", undefined]);
  });
});
