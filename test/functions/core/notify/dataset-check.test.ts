import assert from "node:assert/strict";
import { SendEmailCommand } from "@aws-sdk/client-ses";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { clients } from "../../../../functions/adapters/clients";
import { resetSlackWebhookCache } from "../../../../functions/adapters/ssm";
import { handler, setClock } from "../../../../functions/check-errors-and-notify";
import {
  type CheckInput,
  type CheckOutput,
  type DatasetRulesItem,
  type FeedRunItem,
  RUN_KEYS,
} from "../../../../functions/contract";
import { setLogSink } from "../../../../functions/core/log";
import { type LocalServices, startLocalServices } from "../../../../local/services/services";
import { readRecords } from "../../../support/csv-fixtures";
import { restoreEnv } from "../../../support/env";
import {
  answerChannels,
  batchPut,
  type ChannelMocks,
  errorRecord,
  mockChannels,
  putChunkItems,
  putFileItem,
  restoreChannels,
  SlackReceiver,
} from "../../../support/notify-world";

const NOON = "2025-06-02T03:00:00.000Z"; // Monday 12:00 Asia/Tokyo: no quiet hours
const FEED = "orders";

const RULES: DatasetRulesItem = {
  rowCount: { min: 50, severity: "HIGH" },
  completeness: { note: { min: 0.8, severity: "MEDIUM" } },
  history: { window: 10, minRuns: 3, rowCount: { minRatio: 0.5, maxRatio: 2, severity: "HIGH" } },
};

describe("check-errors-and-notify: dataset rules", function () {
  this.timeout(60_000);
  let svc: LocalServices;
  let slack: SlackReceiver;
  let mocks: ChannelMocks;
  const saved = { ...process.env };
  let restoreSink: (line: string) => void;
  let n = 0;

  const setPolicy = (p: object) => {
    process.env.NOTIFY_POLICY = JSON.stringify({
      delivery: { timeoutMs: 500, attempts: 1, backoffMs: 1 },
      rateLimit: { max: 1000 },
      ...p,
    });
  };
  const fresh = (over: Partial<CheckInput> = {}): CheckInput => {
    n++;
    return {
      executionName: `ds-exec-${n}`,
      startTime: NOON,
      bucket: "in-bucket",
      key: `incoming/ds${n}/orders.csv`,
      chunkCount: 2,
      splitStatus: "OK",
      failure: null,
      ...over,
    };
  };
  const putRun = (item: Omit<FeedRunItem, "pk" | "sk" | "key" | "valid" | "errors" | "expiresAt">) =>
    clients.doc().send(
      new PutCommand({
        TableName: svc.runsTable,
        Item: {
          pk: RUN_KEYS.feedHistory(FEED),
          sk: RUN_KEYS.feedRun(item.startTime, item.executionName),
          key: "incoming/orders.csv",
          valid: item.rows - item.invalid,
          errors: item.invalid,
          expiresAt: 2_000_000_000,
          ...item,
        },
      }),
    );
  const historyItems = async () =>
    (
      await clients.doc().send(
        new QueryCommand({
          TableName: svc.runsTable,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": RUN_KEYS.feedHistory(FEED) },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];

  before(async () => {
    mocks = mockChannels();
    svc = await startLocalServices();
    slack = await new SlackReceiver().start();
    Object.assign(process.env, svc.env, {
      PIPELINE_NAME: "orders-pipeline",
      ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:csv-alerts",
      SLACK_WEBHOOK_PARAMETER: "/csv-pipeline/slack-webhook",
      EMAIL_FROM: "noreply@example.jp",
      EMAIL_TO: "ops@example.jp",
      CONSOLE_REGION: "ap-northeast-1",
    });
    delete process.env.STATE_MACHINE_ARN;
    delete process.env.CHECK_LOG_GROUP;
    delete process.env.FEEDS;
    clients.reset();
    restoreSink = setLogSink(() => {});
  });
  after(async () => {
    setLogSink(restoreSink);
    setClock(undefined);
    restoreChannels(mocks);
    restoreEnv(saved);
    clients.reset();
    await slack.stop();
    await svc.stop();
  });
  beforeEach(() => {
    answerChannels(mocks);
    mocks.ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Name: "/csv-pipeline/slack-webhook", Value: slack.url } });
    resetSlackWebhookCache();
    slack.reset();
    setClock(() => new Date(NOON));
  });

  it("writes one DatasetError record per broken rule, counts them and lists them before the row examples", async () => {
    setPolicy({ locale: "en" });
    const input = fresh();
    await putFileItem(svc.runsTable, input.executionName, {
      key: input.key,
      chunkCount: 2,
      feed: FEED,
      dataset: RULES,
    });
    // 2 chunks × 20 rows, 1 invalid row each (HIGH); `note` has a value in 10 of each chunk's 20 rows (50%).
    for (const id of [1, 2])
      await clients.doc().send(
        new PutCommand({
          TableName: svc.runsTable,
          Item: {
            pk: RUN_KEYS.execution(input.executionName),
            sk: RUN_KEYS.chunk(id),
            executionName: input.executionName,
            chunkId: id,
            rows: 20,
            valid: 19,
            invalid: 1,
            byType: { ValidationError: 1 },
            bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 1, CRITICAL: 0 },
            errors: 1,
            filled: { note: 10 },
            updatedAt: NOON,
            expiresAt: 2_000_000_000,
          },
        }),
      );
    await batchPut(svc.errorTable, [
      errorRecord(input.executionName, 7, "HIGH"),
      errorRecord(input.executionName, 31, "HIGH"),
    ] as never);
    // The feed's history: earlier runs of 60, 100 and 100 rows (median 100: 40 rows is 0.4×). A failed run and this
    // run's own item (a retried check), 10 rows each, and a run still going (the item split-csv wrote, no counts) are
    // left out: with any of them the median would be 80 (0.5×, within the bound) or less.
    await putRun({
      executionName: "old-1",
      startTime: "2025-05-30T03:00:00.000Z",
      rows: 60,
      invalid: 0,
      status: "SUCCEEDED",
    });
    await putRun({
      executionName: "old-2",
      startTime: "2025-05-31T03:00:00.000Z",
      rows: 100,
      invalid: 2,
      status: "SUCCEEDED",
    });
    await putRun({
      executionName: "old-3",
      startTime: "2025-06-01T03:00:00.000Z",
      rows: 100,
      invalid: 1,
      status: "SUCCEEDED",
    });
    await putRun({
      executionName: "old-failed",
      startTime: "2025-06-01T09:00:00.000Z",
      rows: 10,
      invalid: 10,
      status: "FAILED",
    });
    await putRun({ executionName: input.executionName, startTime: NOON, rows: 10, invalid: 0, status: "SUCCEEDED" });
    await clients.doc().send(
      new PutCommand({
        TableName: svc.runsTable,
        Item: {
          pk: RUN_KEYS.feedHistory(FEED),
          sk: RUN_KEYS.feedRun("2025-06-02T02:00:00.000Z", "running"),
          executionName: "running",
          startTime: "2025-06-02T02:00:00.000Z",
          key: "incoming/running.csv",
          expiresAt: 2_000_000_000,
        },
      }),
    );

    const out = (await handler(input, {})) as CheckOutput;

    // Records: one per rule, about the file as a whole.
    const records = (await readRecords(svc.errorTable, input.executionName)).filter(
      (r) => r.errorType === "DatasetError",
    );
    assert.deepEqual(
      records
        .map((r) => [r.severity, r.column ?? null, r.message?.key, r.processingStage, r.rowNumber, r.chunkId, r.feed])
        .sort(),
      [
        ["HIGH", null, "datasetRowCount", "check", 0, 0, FEED],
        ["HIGH", null, "historyRowCount", "check", 0, 0, FEED],
        ["MEDIUM", "note", "datasetCompleteness", "check", 0, 0, FEED],
      ],
    );
    assert.deepEqual(records.map((r) => r.errorMessage).sort(), [
      "The file has 40 rows, 0.40× the median 100 of the feed's last 3 runs (expected 0.5×–2×)",
      "The file has 40 rows; the feed expects at least 50",
      "note has a value in 50% of the rows; at least 80% is expected",
    ]);
    assert.ok(records.every((r) => Object.keys(r.recordData).length === 0));

    // Counts: the findings are errors; the rows do not change.
    assert.equal(out.errorCount, 5);
    assert.equal(out.criticalCount, 4);
    assert.deepEqual(out.byType, { ValidationError: 2, DatasetError: 3 });
    assert.deepEqual(out.bySeverity, { LOW: 0, MEDIUM: 1, HIGH: 4, CRITICAL: 0 });
    assert.deepEqual(out.rows, { total: 40, valid: 38, invalid: 2 });
    assert.deepEqual(out.dataset, {
      findings: [
        { rule: "dataset:rowCount", severity: "HIGH", measured: 40, bound: "≥ 50" },
        { rule: "dataset:completeness:note", severity: "MEDIUM", measured: 0.5, bound: "≥ 80%" },
        { rule: "history:rowCount", severity: "HIGH", measured: 40, bound: "0.5×–2×", median: 100 },
      ],
      notes: [],
      history: {
        runs: [
          { executionName: "old-3", rows: 100 },
          { executionName: "old-2", rows: 100 },
          { executionName: "old-1", rows: 60 },
        ],
      },
    });
    assert.ok(Buffer.byteLength(JSON.stringify(out)) <= 4096);

    // The notice: findings first, then the row examples, which do not repeat them.
    const email = mocks.ses.commandCalls(SendEmailCommand)[0].args[0].input.Message?.Body?.Text?.Data;
    assert.equal(
      email,
      [
        "⚠️ CSV processing errors [HIGH]",
        "",
        `Execution: ${input.executionName}`,
        `File: s3://in-bucket/${input.key}`,
        "Started: 2025-06-02 12:00:00 Asia/Tokyo",
        "Totals: 5 errors (4 critical) / 40 rows (2 invalid)",
        "",
        "Dataset findings:",
        "- [HIGH] The file has 40 rows; the feed expects at least 50",
        "- [MEDIUM] note has a value in 50% of the rows; at least 80% is expected",
        "- [HIGH] The file has 40 rows, 0.40× the median 100 of the feed's last 3 runs (expected 0.5×–2×)",
        "",
        "Rejected rows: 2",
        `Rejected folder: s3://in-bucket/rejected/${input.executionName}/`,
        "- rows.csv: the rows to fix and re-upload",
        "- errors.csv: every error (row, column, reason)",
        `Open rejected folder: https://ap-northeast-1.console.aws.amazon.com/s3/buckets/in-bucket?region=ap-northeast-1&prefix=rejected/${input.executionName}/&showversions=false`,
        "",
        "Errors by type:",
        "- ValidationError: 2",
        "- DatasetError: 3",
        "",
        "Errors by severity: CRITICAL: 0, HIGH: 4, MEDIUM: 1, LOW: 0",
        "",
        "Critical errors (up to 5):",
        "- Row 7 ValidationError [HIGH] column: order_id",
        "  value does not match the pattern (row 7)",
        "  order_id: ORD-000007",
        "- Row 31 ValidationError [HIGH] column: order_id",
        "  value does not match the pattern (row 31)",
        "  order_id: ORD-000031",
        "",
        "Please check at once.",
      ].join("\n"),
    );
    assert.equal(slack.received.length, 1);
    const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });
    const exec = input.executionName;
    assert.deepEqual(slack.received[0].json, {
      text: `⚠️ CSV processing errors [HIGH] s3://in-bucket/${input.key}`,
      blocks: [
        { type: "header", text: { type: "plain_text", text: "⚠️ CSV processing errors [HIGH]", emoji: true } },
        {
          type: "section",
          fields: [
            `*Execution*\n\`${exec}\``,
            `*File*\n\`s3://in-bucket/${input.key}\``,
            "*Started*\n2025-06-02 12:00:00 Asia/Tokyo",
            "*Totals*\n5 errors (4 critical) / 40 rows (2 invalid)",
          ].map((text) => ({ type: "mrkdwn", text })),
        },
        section(
          [
            "*Dataset findings*",
            "• [HIGH] The file has 40 rows; the feed expects at least 50",
            "• [MEDIUM] note has a value in 50% of the rows; at least 80% is expected",
            "• [HIGH] The file has 40 rows, 0.40× the median 100 of the feed's last 3 runs (expected 0.5×–2×)",
          ].join("\n"),
        ),
        section(
          [
            "*Rejected rows: 2*",
            `Rejected folder: \`s3://in-bucket/rejected/${exec}/\``,
            "• `rows.csv`: the rows to fix and re-upload",
            "• `errors.csv`: every error (row, column, reason)",
            `<https://ap-northeast-1.console.aws.amazon.com/s3/buckets/in-bucket?region=ap-northeast-1&amp;prefix=rejected/${exec}/&amp;showversions=false|Open rejected folder>`,
          ].join("\n"),
        ),
        section("*Errors by type*\n• ValidationError: 2\n• DatasetError: 3"),
        section("*Errors by severity*\nCRITICAL: 0  ·  HIGH: 4  ·  MEDIUM: 1  ·  LOW: 0"),
        section("*Critical errors (up to 5)*"),
        // The row examples only: the DatasetError records (row 0, sorted first) are not repeated among them.
        section(
          "*Row 7 ValidationError [HIGH] column: order_id*\n`value does not match the pattern (row 7)`\n`order_id`: `ORD-000007`",
        ),
        section(
          "*Row 31 ValidationError [HIGH] column: order_id*\n`value does not match the pattern (row 31)`\n`order_id`: `ORD-000031`",
        ),
      ],
    });

    // The run joined its feed's history at the end, replacing the item of an earlier attempt.
    const own = (await historyItems()).find((i) => i.executionName === input.executionName);
    assert.deepEqual(
      own && {
        rows: own.rows,
        valid: own.valid,
        invalid: own.invalid,
        errors: own.errors,
        status: own.status,
        key: own.key,
      },
      { rows: 40, valid: 38, invalid: 2, errors: 5, status: "SUCCEEDED", key: input.key },
    );
  });

  it("lists the findings in Japanese in a Japanese notice", async () => {
    setPolicy({ locale: "ja" });
    const input = fresh({ chunkCount: 1 });
    await putFileItem(svc.runsTable, input.executionName, {
      key: input.key,
      chunkCount: 1,
      feed: "other-feed",
      dataset: { rowCount: { min: 50, severity: "HIGH" } },
    });
    await putChunkItems(svc.runsTable, input.executionName, 1, { rows: 12, bySeverity: {} });

    const out = (await handler(input, {})) as CheckOutput;

    assert.deepEqual(out.byType, { DatasetError: 1 });
    const email = String(mocks.ses.commandCalls(SendEmailCommand)[0].args[0].input.Message?.Body?.Text?.Data);
    assert.ok(
      email.includes(
        "データセットの検査結果:\n- [HIGH] ファイルの行数は 12 行です。このフィードは 50 行以上を想定しています\n",
      ),
      email,
    );
    assert.ok(!email.includes("重要なエラー詳細"), "a finding is not a row example");
  });

  it("skips the history rules with fewer earlier runs than minRuns, and says so in the output", async () => {
    setPolicy({ locale: "en" });
    const input = fresh({ chunkCount: 1 });
    await putFileItem(svc.runsTable, input.executionName, {
      key: input.key,
      chunkCount: 1,
      feed: "new-feed",
      dataset: { history: RULES.history },
    });
    await putChunkItems(svc.runsTable, input.executionName, 1, { rows: 1, bySeverity: {} });

    const out = (await handler(input, {})) as CheckOutput;

    assert.equal(out.errorCount, 0);
    assert.deepEqual(out.dataset, {
      findings: [],
      notes: ["history: skipped: 0 of 3 earlier runs"],
      history: { runs: [] },
    });
  });

  it("says a file with a header and no rows has 0 rows, never that all rows were processed", async () => {
    for (const [locale, said, never] of [
      ["en", "The file has a header but no rows (0 rows).", "All rows were processed successfully."],
      ["ja", "ヘッダーのみでデータ行がありません(0行)。", "全件正常に処理されました。"],
    ] as const) {
      setPolicy({ locale, successNotice: true });
      slack.reset();
      const input = fresh({ chunkCount: 0 });
      await putFileItem(svc.runsTable, input.executionName, { key: input.key, chunkCount: 0 });

      const out = (await handler(input, {})) as CheckOutput;

      assert.equal(out.hasErrors, false);
      assert.deepEqual(out.rows, { total: 0, valid: 0, invalid: 0 });
      assert.equal(slack.received.length, 1);
      const body = JSON.stringify(slack.received[0].json);
      assert.ok(body.includes(JSON.stringify(said)), body);
      assert.ok(!body.includes(never), body);
    }
  });
});
