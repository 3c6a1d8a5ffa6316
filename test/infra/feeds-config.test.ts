import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { DEFAULT_NOTIFY_POLICY } from "../../functions/core/notify/policy";
import {
  ConfigError,
  type FeedConfig,
  loadStackConfig,
  parseStackConfig,
  type RawConfig,
  type StackConfig,
} from "../../infra/config";
import { installMocks, isSecretOutput, PROJECT, resolveOutput, TEST_CONFIG } from "../support/pulumi-mocks";

const SLACK = "https://hooks.slack.com/services/T/B/STACKSECRET";
const ORDERS_SLACK = "https://hooks.slack.com/services/T/B/ORDERSSECRET";
const ORDERS_SCHEMA =
  "encoding: auto\nheader: required\ncolumns:\n  - { name: order_id, type: string, required: true }\n";
/** ORDERS_SCHEMA as the resolved feed carries it: parsed, defaults filled in, serialised. */
const ORDERS_SCHEMA_JSON = JSON.stringify({
  encoding: "auto",
  header: "required",
  columns: [{ name: "order_id", type: "string", required: true, severity: "MEDIUM", sensitive: false }],
});
const STOCK_SCHEMA = { columns: [{ name: "sku", type: "string", required: true }] };
const stack: RawConfig = {
  slackWebhookUrl: SLACK,
  emailFrom: "alerts@example.com",
  emailTo: '["ops@example.com"]',
  onCallEmail: "oncall@example.com",
  notifyPolicy: '{"timeZone":"Asia/Tokyo","quietHours":{"start":"23:00","weekends":false}}',
};
const stock = { name: "stock", prefix: "incoming/stock/", schema: STOCK_SCHEMA };
const withFeeds = (feeds: unknown, raw: RawConfig = stack): RawConfig => ({ ...raw, feeds: JSON.stringify(feeds) });

let projectDir: string;
const parse = (raw: RawConfig, warn?: (m: string) => void): StackConfig =>
  parseStackConfig(PROJECT, raw, pulumi.secret(raw.slackWebhookUrl ?? ""), { projectDir, warn });
function problemsOf(raw: RawConfig): string[] {
  try {
    parse(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.ok(!e.message.includes("SECRET"), `a secret is shown:\n${e.message}`);
    return e.problems;
  }
  assert.fail("expected a ConfigError");
}
/** The feed without its Output, for deepEqual. */
function plain(feed: FeedConfig): Omit<FeedConfig, "slackWebhookUrl"> {
  const { slackWebhookUrl: _, ...rest } = feed;
  return rest;
}

describe("feeds in the stack config", () => {
  before(() => {
    installMocks();
    projectDir = mkdtempSync(join(tmpdir(), "csv-feeds-config-"));
    writeFileSync(join(projectDir, "orders.schema.yaml"), ORDERS_SCHEMA);
  });
  after(() => rmSync(projectDir, { recursive: true, force: true }));

  it("makes one feed named default of the single-feed keys, with the stack's recipients and policy", () => {
    const cfg = parse({ ...stack, inputPrefix: "uploads/", rowSchemaPath: "orders.schema.yaml" });
    assert.equal(cfg.feeds.length, 1);
    assert.deepEqual(plain(cfg.feeds[0]), {
      name: "default",
      prefix: "uploads/",
      schemaJson: ORDERS_SCHEMA_JSON,
      schemaSource: "orders.schema.yaml",
      slack: true,
      emailTo: ["ops@example.com"],
      onCallEmail: "oncall@example.com",
      ownOnCall: false,
      policy: cfg.policy,
    });
    assert.equal(cfg.feeds[0].slackWebhookUrl, undefined, "the default feed posts to the stack's webhook");
    assert.equal(cfg.feeds[0].alarms, undefined);
  });

  it("parses two feeds: schemas, recipients, policy merged over the stack's and routed to each feed's channels", async () => {
    const warnings: string[] = [];
    const cfg = parse(
      withFeeds([
        {
          name: "orders",
          prefix: "incoming/orders/",
          schema: "orders.schema.yaml",
          notify: {
            slackWebhookUrl: ORDERS_SLACK,
            emailTo: [],
            onCallEmail: "orders-oncall@example.com",
            notifyPolicy: { locale: "en", quietHours: { end: "06:00" } },
          },
          alarms: { errorCount: 50 },
        },
        { ...stock, notify: { emailTo: ["stock-team@example.com"] } },
      ]),
      (m) => warnings.push(m),
    );
    const [orders, stockFeed] = cfg.feeds;
    const quietHours = { ...DEFAULT_NOTIFY_POLICY.quietHours, start: "23:00", weekends: false };
    assert.deepEqual(plain(orders), {
      name: "orders",
      prefix: "incoming/orders/",
      schemaJson: ORDERS_SCHEMA_JSON,
      schemaSource: "orders.schema.yaml",
      slack: true,
      emailTo: [],
      onCallEmail: "orders-oncall@example.com",
      ownOnCall: true,
      policy: {
        ...DEFAULT_NOTIFY_POLICY,
        locale: "en",
        quietHours: { ...quietHours, end: "06:00" },
        routing: { CRITICAL: ["sns", "slack"], HIGH: ["slack"], MEDIUM: ["slack"], LOW: ["slack"] },
      },
      alarms: { errorCount: 50, criticalErrorCount: 1, periodSeconds: 300 },
    });
    assert.deepEqual(plain(stockFeed), {
      name: "stock",
      prefix: "incoming/stock/",
      schemaJson: JSON.stringify({
        encoding: "auto",
        header: "required",
        columns: [{ name: "sku", type: "string", required: true, severity: "MEDIUM", sensitive: false }],
      }),
      schemaSource: "csv-pipeline:feeds[1].schema",
      slack: true,
      emailTo: ["stock-team@example.com"],
      onCallEmail: "oncall@example.com",
      ownOnCall: false,
      policy: { ...DEFAULT_NOTIFY_POLICY, quietHours },
    });
    assert.equal(stockFeed.slackWebhookUrl, undefined);
    assert.ok(orders.slackWebhookUrl, "the feed's own webhook");
    assert.equal(await isSecretOutput(orders.slackWebhookUrl), true);
    assert.equal(await resolveOutput(orders.slackWebhookUrl), ORDERS_SLACK);
    assert.deepEqual(warnings, [
      "csv-pipeline:feeds[0].notify.notifyPolicy.routing: email is not configured (feeds[0].notify.emailTo is empty); dropped from CRITICAL, HIGH",
    ]);
    // The stack's own settings stay as they are.
    assert.deepEqual(cfg.emailTo, ["ops@example.com"]);
    assert.equal(cfg.policy.locale, "ja");
    assert.deepEqual(cfg.alarms, { errorCount: 10, criticalErrorCount: 1, periodSeconds: 300 });
  });

  it("does not repeat for a feed the warning the stack already gives", () => {
    const warnings: string[] = [];
    const cfg = parse(withFeeds([stock], { slackWebhookUrl: SLACK }), (m) => warnings.push(m));
    assert.deepEqual(cfg.feeds[0].policy.routing, cfg.policy.routing);
    assert.deepEqual(warnings, [
      "csv-pipeline:notifyPolicy.routing: sns is not configured (onCallEmail is not set); dropped from CRITICAL",
      "csv-pipeline:notifyPolicy.routing: email is not configured (emailFrom and emailTo are not set); dropped from CRITICAL, HIGH",
    ]);
  });

  it("routes a feed to its own on-call although the stack has none", () => {
    const cfg = parse(
      withFeeds([{ ...stock, notify: { onCallEmail: "stock-oncall@example.com" } }], { slackWebhookUrl: SLACK }),
    );
    assert.deepEqual(cfg.feeds[0].policy.routing.CRITICAL, ["sns", "slack"]);
    assert.deepEqual(cfg.policy.routing.CRITICAL, ["slack"]);
  });

  it("names a bad name, a name used twice and a bad prefix", () => {
    assert.deepEqual(
      problemsOf(
        withFeeds([
          { ...stock, name: "Stock_Feed" },
          { ...stock, name: "stock", prefix: "incoming/a/" },
          { ...stock, name: "stock", prefix: "incoming/b" },
          { ...stock, name: "other", prefix: "_config/feeds/" },
        ]),
      ),
      [
        `csv-pipeline:feeds[0].name must be 1–24 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen (got "Stock_Feed"). Example: pulumi config set --path 'csv-pipeline:feeds[0].name' orders`,
        `csv-pipeline:feeds[2].prefix must end with "/" and not be under _config/ or _work/ (nor be the bucket root, where the outputs are written) (got "incoming/b"). Example: pulumi config set --path 'csv-pipeline:feeds[2].prefix' incoming/orders/`,
        `csv-pipeline:feeds[3].prefix must end with "/" and not be under _config/ or _work/ (nor be the bucket root, where the outputs are written) (got "_config/feeds/"). Example: pulumi config set --path 'csv-pipeline:feeds[3].prefix' incoming/orders/`,
        `csv-pipeline:feeds[2].name is the same as feeds[1].name; give each feed its own name (got "stock"). Example: pulumi config set --path 'csv-pipeline:feeds[2].name' orders`,
      ],
    );
  });

  it("names a prefix inside, around or the same as another feed's, naming both", () => {
    assert.deepEqual(
      problemsOf(
        withFeeds([
          { ...stock, name: "a", prefix: "incoming/" },
          { ...stock, name: "b", prefix: "incoming/b/" },
          { ...stock, name: "c", prefix: "in/" },
          { ...stock, name: "d", prefix: "in/" },
        ]),
      ),
      [
        `csv-pipeline:feeds[1].prefix is inside feeds[0].prefix ("incoming/"): an upload must belong to one feed; give each feed its own folder (got "incoming/b/"). Example: pulumi config set --path 'csv-pipeline:feeds[1].prefix' incoming/orders/`,
        `csv-pipeline:feeds[3].prefix is the same as feeds[2].prefix ("in/"): an upload must belong to one feed; give each feed its own folder (got "in/"). Example: pulumi config set --path 'csv-pipeline:feeds[3].prefix' incoming/orders/`,
      ],
    );
    assert.deepEqual(
      problemsOf(
        withFeeds([
          { ...stock, name: "a", prefix: "incoming/a/" },
          { ...stock, name: "b", prefix: "incoming/" },
        ]),
      ),
      [
        `csv-pipeline:feeds[1].prefix contains feeds[0].prefix ("incoming/a/"): an upload must belong to one feed; give each feed its own folder (got "incoming/"). Example: pulumi config set --path 'csv-pipeline:feeds[1].prefix' incoming/orders/`,
      ],
    );
  });

  it("names an output folder inside or around a feed's prefix", () => {
    assert.deepEqual(
      problemsOf({
        ...withFeeds([stock, { ...stock, name: "orders", prefix: "results/orders/" }]),
        outputs: '{"rejectedPrefix":"incoming/stock/rejected/"}',
      }),
      [
        `csv-pipeline:outputs.rejectedPrefix is inside feeds[0].prefix ("incoming/stock/"): a .csv written there (such as rows.csv) would start a new run; keep outputs and uploads in separate folders. Example: pulumi config set --path 'csv-pipeline:outputs.rejectedPrefix' rejected/`,
        `csv-pipeline:outputs.resultsPrefix contains feeds[1].prefix ("results/orders/"): uploads would land among this output's files; keep outputs and uploads in separate folders. Example: pulumi config set --path 'csv-pipeline:outputs.resultsPrefix' results/`,
      ],
    );
  });

  it(`allows 1 to 20 feeds and a list only`, () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ ...stock, name: `f${i}`, prefix: `in/f${i}/` }));
    assert.deepEqual(problemsOf(withFeeds(many)), [
      "csv-pipeline:feeds must list from 1 to 20 feeds (got 21). Example: pulumi config set --path 'csv-pipeline:feeds[0].name' orders",
    ]);
    assert.equal(parse(withFeeds(many.slice(0, 20))).feeds.length, 20);
    assert.deepEqual(problemsOf(withFeeds([])), [
      "csv-pipeline:feeds must list from 1 to 20 feeds (got 0). Example: pulumi config set --path 'csv-pipeline:feeds[0].name' orders",
    ]);
    assert.deepEqual(problemsOf({ ...stack, feeds: '{"name":"stock"}' }), [
      `csv-pipeline:feeds must be a list of feeds, each with a name, prefix and schema (got "{\\"name\\":\\"stock\\"}"). Example: pulumi config set --path 'csv-pipeline:feeds[0].name' orders`,
    ]);
  });

  it("refuses the single-feed keys beside feeds, naming each", () => {
    assert.deepEqual(
      problemsOf({ ...withFeeds([stock]), inputPrefix: "incoming/", rowSchemaPath: "x.yaml", rowSchema: "{}" }),
      [
        "csv-pipeline:inputPrefix is set together with feeds, where each feed sets its own prefix; remove inputPrefix. Example: pulumi config set --path 'csv-pipeline:feeds[0].prefix' incoming/orders/",
        "csv-pipeline:rowSchemaPath is set together with feeds, where each feed sets its own schema; remove rowSchemaPath. Example: pulumi config set --path 'csv-pipeline:feeds[0].schema' schemas/orders.schema.yaml",
        "csv-pipeline:rowSchema is set together with feeds, where each feed sets its own schema; remove rowSchema. Example: pulumi config set --path 'csv-pipeline:feeds[0].schema' schemas/orders.schema.yaml",
      ],
    );
  });

  it("names unknown keys of a feed and of its notify, and missing keys", () => {
    assert.deepEqual(
      problemsOf(withFeeds([{ ...stock, owner: "x", notify: { emailTo: [], slack: "x" } }, { name: "orders" }])),
      [
        "csv-pipeline:feeds[0].notify.slack is not a known notify setting (slackWebhookUrl, emailTo, onCallEmail, notifyPolicy). Example: pulumi config set --path 'csv-pipeline:feeds[0].notify.emailTo[0]' orders-team@example.com",
        "csv-pipeline:feeds[0].owner is not a known feed setting (name, prefix, schema, notify, alarms, arrival). Example: pulumi config set --path 'csv-pipeline:feeds[0].name' orders",
        "csv-pipeline:feeds[1].prefix is missing. Example: pulumi config set --path 'csv-pipeline:feeds[1].prefix' incoming/orders/",
        "csv-pipeline:feeds[1].schema is missing: must be a schema file path or an inline row schema object. Example: pulumi config set --path 'csv-pipeline:feeds[1].schema' schemas/orders.schema.yaml",
      ],
    );
  });

  it("names a schema file that cannot be read and a schema that does not validate", () => {
    assert.deepEqual(
      problemsOf(
        withFeeds([
          { ...stock, schema: "missing.yaml" },
          { ...stock, name: "orders", prefix: "incoming/orders/", schema: { columns: [{ name: "a", type: "float" }] } },
        ]),
      ),
      [
        `csv-pipeline:feeds[0].schema names a file that cannot be read (${join(projectDir, "missing.yaml")}). Example: pulumi config set --path 'csv-pipeline:feeds[0].schema' schemas/orders.schema.yaml`,
        "csv-pipeline:feeds[1].schema is not a valid row schema: Row schema csv-pipeline:feeds[1].schema has 1 problem:\n" +
          "  columns[0].type: expected one of string, integer, decimal, date, datetime, email, enum. Example: pulumi config set --path 'csv-pipeline:feeds[1].schema' schemas/orders.schema.yaml",
      ],
    );
  });

  it("names bad recipients and alarms of a feed", () => {
    assert.deepEqual(
      problemsOf(
        withFeeds([
          { ...stock, notify: { emailTo: ["a@example.com", "b@example.com", "nobody"], onCallEmail: "pager" } },
          { ...stock, name: "orders", prefix: "incoming/orders/", alarms: { periodSeconds: 90 } },
        ]),
      ),
      [
        `csv-pipeline:feeds[0].notify.emailTo[2] must be an e-mail address (got "nobody"). Example: pulumi config set --path 'csv-pipeline:feeds[0].notify.emailTo[0]' orders-team@example.com`,
        `csv-pipeline:feeds[0].notify.onCallEmail must be an e-mail address (got "pager"). Example: pulumi config set --path 'csv-pipeline:feeds[0].notify.onCallEmail' orders-oncall@example.com`,
        `csv-pipeline:feeds[1].alarms.periodSeconds must be a multiple of 60 seconds, from 60 to 86400 (got 90). Example: pulumi config set --path 'csv-pipeline:feeds[1].alarms.periodSeconds' 300`,
      ],
    );
  });

  it("asks for the stack's emailFrom when a feed has its own emailTo", () => {
    assert.deepEqual(
      problemsOf(
        withFeeds([{ ...stock, notify: { emailTo: ["stock-team@example.com"] } }], {
          slackWebhookUrl: SLACK,
          onCallEmail: "oncall@example.com",
        }),
      ),
      [
        "csv-pipeline:feeds[0].notify.emailTo needs emailFrom (the sender) to be set. Example: pulumi config set csv-pipeline:emailFrom alerts@example.com",
      ],
    );
  });

  it("names a bad part of a feed's notifyPolicy under the feed's key", () => {
    assert.deepEqual(
      problemsOf(
        withFeeds([{ ...stock, notify: { notifyPolicy: { quietHours: { start: "25:00" }, colour: "red" } } }]),
      ),
      [
        `csv-pipeline:feeds[0].notify.notifyPolicy.quietHours.start must be "HH:MM" (24 h) (got "25:00"). Example: pulumi config set --path 'csv-pipeline:feeds[0].notify.notifyPolicy.quietHours.start' 22:00`,
        "csv-pipeline:feeds[0].notify.notifyPolicy.colour is not a known setting. Example: pulumi config set --path 'csv-pipeline:feeds[0].notify.notifyPolicy.locale' en",
      ],
    );
  });

  it("names a route to a channel the feed does not have, whether the feed or the stack asked for it", () => {
    assert.deepEqual(
      problemsOf(withFeeds([{ ...stock, notify: { emailTo: [], notifyPolicy: { routing: { HIGH: ["email"] } } } }])),
      [
        "csv-pipeline:feeds[0].notify.notifyPolicy.routing.HIGH routes to email, which is not configured (feeds[0].notify.emailTo is empty). Example: pulumi config set --path 'csv-pipeline:feeds[0].notify.notifyPolicy.routing.HIGH[0]' slack",
      ],
    );
    assert.deepEqual(
      problemsOf(
        withFeeds([{ ...stock, notify: { emailTo: [] } }], {
          ...stack,
          notifyPolicy: '{"routing":{"MEDIUM":["slack","email"]}}',
        }),
      ),
      [
        "csv-pipeline:feeds[0].notify.notifyPolicy.routing.MEDIUM routes to email, which is not configured (feeds[0].notify.emailTo is empty). Example: pulumi config set --path 'csv-pipeline:feeds[0].notify.notifyPolicy.routing.MEDIUM[0]' slack",
      ],
    );
  });

  it("never shows a feed's webhook URL, valid or not", () => {
    const problems = problemsOf(
      withFeeds([
        { ...stock, notify: { slackWebhookUrl: "http://hooks.slack.com/services/T/B/BADSECRET" } },
        { ...stock, name: "orders", prefix: "incoming/orders/", notify: { slackWebhookUrl: ORDERS_SLACK }, x: 1 },
      ]),
    );
    assert.deepEqual(problems, [
      "csv-pipeline:feeds[0].notify.slackWebhookUrl must be an https:// incoming-webhook URL (value not shown). Example: pulumi config set --secret --path 'csv-pipeline:feeds[0].notify.slackWebhookUrl' https://hooks.slack.com/services/T000/B000/XXXX",
      "csv-pipeline:feeds[1].x is not a known feed setting (name, prefix, schema, notify, alarms, arrival). Example: pulumi config set --path 'csv-pipeline:feeds[1].name' orders",
    ]);
  });

  it("loads feeds from the stack as raw text, each feed's webhook a secret, without warnings", async () => {
    const saved = pulumi.log.warn;
    const warnings: string[] = [];
    pulumi.log.warn = async (message: string) => {
      warnings.push(message);
    };
    try {
      const config = { ...TEST_CONFIG };
      delete config[`${PROJECT}:inputPrefix`];
      delete config[`${PROJECT}:rowSchema`];
      config[`${PROJECT}:feeds`] = JSON.stringify([
        { ...stock, notify: { slackWebhookUrl: ORDERS_SLACK } },
        { name: "orders", prefix: "incoming/orders/", schema: STOCK_SCHEMA },
      ]);
      installMocks(config, [`${PROJECT}:slackWebhookUrl`, `${PROJECT}:feeds`]);
      const cfg = loadStackConfig();
      assert.deepEqual(
        cfg.feeds.map((f) => [f.name, f.prefix, f.slackWebhookUrl !== undefined]),
        [
          ["stock", "incoming/stock/", true],
          ["orders", "incoming/orders/", false],
        ],
      );
      const own = cfg.feeds[0].slackWebhookUrl as pulumi.Output<string>;
      assert.equal(await isSecretOutput(own), true);
      assert.equal(await resolveOutput(own), ORDERS_SLACK);
      assert.deepEqual(warnings, []);
    } finally {
      pulumi.log.warn = saved;
      installMocks();
    }
  });

  it("documents a valid two-feed example in Pulumi.dev.yaml", () => {
    const text = readFileSync("Pulumi.dev.yaml", "utf8");
    const lines = text.split("\n");
    const start = lines.indexOf("  # csv-pipeline:feeds:");
    assert.ok(start >= 0, "no commented csv-pipeline:feeds example");
    const block = ["feeds:"];
    for (const line of lines.slice(start + 1)) {
      if (!line.startsWith("  #   ")) break;
      block.push(line.slice("  # ".length));
    }
    const { feeds } = YAML.parse(block.join("\n")) as { feeds: unknown[] };
    const cfg = parseStackConfig(PROJECT, withFeeds(feeds), pulumi.secret(SLACK), { projectDir: process.cwd() });
    assert.deepEqual(
      cfg.feeds.map((f) => [f.name, f.prefix, f.schemaSource, f.alarms !== undefined]),
      [
        ["orders", "incoming/orders/", "samples/orders.schema.yaml", true],
        ["stock", "incoming/stock/", "csv-pipeline:feeds[1].schema", false],
      ],
    );
  });
});
