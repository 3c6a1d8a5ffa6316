import assert from "node:assert/strict";
import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { type SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { clients } from "../../../../functions/adapters/clients";
import { resetSlackWebhookCache } from "../../../../functions/adapters/ssm";
import { handler, loadCheckConfig, setClock } from "../../../../functions/check-errors-and-notify";
import type { CheckInput, CheckOutput } from "../../../../functions/contract";
import { NotificationDeliveryError } from "../../../../functions/core/errors";
import { setLogSink } from "../../../../functions/core/log";
import { type LocalServices, startLocalServices } from "../../../../local/services/services";
import { restoreEnv } from "../../../support/env";
import {
  answerChannels,
  batchPut,
  errorRecord,
  mockChannels,
  putChunkItems,
  putFileItem,
  restoreChannels,
  SlackReceiver,
} from "../../../support/notify-world";

const MON_NOON = "2025-06-02T03:00:00.000Z"; // Monday 12:00 Asia/Tokyo
const MON_NIGHT = "2025-06-02T14:30:00.000Z"; // Monday 23:30 Asia/Tokyo
const TUE_MORNING = "2025-06-02T23:10:00.000Z"; // Tuesday 08:10 Asia/Tokyo

describe("check-errors-and-notify handler", function () {
  this.timeout(60_000);
  let svc: LocalServices;
  let slack: SlackReceiver;
  const saved = { ...process.env };
  // Created in before(): mocking a client class patches it for the whole mocha process until restore().
  let sns: AwsClientStub<SNSClient>;
  let ses: AwsClientStub<SESClient>;
  let cw: AwsClientStub<CloudWatchClient>;
  let ssm: AwsClientStub<SSMClient>;
  const logs: Record<string, unknown>[] = [];
  let restoreSink: (line: string) => void;
  let n = 0;

  const basePolicy = { delivery: { timeoutMs: 500, attempts: 2, backoffMs: 1 }, rateLimit: { max: 1000 } };
  const setPolicy = (p: object) => {
    process.env.NOTIFY_POLICY = JSON.stringify({ ...basePolicy, ...p });
  };
  const clock = (iso: string) => setClock(() => new Date(iso));
  /** A fresh execution and key prefix per test. */
  const fresh = (over: Partial<CheckInput> = {}): CheckInput => {
    n++;
    return {
      executionName: `exec-${n}`,
      startTime: MON_NOON,
      bucket: "in-bucket",
      key: `incoming/p${n}/orders.csv`,
      chunkCount: 2,
      splitStatus: "OK",
      failure: null,
      ...over,
    };
  };
  const seed = async (
    input: CheckInput,
    sev: { HIGH?: number; MEDIUM?: number; LOW?: number; CRITICAL?: number },
    chunks = input.chunkCount,
  ) => {
    await putFileItem(svc.runsTable, input.executionName, { key: input.key, chunkCount: chunks });
    await putChunkItems(svc.runsTable, input.executionName, chunks, { rows: 50, bySeverity: sev });
  };
  const run = (input: CheckInput) => handler(input, {}) as Promise<CheckOutput>;
  /** The data published with the `{Pipeline}` dimension alone (each value is published with `{Pipeline, Feed}` too). */
  const onPipeline = (data: MetricDatum[] | undefined) => (data ?? []).filter((m) => m.Dimensions?.length === 1);

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
      EMAIL_TO: "ops@example.jp, lead@example.jp",
      CONSOLE_REGION: "ap-northeast-1",
      STATE_MACHINE_ARN: "arn:aws:states:ap-northeast-1:123456789012:stateMachine:csv-pipeline",
      CHECK_LOG_GROUP: "/aws/lambda/check-errors",
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
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: "/csv-pipeline/slack-webhook", Value: slack.url } });
    resetSlackWebhookCache();
    slack.reset();
    logs.length = 0;
    setPolicy({});
    clock(MON_NOON);
  });

  it("reports a HIGH run to Slack and e-mail (not on-call) with exact counts, metrics and one log line", async () => {
    const input = fresh();
    await seed(input, { HIGH: 2, MEDIUM: 1 });
    await batchPut(svc.errorTable, [
      errorRecord(input.executionName, 7, "HIGH"),
      errorRecord(input.executionName, 9, "HIGH"),
      errorRecord(input.executionName, 3, "MEDIUM"),
    ] as never);

    const out = await run(input);

    assert.deepEqual(out, {
      hasErrors: true,
      errorCount: 6,
      criticalCount: 4,
      byType: { ValidationError: 6 },
      bySeverity: { LOW: 0, MEDIUM: 2, HIGH: 4, CRITICAL: 0 },
      warningCount: 0,
      warningsByType: {},
      rows: { total: 100, valid: 94, invalid: 6 },
      runFailed: false,
      notifications: [
        { channel: "slack", status: "sent", attempts: 1 },
        { channel: "email", status: "sent", attempts: 1 },
      ],
      report: { key: `results/${input.executionName}.html`, status: "written" },
    });
    assert.ok(Buffer.byteLength(JSON.stringify(out)) <= 4096);
    assert.equal(sns.commandCalls(PublishCommand).length, 0);
    assert.equal(slack.received.length, 1);
    const blocks = (slack.received[0].json as { blocks: { type: string; text?: { text: string } }[] }).blocks;
    assert.equal(blocks[0].text?.text, "⚠️ CSV処理エラー [HIGH]");
    assert.equal(
      blocks.filter((b) => b.text?.text.includes("行目")).length,
      2,
      "the two HIGH examples, not the MEDIUM one",
    );
    const email = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    assert.equal(email.Source, "noreply@example.jp");
    assert.deepEqual(email.Destination, { ToAddresses: ["ops@example.jp", "lead@example.jp"] });
    assert.equal(email.Message?.Subject?.Data, "⚠️ CSV処理エラー [HIGH] orders.csv");
    assert.ok(email.Message?.Body?.Html?.Data?.includes("<h2>⚠️ CSV処理エラー [HIGH]</h2>"));
    assert.ok(email.Message?.Body?.Text?.Data?.includes("7行目 ValidationError [HIGH] 列: order_id"));
    const metrics = cw.commandCalls(PutMetricDataCommand);
    assert.equal(metrics.length, 1);
    const put = metrics[0].args[0].input;
    assert.equal(put.Namespace, "CSV/Processing");
    const pipeline = [{ Name: "Pipeline", Value: "orders-pipeline" }];
    const feed = [...pipeline, { Name: "Feed", Value: "default" }];
    const values = [
      ["ErrorCount", 6],
      ["CriticalErrorCount", 4],
      ["WarningCount", 0],
      ["RowsProcessed", 100],
      ["NotificationsSent", 2],
      ["NotificationsSuppressed", 0],
      ["NotificationsFailed", 0],
    ];
    assert.deepEqual(
      put.MetricData?.map((m) => [m.MetricName, m.Value, m.Unit, m.Dimensions]),
      [
        ...values.map(([name, value]) => [name, value, "Count", pipeline]),
        ...values.map(([name, value]) => [name, value, "Count", feed]),
      ],
      "each value on {Pipeline}, then on {Pipeline, Feed} (a stack without FEEDS has the one feed default)",
    );
    const line = logs.filter((l) => l.message === "check finished");
    assert.equal(line.length, 1);
    assert.equal(line[0].level, "INFO");
    assert.equal(line[0].severity, "HIGH");
    assert.equal(line[0].executionName, input.executionName);
    assert.equal(line[0].errorCount, 6);
  });

  it("pages on-call for a failed run with zero row errors, at night too, with filterable SNS attributes", async () => {
    clock(MON_NIGHT);
    const input = fresh({
      chunkCount: 0,
      splitStatus: "NOT_RUN",
      failure: { Error: "States.TaskFailed", Cause: "split crashed" },
    });

    const out = await run(input);

    assert.equal(out.runFailed, true);
    assert.equal(out.hasErrors, true);
    assert.equal(out.errorCount, 0);
    assert.deepEqual(
      out.notifications.map((x) => [x.channel, x.status]),
      [
        ["sns", "sent"],
        ["slack", "sent"],
        ["email", "sent"],
      ],
    );
    const pub = sns.commandCalls(PublishCommand)[0].args[0].input;
    assert.equal(pub.TopicArn, "arn:aws:sns:ap-northeast-1:123456789012:csv-alerts");
    assert.equal(pub.Subject, "🚨 CSV処理失敗 [CRITICAL] orders.csv");
    assert.deepEqual(pub.MessageAttributes, {
      severity: { DataType: "String", StringValue: "CRITICAL" },
      executionName: { DataType: "String", StringValue: input.executionName },
      feed: { DataType: "String", StringValue: "default" },
    });
    assert.ok(pub.Message?.includes("ステートマシンの処理が失敗しました"));
    assert.ok(
      pub.Message?.includes(
        "https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/arn%3Aaws%3Astates%3Aap-northeast-1%3A123456789012%3Aexecution%3Acsv-pipeline%3A",
      ),
    );
    assert.equal(logs.find((l) => l.message === "check finished")?.severity, "CRITICAL");
  });

  it("never re-sends a channel a retried check already delivered, also when two checks race", async () => {
    const input = fresh();
    await seed(input, { HIGH: 1 });
    const [a, b] = await Promise.all([run(input), run(input)]);
    assert.equal(slack.received.length, 1);
    assert.equal(ses.commandCalls(SendEmailCommand).length, 1);
    // One check delivers; the other finds it sending (or, when it comes later, already delivered).
    const statuses = [...a.notifications, ...b.notifications].map((x) => `${x.channel}:${x.status}:${x.reason ?? ""}`);
    for (const channel of ["slack", "email"]) {
      const mine = statuses.filter((x) => x.startsWith(`${channel}:`));
      assert.equal(mine.filter((x) => x === `${channel}:sent:`).length, 1, statuses.join(", "));
      assert.ok(
        mine.some((x) =>
          /^\w+:(suppressed:duplicate: another check is sending it now|sent:delivered by an earlier attempt)$/.test(x),
        ),
        statuses.join(", "),
      );
    }
    const again = await run(input);
    assert.deepEqual(again.notifications, [
      { channel: "slack", status: "sent", reason: "delivered by an earlier attempt", attempts: 1 },
      { channel: "email", status: "sent", reason: "delivered by an earlier attempt", attempts: 1 },
    ]);
    assert.equal(slack.received.length, 1);
  });

  it("defers a non-critical notice in quiet hours and delivers it as a digest after the window", async () => {
    clock(MON_NIGHT);
    const input = fresh();
    await seed(input, { MEDIUM: 2 });
    const out = await run(input);
    assert.deepEqual(out.notifications, [
      { channel: "slack", status: "suppressed", reason: "deferred: quiet hours (night); sent in the next digest" },
    ]);
    assert.equal(slack.received.length, 0);

    const stillNight = (await handler({ digest: "flush" })) as { results: { channel: string; status: string }[] };
    assert.equal(stillNight.results.find((r) => r.channel === "slack")?.status, "skipped");
    assert.equal(slack.received.length, 0);

    clock(TUE_MORNING);
    const flushed = (await handler({ digest: "flush" })) as {
      results: { channel: string; status: string; runs: number }[];
    };
    assert.deepEqual(
      flushed.results.find((r) => r.channel === "slack"),
      { channel: "slack", status: "sent", runs: 1, feed: "default" },
    );
    assert.equal(slack.received.length, 1);
    assert.ok(slack.received[0].body.includes(input.key));
    const digest = JSON.stringify(slack.received[0].json);
    assert.ok(digest.includes("エラー 4件 / 却下された行 4行"), digest);
    assert.ok(
      digest.includes(
        `<https://ap-northeast-1.console.aws.amazon.com/s3/buckets/in-bucket?region=ap-northeast-1&amp;prefix=rejected/${input.executionName}/&amp;showversions=false|却下フォルダを開く>`,
      ),
      digest,
    );
    const second = (await handler({ digest: "flush" })) as { results: { channel: string; status: string }[] };
    assert.equal(second.results.find((r) => r.channel === "slack")?.status, "empty");
    assert.equal(slack.received.length, 1);
  });

  it("states the rejected rows and links their folder under REJECTED_PREFIX in Slack, SNS and e-mail", async () => {
    process.env.REJECTED_PREFIX = "outcomes/rejected/";
    try {
      const input = fresh();
      await seed(input, { CRITICAL: 1, MEDIUM: 2 });

      const out = await run(input);

      assert.deepEqual(
        out.notifications.map((x) => [x.channel, x.status]),
        [
          ["sns", "sent"],
          ["slack", "sent"],
          ["email", "sent"],
        ],
      );
      const url = `https://ap-northeast-1.console.aws.amazon.com/s3/buckets/in-bucket?region=ap-northeast-1&prefix=outcomes/rejected/${input.executionName}/&showversions=false`;
      const lines = [
        "却下された行: 6行",
        `却下フォルダ: s3://in-bucket/outcomes/rejected/${input.executionName}/`,
        "- rows.csv: 修正して再アップロードする行",
        "- errors.csv: すべてのエラー(行番号・列・理由)",
        `却下フォルダを開く: ${url}`,
      ].join("\n");
      const message = sns.commandCalls(PublishCommand)[0].args[0].input.Message ?? "";
      assert.ok(message.includes(`件数: エラー 6件(重要 2件) / 行 100件(不正 6件)\n\n${lines}\n\n`), message);
      const email = ses.commandCalls(SendEmailCommand)[0].args[0].input.Message?.Body;
      assert.ok(email?.Text?.Data?.includes(`\n\n${lines}\n\n`));
      assert.ok(email?.Html?.Data?.includes(`<p><a href="${url.replace(/&/g, "&amp;")}">却下フォルダを開く</a></p>`));
      const blocks = (slack.received[0].json as { blocks: { text?: { text: string } }[] }).blocks;
      assert.equal(
        blocks[2].text?.text,
        [
          "*却下された行: 6行*",
          `却下フォルダ: \`s3://in-bucket/outcomes/rejected/${input.executionName}/\``,
          "• `rows.csv`: 修正して再アップロードする行",
          "• `errors.csv`: すべてのエラー(行番号・列・理由)",
          `<${url.replace(/&/g, "&amp;")}|却下フォルダを開く>`,
        ].join("\n"),
      );
    } finally {
      delete process.env.REJECTED_PREFIX;
    }
  });

  it("links no rejected folder for a file rejected before any row was read", async () => {
    const input = fresh({ chunkCount: 0, splitStatus: "REJECTED" });
    await putFileItem(svc.runsTable, input.executionName, {
      key: input.key,
      status: "REJECTED",
      chunkCount: 0,
      errors: 1,
      byType: { ValidationError: 1 },
      bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 1 },
      message: "required column email is missing",
    });

    const out = await run(input);

    assert.equal(out.notifications.length, 3);
    const bodies = [
      sns.commandCalls(PublishCommand)[0].args[0].input.Message ?? "",
      ses.commandCalls(SendEmailCommand)[0].args[0].input.Message?.Body?.Html?.Data ?? "",
      slack.received[0].body,
    ];
    for (const body of bodies) {
      assert.match(body, /required column email is missing/);
      assert.doesNotMatch(body, /却下された行|rows\.csv|\/s3\/buckets\//);
    }
  });

  it("fails the run and pages on-call, at night too, when told the aggregation failed: the rejected files are missing", async () => {
    clock(MON_NIGHT);
    const trace = "    at composeObject (/var/task/index.js:812:11)";
    const caught = {
      Error: "AccessDenied",
      Cause: JSON.stringify({
        errorType: "AccessDenied",
        errorMessage: "Access Denied",
        trace: ["AccessDenied: Access Denied", trace],
      }),
    };
    // The same run, told nothing: MEDIUM row errors alone are held back for the morning digest.
    const quiet = fresh();
    await seed(quiet, { MEDIUM: 1 });
    assert.deepEqual(
      (await run(quiet)).notifications.map((x) => [x.channel, x.status]),
      [["slack", "suppressed"]],
    );
    const input = fresh({ aggregationFailure: caught });
    await seed(input, { MEDIUM: 1 });

    const out = await run(input);

    // The counts come from the runs table, as without the failure; the run fails (RunOutcome → RunFailed).
    assert.deepEqual(
      { runFailed: out.runFailed, hasErrors: out.hasErrors, errorCount: out.errorCount, rows: out.rows },
      { runFailed: true, hasErrors: true, errorCount: 2, rows: { total: 100, valid: 98, invalid: 2 } },
    );
    assert.deepEqual(
      out.notifications.map((x) => [x.channel, x.status]),
      [
        ["sns", "sent"],
        ["slack", "sent"],
        ["email", "sent"],
      ],
    );
    const url = `https://ap-northeast-1.console.aws.amazon.com/s3/buckets/in-bucket?region=ap-northeast-1&prefix=rejected/${input.executionName}/&showversions=false`;
    const pub = sns.commandCalls(PublishCommand)[0].args[0].input;
    assert.equal(pub.Subject, "🚨 CSV処理失敗 [CRITICAL] orders.csv");
    assert.equal(pub.MessageAttributes?.severity?.StringValue, "CRITICAL");
    const failed = [
      "処理が完了していません。行エラーの有無にかかわらず重大として扱います。",
      "- 結果の集計が失敗しました。却下行のファイルと実行結果のマニフェストが作成されていない可能性があります",
      "- AggregateResults が失敗しました: AccessDenied: Access Denied",
    ].join("\n");
    const rejected = [
      "却下された行: 2行",
      `却下フォルダ: s3://in-bucket/rejected/${input.executionName}/`,
      "却下行のファイル(rows.csv / errors.csv)を作成できませんでした: AccessDenied",
      `却下フォルダを開く: ${url}`,
    ].join("\n");
    const email = ses.commandCalls(SendEmailCommand)[0].args[0].input.Message?.Body;
    for (const text of [pub.Message ?? "", email?.Text?.Data ?? ""]) {
      assert.ok(text.includes(`\n\n${failed}\n\n${rejected}\n\n`), text);
      assert.doesNotMatch(text, /rows\.csv: |composeObject|\/var\/task/);
    }
    assert.ok(
      email?.Html?.Data?.includes("<p>却下行のファイル(rows.csv / errors.csv)を作成できませんでした: AccessDenied</p>"),
    );
    const blocks = (slack.received[0].json as { blocks: { text?: { text: string } }[] }).blocks;
    assert.equal(
      blocks[3].text?.text,
      [
        "*却下された行: 2行*",
        `却下フォルダ: \`s3://in-bucket/rejected/${input.executionName}/\``,
        "却下行のファイル(rows.csv / errors.csv)を作成できませんでした: AccessDenied",
        `<${url.replace(/&/g, "&amp;")}|却下フォルダを開く>`,
      ].join("\n"),
    );
    // The whole cause, trace included, goes to the log only; the run's one line says why it failed.
    const stateFailed = logs.filter((l) => l.message === "state failed" && l.executionName === input.executionName);
    assert.deepEqual(
      stateFailed.map((l) => [l.level, l.step, l.error, l.cause, "severity" in l]),
      [["ERROR", "AggregateResults", "AccessDenied", caught.Cause, false]],
    );
    const line = logs.find((l) => l.message === "check finished" && l.executionName === input.executionName);
    assert.deepEqual(
      [line?.severity, line?.runFailed, line?.failureReasons],
      ["CRITICAL", true, ["aggregation-failed"]],
    );
  });

  it("says in every channel which counted chunks finished after the rejected files were written, counts exact", async () => {
    // 4 chunks; the first crashed and the Map was caught at once. The aggregation composed 1 chunk; 2 more finished
    // after it and before the check, which reads their summaries.
    const input = fresh({
      chunkCount: 4,
      failure: { Error: "Runtime.ExitError", Cause: "chunk 1 exited with status 1" },
      aggregationFailure: null,
      composed: { chunks: 1, invalid: 5 },
    });
    await seed(input, { MEDIUM: 5 }, 3);

    const out = await run(input);

    assert.deepEqual(out.rows, { total: 150, valid: 135, invalid: 15 }, "the runs table's counts, not the manifest's");
    assert.equal(out.runFailed, true);
    assert.deepEqual(
      out.notifications.map((x) => [x.channel, x.status]),
      [
        ["sns", "sent"],
        ["slack", "sent"],
        ["email", "sent"],
      ],
    );
    const late =
      "rows.csv と errors.csv の作成後に 2チャンクが完了しました。その却下行(10行)とエラーは、却下フォルダの parts/ にあるチャンクごとのファイルにのみあります";
    const missing = "結果のない 1チャンクの行はどちらのファイルにも含まれていません";
    const lines = [
      "却下された行: 15行",
      `却下フォルダ: s3://in-bucket/rejected/${input.executionName}/`,
      "- rows.csv: 修正して再アップロードする行",
      "- errors.csv: すべてのエラー(行番号・列・理由)",
      late,
      missing,
    ].join("\n");
    const message = sns.commandCalls(PublishCommand)[0].args[0].input.Message ?? "";
    assert.ok(message.includes(`\n\n${lines}\n`), message);
    const email = ses.commandCalls(SendEmailCommand)[0].args[0].input.Message?.Body;
    assert.ok(email?.Text?.Data?.includes(`\n\n${lines}\n`));
    assert.ok(email?.Html?.Data?.includes(`</ul><p>${late}</p><p>${missing}</p><p><a href=`));
    const blocks = (slack.received[0].json as { blocks: { text?: { text: string } }[] }).blocks;
    assert.ok(blocks[3].text?.text.includes(`\n${late}\n${missing}\n<https://`), blocks[3].text?.text);
    const line = logs.find((l) => l.message === "check finished" && l.executionName === input.executionName);
    assert.deepEqual([line?.failedChunks, line?.lateChunks], [1, 2]);
  });

  it("rate-limits non-critical notices per window and reports the suppressed count on the next one", async () => {
    setPolicy({ rateLimit: { max: 2, windowMinutes: 10 }, locale: "en" });
    clock("2025-06-03T01:00:00.000Z"); // Tuesday 10:00 JST, a window no other test uses
    const results: string[] = [];
    for (let i = 0; i < 4; i++) {
      const input = fresh();
      await seed(input, { LOW: 1 });
      results.push((await run(input)).notifications[0].status);
    }
    assert.deepEqual(results, ["sent", "sent", "suppressed", "suppressed"]);
    assert.equal(slack.received.length, 2);

    const critical = fresh({ splitStatus: "REJECTED", chunkCount: 0 });
    await putFileItem(svc.runsTable, critical.executionName, { status: "REJECTED", chunkCount: 0, key: critical.key });
    const c = await run(critical);
    assert.deepEqual(
      c.notifications.map((x) => x.status),
      ["sent", "sent", "sent"],
      "CRITICAL is never rate-limited",
    );
    const text = JSON.stringify(slack.received[2].json);
    assert.match(text, /2 notices suppressed by the rate limit since 2025-06-03 10:00:00 Asia\/Tokyo/);

    clock("2025-06-03T01:10:00.000Z"); // next window
    const next = fresh();
    await seed(next, { LOW: 1 });
    assert.equal((await run(next)).notifications[0].status, "sent");
    assert.doesNotMatch(JSON.stringify(slack.received[3].json), /suppressed/);
  });

  it("escalates the third consecutive run with errors under one prefix to on-call, and a clean run resets it", async () => {
    const key = `incoming/streak-${n}/x.csv`;
    const outcomes: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const input = fresh({ key });
      await seed(input, { LOW: 1 });
      outcomes.push((await run(input)).notifications.map((x) => x.channel));
    }
    assert.deepEqual(outcomes, [["slack"], ["slack"], ["sns", "slack", "email"]]);
    assert.ok(sns.commandCalls(PublishCommand)[0].args[0].input.Message?.includes(`3回連続`));
    const clean = fresh({ key });
    await seed(clean, {});
    await run(clean);
    const after = fresh({ key });
    await seed(after, { LOW: 1 });
    assert.deepEqual(
      (await run(after)).notifications.map((x) => x.channel),
      ["slack"],
    );
  });

  it("throws NotificationDeliveryError when every channel fails, after recording metrics", async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error("topic gone"), { name: "NotFoundException" }));
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error("Email address is not verified"), { name: "MessageRejected" }));
    slack.script.push({ status: 500 }, { status: 500 });
    const input = fresh({ failure: { Error: "States.ALL", Cause: "map failed" }, chunkCount: 2 });
    await seed(input, {}, 1);

    await assert.rejects(run(input), (e: unknown) => {
      assert.ok(e instanceof NotificationDeliveryError);
      assert.equal(e.name, "NotificationDeliveryError");
      assert.match(e.message, /sns: SNS Publish failed: NotFoundException: topic gone/);
      assert.match(e.message, /slack: Slack webhook answered 500/);
      return true;
    });
    assert.equal(slack.received.length, 2, "Slack retried once (2 attempts)");
    const put = cw.commandCalls(PutMetricDataCommand)[0].args[0].input;
    assert.equal(put.MetricData?.find((m) => m.MetricName === "NotificationsFailed")?.Value, 3);
    assert.equal(
      logs.find((l) => l.message === "check finished: every notification channel failed")?.severity,
      "CRITICAL",
    );
  });

  it("reports one channel's failure without blocking the others, and survives a metrics failure", async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error("throttled"), { name: "Throttling", $retryable: {} }));
    cw.on(PutMetricDataCommand).rejects(new Error("cloudwatch down"));
    const input = fresh();
    await seed(input, { HIGH: 1 });
    const out = await run(input);
    assert.deepEqual(
      out.notifications.map((x) => [x.channel, x.status]),
      [
        ["slack", "sent"],
        ["email", "failed"],
      ],
    );
    assert.equal(ses.commandCalls(SendEmailCommand).length, 2, "retryable error retried up to the attempts");
    assert.ok(logs.some((l) => l.message === "metrics not sent" && l.level === "WARN"));
  });

  it("reads the webhook URL from SSM with decryption once per container, and names a missing parameter", async () => {
    for (let i = 0; i < 2; i++) {
      const input = fresh();
      await seed(input, { LOW: 1 });
      await run(input);
    }
    const calls = ssm.commandCalls(GetParameterCommand);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].args[0].input, { Name: "/csv-pipeline/slack-webhook", WithDecryption: true });

    resetSlackWebhookCache();
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error("not found"), { name: "ParameterNotFound" }));
    const input = fresh();
    await seed(input, { HIGH: 1 });
    const out = await run(input);
    assert.equal(out.notifications[0].status, "failed");
    assert.match(out.notifications[0].reason ?? "", /SSM parameter \/csv-pipeline\/slack-webhook/);
    assert.equal(out.notifications[1].status, "sent");
  });

  it("retries a throttled read of the webhook parameter (the SSM client itself makes one attempt)", async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $retryable: {} }))
      .resolves({ Parameter: { Name: "/csv-pipeline/slack-webhook", Value: slack.url } });
    const input = fresh();
    await seed(input, { LOW: 1 });

    const out = await run(input);

    assert.equal(out.notifications[0].status, "sent");
    assert.equal(ssm.commandCalls(GetParameterCommand).length, 2);
  });

  it("costs the same DynamoDB requests for 1,000,000 recorded errors as for 10", async () => {
    let requests = 0;
    const stack = clients.doc().middlewareStack;
    stack.add(
      (next) => async (args) => {
        requests++;
        return next(args);
      },
      { step: "finalizeRequest", name: "countRequests" },
    );
    const measure = async (perChunkHigh: number, fileHigh: number, records: number) => {
      const input = fresh({ chunkCount: 100 });
      await seed(input, { HIGH: perChunkHigh }, 100);
      const bySeverity = { LOW: 0, MEDIUM: 0, HIGH: fileHigh, CRITICAL: 0 };
      await putFileItem(svc.runsTable, input.executionName, {
        key: input.key,
        chunkCount: 100,
        errors: fileHigh,
        bySeverity,
        byType: { SchemaError: fileHigh },
      });
      const recs = Array.from({ length: records }, (_, i) =>
        errorRecord(input.executionName, i + 2, "HIGH", { recordData: { note: "x".repeat(400) } }),
      );
      await batchPut(svc.errorTable, recs as never);
      requests = 0;
      const out = await run(input);
      return { requests, errors: out.errorCount };
    };
    try {
      const small = await measure(0, 10, 10);
      const big = await measure(10_000, 0, 3000);
      assert.equal(big.errors, 1_000_000);
      assert.equal(small.errors, 10);
      assert.equal(big.requests, small.requests);
      // readRun 1 + examples 1 + streak 1 + (claim + rate + complete) × 2 channels + metrics claim + complete
      // + the run line's claim + the run's item in its feed's history
      assert.equal(big.requests, 13);
    } finally {
      stack.remove("countRequests");
    }
  });

  it("publishes a run's metrics once when the check is retried, adding only what the retry decided", async () => {
    const metricSums = () => {
      const sums: Record<string, number> = {};
      for (const call of cw.commandCalls(PutMetricDataCommand))
        for (const m of onPipeline(call.args[0].input.MetricData))
          sums[m.MetricName!] = (sums[m.MetricName!] ?? 0) + m.Value!;
      return sums;
    };
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error("Email address is not verified"), { name: "MessageRejected" }));
    const input = fresh();
    await seed(input, { HIGH: 3 });

    await run(input);
    assert.equal(cw.commandCalls(PutMetricDataCommand).length, 1);
    ses.on(SendEmailCommand).resolves({ MessageId: "e-2" });
    await run(input);
    await run(input);

    const calls = cw.commandCalls(PutMetricDataCommand);
    assert.equal(calls.length, 2, "the third run decided nothing and publishes nothing");
    assert.deepEqual(
      onPipeline(calls[1].args[0].input.MetricData).map((m) => [m.MetricName, m.Value]),
      [["NotificationsSent", 1]],
      "the retry that delivered the e-mail adds only that",
    );
    assert.deepEqual(metricSums(), {
      ErrorCount: 6,
      CriticalErrorCount: 6,
      WarningCount: 0,
      RowsProcessed: 100,
      NotificationsSent: 2,
      NotificationsSuppressed: 0,
      NotificationsFailed: 1,
    });
  });

  it("publishes the run's metrics on a retry when the first publication failed", async () => {
    cw.on(PutMetricDataCommand).rejectsOnce(new Error("cloudwatch down")).resolves({});
    const input = fresh();
    await seed(input, { LOW: 1 });

    await run(input);
    await run(input);

    const calls = cw.commandCalls(PutMetricDataCommand);
    assert.equal(calls.length, 2);
    assert.deepEqual(
      onPipeline(calls[1].args[0].input.MetricData).map((m) => [m.MetricName, m.Value]),
      [
        ["ErrorCount", 2],
        ["CriticalErrorCount", 0],
        ["WarningCount", 0],
        ["RowsProcessed", 100],
        ["NotificationsSent", 0],
        ["NotificationsSuppressed", 0],
        ["NotificationsFailed", 0],
      ],
    );
  });

  it("reports a notice an earlier attempt delivered as sent, with the HTTP attempts the ledger recorded", async () => {
    slack.script.push({ status: 503 });
    const input = fresh();
    await seed(input, { LOW: 1 });

    const first = await run(input);
    const retried = await run(input);

    assert.deepEqual(first.notifications, [{ channel: "slack", status: "sent", attempts: 2 }]);
    assert.deepEqual(retried.notifications, [
      { channel: "slack", status: "sent", reason: "delivered by an earlier attempt", attempts: 2 },
    ]);
    assert.equal(slack.received.length, 2);
  });

  it("keeps one HTTP attempts budget per notice across check attempts", async () => {
    setPolicy({ delivery: { timeoutMs: 500, attempts: 3, backoffMs: 1 } });
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error("Email address is not verified"), { name: "MessageRejected" }));
    const rejected = fresh();
    await seed(rejected, { HIGH: 1 });
    assert.deepEqual((await run(rejected)).notifications[1], {
      channel: "email",
      status: "failed",
      reason: "SES SendEmail failed: MessageRejected: Email address is not verified",
      attempts: 1,
    });
    ses.on(SendEmailCommand).resolves({ MessageId: "e-3" });
    assert.deepEqual((await run(rejected)).notifications[1], { channel: "email", status: "sent", attempts: 2 });

    ses.reset();
    ses.on(SendEmailCommand).rejects(Object.assign(new Error("throttled"), { name: "Throttling", $retryable: {} }));
    const throttled = fresh();
    await seed(throttled, { HIGH: 1 });
    assert.equal((await run(throttled)).notifications[1].status, "failed");
    assert.equal(ses.commandCalls(SendEmailCommand).length, 3);
    const retried = await run(throttled);
    assert.deepEqual(retried.notifications[1], {
      channel: "email",
      status: "failed",
      reason: "not retried: earlier check attempts made all 3 HTTP attempts",
      attempts: 3,
    });
    assert.equal(ses.commandCalls(SendEmailCommand).length, 3, "no further attempt");
  });

  it("fails at start-up naming a missing variable or a bad policy", () => {
    const env = { ...process.env };
    delete env.RUNS_TABLE_NAME;
    assert.throws(() => loadCheckConfig(env), /Missing environment variable RUNS_TABLE_NAME/);
    assert.throws(() => loadCheckConfig({ ...process.env, EMAIL_TO: "" }), /Missing environment variable EMAIL_TO/);
    assert.throws(
      () => loadCheckConfig({ ...process.env, NOTIFY_POLICY: '{"locale":"fr"}' }),
      /NOTIFY_POLICY is invalid: locale/,
    );
    assert.throws(
      () => loadCheckConfig({ ...process.env, REJECTED_PREFIX: "rejected" }),
      /REJECTED_PREFIX must end with "\/"/,
    );
    const noEmail = loadCheckConfig({
      ...process.env,
      EMAIL_TO: "",
      EMAIL_FROM: "",
      NOTIFY_POLICY: '{"routing":{"CRITICAL":["sns","slack"],"HIGH":["slack"]}}',
    });
    assert.deepEqual(noEmail.emailTo, []);
  });
});
