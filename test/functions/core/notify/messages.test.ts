import assert from "node:assert/strict";
import { type CheckInput, DEFAULT_OUTCOME_SETTINGS } from "../../../../functions/contract";
import { checkInput as readCheckInput } from "../../../../functions/core/inputs";
import { aggregationFailureOf, lateChunksOf, rejectedRowsOf } from "../../../../functions/core/notify/check";
import { buildDigest } from "../../../../functions/core/notify/digest";
import { neutralizeFormula, slackCode, slackLink, truncateUtf8 } from "../../../../functions/core/notify/escape";
import { s3FolderConsoleUrl } from "../../../../functions/core/notify/links";
import { maskRecord, maskText } from "../../../../functions/core/notify/mask";
import {
  AGGREGATION_STEP,
  buildEmailNotice,
  buildSlackNotice,
  buildSnsNotice,
  type ErrorExample,
  fitBlocks,
  type NoticeInput,
  SLACK_LIMITS,
  SNS_LIMITS,
} from "../../../../functions/core/notify/messages";
import { parseNotifyPolicy } from "../../../../functions/core/notify/policy";
import { STATE_NAMES } from "../../../../workflow/pipeline";
import { sampleSummary } from "../../../support/notify-world";

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
    assert.ok(texts.length > 1, `only the fallback text was checked, no block: ${texts.length}`);
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
    const texts = mrkdwnStrings(p);
    assert.ok(texts.length > 1, `only the fallback text was checked, no block: ${texts.length}`);
    for (const t of texts) assert.ok(t.length <= SLACK_LIMITS.sectionText, `length ${t.length}`);
    const fail = buildSlackNotice(
      notice({
        summary: sampleSummary({
          runFailed: true,
          failureReasons: ["state-failed"],
          failure: { step: "ProcessChunks", error: "E", cause: huge },
        }),
      }),
    );
    const failTexts = mrkdwnStrings(fail);
    assert.ok(failTexts.length > 1, `only the fallback text was checked, no block: ${failTexts.length}`);
    for (const t of failTexts) assert.ok(t.length <= SLACK_LIMITS.sectionText);
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
    const texts = mrkdwnStrings(d.slack);
    assert.ok(texts.length > 1, `only the fallback text was checked, no block: ${texts.length}`);
    for (const t of texts) assert.doesNotMatch(t, /[<>]/);
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

describe("rejected rows in notices", () => {
  const FOLDER_URL =
    "https://ap-northeast-1.console.aws.amazon.com/s3/buckets/in-bucket?region=ap-northeast-1&prefix=rejected/exec-1/&showversions=false";
  const cfg = { pipelineName: "p", policy: parseNotifyPolicy({}), consoleRegion: "ap-northeast-1" };
  /** The sample run (3 rejected rows), without examples or other links so that whole bodies stay short. */
  const run = (over: Partial<NoticeInput> = {}): NoticeInput => {
    const summary = sampleSummary();
    return {
      summary,
      level: "HIGH",
      examples: [],
      locale: "ja",
      timeZone: "Asia/Tokyo",
      links: {},
      rejected: rejectedRowsOf(summary, cfg),
      ...over,
    };
  };
  const slackSection = (input: NoticeInput) =>
    buildSlackNotice(input)
      .blocks.map((b) => (b.text as { text?: string } | undefined)?.text ?? "")
      .find((t) => t.includes("rows.csv"));

  it("links the run's rejected folder in the S3 console, in the input bucket under the rejected prefix", () => {
    assert.deepEqual(rejectedRowsOf(sampleSummary(), cfg), {
      rows: 3,
      folder: "s3://in-bucket/rejected/exec-1/",
      url: FOLDER_URL,
      missingChunks: 0,
    });
    const custom = { ...DEFAULT_OUTCOME_SETTINGS, rejectedPrefix: "out/bad rows/" };
    assert.equal(
      rejectedRowsOf(sampleSummary(), { ...cfg, consoleRegion: "us-west-2", outcomes: custom })?.url,
      "https://us-west-2.console.aws.amazon.com/s3/buckets/in-bucket?region=us-west-2&prefix=out/bad%20rows/exec-1/&showversions=false",
    );
  });

  it("percent-encodes the prefix except its slashes, so no character can change the query", () => {
    assert.equal(
      s3FolderConsoleUrl("ap-northeast-1", "b", "a+b&c=d#e/却下 x?/"),
      "https://ap-northeast-1.console.aws.amazon.com/s3/buckets/b?region=ap-northeast-1&prefix=a%2Bb%26c%3Dd%23e/%E5%8D%B4%E4%B8%8B%20x%3F/&showversions=false",
    );
    const prefix = new URL(s3FolderConsoleUrl("ap-northeast-1", "b", "a+b&c=d#e/却下 x?/")!).searchParams.get("prefix");
    assert.equal(prefix, "a+b&c=d#e/却下 x?/");
  });

  it("gives no link longer than 2,000 characters (the rest of a Slack section is the folder and its text)", () => {
    const base = s3FolderConsoleUrl("ap-northeast-1", "b", "")!.length;
    assert.equal(s3FolderConsoleUrl("ap-northeast-1", "b", "p".repeat(2000 - base))?.length, 2000);
    assert.equal(s3FolderConsoleUrl("ap-northeast-1", "b", "p".repeat(2001 - base)), undefined);
    assert.equal(s3FolderConsoleUrl("ap-northeast-1", "b", "却".repeat(300)), undefined, "9 characters each, encoded");
  });

  it("escapes a Slack link's FOLDER_URL and label, and keeps the label from ending the link", () => {
    assert.equal(slackLink("https://x/?a=1&b=<2>", "a|b <c>"), "<https://x/?a=1&amp;b=&lt;2&gt;|a¦b &lt;c&gt;>");
  });

  it("keeps CSV payloads inert in Slack with the section present: the folder link is the only markup", () => {
    const input = { ...notice(), rejected: rejectedRowsOf(sampleSummary(), cfg) };
    const texts = mrkdwnStrings(buildSlackNotice(input)).map((t) =>
      t.replace(`<${FOLDER_URL.replace(/&/g, "&amp;")}|却下フォルダを開く>`, ""),
    );
    assert.ok(texts.length > 1, `only the fallback text was checked, no block: ${texts.length}`);
    for (const t of texts) assert.doesNotMatch(t, /[<>]/, `raw angle bracket in: ${t}`);
  });

  it("gives nothing when no row was rejected, also for a file rejected before any row was read", () => {
    assert.equal(rejectedRowsOf(sampleSummary({ rows: { total: 100, valid: 100, invalid: 0 } }), cfg), undefined);
    const fileRejected = sampleSummary({
      errorCount: 1,
      rows: { total: 0, valid: 0, invalid: 0 },
      chunkCount: 0,
      chunksReported: 0,
      runFailed: true,
      failureReasons: ["file-rejected"],
      fileMessage: "required column email is missing",
    });
    assert.equal(rejectedRowsOf(fileRejected, cfg), undefined);
    const input = run({ summary: fileRejected, level: "CRITICAL", rejected: rejectedRowsOf(fileRejected, cfg) });
    for (const body of [
      buildSnsNotice(input).message,
      buildEmailNotice(input).html,
      JSON.stringify(buildSlackNotice(input)),
    ]) {
      assert.doesNotMatch(body, /却下された行|rows\.csv|s3\/buckets/);
    }
  });

  it("gives a rejected file's reason in the notice's language, from the file summary's message key", () => {
    const detail = { key: "headerMissing", params: { columns: "email", count: 1, found: "order_id, amount" } } as const;
    const rejected = sampleSummary({
      errorCount: 1,
      runFailed: true,
      failureReasons: ["file-rejected"],
      fileMessage: "The header lacks the required column email (found: order_id, amount). …",
      fileDetail: detail,
    });
    const ja = buildSnsNotice(run({ summary: rejected, level: "CRITICAL" })).message;
    assert.ok(
      ja.includes(
        "\n- ヘッダーに必須列 email がありません(ヘッダーの列: order_id, amount)。ファイルの1行目に列を追加するか、行スキーマで任意の列にして、もう一度アップロードしてください\n",
      ),
      ja,
    );
    assert.doesNotMatch(ja, /The header lacks/);
    const en = buildSnsNotice(run({ summary: rejected, level: "CRITICAL", locale: "en" })).message;
    assert.match(en, /\n- The header lacks the required column email \(found: order_id, amount\)\. Add the column/);
    // An item of an older run has the English message only: it is shown as it is.
    const older = buildSnsNotice(run({ summary: { ...rejected, fileDetail: undefined }, level: "CRITICAL" })).message;
    assert.ok(older.includes("\n- The header lacks the required column email (found: order_id, amount). …\n"), older);
  });

  it("writes the SNS / e-mail text in Japanese byte for byte", () => {
    assert.equal(
      buildSnsNotice(run()).message,
      [
        "⚠️ CSV処理エラー [HIGH]",
        "",
        "実行名: exec-1",
        "ファイル: s3://in-bucket/incoming/shop-a/orders.csv",
        "開始時刻: 2025-06-02 12:00:00 Asia/Tokyo",
        "件数: エラー 3件(重要 2件) / 行 100件(不正 3件)",
        "",
        "却下された行: 3行",
        "却下フォルダ: s3://in-bucket/rejected/exec-1/",
        "- rows.csv: 修正して再アップロードする行",
        "- errors.csv: すべてのエラー(行番号・列・理由)",
        `却下フォルダを開く: ${FOLDER_URL}`,
        "",
        "エラータイプ別内訳:",
        "- ValidationError: 3件",
        "",
        "重要度別内訳: CRITICAL: 0件, HIGH: 2件, MEDIUM: 1件, LOW: 0件",
        "",
        "至急確認をお願いします。",
      ].join("\n"),
    );
    assert.equal(buildEmailNotice(run()).text, buildSnsNotice(run()).message);
  });

  it("writes the SNS / e-mail text in English byte for byte", () => {
    assert.equal(
      buildSnsNotice(run({ locale: "en" })).message,
      [
        "⚠️ CSV processing errors [HIGH]",
        "",
        "Execution: exec-1",
        "File: s3://in-bucket/incoming/shop-a/orders.csv",
        "Started: 2025-06-02 12:00:00 Asia/Tokyo",
        "Totals: 3 errors (2 critical) / 100 rows (3 invalid)",
        "",
        "Rejected rows: 3",
        "Rejected folder: s3://in-bucket/rejected/exec-1/",
        "- rows.csv: the rows to fix and re-upload",
        "- errors.csv: every error (row, column, reason)",
        `Open rejected folder: ${FOLDER_URL}`,
        "",
        "Errors by type:",
        "- ValidationError: 3",
        "",
        "Errors by severity: CRITICAL: 0, HIGH: 2, MEDIUM: 1, LOW: 0",
        "",
        "Please check at once.",
      ].join("\n"),
    );
  });

  it("puts a Slack section after the totals with an escaped mrkdwn link, in Japanese and English", () => {
    const link = FOLDER_URL.replace(/&/g, "&amp;");
    assert.equal(
      slackSection(run()),
      [
        "*却下された行: 3行*",
        "却下フォルダ: `s3://in-bucket/rejected/exec-1/`",
        "• `rows.csv`: 修正して再アップロードする行",
        "• `errors.csv`: すべてのエラー(行番号・列・理由)",
        `<${link}|却下フォルダを開く>`,
      ].join("\n"),
    );
    assert.equal(
      slackSection(run({ locale: "en" })),
      [
        "*Rejected rows: 3*",
        "Rejected folder: `s3://in-bucket/rejected/exec-1/`",
        "• `rows.csv`: the rows to fix and re-upload",
        "• `errors.csv`: every error (row, column, reason)",
        `<${link}|Open rejected folder>`,
      ].join("\n"),
    );
    const blocks = buildSlackNotice(run()).blocks;
    assert.equal(
      blocks.findIndex((b) => String((b.text as { text?: string })?.text).includes("rows.csv")),
      2,
    );
  });

  it("writes the e-mail HTML part with the folder, both files and the link, escaped", () => {
    const fragment = (locale: "ja" | "en") => {
      const html = buildEmailNotice(run({ locale })).html;
      return html.slice(html.indexOf("<h3>"), html.indexOf("\n", html.indexOf("<h3>")));
    };
    const href = FOLDER_URL.replace(/&/g, "&amp;");
    assert.equal(
      fragment("ja"),
      "<h3>却下された行: 3行</h3><p>却下フォルダ: <code>s3://in-bucket/rejected/exec-1/</code></p>" +
        "<ul><li><code>rows.csv</code>: 修正して再アップロードする行</li><li><code>errors.csv</code>: すべてのエラー(行番号・列・理由)</li></ul>" +
        `<p><a href="${href}">却下フォルダを開く</a></p>`,
    );
    assert.equal(
      fragment("en"),
      "<h3>Rejected rows: 3</h3><p>Rejected folder: <code>s3://in-bucket/rejected/exec-1/</code></p>" +
        "<ul><li><code>rows.csv</code>: the rows to fix and re-upload</li><li><code>errors.csv</code>: every error (row, column, reason)</li></ul>" +
        `<p><a href="${href}">Open rejected folder</a></p>`,
    );
  });

  it("says which rows are missing when chunks left no result", () => {
    const summary = sampleSummary({
      chunkCount: 3,
      chunksReported: 1,
      failedChunks: 2,
      runFailed: true,
      failureReasons: ["chunks-failed"],
    });
    const input = run({ summary, level: "CRITICAL", rejected: rejectedRowsOf(summary, cfg) });
    assert.match(
      buildSnsNotice(input).message,
      /- errors\.csv: すべてのエラー\(行番号・列・理由\)\n結果のない 2チャンクの行はどちらのファイルにも含まれていません\n却下フォルダを開く: /,
    );
    assert.match(
      slackSection({ ...input, locale: "en" }) ?? "",
      /\nRows of the 2 chunks that left no result are in neither file\n</,
    );
    assert.match(
      buildEmailNotice(input).html,
      /<\/ul><p>結果のない 2チャンクの行はどちらのファイルにも含まれていません<\/p><p><a href=/,
    );
  });

  it("leaves the link out of a section it would not fit, and keeps the section within 3,000 characters", () => {
    const summary = sampleSummary({ bucket: "b".repeat(63) });
    const rejected = {
      rows: 3,
      folder: `s3://${"b".repeat(63)}/${"p".repeat(1000)}/`,
      url: `https://x/${"q".repeat(1990)}`,
      missingChunks: 0,
    };
    const text = slackSection(run({ summary, rejected }))!;
    assert.ok(text.length <= SLACK_LIMITS.sectionText, `length ${text.length}`);
    assert.doesNotMatch(text, /https:/);
    assert.match(text, /errors\.csv/);
    assert.match(buildSnsNotice(run({ summary, rejected })).message, /却下フォルダを開く: https:\/\/x\/q{1990}\n/);
  });

  it("lists the rejected rows and the folder link of each deferred run in the digest", () => {
    const entry = {
      executionName: "exec-1",
      bucket: "in-bucket",
      key: "incoming/a.csv",
      level: "MEDIUM" as const,
      errorCount: 4,
      criticalCount: 0,
      startTime: "2025-06-02T14:00:00Z",
      deferredAt: "2025-06-02T14:01:00Z",
      quietReason: "night" as const,
    };
    const entries = [
      { ...entry, rejected: { rows: 3, url: FOLDER_URL } },
      { ...entry, executionName: "exec-2", key: "incoming/b.csv", deferredAt: "2025-06-02T14:02:00Z" },
    ];
    const ja = buildDigest(entries, "ja", "Asia/Tokyo");
    assert.equal(
      ja.text,
      [
        "🌙 通知ダイジェスト(2件)",
        "静穏時間帯に保留された通知です。",
        "",
        "- [MEDIUM] s3://in-bucket/incoming/a.csv エラー 4件 / 却下された行 3行 (2025-06-02 23:00:00 Asia/Tokyo)",
        `  却下フォルダを開く: ${FOLDER_URL}`,
        "- [MEDIUM] s3://in-bucket/incoming/b.csv エラー 4件 (2025-06-02 23:00:00 Asia/Tokyo)",
      ].join("\n"),
    );
    const en = buildDigest(entries, "en", "Asia/Tokyo");
    assert.equal(
      en.text.split("\n").slice(3, 5).join("\n"),
      `- [MEDIUM] s3://in-bucket/incoming/a.csv: 4 errors, 3 rejected rows (2025-06-02 23:00:00 Asia/Tokyo)\n  Open rejected folder: ${FOLDER_URL}`,
    );
    const slackText = mrkdwnStrings(ja.slack).join("\n");
    assert.ok(
      slackText.includes(
        `• *MEDIUM* \`s3://in-bucket/incoming/a.csv\` エラー 4件 / 却下された行 3行 (2025-06-02 23:00:00 Asia/Tokyo) <${FOLDER_URL.replace(/&/g, "&amp;")}|却下フォルダを開く>`,
      ),
      slackText,
    );
    assert.ok(
      ja.html.includes(
        `<li>[MEDIUM] s3://in-bucket/incoming/a.csv エラー 4件 / 却下された行 3行 (2025-06-02 23:00:00 Asia/Tokyo) <a href="${FOLDER_URL.replace(/&/g, "&amp;")}">却下フォルダを開く</a></li>`,
      ),
    );
  });
});

describe("a failed aggregation in notices", () => {
  const FOLDER_URL =
    "https://ap-northeast-1.console.aws.amazon.com/s3/buckets/in-bucket?region=ap-northeast-1&prefix=rejected/exec-1/&showversions=false";
  const cfg = { pipelineName: "p", policy: parseNotifyPolicy({}), consoleRegion: "ap-northeast-1" };
  /** As Step Functions catches an S3 AccessDenied thrown by the aggregation Lambda: the Cause is its error document. */
  const CAUGHT = {
    Error: "AccessDenied",
    Cause: JSON.stringify({
      errorType: "AccessDenied",
      errorMessage: "Access Denied",
      trace: ["AccessDenied: Access Denied", "    at composeObject (/var/task/index.js:812:11)"],
    }),
  };
  const checkInput = (aggregationFailure: CheckInput["aggregationFailure"]): CheckInput => ({
    executionName: "exec-1",
    startTime: "2025-06-02T03:00:00.000Z",
    bucket: "in-bucket",
    key: "incoming/shop-a/orders.csv",
    chunkCount: 1,
    splitStatus: "OK",
    failure: null,
    aggregationFailure,
  });
  /** The sample run (3 rejected rows) as the check renders it once told the aggregation failed: a failed run. */
  const failedRun = (locale: "ja" | "en", over: Partial<NoticeInput> = {}): NoticeInput => {
    const summary = sampleSummary({ runFailed: true });
    return {
      summary,
      level: "CRITICAL",
      examples: [],
      locale,
      timeZone: "Asia/Tokyo",
      links: {},
      rejected: rejectedRowsOf(summary, cfg),
      aggregationFailure: aggregationFailureOf(checkInput(CAUGHT)),
      ...over,
    };
  };

  it("keeps the error's name and the message, never the trace; none when the aggregation did not fail", () => {
    assert.deepEqual(aggregationFailureOf(checkInput(CAUGHT)), { error: "AccessDenied", cause: "Access Denied" });
    assert.deepEqual(aggregationFailureOf(checkInput({ Error: "", Cause: "" })), { error: "Error", cause: "" });
    assert.equal(aggregationFailureOf(checkInput(null)), undefined);
    assert.equal(aggregationFailureOf(checkInput(undefined)), undefined);
    assert.equal(AGGREGATION_STEP, STATE_NAMES.aggregateResults);
  });

  it("passes the aggregation's failure through the check's input, null when the state machine gave none", () => {
    assert.deepEqual(readCheckInput(checkInput(CAUGHT)).aggregationFailure, CAUGHT);
    const { aggregationFailure: _, ...parallel } = checkInput(null);
    assert.equal(readCheckInput(parallel).aggregationFailure, null);
  });

  it("writes the SNS / e-mail text in Japanese byte for byte", () => {
    const message = buildSnsNotice(failedRun("ja")).message;

    assert.equal(
      message,
      [
        "🚨 CSV処理失敗 [CRITICAL]",
        "",
        "実行名: exec-1",
        "ファイル: s3://in-bucket/incoming/shop-a/orders.csv",
        "開始時刻: 2025-06-02 12:00:00 Asia/Tokyo",
        "件数: エラー 3件(重要 2件) / 行 100件(不正 3件)",
        "",
        "処理が完了していません。行エラーの有無にかかわらず重大として扱います。",
        "- 結果の集計が失敗しました。却下行のファイルと実行結果のマニフェストが作成されていない可能性があります",
        "- AggregateResults が失敗しました: AccessDenied: Access Denied",
        "",
        "却下された行: 3行",
        "却下フォルダ: s3://in-bucket/rejected/exec-1/",
        "却下行のファイル(rows.csv / errors.csv)を作成できませんでした: AccessDenied",
        `却下フォルダを開く: ${FOLDER_URL}`,
        "",
        "エラータイプ別内訳:",
        "- ValidationError: 3件",
        "",
        "重要度別内訳: CRITICAL: 0件, HIGH: 2件, MEDIUM: 1件, LOW: 0件",
        "",
        "至急確認をお願いします。",
      ].join("\n"),
    );
    assert.equal(buildEmailNotice(failedRun("ja")).text, message);
    assert.equal(buildSnsNotice(failedRun("ja")).subject, "🚨 CSV処理失敗 [CRITICAL] orders.csv");
  });

  it("writes the SNS / e-mail text in English byte for byte", () => {
    const message = buildSnsNotice(failedRun("en")).message;

    assert.equal(
      message,
      [
        "🚨 CSV processing failed [CRITICAL]",
        "",
        "Execution: exec-1",
        "File: s3://in-bucket/incoming/shop-a/orders.csv",
        "Started: 2025-06-02 12:00:00 Asia/Tokyo",
        "Totals: 3 errors (2 critical) / 100 rows (3 invalid)",
        "",
        "The run did not complete. It is treated as critical whatever the number of row errors.",
        "- Aggregating the results failed: the rejected-row files and the run manifest may be missing",
        "- AggregateResults failed: AccessDenied: Access Denied",
        "",
        "Rejected rows: 3",
        "Rejected folder: s3://in-bucket/rejected/exec-1/",
        "The rejected-row files (rows.csv, errors.csv) could not be written: AccessDenied",
        `Open rejected folder: ${FOLDER_URL}`,
        "",
        "Errors by type:",
        "- ValidationError: 3",
        "",
        "Errors by severity: CRITICAL: 0, HIGH: 2, MEDIUM: 1, LOW: 0",
        "",
        "Please check at once.",
      ].join("\n"),
    );
    assert.equal(buildEmailNotice(failedRun("en")).text, message);
  });

  it("writes the e-mail HTML part byte for byte, in Japanese and English", () => {
    const href = FOLDER_URL.replace(/&/g, "&amp;");

    assert.equal(
      buildEmailNotice(failedRun("ja")).html,
      [
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"></head><body><h2>🚨 CSV処理失敗 [CRITICAL]</h2>',
        '<table><tr><th align="left">実行名</th><td>exec-1</td></tr><tr><th align="left">ファイル</th><td>s3://in-bucket/incoming/shop-a/orders.csv</td></tr><tr><th align="left">開始時刻</th><td>2025-06-02 12:00:00 Asia/Tokyo</td></tr><tr><th align="left">件数</th><td>エラー 3件(重要 2件) / 行 100件(不正 3件)</td></tr></table>',
        "<p><strong>処理が完了していません。行エラーの有無にかかわらず重大として扱います。</strong></p><ul><li>結果の集計が失敗しました。却下行のファイルと実行結果のマニフェストが作成されていない可能性があります</li><li>AggregateResults が失敗しました: AccessDenied: Access Denied</li></ul>",
        `<h3>却下された行: 3行</h3><p>却下フォルダ: <code>s3://in-bucket/rejected/exec-1/</code></p><p>却下行のファイル(rows.csv / errors.csv)を作成できませんでした: AccessDenied</p><p><a href="${href}">却下フォルダを開く</a></p>`,
        "<h3>エラータイプ別内訳</h3><ul><li>ValidationError: 3件</li></ul>",
        "<p>重要度別内訳: CRITICAL: 0件, HIGH: 2件, MEDIUM: 1件, LOW: 0件</p>",
        "<p>至急確認をお願いします。</p></body></html>",
      ].join("\n"),
    );
    assert.equal(
      buildEmailNotice(failedRun("en")).html,
      [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head><body><h2>🚨 CSV processing failed [CRITICAL]</h2>',
        '<table><tr><th align="left">Execution</th><td>exec-1</td></tr><tr><th align="left">File</th><td>s3://in-bucket/incoming/shop-a/orders.csv</td></tr><tr><th align="left">Started</th><td>2025-06-02 12:00:00 Asia/Tokyo</td></tr><tr><th align="left">Totals</th><td>3 errors (2 critical) / 100 rows (3 invalid)</td></tr></table>',
        "<p><strong>The run did not complete. It is treated as critical whatever the number of row errors.</strong></p><ul><li>Aggregating the results failed: the rejected-row files and the run manifest may be missing</li><li>AggregateResults failed: AccessDenied: Access Denied</li></ul>",
        `<h3>Rejected rows: 3</h3><p>Rejected folder: <code>s3://in-bucket/rejected/exec-1/</code></p><p>The rejected-row files (rows.csv, errors.csv) could not be written: AccessDenied</p><p><a href="${href}">Open rejected folder</a></p>`,
        "<h3>Errors by type</h3><ul><li>ValidationError: 3</li></ul>",
        "<p>Errors by severity: CRITICAL: 0, HIGH: 2, MEDIUM: 1, LOW: 0</p>",
        "<p>Please check at once.</p></body></html>",
      ].join("\n"),
    );
  });

  it("builds the Slack message byte for byte, in Japanese and English", () => {
    const link = FOLDER_URL.replace(/&/g, "&amp;");
    const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });
    const facts = (texts: string[]) => ({ type: "section", fields: texts.map((text) => ({ type: "mrkdwn", text })) });
    const header = (text: string) => ({ type: "header", text: { type: "plain_text", text, emoji: true } });

    assert.equal(
      JSON.stringify(buildSlackNotice(failedRun("ja"))),
      JSON.stringify({
        text: "🚨 CSV処理失敗 [CRITICAL] s3://in-bucket/incoming/shop-a/orders.csv",
        blocks: [
          header("🚨 CSV処理失敗 [CRITICAL]"),
          facts([
            "*実行名*\n`exec-1`",
            "*ファイル*\n`s3://in-bucket/incoming/shop-a/orders.csv`",
            "*開始時刻*\n2025-06-02 12:00:00 Asia/Tokyo",
            "*件数*\nエラー 3件(重要 2件) / 行 100件(不正 3件)",
          ]),
          section(
            [
              "*処理が完了していません。行エラーの有無にかかわらず重大として扱います。*",
              "• `結果の集計が失敗しました。却下行のファイルと実行結果のマニフェストが作成されていない可能性があります`",
              "• `AggregateResults が失敗しました: AccessDenied: Access Denied`",
            ].join("\n"),
          ),
          section(
            [
              "*却下された行: 3行*",
              "却下フォルダ: `s3://in-bucket/rejected/exec-1/`",
              "却下行のファイル(rows.csv / errors.csv)を作成できませんでした: AccessDenied",
              `<${link}|却下フォルダを開く>`,
            ].join("\n"),
          ),
          section("*エラータイプ別内訳*\n• ValidationError: 3件"),
          section("*重要度別内訳*\nCRITICAL: 0件  ·  HIGH: 2件  ·  MEDIUM: 1件  ·  LOW: 0件"),
        ],
      }),
    );
    assert.equal(
      JSON.stringify(buildSlackNotice(failedRun("en"))),
      JSON.stringify({
        text: "🚨 CSV processing failed [CRITICAL] s3://in-bucket/incoming/shop-a/orders.csv",
        blocks: [
          header("🚨 CSV processing failed [CRITICAL]"),
          facts([
            "*Execution*\n`exec-1`",
            "*File*\n`s3://in-bucket/incoming/shop-a/orders.csv`",
            "*Started*\n2025-06-02 12:00:00 Asia/Tokyo",
            "*Totals*\n3 errors (2 critical) / 100 rows (3 invalid)",
          ]),
          section(
            [
              "*The run did not complete. It is treated as critical whatever the number of row errors.*",
              "• `Aggregating the results failed: the rejected-row files and the run manifest may be missing`",
              "• `AggregateResults failed: AccessDenied: Access Denied`",
            ].join("\n"),
          ),
          section(
            [
              "*Rejected rows: 3*",
              "Rejected folder: `s3://in-bucket/rejected/exec-1/`",
              "The rejected-row files (rows.csv, errors.csv) could not be written: AccessDenied",
              `<${link}|Open rejected folder>`,
            ].join("\n"),
          ),
          section("*Errors by type*\n• ValidationError: 3"),
          section("*Errors by severity*\nCRITICAL: 0  ·  HIGH: 2  ·  MEDIUM: 1  ·  LOW: 0"),
        ],
      }),
    );
  });

  it("still says what is missing with no rejected row: the failure section names the manifest", () => {
    const summary = sampleSummary({
      errorCount: 0,
      criticalCount: 0,
      byType: {},
      bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
      rows: { total: 100, valid: 100, invalid: 0 },
      runFailed: true,
    });
    const input = failedRun("en", { summary, rejected: rejectedRowsOf(summary, cfg) });

    const text = buildSnsNotice(input).message;

    assert.ok(
      text.includes(
        "\n- Aggregating the results failed: the rejected-row files and the run manifest may be missing\n- AggregateResults failed: AccessDenied: Access Denied\n",
      ),
      text,
    );
    assert.doesNotMatch(text, /Rejected rows|could not be written|rows\.csv/);
  });

  it("keeps the error's name inert in Slack and HTML, and bounded", () => {
    const hostile = { error: `<!channel> <b>${"E".repeat(300)}`, cause: "" };
    const input = failedRun("en", { aggregationFailure: hostile });

    const slack = mrkdwnStrings(buildSlackNotice(input));
    const html = buildEmailNotice(input).html;

    assert.ok(slack.length > 1, `only the fallback text was checked, no block: ${slack.length}`);
    for (const t of slack) assert.doesNotMatch(t.replace(/<https:[^|>]+\|[^>]+>/g, ""), /[<>]/, t);
    assert.equal(html.includes("<!channel>") || html.includes("<b>"), false);
    const line = buildSnsNotice(input)
      .message.split("\n")
      .find((l) => l.includes("could not be written"));
    assert.equal(
      line,
      `The rejected-row files (rows.csv, errors.csv) could not be written: <!channel> <b>${"E".repeat(85)}…`,
    );
  });

  it("says the files are there when the aggregation did not fail", () => {
    const text = buildSnsNotice(failedRun("ja", { aggregationFailure: undefined })).message;

    assert.match(text, /- rows\.csv: 修正して再アップロードする行\n- errors\.csv: /);
    assert.doesNotMatch(text, /作成できませんでした|結果の集計/);
  });
});

describe("chunks that finished after the rejected files were written", () => {
  const FOLDER_URL =
    "https://ap-northeast-1.console.aws.amazon.com/s3/buckets/in-bucket?region=ap-northeast-1&prefix=rejected/exec-1/&showversions=false";
  const cfg = { pipelineName: "p", policy: parseNotifyPolicy({}), consoleRegion: "ap-northeast-1" };
  /**
   * The first of 4 chunks crashed and the Map failed at once; the aggregation composed 1 chunk (10 rejected rows)
   * while 2 more were still running. The check, after it, counts 3 chunks and 74 rejected rows.
   */
  const raced = sampleSummary({
    errorCount: 74,
    criticalCount: 19,
    byType: { ValidationError: 62, ParseError: 12 },
    bySeverity: { LOW: 0, MEDIUM: 55, HIGH: 19, CRITICAL: 0 },
    rows: { total: 750, valid: 676, invalid: 74 },
    chunkCount: 4,
    chunksReported: 3,
    failedChunks: 1,
    runFailed: true,
    failureReasons: ["state-failed", "chunks-failed"],
    failure: { step: "ProcessChunks", error: "Runtime.ExitError", cause: "chunk 1 exited with status 1" },
  });
  const COMPOSED = { chunks: 1, invalid: 10 };
  const racedRun = (locale: "ja" | "en", composed: CheckInput["composed"] = COMPOSED): NoticeInput => ({
    summary: raced,
    level: "CRITICAL",
    examples: [],
    locale,
    timeZone: "Asia/Tokyo",
    links: {},
    rejected: rejectedRowsOf(raced, cfg, composed),
  });

  it("counts the chunks and the rejected rows the check found beyond what was composed", () => {
    assert.deepEqual(rejectedRowsOf(raced, cfg, COMPOSED), {
      rows: 74,
      folder: "s3://in-bucket/rejected/exec-1/",
      url: FOLDER_URL,
      missingChunks: 1,
      late: { chunks: 2, rows: 64, parts: "parts/" },
    });
    assert.deepEqual(lateChunksOf(raced, { chunks: 0, invalid: 0 }), { chunks: 3, rows: 74 });
    // Everything counted was composed; or the check was not told (aggregation failed, parallel pattern).
    assert.equal(lateChunksOf(raced, { chunks: 3, invalid: 74 }), undefined);
    assert.equal(lateChunksOf(raced, null), undefined);
    assert.equal(lateChunksOf(raced, undefined), undefined);
    assert.equal(rejectedRowsOf(raced, cfg, null)?.late, undefined);
    // Rows are never negative, and the parts' folder follows the configured rejected prefix.
    assert.deepEqual(lateChunksOf(raced, { chunks: 2, invalid: 80 }), { chunks: 1, rows: 0 });
    const custom = { ...DEFAULT_OUTCOME_SETTINGS, rejectedPrefix: "out/bad rows/" };
    assert.deepEqual(rejectedRowsOf(raced, { ...cfg, outcomes: custom }, COMPOSED)?.late, {
      chunks: 2,
      rows: 64,
      parts: "parts/",
    });
  });

  it("passes what was composed through the check's input: two numbers, or null", () => {
    const input = {
      executionName: "exec-1",
      startTime: "2025-06-02T03:00:00.000Z",
      bucket: "in-bucket",
      key: "incoming/shop-a/orders.csv",
      chunkCount: 4,
      splitStatus: "OK",
      failure: null,
      aggregationFailure: null,
    };
    // The state machine passes the aggregation's whole output ($.aggregate).
    const aggregate = {
      rows: 250,
      valid: 240,
      invalid: 10,
      byType: {},
      bySeverity: {},
      chunks: 1,
      failedChunks: 3,
      resultKey: "results/exec-1.json",
    };
    assert.deepEqual(readCheckInput({ ...input, composed: aggregate }).composed, { chunks: 1, invalid: 10 });
    assert.equal(readCheckInput({ ...input, composed: null }).composed, null);
    assert.equal(readCheckInput(input).composed, null, "parallel: not told");
    assert.equal(readCheckInput({ ...input, composed: { chunks: "x", invalid: 1 } }).composed, null);
  });

  it("writes the SNS / e-mail text in Japanese byte for byte", () => {
    const message = buildSnsNotice(racedRun("ja")).message;

    assert.equal(
      message,
      [
        "🚨 CSV処理失敗 [CRITICAL]",
        "",
        "実行名: exec-1",
        "ファイル: s3://in-bucket/incoming/shop-a/orders.csv",
        "開始時刻: 2025-06-02 12:00:00 Asia/Tokyo",
        "件数: エラー 74件(重要 19件) / 行 750件(不正 74件)",
        "",
        "処理が完了していません。行エラーの有無にかかわらず重大として扱います。",
        "- ステートマシンの処理が失敗しました",
        "- 4チャンク中 1チャンクの結果がありません",
        "- ProcessChunks が失敗しました: Runtime.ExitError: chunk 1 exited with status 1",
        "",
        "却下された行: 74行",
        "却下フォルダ: s3://in-bucket/rejected/exec-1/",
        "- rows.csv: 修正して再アップロードする行",
        "- errors.csv: すべてのエラー(行番号・列・理由)",
        "rows.csv と errors.csv の作成後に 2チャンクが完了しました。その却下行(64行)とエラーは、却下フォルダの parts/ にあるチャンクごとのファイルにのみあります",
        "結果のない 1チャンクの行はどちらのファイルにも含まれていません",
        `却下フォルダを開く: ${FOLDER_URL}`,
        "",
        "エラータイプ別内訳:",
        "- ValidationError: 62件",
        "- ParseError: 12件",
        "",
        "重要度別内訳: CRITICAL: 0件, HIGH: 19件, MEDIUM: 55件, LOW: 0件",
        "",
        "至急確認をお願いします。",
      ].join("\n"),
    );
    assert.equal(buildEmailNotice(racedRun("ja")).text, message);
  });

  it("writes the SNS / e-mail text in English byte for byte, one chunk in the singular", () => {
    const message = buildSnsNotice(racedRun("en")).message;

    assert.equal(
      message,
      [
        "🚨 CSV processing failed [CRITICAL]",
        "",
        "Execution: exec-1",
        "File: s3://in-bucket/incoming/shop-a/orders.csv",
        "Started: 2025-06-02 12:00:00 Asia/Tokyo",
        "Totals: 74 errors (19 critical) / 750 rows (74 invalid)",
        "",
        "The run did not complete. It is treated as critical whatever the number of row errors.",
        "- A state of the state machine failed",
        "- 1 of 4 chunks produced no result",
        "- ProcessChunks failed: Runtime.ExitError: chunk 1 exited with status 1",
        "",
        "Rejected rows: 74",
        "Rejected folder: s3://in-bucket/rejected/exec-1/",
        "- rows.csv: the rows to fix and re-upload",
        "- errors.csv: every error (row, column, reason)",
        "2 chunks finished after rows.csv and errors.csv were written: their rejected rows (64) and errors are only in the per-chunk files under parts/ in the rejected folder",
        "Rows of the 1 chunk that left no result are in neither file",
        `Open rejected folder: ${FOLDER_URL}`,
        "",
        "Errors by type:",
        "- ValidationError: 62",
        "- ParseError: 12",
        "",
        "Errors by severity: CRITICAL: 0, HIGH: 19, MEDIUM: 55, LOW: 0",
        "",
        "Please check at once.",
      ].join("\n"),
    );
    assert.equal(buildEmailNotice(racedRun("en")).text, message);
    assert.match(
      buildSnsNotice(racedRun("en", { chunks: 2, invalid: 70 })).message,
      /\n1 chunk finished after rows\.csv and errors\.csv were written: its rejected rows \(4\) and errors are only in the per-chunk files under parts\/ in the rejected folder\n/,
    );
  });

  it("writes the e-mail HTML part's rejected rows byte for byte, in Japanese and English", () => {
    const fragment = (locale: "ja" | "en") => {
      const html = buildEmailNotice(racedRun(locale)).html;
      return html.slice(html.indexOf("<h3>"), html.indexOf("\n", html.indexOf("<h3>")));
    };
    const href = FOLDER_URL.replace(/&/g, "&amp;");

    assert.equal(
      fragment("ja"),
      "<h3>却下された行: 74行</h3><p>却下フォルダ: <code>s3://in-bucket/rejected/exec-1/</code></p>" +
        "<ul><li><code>rows.csv</code>: 修正して再アップロードする行</li><li><code>errors.csv</code>: すべてのエラー(行番号・列・理由)</li></ul>" +
        "<p>rows.csv と errors.csv の作成後に 2チャンクが完了しました。その却下行(64行)とエラーは、却下フォルダの parts/ にあるチャンクごとのファイルにのみあります</p>" +
        "<p>結果のない 1チャンクの行はどちらのファイルにも含まれていません</p>" +
        `<p><a href="${href}">却下フォルダを開く</a></p>`,
    );
    assert.equal(
      fragment("en"),
      "<h3>Rejected rows: 74</h3><p>Rejected folder: <code>s3://in-bucket/rejected/exec-1/</code></p>" +
        "<ul><li><code>rows.csv</code>: the rows to fix and re-upload</li><li><code>errors.csv</code>: every error (row, column, reason)</li></ul>" +
        "<p>2 chunks finished after rows.csv and errors.csv were written: their rejected rows (64) and errors are only in the per-chunk files under parts/ in the rejected folder</p>" +
        "<p>Rows of the 1 chunk that left no result are in neither file</p>" +
        `<p><a href="${href}">Open rejected folder</a></p>`,
    );
  });

  it("builds the Slack section byte for byte, in Japanese and English", () => {
    const link = FOLDER_URL.replace(/&/g, "&amp;");
    const section = (locale: "ja" | "en") =>
      buildSlackNotice(racedRun(locale)).blocks.find((b) =>
        String((b.text as { text?: string } | undefined)?.text).includes("rows.csv"),
      );

    assert.deepEqual(section("ja"), {
      type: "section",
      text: {
        type: "mrkdwn",
        text: [
          "*却下された行: 74行*",
          "却下フォルダ: `s3://in-bucket/rejected/exec-1/`",
          "• `rows.csv`: 修正して再アップロードする行",
          "• `errors.csv`: すべてのエラー(行番号・列・理由)",
          "rows.csv と errors.csv の作成後に 2チャンクが完了しました。その却下行(64行)とエラーは、却下フォルダの parts/ にあるチャンクごとのファイルにのみあります",
          "結果のない 1チャンクの行はどちらのファイルにも含まれていません",
          `<${link}|却下フォルダを開く>`,
        ].join("\n"),
      },
    });
    assert.deepEqual(section("en"), {
      type: "section",
      text: {
        type: "mrkdwn",
        text: [
          "*Rejected rows: 74*",
          "Rejected folder: `s3://in-bucket/rejected/exec-1/`",
          "• `rows.csv`: the rows to fix and re-upload",
          "• `errors.csv`: every error (row, column, reason)",
          "2 chunks finished after rows.csv and errors.csv were written: their rejected rows (64) and errors are only in the per-chunk files under parts/ in the rejected folder",
          "Rows of the 1 chunk that left no result are in neither file",
          `<${link}|Open rejected folder>`,
        ].join("\n"),
      },
    });
  });

  it("says nothing of late chunks when every counted chunk was composed, or when the check was not told", () => {
    for (const composed of [{ chunks: 3, invalid: 74 }, null]) {
      const input = racedRun("en", composed);
      for (const body of [
        buildSnsNotice(input).message,
        buildEmailNotice(input).html,
        JSON.stringify(buildSlackNotice(input)),
      ]) {
        assert.doesNotMatch(body, /finished after|parts\//, JSON.stringify(composed));
        assert.match(body, /Rows of the 1 chunk that left no result are in neither file/);
      }
    }
  });
});
