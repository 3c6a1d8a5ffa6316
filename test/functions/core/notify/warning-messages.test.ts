import assert from "node:assert/strict";
import { buildDigest } from "../../../../functions/core/notify/digest";
import {
  buildEmailNotice,
  buildSlackNotice,
  buildSnsNotice,
  type NoticeInput,
} from "../../../../functions/core/notify/messages";
import { parseNotifyPolicy } from "../../../../functions/core/notify/policy";
import { channelsFor } from "../../../../functions/core/notify/policy-rules";
import { noticeLevel } from "../../../../functions/core/records/summary";
import { sampleSummary } from "../../../support/notify-world";

const LINKS = { execution: "https://x.example/exec", logs: "https://x.example/logs" };

/** A valid file (100 rows, all valid) whose header has 11 columns the row schema does not define. */
const warningsOnly = sampleSummary({
  errorCount: 0,
  criticalCount: 0,
  byType: {},
  bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
  warningCount: 11,
  warningsByType: { SchemaError: 11 },
  rows: { total: 100, valid: 100, invalid: 0 },
});

function notice(locale: "ja" | "en", over: Partial<NoticeInput> = {}): NoticeInput {
  return {
    summary: warningsOnly,
    level: "WARNING",
    examples: [],
    locale,
    timeZone: "Asia/Tokyo",
    links: LINKS,
    ...over,
  };
}

const NOTE_JA =
  "ヘッダーに行スキーマで定義されていない列(または名前のない列)があります。その列の値は検査されません。エラーではなく、オンコールへの呼び出しもありません。";
const NOTE_EN =
  "The header has columns the row schema does not define (or without a name): their values are not checked. They are not errors and page no one.";

describe("notices of a run with warnings", () => {
  it("gives a run with warnings only the WARNING level, and a run with errors besides its errors' level", () => {
    assert.equal(noticeLevel(warningsOnly, false), "WARNING");
    assert.equal(noticeLevel(sampleSummary({ warningCount: 3, warningsByType: { SchemaError: 3 } }), false), "HIGH");
    assert.equal(
      noticeLevel(sampleSummary({ ...warningsOnly, warningCount: 0, warningsByType: {} }), false),
      "SUCCESS",
    );
  });

  it("never routes a WARNING notice to the paging channel, whatever LOW's routing says", () => {
    const policy = parseNotifyPolicy({ routing: { LOW: ["sns", "slack", "email"] } }, "NOTIFY_POLICY");
    assert.deepEqual(channelsFor("WARNING", policy), ["slack", "email"]);
    assert.deepEqual(channelsFor("LOW", policy), ["sns", "slack", "email"], "LOW errors still go where routed");
    assert.deepEqual(channelsFor("WARNING", parseNotifyPolicy({ routing: { LOW: ["sns"] } }, "NOTIFY_POLICY")), []);
  });

  it("says in Japanese that the file was processed and lists its warnings apart from errors (SNS, e-mail)", () => {
    const sns = buildSnsNotice(notice("ja"));
    assert.equal(sns.subject, "ℹ️ CSV処理完了(警告あり) orders.csv");
    assert.equal(
      sns.message,
      [
        "ℹ️ CSV処理完了(警告あり)",
        "",
        "実行名: exec-1",
        "ファイル: s3://in-bucket/incoming/shop-a/orders.csv",
        "開始時刻: 2025-06-02 12:00:00 Asia/Tokyo",
        "件数: エラー 0件(重要 0件) / 行 100件(不正 0件) / 警告 11件",
        "",
        "全件正常に処理されました。",
        "",
        "警告(行は却下されません):",
        "- SchemaError: 11件",
        NOTE_JA,
        "実行を開く: https://x.example/exec",
        "ログを開く: https://x.example/logs",
      ].join("\n"),
    );
    const email = buildEmailNotice(notice("ja"));
    assert.equal(email.text, sns.message);
    assert.equal(
      email.html,
      '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"></head><body><h2>ℹ️ CSV処理完了(警告あり)</h2>\n' +
        '<table><tr><th align="left">実行名</th><td>exec-1</td></tr><tr><th align="left">ファイル</th><td>s3://in-bucket/incoming/shop-a/orders.csv</td></tr><tr><th align="left">開始時刻</th><td>2025-06-02 12:00:00 Asia/Tokyo</td></tr><tr><th align="left">件数</th><td>エラー 0件(重要 0件) / 行 100件(不正 0件) / 警告 11件</td></tr></table>\n' +
        "<p>全件正常に処理されました。</p>\n" +
        `<h3>警告(行は却下されません)</h3><ul><li>SchemaError: 11件</li></ul><p>${NOTE_JA}</p>\n` +
        '<p><a href="https://x.example/exec">実行を開く</a> | <a href="https://x.example/logs">ログを開く</a></p></body></html>',
    );
  });

  it("builds the English Slack notice of a run with warnings only: no error breakdown, no call to act", () => {
    const slack = buildSlackNotice(notice("en"));
    assert.equal(slack.text, "ℹ️ CSV processing completed with warnings s3://in-bucket/incoming/shop-a/orders.csv");
    assert.deepEqual(slack.blocks, [
      {
        type: "header",
        text: { type: "plain_text", text: "ℹ️ CSV processing completed with warnings", emoji: true },
      },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: "*Execution*\n`exec-1`" },
          { type: "mrkdwn", text: "*File*\n`s3://in-bucket/incoming/shop-a/orders.csv`" },
          { type: "mrkdwn", text: "*Started*\n2025-06-02 12:00:00 Asia/Tokyo" },
          { type: "mrkdwn", text: "*Totals*\n0 errors (0 critical) / 100 rows (0 invalid) / 11 warnings" },
        ],
      },
      { type: "section", text: { type: "mrkdwn", text: "All rows were processed successfully." } },
      {
        type: "section",
        text: { type: "mrkdwn", text: `*Warnings (no row rejected)*\n• SchemaError: 11\n${NOTE_EN}` },
      },
      {
        type: "actions",
        elements: [
          { type: "button", text: { type: "plain_text", text: "Open execution" }, url: "https://x.example/exec" },
          { type: "button", text: { type: "plain_text", text: "Open logs" }, url: "https://x.example/logs" },
        ],
      },
    ]);
  });

  it("shows a run's errors and its warnings apart, the errors' level and breakdown counting errors only", () => {
    const both = notice("en", {
      level: "HIGH",
      summary: sampleSummary({ warningCount: 3, warningsByType: { SchemaError: 3 } }),
    });
    assert.equal(
      buildSnsNotice(both).message,
      [
        "⚠️ CSV processing errors [HIGH]",
        "",
        "Execution: exec-1",
        "File: s3://in-bucket/incoming/shop-a/orders.csv",
        "Started: 2025-06-02 12:00:00 Asia/Tokyo",
        "Totals: 3 errors (2 critical) / 100 rows (3 invalid) / 3 warnings",
        "",
        "Errors by type:",
        "- ValidationError: 3",
        "",
        "Errors by severity: CRITICAL: 0, HIGH: 2, MEDIUM: 1, LOW: 0",
        "",
        "Warnings (no row rejected):",
        "- SchemaError: 3",
        NOTE_EN,
        "",
        "Please check at once.",
        "Open execution: https://x.example/exec",
        "Open logs: https://x.example/logs",
      ].join("\n"),
    );
    const ja = buildSlackNotice({ ...both, locale: "ja" });
    assert.equal(
      (ja.blocks[1].fields as { text: string }[])[3].text,
      "*件数*\nエラー 3件(重要 2件) / 行 100件(不正 3件) / 警告 3件",
    );
    assert.deepEqual(
      ja.blocks.map((b) => (b.text as { text?: string } | undefined)?.text).filter((t) => t?.startsWith("*警告")),
      [`*警告(行は却下されません)*\n• SchemaError: 3件\n${NOTE_JA}`],
    );
  });

  it("says nothing of warnings in a notice of a run without any (texts as before warnings were counted)", () => {
    const plain = buildSnsNotice(notice("en", { level: "HIGH", summary: sampleSummary() })).message;
    assert.ok(plain.includes("\nTotals: 3 errors (2 critical) / 100 rows (3 invalid)\n"));
    assert.equal(plain.includes("arning"), false);
  });

  it("counts a deferred run's warnings in the digest line", () => {
    const entry = {
      executionName: "e",
      bucket: "b",
      key: "k.csv",
      errorCount: 0,
      criticalCount: 0,
      startTime: "2025-06-02T03:00:00.000Z",
      deferredAt: "2025-06-02T03:00:00.000Z",
      quietReason: "night" as const,
    };
    const digest = buildDigest([{ ...entry, level: "WARNING", warningCount: 11 }], "en", "Asia/Tokyo");
    assert.equal(
      digest.text.split("\n").at(-1),
      "- [WARNING] s3://b/k.csv: 0 errors, 11 warnings (2025-06-02 12:00:00 Asia/Tokyo)",
    );
    const ja = buildDigest([{ ...entry, level: "WARNING", warningCount: 1 }], "ja", "Asia/Tokyo");
    assert.equal(
      ja.text.split("\n").at(-1),
      "- [WARNING] s3://b/k.csv エラー 0件 / 警告 1件 (2025-06-02 12:00:00 Asia/Tokyo)",
    );
  });
});
