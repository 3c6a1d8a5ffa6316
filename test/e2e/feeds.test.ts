import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunDocument } from "../../local/report/document";
import { feedWebhookPath, LOCAL_WEBHOOK_PATH } from "../../local/services/slack-receiver";
import { type CliResult, parseDocument, ROOT, runCli, WEEKDAY_MORNING } from "../support/cli-runner";

/** samples/feeds.yaml: `orders` (English, samples/orders.schema.yaml) and `orders-jp` (Japanese, Shift_JIS, own Slack). */
const CONFIG = join(ROOT, "samples", "feeds.yaml");

interface NoticeIndexEntry {
  channel: string;
  status: string;
  sender: "check" | "state-machine";
  attributes?: Record<string, string>;
  subject?: string;
  recipients?: string[];
  deliveredTo?: string[];
  webhookPath?: string;
  files: string[];
}

interface FeedRun {
  result: CliResult;
  doc: RunDocument;
  out: string;
  notices: NoticeIndexEntry[];
  read(path: string): string;
}

/** The e-mail notice's text, as SES received it, up to its first blank line after the totals. */
function emailHead(run: FeedRun): string[] {
  const email = run.notices.find((n) => n.channel === "email");
  assert.ok(email, "no e-mail notice");
  return run.read(email.files[0]).split("\n").slice(0, 7);
}

describe("npm start with two feeds in one --config (end to end)", function () {
  this.timeout(240_000);
  const dirs: string[] = [];
  let orders: FeedRun;
  let jp: FeedRun;

  /** One run with --json and --out, its document and its notices' index read back. */
  async function feedRun(args: string[]): Promise<FeedRun> {
    const out = mkdtempSync(join(tmpdir(), "csv-feeds-e2e-"));
    dirs.push(out);
    const result = await runCli([...args, "--config", CONFIG, "--json", "--now", WEEKDAY_MORNING, "--out", out]);
    dirs.push(result.tmp);
    const doc = parseDocument(result);
    const read = (path: string) => readFileSync(join(out, path), "utf8");
    return { result, doc, out, notices: JSON.parse(read("notices/index.json")), read };
  }

  before(async () => {
    // The two runs share nothing (own services, ports and TMPDIR): side by side they take the time of one.
    [orders, jp] = await Promise.all([
      feedRun([join(ROOT, "samples", "orders.csv"), "--feed", "orders"]),
      feedRun([join(ROOT, "samples", "orders-sjis.csv"), "--key", "incoming/orders-jp/2025-06-03.csv"]),
    ]);
  });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("runs the file --feed picks under that feed: its prefix, its schema, its counts", () => {
    const { result, doc } = orders;
    assert.equal(result.code, 0, result.stderr);
    // The run's files, the copies of its row outcomes and of the check's report (results.html).
    assert.equal(result.stderr, `Wrote 13 files to ${orders.out}\n`);
    assert.equal(doc.feed, "orders");
    assert.equal(doc.status, "SUCCEEDED");
    assert.deepEqual(doc.rows, { total: 1000, valid: 891, invalid: 109 });
    assert.deepEqual(doc.errors, {
      total: 109,
      critical: 35,
      byType: { ValidationError: 90, ParseError: 19 },
      bySeverity: { LOW: 0, MEDIUM: 74, HIGH: 35, CRITICAL: 0 },
    });
    const errorCount = doc.metrics.filter((m) => m.name === "ErrorCount").map((m) => m.dimensions);
    assert.deepEqual(errorCount, [{ Pipeline: "csv-pipeline" }, { Pipeline: "csv-pipeline", Feed: "orders" }]);
    assert.match(
      orders.read("report.html"),
      /feed <strong class="feed">orders<\/strong> \(<code>incoming\/orders\/<\/code>\)/,
    );
  });

  it("runs the file --key places under the other feed: its Shift_JIS schema and its counts", () => {
    const { result, doc } = jp;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(doc.feed, "orders-jp");
    assert.equal(doc.status, "SUCCEEDED");
    assert.deepEqual(doc.rows, { total: 40, valid: 35, invalid: 5 });
    assert.deepEqual(doc.errors, {
      total: 5,
      critical: 2,
      byType: { ValidationError: 4, EncodingError: 1 },
      bySeverity: { LOW: 0, MEDIUM: 3, HIGH: 2, CRITICAL: 0 },
    });
    assert.equal(doc.outcomes?.rejectedErrors, `rejected/${doc.executionName}/errors.csv`);
    const errorCount = doc.metrics.filter((m) => m.name === "ErrorCount").map((m) => m.dimensions);
    assert.deepEqual(errorCount, [{ Pipeline: "csv-pipeline" }, { Pipeline: "csv-pipeline", Feed: "orders-jp" }]);
  });

  it("notifies each feed's recipients in its language: English for orders, Japanese for orders-jp", () => {
    assert.deepEqual(
      orders.notices.map((n) => [n.channel, n.status, n.subject, n.recipients]),
      [
        ["slack", "sent", undefined, undefined],
        ["email", "sent", "⚠️ CSV processing errors [HIGH] orders.csv", ["orders-team@example.com"]],
      ],
    );
    assert.deepEqual(emailHead(orders), [
      "⚠️ CSV processing errors [HIGH]",
      "",
      "Feed: orders",
      `Execution: ${orders.doc.executionName}`,
      "File: s3://csv-pipeline-local/incoming/orders/orders.csv",
      "Started: 2025-06-03 10:00:00 Asia/Tokyo",
      "Totals: 109 errors (35 critical) / 1000 rows (109 invalid)",
    ]);
    assert.deepEqual(
      jp.notices.map((n) => [n.channel, n.status, n.subject, n.recipients]),
      [
        ["slack", "sent", undefined, undefined],
        ["email", "sent", "⚠️ CSV処理エラー [HIGH] 2025-06-03.csv", ["jp-orders@example.com"]],
      ],
    );
    assert.deepEqual(emailHead(jp), [
      "⚠️ CSV処理エラー [HIGH]",
      "",
      "フィード: orders-jp",
      `実行名: ${jp.doc.executionName}`,
      "ファイル: s3://csv-pipeline-local/incoming/orders-jp/2025-06-03.csv",
      "開始時刻: 2025-06-03 10:00:00 Asia/Tokyo",
      "件数: エラー 5件(重要 2件) / 行 40件(不正 5件)",
    ]);
    // The document's notices are what the channels received.
    assert.equal(jp.doc.notifications[1].body.split("\n")[2], "フィード: orders-jp");
  });

  it("posts to the stack's Slack webhook for orders and to orders-jp's own webhook for orders-jp", () => {
    const slackOf = (run: FeedRun) => run.notices.find((n) => n.channel === "slack");
    assert.equal(slackOf(orders)?.webhookPath, LOCAL_WEBHOOK_PATH);
    assert.equal(slackOf(jp)?.webhookPath, feedWebhookPath("orders-jp"));
    const header = (run: FeedRun) => {
      const payload = JSON.parse(run.read(slackOf(run)?.files[0] ?? "")) as {
        blocks: { text?: { text: string }; fields?: { text: string }[] }[];
      };
      return [payload.blocks[0].text?.text, payload.blocks[1].fields?.[0].text];
    };
    assert.deepEqual(header(orders), ["⚠️ CSV processing errors [HIGH]", "*Feed*\n`orders`"]);
    assert.deepEqual(header(jp), ["⚠️ CSV処理エラー [HIGH]", "*フィード*\n`orders-jp`"]);
  });

  it("writes each feed's errors.csv in its language", () => {
    const english = orders.read("rejected/errors.csv").split("\r\n");
    assert.equal(english.length, 109 + 2, "a header, 109 lines and the final line break");
    assert.deepEqual(english.slice(0, 3), [
      "\uFEFFrow,line,column,errorType,severity,message",
      '26,33,order_id,ValidationError,HIGH,"order_id must match ^ORD-[0-9]{6}$ (got ""ORD-0026X"")"',
      '31,39,,ParseError,HIGH,"The record on line 39 has 7 fields but the header has 8; check for an unquoted comma, a missing field or a stray line break."',
    ]);
    assert.equal(
      jp.read("rejected/errors.csv"),
      [
        "\uFEFFrow,line,column,errorType,severity,message",
        '7,9,状態,ValidationError,MEDIUM,"状態 は 新規, 支払済, 発送済 のいずれかにしてください(値: ""キャンセル"")"',
        '13,16,金額,ValidationError,MEDIUM,"金額 は 0 以上にしてください(値: ""-500"")"',
        "21,26,メールアドレス,ValidationError,MEDIUM,メールアドレス は name@example.com のようなメールアドレスにしてください",
        '29,36,注文番号,ValidationError,HIGH,"注文番号 は ^ORD-[0-9]{6}$ に一致する必要があります(値: ""注文29"")"',
        "35,43,顧客名,EncodingError,HIGH,43行目のレコードの列 顧客名 に shift_jis として不正なバイトがあります。ファイルを UTF-8 で保存し直して(またはスキーマの encoding を設定して)、もう一度アップロードしてください",
        "",
      ].join("\r\n"),
    );
  });

  it("refuses a run that names no feed of two, with exit 2 and one line naming the feeds", async () => {
    const result = await runCli([join(ROOT, "samples", "orders.csv"), "--config", CONFIG, "--json"]);
    dirs.push(result.tmp);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      "error: the config has 2 feeds: pick one with --feed <name> or --key <key>; " +
        "orders (incoming/orders/), orders-jp (incoming/orders-jp/) (see --help)\n",
    );
  });
});

describe("npm start: a CRITICAL notice pages the on-call whose SNS subscription filter matches (end to end)", function () {
  this.timeout(240_000);
  const BROKEN = join(ROOT, "samples", "broken-missing-column.csv");
  const dirs: string[] = [];
  let jp: { result: CliResult; doc: RunDocument; out: string };
  let orders: { result: CliResult; out: string };

  before(async () => {
    const outJp = mkdtempSync(join(tmpdir(), "csv-feeds-oncall-"));
    const outOrders = mkdtempSync(join(tmpdir(), "csv-feeds-oncall-"));
    dirs.push(outJp, outOrders);
    const common = ["--config", CONFIG, "--now", WEEKDAY_MORNING];
    // orders-jp has its own onCallEmail; orders pages the file's (the local default oncall@example.com).
    const [jpResult, ordersResult] = await Promise.all([
      runCli([BROKEN, ...common, "--key", "incoming/orders-jp/broken.csv", "--json", "--out", outJp]),
      runCli([BROKEN, ...common, "--feed", "orders", "--out", outOrders]),
    ]);
    dirs.push(jpResult.tmp, ordersResult.tmp);
    jp = { result: jpResult, doc: parseDocument(jpResult), out: outJp };
    orders = { result: ordersResult, out: outOrders };
  });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("delivers orders-jp's CRITICAL SNS notice to jp-oncall@example.com only", () => {
    assert.equal(jp.result.code, 1, jp.result.stderr);
    assert.equal(jp.doc.feed, "orders-jp");
    assert.equal(jp.doc.errors.bySeverity.CRITICAL, 1);
    const sns = jp.doc.notifications.filter((n) => n.channel === "sns");
    assert.deepEqual(
      sns.map((n) => [n.status, n.subject, n.deliveredTo]),
      [["sent", "🚨 CSV処理失敗 [CRITICAL] broken.csv", ["jp-oncall@example.com"]]],
    );
    const index = JSON.parse(readFileSync(join(jp.out, "notices", "index.json"), "utf8")) as NoticeIndexEntry[];
    assert.deepEqual(
      index.filter((n) => n.channel === "sns").map((n) => n.deliveredTo),
      [["jp-oncall@example.com"]],
    );
    assert.match(readFileSync(join(jp.out, "report.html"), "utf8"), /<li>To: jp-oncall@example\.com<\/li>/);
  });

  it("delivers the same file's notice under orders to the stack's on-call only, and prints who", () => {
    assert.equal(orders.result.code, 1, orders.result.stderr);
    const doc = JSON.parse(readFileSync(join(orders.out, "run.json"), "utf8")) as RunDocument;
    assert.equal(doc.feed, "orders");
    assert.deepEqual(
      doc.notifications.filter((n) => n.channel === "sns").map((n) => [n.status, n.deliveredTo]),
      [["sent", ["oncall@example.com"]]],
    );
    const lines = orders.result.stdout.split("\n");
    const at = lines.findIndex((l) => l.startsWith("  [sns] "));
    assert.deepEqual(lines.slice(at, at + 3), [
      "  [sns] sent",
      "    Subject: 🚨 CSV processing failed [CRITICAL] broken-missing-column.csv",
      "    To: oncall@example.com",
    ]);
  });
});

describe("npm start: the page sent when the check itself fails reaches the feed's own on-call (end to end)", function () {
  this.timeout(240_000);
  const dirs: string[] = [];
  const pages: Record<"jp" | "orders", { entry: NoticeIndexEntry; body: string }[]> = { jp: [], orders: [] };

  before(async () => {
    const outJp = mkdtempSync(join(tmpdir(), "csv-feeds-page-"));
    const outOrders = mkdtempSync(join(tmpdir(), "csv-feeds-page-"));
    dirs.push(outJp, outOrders);
    const common = ["--config", CONFIG, "--now", WEEKDAY_MORNING, "--inject", "check-crash"];
    // Every attempt of the check is lost: the state machine pages through the alert topic, with the split's feed.
    const [jpResult, ordersResult] = await Promise.all([
      runCli([
        join(ROOT, "samples", "orders-sjis.csv"),
        ...common,
        "--key",
        "incoming/orders-jp/2025-06-03.csv",
        "--out",
        outJp,
      ]),
      runCli([join(ROOT, "samples", "orders.csv"), ...common, "--feed", "orders", "--out", outOrders]),
    ]);
    dirs.push(jpResult.tmp, ordersResult.tmp);
    assert.equal(jpResult.code, 1, jpResult.stderr);
    assert.equal(ordersResult.code, 1, ordersResult.stderr);
    for (const [name, out] of [
      ["jp", outJp],
      ["orders", outOrders],
    ] as const) {
      const index = JSON.parse(readFileSync(join(out, "notices", "index.json"), "utf8")) as NoticeIndexEntry[];
      pages[name] = index
        .filter((n) => n.sender === "state-machine")
        .map((entry) => ({ entry, body: readFileSync(join(out, entry.files[0]), "utf8") }));
    }
  });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("pages jp-oncall@example.com only for an orders-jp file, with the feed as an attribute and in the text", () => {
    assert.deepEqual(
      pages.jp.map((p) => [p.entry.channel, p.entry.status, p.entry.deliveredTo, p.entry.attributes?.feed]),
      [["sns", "sent", ["jp-oncall@example.com"], "orders-jp"]],
    );
    assert.match(pages.jp[0].body, / feed: orders-jp /);
  });

  it("pages the stack's on-call only for an orders file", () => {
    assert.deepEqual(
      pages.orders.map((p) => [p.entry.channel, p.entry.status, p.entry.deliveredTo, p.entry.attributes?.feed]),
      [["sns", "sent", ["oncall@example.com"], "orders"]],
    );
    assert.match(pages.orders[0].body, / feed: orders /);
  });
});
