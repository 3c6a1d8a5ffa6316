import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { escapeHtml } from "../../../functions/core/notify/escape";
import { DEFAULT_CSV, DEFAULT_SCHEMA, defaultSchemaFor, parseArgs, type RunArgs } from "../../../local/cli/args";
import { loadConfig } from "../../../local/cli/run-config";
import { collectMetrics, collectNotices } from "../../../local/report/document";
import { progressLine, renderSlack } from "../../../local/report/format";
import type { RecordedCall } from "../../../local/services/aws-recorder";
import { parseFaults } from "../../../local/services/faults";
import type { SlackDelivery } from "../../../local/services/slack-receiver";
import { UsageError } from "../../../local/usage-error";

const ROOT = join(__dirname, "..", "..", "..");
const TMP = join(ROOT, ".tmp", `local-unit-${process.pid}`);

function run(argv: string[]): RunArgs {
  const parsed = parseArgs(argv);
  assert.equal(parsed.kind, "run");
  return (parsed as { kind: "run"; args: RunArgs }).args;
}

describe("parseArgs", () => {
  it("defaults to the bundled sample, its schema and the sequential pattern", () => {
    const args = run([]);
    assert.equal(args.csvPath, DEFAULT_CSV);
    assert.equal(args.schemaPath, DEFAULT_SCHEMA);
    assert.equal(args.pattern, "sequential");
    assert.equal(args.json, false);
  });

  it("reads every flag, in both --flag value and --flag=value forms, and repeats --inject", () => {
    const args = run([
      "samples/orders.csv",
      "--pattern=parallel",
      "--now",
      "2025-06-03T23:30:00+09:00",
      "--json",
      "--inject",
      "slack-429:2",
      "--inject=sns-failure",
      "--out",
      ".tmp/x",
    ]);
    assert.equal(args.pattern, "parallel");
    assert.equal(args.now, "2025-06-03T23:30:00+09:00");
    assert.equal(args.json, true);
    assert.deepEqual(args.injected, ["slack-429:2", "sns-failure"]);
    assert.deepEqual(args.faults, { "slack-429": 2, "sns-failure": Number.POSITIVE_INFINITY });
    assert.equal(args.outDir, join(process.cwd(), ".tmp", "x"));
  });

  it("uses the schema beside the CSV when there is one", () => {
    assert.equal(
      defaultSchemaFor(join(ROOT, "samples", "orders-sjis.csv")),
      join(ROOT, "samples", "orders-sjis.schema.yaml"),
    );
    assert.equal(defaultSchemaFor(join(ROOT, "samples", "empty.csv")), DEFAULT_SCHEMA);
  });

  it("takes --now at the calendar's edges: a leap day, the last second of a day, minutes only, a far zone", () => {
    for (const now of [
      "2024-02-29T10:00:00+09:00",
      "2025-12-31T23:59:59.999-12:00",
      "2025-06-03T10:00+09:00",
      "2025-01-01T00:00:00Z",
    ]) {
      assert.equal(run(["--now", now]).now, now);
    }
  });

  it("answers help", () => {
    assert.deepEqual(parseArgs(["--json", "-h"]), { kind: "help" });
  });

  it("answers help asked before a bad flag, read from left to right", () => {
    assert.deepEqual(parseArgs(["--help", "--frobnicate", "a.csv", "b.csv"]), { kind: "help" });
  });

  const bad: [string[], RegExp][] = [
    [["--frobnicate"], /unknown option --frobnicate/],
    [["--frobnicate", "-h"], /^unknown option --frobnicate$/],
    [["--colour=red"], /^unknown option --colour$/],
    [["-xv"], /^unknown option -xv$/],
    [["--out", "-x"], /^--out needs a value; give one that starts with "-" as --out=-x$/],
    [["--pattern", "--json"], /^--pattern needs a value$/],
    [["--inject="], /^--inject needs a value$/],
    [["--pattern"], /--pattern needs a value/],
    [["--pattern", "fanout"], /--pattern fanout: use sequential or parallel/],
    [["--json=yes"], /--json takes no value/],
    [["--pattern", "a", "--pattern", "b"], /given twice/],
    [["a.csv", "b.csv"], /one CSV file at a time/],
    [["missing.csv"], /CSV file not found: missing\.csv/],
    [["--schema", "nope.yaml"], /schema file not found: nope\.yaml/],
    [["--now", "yesterday"], /ISO-8601/],
    [["--now", "2025-02-30T10:00:00+09:00"], /^--now 2025-02-30T10:00:00\+09:00: 2025-02 has no day 30; give a real/],
    [["--now", "2025-02-29T10:00:00Z"], /^--now 2025-02-29T10:00:00Z: 2025-02 has no day 29;/],
    [["--now", "2025-04-31T00:00:00Z"], /^--now 2025-04-31T00:00:00Z: 2025-04 has no day 31;/],
    [["--now", "2025-13-01T10:00:00Z"], /^--now 2025-13-01T10:00:00Z: month 13 does not exist;/],
    [["--now", "2025-06-03T24:00:00+09:00"], /^--now 2025-06-03T24:00:00\+09:00: 24:00:00 is not a time of day/],
    [["--now", "2025-06-03T23:59:60Z"], /^--now 2025-06-03T23:59:60Z: 23:59:60 is not a time of day/],
    [
      ["--now", "2025-06-03T10:00:00+09:60"],
      /^--now 2025-06-03T10:00:00\+09:60: the zone offset 09:60 does not exist;/,
    ],
    [["--inject", "slack-5xx:0"], /count must be 1 or more/],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${argv.join(" ")} with a one-line usage error`, () => {
      assert.throws(
        () => parseArgs(argv),
        (err: unknown) => err instanceof UsageError && message.test(err.message) && !err.message.includes("\n"),
      );
    });
  }
});

describe("loadConfig", () => {
  before(() => mkdirSync(TMP, { recursive: true }));
  after(() => rmSync(TMP, { recursive: true, force: true }));
  const load = (name: string, text: string) => {
    const file = join(TMP, name);
    writeFileSync(file, text);
    const warnings: string[] = [];
    return { config: loadConfig(file, (m) => warnings.push(m)), warnings, file };
  };

  it("fills defaults and validates the notify section with the policy parser", () => {
    const { config, warnings } = load("ok.yaml", "chunkRows: 100\nnotifyPolicy: { locale: en }\n");
    assert.equal(config.chunkRows, 100);
    assert.equal(config.chunkBytes, 4 * 1024 * 1024);
    assert.equal(config.notify.locale, "en");
    assert.equal(config.notify.timeZone, "Asia/Tokyo");
    assert.equal(config.pipelineName, "csv-pipeline");
    assert.deepEqual(config.notify.routing.CRITICAL, ["sns", "slack", "email"]);
    assert.deepEqual(warnings, []);
  });

  it("configures every channel without a file", () => {
    const config = loadConfig(undefined, () => assert.fail("no warning expected"));
    assert.equal(config.emailFrom, "csv-pipeline@example.com");
    assert.deepEqual(config.emailTo, ["ops@example.com"]);
    assert.equal(config.onCallEmail, "oncall@example.com");
    assert.deepEqual(config.notify.routing.HIGH, ["slack", "email"]);
  });

  it("names the file and every bad key at once", () => {
    const file = join(TMP, "bad.yaml");
    writeFileSync(
      file,
      "chunkRows: -1\nchunkBytes: 512\ncolour: blue\nnotifyPolicy: { quietHours: { start: '25:00' } }\n",
    );
    assert.throws(
      () => loadConfig(file),
      (err: unknown) => {
        const m = (err as Error).message;
        return (
          err instanceof UsageError &&
          m.startsWith(`config file ${file} (4 problems):`) &&
          m.includes("\n  - chunkRows must be a whole number from 1 to 1000000 (got -1). Example: chunkRows: 5000") &&
          m.includes("\n  - chunkBytes must be a whole number of bytes from 1024 (1 KiB)") &&
          m.includes("\n  - colour is not a setting here") &&
          m.includes('\n  - notifyPolicy.quietHours.start must be "HH:MM" (24 h) (got "25:00"). Example: notifyPolicy:')
        );
      },
    );
  });

  it("turns e-mail off with emailTo: [] and no emailFrom, taking it out of the routing with a warning", () => {
    const { config, warnings, file } = load("no-email.yaml", "emailTo: []\n");
    assert.equal(config.emailFrom, undefined);
    assert.deepEqual(config.emailTo, []);
    assert.deepEqual(config.notify.routing, {
      CRITICAL: ["sns", "slack"],
      HIGH: ["slack"],
      MEDIUM: ["slack"],
      LOW: ["slack"],
    });
    assert.deepEqual(warnings, [
      `config file ${file}: notifyPolicy.routing: email is not configured (emailFrom and emailTo are not set); dropped from CRITICAL, HIGH`,
    ]);
  });

  it("turns on-call off with onCallEmail: null", () => {
    const { config, warnings } = load("no-oncall.yaml", "onCallEmail: null\n");
    assert.deepEqual(config.notify.routing.CRITICAL, ["slack", "email"]);
    assert.match(warnings.join("\n"), /notifyPolicy\.routing: sns is not configured \(onCallEmail is not set\)/);
  });

  it("refuses a routing that names an unconfigured channel, and half an e-mail setup", () => {
    const file = join(TMP, "routes-email.yaml");
    writeFileSync(file, "emailTo: []\nnotifyPolicy: { routing: { HIGH: [slack, email] } }\n");
    assert.throws(
      () => loadConfig(file),
      (err: unknown) =>
        err instanceof UsageError &&
        err.message.includes(
          "notifyPolicy.routing.HIGH routes to email, which is not configured (emailFrom and emailTo are not set). " +
            'Example: notifyPolicy: { routing: { HIGH: [ "slack" ] } }',
        ),
    );
    writeFileSync(file, "emailFrom: alerts@example.com\n");
    assert.throws(
      () => loadConfig(file),
      (err: unknown) => err instanceof UsageError && err.message.includes("emailTo must list at least one address"),
    );
  });
});

describe("parseFaults", () => {
  it("adds the counts of a repeated fault", () => {
    assert.deepEqual(parseFaults(["dynamodb-throttle", "dynamodb-throttle:2"]), { "dynamodb-throttle": 5 });
  });
});

describe("renderSlack", () => {
  it("shows header, fields, context and buttons readably, with mrkdwn entities and links undone", () => {
    const lines = renderSlack({
      blocks: [
        { type: "header", text: { type: "plain_text", text: "CSV errors" } },
        {
          type: "section",
          text: { type: "mrkdwn", text: "a &lt;!channel&gt; &amp; b" },
          fields: [{ type: "mrkdwn", text: "*File*\nx.csv" }],
        },
        {
          type: "context",
          elements: [
            { type: "mrkdwn", text: "one" },
            { type: "mrkdwn", text: "two" },
          ],
        },
        {
          type: "actions",
          elements: [{ type: "button", text: { type: "plain_text", text: "Open" }, url: "https://e.example/x" }],
        },
        { type: "section", text: { type: "mrkdwn", text: "see <https://e.example/y|the logs>" } },
      ],
    });
    assert.deepEqual(lines, [
      "▌CSV errors",
      "a <!channel> & b",
      "  *File* x.csv",
      "one  ·  two",
      "[Open] https://e.example/x",
      "see the logs (https://e.example/y)",
    ]);
  });

  it("falls back to the text of a payload without blocks", () => {
    assert.deepEqual(renderSlack({ text: "hello\nworld" }), ["hello", "world"]);
  });
});

describe("collectNotices", () => {
  const call = (over: Partial<RecordedCall>): RecordedCall => ({
    service: "sns",
    action: "Publish",
    params: {},
    accessKeyId: "FN",
    status: 200,
    at: "",
    ...over,
  });
  const delivery = (status: number, body: string): SlackDelivery => ({
    path: "/",
    contentType: "",
    body,
    json: JSON.parse(body),
    status,
    at: "",
  });

  it("pairs the check's statuses with what each channel received, last attempt first-class", () => {
    const notices = collectNotices(
      {
        hasErrors: true,
        errorCount: 1,
        criticalCount: 0,
        byType: {},
        bySeverity: { LOW: 0, MEDIUM: 1, HIGH: 0, CRITICAL: 0 },
        warningCount: 0,
        warningsByType: {},
        rows: { total: 1, valid: 0, invalid: 1 },
        runFailed: false,
        notifications: [
          { channel: "slack", status: "sent" },
          { channel: "email", status: "suppressed", reason: "rate limit" },
        ],
      },
      [],
      [delivery(429, '{"text":"a"}'), delivery(200, '{"text":"a"}')],
      "SFN",
    );
    assert.deepEqual(
      notices.map((n) => [n.channel, n.status, n.body, n.attempts]),
      [
        ["slack", "sent", '{"text":"a"}', [429, 200]],
        ["email", "suppressed", "", []],
      ],
    );
    assert.equal(notices[1].reason, "rate limit");
  });

  it("reports from the endpoints when the check never returned, then the state machine's alert", () => {
    const notices = collectNotices(
      undefined,
      [
        call({
          service: "ses",
          action: "SendEmail",
          status: 500,
          params: { Message: { Subject: { Data: "S" }, Body: { Text: { Data: "T" } } } },
        }),
        call({ accessKeyId: "SFN", params: { Subject: "Alert", Message: "check failed" } }),
      ],
      [],
      "SFN",
    );
    assert.deepEqual(
      notices.map((n) => [n.channel, n.status, n.sender, n.subject, n.body]),
      [
        ["email", "failed", "check", "S", "T"],
        ["sns", "sent", "state-machine", "Alert", "check failed"],
      ],
    );
  });
});

describe("collectMetrics", () => {
  it("flattens accepted PutMetricData calls and skips failed ones", () => {
    const metrics = collectMetrics([
      {
        service: "cloudwatch",
        action: "PutMetricData",
        accessKeyId: "",
        status: 200,
        at: "",
        params: {
          Namespace: "N",
          MetricData: [{ MetricName: "A", Value: 2, Unit: "Count", Dimensions: [{ Name: "Pipeline", Value: "p" }] }],
        },
      },
      {
        service: "cloudwatch",
        action: "PutMetricData",
        accessKeyId: "",
        status: 500,
        at: "",
        params: { Namespace: "N", MetricData: [{ MetricName: "B", Value: 1 }] },
      },
    ]);
    assert.deepEqual(metrics, [{ namespace: "N", name: "A", value: 2, unit: "Count", dimensions: { Pipeline: "p" } }]);
  });
});

describe("report helpers", () => {
  it("escapes markup from CSV data in the HTML report", () => {
    assert.equal(
      escapeHtml(`<script>alert("x")</script>&'`),
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;",
    );
  });

  it("draws a progress bar proportional to the chunks done", () => {
    assert.equal(progressLine(5, 10, 10), "chunks [█████░░░░░] 5/10");
    assert.equal(progressLine(0, 0, 4), "chunks [░░░░] 0/0");
  });
});
