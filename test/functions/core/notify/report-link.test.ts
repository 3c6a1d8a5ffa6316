import assert from "node:assert/strict";
import { DEFAULT_OUTCOME_SETTINGS } from "../../../../functions/contract";
import { checkReportView, writeCheckReport } from "../../../../functions/core/notify/check-report";
import { s3ObjectConsoleUrl } from "../../../../functions/core/notify/links";
import {
  buildEmailNotice,
  buildSlackNotice,
  buildSnsNotice,
  type NoticeInput,
} from "../../../../functions/core/notify/messages";
import { renderRunReport } from "../../../../functions/core/report/run-report";
import { sampleSummary } from "../../../support/notify-world";

const REPORT_URL =
  "https://ap-northeast-1.console.aws.amazon.com/s3/object/in-bucket?region=ap-northeast-1&prefix=results/exec-1.html";
const LINKS = { execution: "https://x.example/exec", logs: "https://x.example/logs" };

function notice(locale: "ja" | "en", over: Partial<NoticeInput> = {}): NoticeInput {
  return {
    summary: sampleSummary(),
    level: "HIGH",
    examples: [
      {
        rowNumber: 7,
        errorType: "ValidationError",
        severity: "HIGH",
        column: "email",
        errorMessage: "not an e-mail address: taro.yamada@example.jp",
        recordData: { order_id: "ORD-000007", email: "taro.yamada@example.jp" },
      },
    ],
    locale,
    timeZone: "Asia/Tokyo",
    links: { ...LINKS, report: REPORT_URL },
    ...over,
  };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe("s3ObjectConsoleUrl", () => {
  it("builds the console's object page, the key encoded but for its slashes", () => {
    assert.equal(s3ObjectConsoleUrl("ap-northeast-1", "in-bucket", "results/exec-1.html"), REPORT_URL);
    assert.equal(
      s3ObjectConsoleUrl("us-east-1", "b", "quality results/a&b#1.html"),
      "https://us-east-1.console.aws.amazon.com/s3/object/b?region=us-east-1&prefix=quality%20results/a%26b%231.html",
    );
    assert.equal(s3ObjectConsoleUrl("us-east-1", "b", `results/${"x".repeat(2100)}.html`), undefined);
  });
});

describe("the report link in notices", () => {
  it("puts an Open report button first among the Slack buttons, in Japanese and English", () => {
    for (const [locale, label] of [
      ["ja", "レポートを開く"],
      ["en", "Open report"],
    ] as const) {
      const blocks = buildSlackNotice(notice(locale)).blocks;
      const actions = blocks.find((b) => b.type === "actions") as {
        elements: { text: { text: string }; url: string }[];
      };
      assert.deepEqual(
        actions.elements.map((e) => [e.text.text, e.url]),
        [
          [label, REPORT_URL],
          [locale === "ja" ? "実行を開く" : "Open execution", LINKS.execution],
          [locale === "ja" ? "ログを開く" : "Open logs", LINKS.logs],
        ],
      );
    }
  });

  it("ends the SNS and e-mail text with the report's line before the console links", () => {
    for (const [locale, line] of [
      ["ja", `レポートを開く: ${REPORT_URL}`],
      ["en", `Open report: ${REPORT_URL}`],
    ] as const) {
      const sns = buildSnsNotice(notice(locale)).message.split("\n");
      const mail = buildEmailNotice(notice(locale)).text.split("\n");
      for (const text of [sns, mail])
        assert.deepEqual(text.slice(-3), [
          line,
          `${locale === "ja" ? "実行を開く" : "Open execution"}: ${LINKS.execution}`,
          `${locale === "ja" ? "ログを開く" : "Open logs"}: ${LINKS.logs}`,
        ]);
    }
  });

  it("links the report first in the e-mail's HTML part, escaped", () => {
    const html = buildEmailNotice(notice("en")).html;
    assert.ok(
      html.includes(
        `<p><a href="${REPORT_URL.replaceAll("&", "&amp;")}">Open report</a> | <a href="${LINKS.execution}">Open execution</a> | <a href="${LINKS.logs}">Open logs</a></p>`,
      ),
    );
  });

  it("carries no report line or button when the report was not written", () => {
    const without = notice("en", { links: LINKS });
    assert.doesNotMatch(buildSnsNotice(without).message, /report/i);
    assert.doesNotMatch(buildEmailNotice(without).html, /Open report/);
    assert.doesNotMatch(JSON.stringify(buildSlackNotice(without)), /Open report/);
  });
});

describe("the check's report", () => {
  const ctx = (over: Partial<NoticeInput> = {}) => ({
    summary: notice("ja", over).summary,
    notice: notice("ja", over),
    feed: { name: "orders", prefix: "incoming/orders/" },
    outcomes: DEFAULT_OUTCOME_SETTINGS,
    consoleRegion: "ap-northeast-1",
  });

  it("names the execution, the file, the counts and the masked examples, with the outcome keys and links", () => {
    const html = renderRunReport(checkReportView(ctx()));

    assert.match(html, /<title>exec-1 — CSV pipeline run<\/title>/);
    assert.match(html, /<span class="status SUCCEEDED">SUCCEEDED<\/span>/);
    assert.match(
      html,
      /File <code>s3:\/\/in-bucket\/incoming\/shop-a\/orders\.csv<\/code> · feed <strong class="feed">orders<\/strong> \(<code>incoming\/orders\/<\/code>\)/,
    );
    assert.match(
      html,
      /<td class="num">100<\/td><td class="num">97<\/td><td class="num">3<\/td><td class="num">3<\/td><td class="num">2<\/td>/,
    );
    assert.match(html, /<h2 id="examples">Error examples<\/h2>\n<ul class="examples"><li><strong>Row 7/);
    assert.ok(!html.includes("taro.yamada@example.jp"), "the e-mail address is masked");
    assert.ok(html.includes("<code>s3://in-bucket/rejected/exec-1/errors.csv</code>"));
    assert.ok(html.includes("<code>s3://in-bucket/results/exec-1.html</code> — this report"));
    assert.ok(html.includes('href="https://x.example/exec"'));
    assert.doesNotMatch(html, /<script/);
  });

  it("says why a failed run failed, in English", () => {
    const failed = sampleSummary({ runFailed: true, failureReasons: ["file-rejected"], fileMessage: "no header row" });
    const view = checkReportView({ ...ctx(), summary: failed, notice: { ...notice("ja"), summary: failed } });
    const html = renderRunReport(view);

    assert.equal(view.status, "FAILED");
    assert.match(html, /<ul class="failure"><li>[^<]*<\/li><li>no header row<\/li><\/ul>/);
  });

  it("writes the page once to results/<exec>.html and returns its console link", async () => {
    const writes: { bucket: string; key: string; html: string; timeoutMs: number }[] = [];

    const out = await writeCheckReport(
      ctx(),
      async (bucket, key, html, timeoutMs) => {
        writes.push({ bucket, key, html, timeoutMs });
      },
      5000,
      silent,
    );

    assert.deepEqual(out, { output: { key: "results/exec-1.html", status: "written" }, url: REPORT_URL });
    assert.equal(writes.length, 1);
    assert.deepEqual(
      [writes[0].bucket, writes[0].key, writes[0].timeoutMs],
      ["in-bucket", "results/exec-1.html", 5000],
    );
    assert.match(writes[0].html, /^<!doctype html>/);
  });

  it("returns a failed write without throwing, logs it, and gives no link", async () => {
    const logged: [string, Record<string, unknown> | undefined][] = [];
    const denied = Object.assign(new Error("Access Denied"), { name: "AccessDenied" });

    const out = await writeCheckReport(
      ctx(),
      async () => {
        throw denied;
      },
      5000,
      { ...silent, error: (message: string, fields?: Record<string, unknown>) => logged.push([message, fields]) },
    );

    assert.deepEqual(out, {
      output: { key: "results/exec-1.html", status: "failed", reason: "AccessDenied: Access Denied" },
    });
    assert.equal(logged[0][0], "report not written");
    assert.equal(logged[0][1]?.key, "results/exec-1.html");
  });
});
