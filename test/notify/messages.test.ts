import assert from "node:assert/strict";
import { neutralizeFormula, slackCode, truncateUtf8 } from "../../functions/core/notify/escape";
import { maskRecord, maskText } from "../../functions/core/notify/mask";
import {
  buildDigest,
  buildEmailNotice,
  buildSlackNotice,
  buildSnsNotice,
  type ErrorExample,
  fitBlocks,
  type NoticeInput,
  SLACK_LIMITS,
  SNS_LIMITS,
} from "../../functions/core/notify/messages";
import { sampleSummary } from "./support";

const INJECTIONS = [
  "<!channel>",
  "<https://evil.example|click>",
  "*x*",
  "<script>alert(1)</script>",
  '=HYPERLINK("https://evil.example","x")',
];

function notice(over: Partial<NoticeInput> = {}): NoticeInput {
  const examples: ErrorExample[] = INJECTIONS.map((value, i) => ({
    rowNumber: i + 2,
    errorType: "ValidationError",
    severity: "HIGH",
    column: "note",
    errorMessage: `bad value ${value}`,
    recordData: { note: value, email: "***", other: "taro@example.jp" },
  }));
  return {
    summary: sampleSummary({ key: "incoming/<!here>/a&b.csv" }),
    level: "HIGH",
    examples,
    locale: "ja",
    timeZone: "Asia/Tokyo",
    links: {
      execution: "https://ap-northeast-1.console.aws.amazon.com/states/x",
      logs: "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/y",
    },
    ...over,
  };
}

/** Every mrkdwn string of a Slack payload (section texts, fields, context, fallback). */
function mrkdwnStrings(p: { text: string; blocks: Record<string, unknown>[] }): string[] {
  const out = [p.text];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o.type === "mrkdwn" && typeof o.text === "string") out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(p.blocks);
  return out;
}

describe("notice messages", () => {
  it("keeps CSV injection payloads inert in Slack: escaped, inside code spans, no raw < or >", () => {
    const slack = buildSlackNotice(notice());
    const texts = mrkdwnStrings(slack);
    const all = texts.join("\n");
    for (const t of texts) assert.doesNotMatch(t, /[<>]/, `raw angle bracket in: ${t}`);
    assert.ok(all.includes("`&lt;!channel&gt;`"));
    assert.ok(all.includes("`&lt;https://evil.example|click&gt;`"));
    assert.ok(all.includes("`*x*`"), "bold markers only inside a code span");
    assert.doesNotMatch(all.replace(/`[^`]*`/g, ""), /\*x\*/);
    assert.ok(all.includes('`\'=HYPERLINK("https://evil.example","x")`'), "formula neutralised");
    assert.ok(all.includes("incoming/&lt;!here&gt;/a&amp;b.csv"));
    assert.equal(JSON.stringify(slack).includes("taro@example.jp"), false, "e-mail masked");
  });

  it("keeps injection payloads inert in the e-mail HTML part and masks data in every channel", () => {
    const email = buildEmailNotice(notice());
    assert.equal(email.html.includes("<script>"), false);
    assert.ok(email.html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert.ok(email.html.includes("&lt;https://evil.example|click&gt;"));
    assert.equal(email.html.includes("<!channel>"), false);
    assert.ok(email.text.includes("'=HYPERLINK("));
    const sns = buildSnsNotice(notice());
    assert.ok(sns.message.includes("'=HYPERLINK("));
    for (const body of [email.html, email.text, sns.message, sns.subject])
      assert.equal(body.includes("taro@example.jp"), false);
  });

  it("masks e-mail addresses, phone numbers and Luhn-valid card numbers but not amounts or ids", () => {
    assert.equal(maskText("mail taro.y+1@example.co.jp now"), "mail *** now");
    assert.equal(
      maskText("tel 090-1234-5678 / 03-1234-5678 / +81 90 1234 5678 / 09012345678"),
      "tel *** / *** / *** / ***",
    );
    assert.equal(maskText("card 4111 1111 1111 1111"), "card ***");
    assert.equal(maskText("4111-1111-1111-1112 fails Luhn"), "4111-1111-1111-1112 fails Luhn");
    assert.equal(maskText("amount 1000000 id ORD-000123 on 2025-06-02"), "amount 1000000 id ORD-000123 on 2025-06-02");
    assert.deepEqual(maskRecord({ card: "4111111111111111", name: "Taro", pin: "1234" }, new Set(["pin"])), {
      card: "***",
      name: "Taro",
      pin: "***",
    });
  });

  it("neutralises formulas but keeps signed numbers", () => {
    assert.equal(neutralizeFormula("=1+1"), "'=1+1");
    assert.equal(neutralizeFormula("@SUM(A1)"), "'@SUM(A1)");
    assert.equal(neutralizeFormula("-12.5"), "-12.5");
    assert.equal(slackCode("a`b"), "`aˋb`");
  });

  it("builds the Slack layout: header, facts, breakdown, up to 5 examples, buttons", () => {
    const p = buildSlackNotice({ ...notice(), examples: [...notice().examples, ...notice().examples] });
    assert.equal(p.blocks[0].type, "header");
    assert.equal((p.blocks[0].text as { text: string }).text, "⚠️ CSV処理エラー [HIGH]");
    const fields = (p.blocks[1].fields as { text: string }[]).map((f) => f.text);
    assert.deepEqual(
      fields.map((f) => f.split("\n")[0]),
      ["*実行名*", "*ファイル*", "*開始時刻*", "*件数*"],
    );
    assert.equal(fields[2], "*開始時刻*\n2025-06-02 12:00:00 Asia/Tokyo");
    const rowSections = p.blocks.filter((b) =>
      String((b.text as { text?: string } | undefined)?.text ?? "").includes("行目"),
    );
    assert.equal(rowSections.length, 5);
    const actions = p.blocks.at(-1)!;
    assert.equal(actions.type, "actions");
    assert.deepEqual(
      (actions.elements as { url: string }[]).map((e) => e.url),
      [notice().links.execution, notice().links.logs],
    );
  });

  it("renders English when the policy says en", () => {
    const p = buildSlackNotice(notice({ locale: "en" }));
    assert.equal((p.blocks[0].text as { text: string }).text, "⚠️ CSV processing errors [HIGH]");
  });

  it("keeps each Slack section within 3,000 characters, even with huge values", () => {
    const huge = "x".repeat(10_000);
    const p = buildSlackNotice(
      notice({
        examples: [
          {
            rowNumber: 2,
            errorType: "ValidationError",
            severity: "HIGH",
            errorMessage: huge,
            recordData: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`c${i}`, huge])),
          },
        ],
      }),
    );
    for (const t of mrkdwnStrings(p)) assert.ok(t.length <= SLACK_LIMITS.sectionText, `length ${t.length}`);
    const fail = buildSlackNotice(
      notice({
        summary: sampleSummary({
          runFailed: true,
          failureReasons: ["state-failed"],
          failure: { step: "ProcessChunks", error: "E", cause: huge },
        }),
      }),
    );
    for (const t of mrkdwnStrings(fail)) assert.ok(t.length <= SLACK_LIMITS.sectionText);
  });

  it("keeps at most 50 blocks: 50 pass untouched, 51 become 49 plus a note", () => {
    const blocks = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ type: "section", text: { type: "mrkdwn", text: String(i) } }));
    assert.equal(fitBlocks(blocks(50), "en").length, 50);
    const cut = fitBlocks(blocks(51), "en");
    assert.equal(cut.length, 50);
    assert.deepEqual(cut[49], { type: "context", elements: [{ type: "mrkdwn", text: "2 more omitted" }] });
  });

  it("keeps the SNS subject under 100 characters on one line, with filter attributes", () => {
    const long = notice({
      summary: sampleSummary({ key: `incoming/${"長".repeat(300)}\nline2.csv` }),
      level: "CRITICAL",
    });
    const sns = buildSnsNotice(long);
    assert.ok(Array.from(sns.subject).length < 100, `subject length ${Array.from(sns.subject).length}`);
    assert.doesNotMatch(sns.subject, /[\r\n]/);
    assert.equal(sns.severity, "CRITICAL");
    assert.equal(sns.executionName, "exec-1");
  });

  it("cuts SNS messages past 256 KB with an explicit note, and leaves one at the limit whole", () => {
    const limit = SNS_LIMITS.messageBytes - SNS_LIMITS.attributeReserve;
    const exact = "あ".repeat(Math.floor(limit / 3)) + "a".repeat(limit % 3);
    assert.equal(Buffer.byteLength(exact), limit);
    assert.deepEqual(truncateUtf8(exact, limit, "[cut]"), { text: exact, truncated: false });
    const over = truncateUtf8(`${exact}a`, limit, "[cut]");
    assert.equal(over.truncated, true);
    assert.ok(over.text.endsWith("[cut]"));
    assert.ok(Buffer.byteLength(over.text) <= limit);
    const bigSummary = sampleSummary({ fileMessage: "y".repeat(300_000) });
    const big = buildSnsNotice(
      notice({ summary: { ...bigSummary, runFailed: true, failureReasons: ["file-rejected"] }, examples: [] }),
    );
    assert.equal(big.truncated, false, "file message is bounded before it reaches the body");
    const hugeExamples = Array.from({ length: 5 }, (_, i) => ({
      rowNumber: i,
      errorType: "ParseError",
      severity: "HIGH",
      errorMessage: "m",
      recordData: Object.fromEntries(Array.from({ length: 6 }, (_, c) => [`c${c}`, "z".repeat(200)])),
    }));
    assert.ok(Buffer.byteLength(buildSnsNotice(notice({ examples: hugeExamples })).message) <= limit);
  });

  it("builds a digest of deferred notices that lists at most 20 runs and escapes file names", () => {
    const entries = Array.from({ length: 23 }, (_, i) => ({
      executionName: `e${i}`,
      bucket: "b",
      key: `incoming/<!channel>${i}.csv`,
      level: "MEDIUM" as const,
      errorCount: i,
      criticalCount: 0,
      startTime: "2025-06-02T14:00:00Z",
      deferredAt: `2025-06-02T14:${String(i).padStart(2, "0")}:00Z`,
      quietReason: "night" as const,
    }));
    const d = buildDigest(entries, "en", "Asia/Tokyo");
    assert.equal(d.subject, "🌙 Notification digest (23)");
    assert.ok(d.text.includes("3 more"));
    assert.equal((d.text.match(/^- \[MEDIUM\]/gm) ?? []).length, 20);
    for (const t of mrkdwnStrings(d.slack)) assert.doesNotMatch(t, /[<>]/);
    assert.equal(d.html.includes("<!channel>"), false);
  });
});

describe("validation messages in notices", () => {
  const emailExample: ErrorExample = {
    rowNumber: 7,
    errorType: "ValidationError",
    severity: "HIGH",
    column: "email",
    errorMessage: 'email must be an e-mail address such as name@example.com (got "taro@example")',
    message: { key: "email", params: { column: "email", value: "taro@example.jp x" } },
    recordData: { email: "taro@example.jp x" },
  };

  it("shows a validation message in the notice's language, Japanese by default", () => {
    const text = buildEmailNotice(notice({ examples: [emailExample] })).text;

    assert.match(text, /email は name@example\.com のようなメールアドレスにしてください\(値: "\*\*\* x"\)/);
    assert.doesNotMatch(text, /must be an e-mail address/);
  });

  it("shows it in English with locale en", () => {
    const text = buildEmailNotice(notice({ examples: [emailExample], locale: "en" })).text;

    assert.match(text, /email must be an e-mail address such as name@example\.com \(got "\*\*\* x"\)/);
  });

  it("keeps the schema's pattern and example unmasked while the value from the file is masked", () => {
    const example: ErrorExample = {
      ...emailExample,
      column: "phone",
      message: { key: "pattern", params: { column: "phone", pattern: "^0\\d{9}$", value: "03-1234-5678" } },
      recordData: { phone: "03-1234-5678" },
    };

    const text = buildEmailNotice(notice({ examples: [example], locale: "en" })).text;

    assert.match(text, /phone must match \^0\\d\{9\}\$ \(got "\*\*\*"\)/);
    assert.doesNotMatch(text, /03-1234-5678/);
  });
});

describe("record and line in notices", () => {
  const example: ErrorExample = {
    rowNumber: 33,
    recordNumber: 26,
    errorType: "ValidationError",
    severity: "HIGH",
    column: "order_id",
    errorMessage: "order_id must match ^ORD-[0-9]{6}$",
    recordData: { order_id: "ORD-0026X" },
  };

  it("names the record and the line it starts on, in Japanese and English", () => {
    const ja = buildEmailNotice(notice({ examples: [example] })).text;
    const en = buildEmailNotice(notice({ examples: [example], locale: "en" })).text;

    assert.match(ja, /レコード26\(33行目\) ValidationError \[HIGH\] 列: order_id/);
    assert.match(en, /Record 26 \(line 33\) ValidationError \[HIGH\] column: order_id/);
  });

  it("names the line alone when the record's index is unknown", () => {
    const ja = buildEmailNotice(notice({ examples: [{ ...example, recordNumber: undefined }] })).text;

    assert.match(ja, /33行目 ValidationError/);
    assert.doesNotMatch(ja, /レコード/);
  });
});
