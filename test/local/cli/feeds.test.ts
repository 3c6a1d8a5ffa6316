import assert from "node:assert/strict";
import { join } from "node:path";
import { ENV, type FeedEnvEntry } from "../../../functions/contract";
import { findFeed } from "../../../functions/core/feeds";
import type { NotifyPolicy } from "../../../functions/core/notify/policy";
import { parseArgs, type RunArgs } from "../../../local/cli/args";
import { pickFeed } from "../../../local/cli/feed-choice";
import { type LocalConfig, type LocalFeed, loadConfig } from "../../../local/cli/run-config";
import {
  feedSlackParameter,
  LOCAL_SLACK_PARAMETER,
  mergedFeedEnvironment,
  runRoleStatements,
} from "../../../local/engine/environment";
import { formatHuman } from "../../../local/report/format";
import { feedWebhookPath, LOCAL_WEBHOOK_PATH, startSlackReceiver } from "../../../local/services/slack-receiver";
import { UsageError } from "../../../local/usage-error";
import { reportFixture } from "../../support/report-fixture";

const ROOT = join(__dirname, "..", "..", "..");
const CSV = join(ROOT, "samples", "orders.csv");

/** The local defaults, with the given feeds (as the config loader fills them from a file's `feeds`). */
function configWith(feeds?: LocalFeed[]): LocalConfig {
  const config = loadConfig(undefined, () => undefined);
  return feeds ? { ...config, feeds } : config;
}

function feed(name: string, prefix: string, overrides: Partial<LocalFeed> = {}): LocalFeed {
  const base = loadConfig(undefined, () => undefined);
  return {
    name,
    prefix,
    schemaPath: `/schemas/${name}.yaml`,
    schemaText: `# ${name}\n`,
    emailTo: base.emailTo,
    onCallEmail: base.onCallEmail,
    notify: base.notify,
    ownSlack: false,
    ...overrides,
  };
}

const ORDERS = feed("orders", "incoming/orders/");
const STOCK = feed("stock", "incoming/stock/");
const TWO = configWith([ORDERS, STOCK]);

function usageError(message: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof UsageError, `not a UsageError: ${err}`);
    assert.equal(err.message, message);
    return true;
  };
}

describe("pickFeed", () => {
  it("runs a config without feeds as the one feed default under incoming/, with the chosen schema", () => {
    const picked = pickFeed(configWith(), { csvPath: CSV, schema: { path: "/s.yaml", text: "columns: []\n" } });
    assert.equal(picked.feed.name, "default");
    assert.equal(picked.feed.prefix, "incoming/");
    assert.equal(picked.feed.schemaPath, "/s.yaml");
    assert.equal(picked.feed.schemaText, "columns: []\n");
    assert.equal(picked.key, "incoming/orders.csv");
    assert.deepEqual(picked.feeds, [picked.feed]);
  });

  it("picks the only feed of a config by default, under its own prefix", () => {
    const picked = pickFeed(configWith([STOCK]), { csvPath: CSV });
    assert.equal(picked.feed, STOCK);
    assert.equal(picked.key, "incoming/stock/orders.csv");
  });

  it("picks the feed --feed names, and the feed whose prefix --key is under", () => {
    assert.equal(pickFeed(TWO, { feed: "stock", csvPath: CSV }).key, "incoming/stock/orders.csv");
    const byKey = pickFeed(TWO, { key: "incoming/orders/2025/06/a.csv", csvPath: CSV });
    assert.equal(byKey.feed, ORDERS);
    assert.equal(byKey.key, "incoming/orders/2025/06/a.csv");
    const both = pickFeed(TWO, { feed: "orders", key: "incoming/orders/b.csv", csvPath: CSV });
    assert.equal(both.feed, ORDERS);
  });

  it("replaces the picked feed's schema with --schema, and only its", () => {
    const picked = pickFeed(TWO, { feed: "stock", csvPath: CSV, schema: { path: "/o.yaml", text: "x" } });
    assert.deepEqual(
      picked.feeds.map((f) => [f.name, f.schemaPath, f.schemaText]),
      [
        ["orders", "/schemas/orders.yaml", "# orders\n"],
        ["stock", "/o.yaml", "x"],
      ],
    );
    assert.equal(picked.feed, picked.feeds[1]);
  });

  const feedsList = "orders (incoming/orders/), stock (incoming/stock/)";
  const bad: [string, LocalConfig, Parameters<typeof pickFeed>[1], string][] = [
    [
      "several feeds and neither flag",
      TWO,
      { csvPath: CSV },
      `the config has 2 feeds: pick one with --feed <name> or --key <key>; ${feedsList}`,
    ],
    [
      "an unknown feed",
      TWO,
      { feed: "stocks", csvPath: CSV },
      `--feed stocks: no such feed; the config's feeds: ${feedsList}`,
    ],
    [
      "a key under no feed's prefix",
      TWO,
      { key: "incoming/other/x.csv", csvPath: CSV },
      `--key incoming/other/x.csv is under no feed's prefix (an upload there starts no run); the config's feeds: ${feedsList}`,
    ],
    [
      "a key under another feed's prefix than --feed's",
      TWO,
      { feed: "orders", key: "incoming/stock/x.csv", csvPath: CSV },
      `--key incoming/stock/x.csv is not under the prefix of feed orders (incoming/orders/): it is feed stock's; the config's feeds: ${feedsList}`,
    ],
    [
      "a feed other than default without feeds",
      configWith(),
      { feed: "orders", csvPath: CSV, schema: { path: "/s.yaml", text: "" } },
      "--feed orders: no such feed; the run has one feed (the config sets no feeds): default (incoming/)",
    ],
    [
      "a key outside incoming/ without feeds",
      configWith(),
      { key: "uploads/x.csv", csvPath: CSV, schema: { path: "/s.yaml", text: "" } },
      "--key uploads/x.csv is under no feed's prefix (an upload there starts no run); the run has one feed (the config sets no feeds): default (incoming/)",
    ],
  ];
  for (const [what, config, choice, message] of bad) {
    it(`is a one-line usage error naming every feed and prefix for ${what}`, () => {
      assert.throws(() => pickFeed(config, choice), usageError(message));
    });
  }
});

describe("parseArgs --feed and --key", () => {
  const run = (argv: string[]): RunArgs => {
    const parsed = parseArgs(argv);
    assert.equal(parsed.kind, "run");
    return (parsed as { kind: "run"; args: RunArgs }).args;
  };

  it("reads both, and tells a --schema given from the default one", () => {
    const args = run(["--feed", "orders", "--key=incoming/orders/a.csv"]);
    assert.equal(args.feed, "orders");
    assert.equal(args.key, "incoming/orders/a.csv");
    assert.equal(args.schemaGiven, false);
    assert.equal(run(["--schema", "samples/orders.schema.yaml"]).schemaGiven, true);
  });

  const bad: [string, string][] = [
    ["/incoming/a.csv", '--key /incoming/a.csv: an object key has no leading "/"; e.g. incoming/x.csv'],
    [
      "_config/schema.json",
      "--key _config/schema.json: _config/ holds the stack's schemas, not uploads; use a feed's prefix",
    ],
    ["incoming/orders/", "--key incoming/orders/: names a folder; end it with the file's name"],
    [
      "incoming/orders/a.txt",
      "--key incoming/orders/a.txt: only a key ending in .csv (any letter case) starts a run; e.g. incoming/x.csv",
    ],
    [`incoming/${"é".repeat(509)}.csv`, "--key: 1031 bytes; S3 object keys have at most 1024"],
  ];
  for (const [key, message] of bad) {
    it(`refuses --key ${key.slice(0, 30)} with a one-line usage error`, () => {
      assert.throws(() => parseArgs(["--key", key]), usageError(message));
    });
  }

  it("documents both flags in --help", async () => {
    const { USAGE } = await import("../../../local/cli/args");
    assert.match(USAGE, /\n {2}--feed <name> {10}the feed of the config's feeds/);
    assert.match(USAGE, /\n {2}--key <key> {12}the object key the file is uploaded to/);
  });
});

describe("a run's feed environment", () => {
  const en: NotifyPolicy = { ...ORDERS.notify, locale: "en" };
  const orders = feed("orders", "incoming/orders/", { notify: en, emailTo: ["orders@example.com"] });
  const jp = feed("orders-jp", "incoming/orders-jp/", { ownSlack: true, emailTo: ["jp@example.com"] });

  it("sets the first feed's settings as the functions' own and every differing setting in one FEEDS", () => {
    const env = mergedFeedEnvironment([orders, jp], "bucket");
    assert.equal(env[ENV.schemaLocation], "s3://bucket/_config/feeds/orders/schema.json");
    assert.equal(env[ENV.outputLocale], "en");
    assert.equal(env[ENV.notifyPolicy], JSON.stringify(en));
    assert.equal(env[ENV.emailTo], "orders@example.com");
    assert.equal(env[ENV.slackWebhookParameter], LOCAL_SLACK_PARAMETER);
    const entries = JSON.parse(env[ENV.feeds]) as FeedEnvEntry[];
    assert.deepEqual(entries, [
      { name: "orders", prefix: "incoming/orders/" },
      {
        name: "orders-jp",
        prefix: "incoming/orders-jp/",
        schema: "s3://bucket/_config/feeds/orders-jp/schema.json",
        locale: "ja",
        notifyPolicy: JSON.stringify(jp.notify),
        emailTo: "jp@example.com",
        slackWebhookParameter: "/csv-pipeline/local/slack/orders-jp/webhook-url",
      },
    ]);
    // What the functions read from it: the feed of a key.
    assert.equal(findFeed("incoming/orders-jp/a.csv", env)?.name, "orders-jp");
    assert.equal(findFeed("incoming/other/a.csv", env), undefined);
  });

  it("gives the default feed the schema key a single-feed stack has always used", () => {
    const env = mergedFeedEnvironment([feed("default", "incoming/")], "b");
    assert.equal(env[ENV.schemaLocation], "s3://b/_config/schema.json");
    assert.equal(env[ENV.feeds], '[{"name":"default","prefix":"incoming/"}]');
  });

  it("refuses feeds whose settings would take a function's environment over Lambda's 4 KB, as a deploy does", () => {
    const extraDates = Array.from({ length: 300 }, (_, i) =>
      new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const long = feed("long", "incoming/long/", {
      notify: { ...jp.notify, quietHours: { ...jp.notify.quietHours, extraDates } },
    });
    assert.throws(
      () => mergedFeedEnvironment([orders, long], "bucket"),
      (err: Error) =>
        err instanceof UsageError &&
        /^--config: The environment of function checkErrors is \d{4} bytes; Lambda allows 4096\. FEEDS \(\d+ bytes\) repeats each feed setting that differs from the first feed's: feeds\[1\]\.notify\.notifyPolicy \(\d+ bytes\)/.test(
          err.message,
        ),
    );
  });

  it("grants every feed's prefix and schema, every webhook parameter and every feed's recipients", () => {
    const statements = runRoleStatements(configWith([orders, jp]), [orders, jp]);
    const resources = (fn: keyof typeof statements, sid: string) =>
      statements[fn].filter((s) => s.Sid === sid).flatMap((s) => [s.Resource].flat());
    assert.deepEqual(resources("splitCsv", "ReadInputAndSchema"), [
      "arn:aws:s3:::csv-pipeline-local/incoming/orders/*",
      "arn:aws:s3:::csv-pipeline-local/incoming/orders-jp/*",
      "arn:aws:s3:::csv-pipeline-local/_config/feeds/orders/schema.json",
      "arn:aws:s3:::csv-pipeline-local/_config/feeds/orders-jp/schema.json",
    ]);
    const all = JSON.stringify(statements.checkErrors);
    assert.ok(all.includes(`parameter${LOCAL_SLACK_PARAMETER}`), all);
    assert.ok(all.includes(`parameter${feedSlackParameter("orders-jp")}`), all);
    assert.ok(all.includes(":identity/orders@example.com"), all);
    assert.ok(all.includes(":identity/jp@example.com"), all);
    assert.ok(!all.includes(":identity/ops@example.com"), "the file's emailTo is no feed's recipient here");
  });
});

describe("the local Slack receiver with feeds", () => {
  it("serves each feed's own webhook on its own path, and records the path of each delivery", async () => {
    const slack = await startSlackReceiver({}, ["orders-jp"]);
    try {
      assert.equal(new URL(slack.feedWebhookUrls["orders-jp"]).pathname, feedWebhookPath("orders-jp"));
      const post = (url: string) => fetch(url, { method: "POST", body: "{}" }).then((r) => r.status);
      assert.equal(await post(slack.feedWebhookUrls["orders-jp"]), 200);
      assert.equal(await post(slack.webhookUrl), 200);
      assert.equal(await post(slack.webhookUrl.replace(LOCAL_WEBHOOK_PATH, feedWebhookPath("stock"))), 404);
      assert.deepEqual(
        slack.deliveries.map((d) => `${d.path} ${d.status}`),
        [
          "/services/T0LOCAL00/B0FEED000/orders-jp 200",
          `${LOCAL_WEBHOOK_PATH} 200`,
          "/services/T0LOCAL00/B0FEED000/stock 404",
        ],
      );
    } finally {
      await slack.stop();
    }
  });
});

describe("the human summary with a feed", () => {
  it("shows the feed and its prefix under the file", () => {
    const report = { ...reportFixture(), feed: { name: "orders-jp", prefix: "incoming/orders-jp/" } };
    const lines = formatHuman(report, "/").split("\n");
    assert.equal(lines[2], "  feed        orders-jp (incoming/orders-jp/)");
  });
});
