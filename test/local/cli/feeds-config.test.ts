import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_NOTIFY_POLICY } from "../../../functions/core/notify/policy";
import { ConfigError, parseStackConfig } from "../../../infra/config";
import { loadConfig, parseLocalConfig } from "../../../local/cli/run-config";
import { UsageError } from "../../../local/usage-error";

const ORDERS_SCHEMA = "header: required\ncolumns:\n  - { name: order_id, type: string, required: true }\n";
const STOCK_SCHEMA = { columns: [{ name: "sku", type: "string", required: true }] };
const stock = { name: "stock", prefix: "incoming/stock/", schema: STOCK_SCHEMA };

function fileProblems(doc: unknown, configDir = "/nowhere"): string[] {
  try {
    parseLocalConfig(doc, { kind: "file", path: "local.yaml" }, undefined, { configDir });
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("feeds in a local --config file", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "csv-local-feeds-"));
    mkdirSync(join(dir, "schemas"));
    writeFileSync(join(dir, "schemas", "orders.schema.yaml"), ORDERS_SCHEMA);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("has no feeds when the file sets none", () => {
    assert.equal(parseLocalConfig({ chunkRows: 10 }, { kind: "file", path: "local.yaml" }).feeds, undefined);
    assert.equal(loadConfig(undefined, () => undefined).feeds, undefined);
  });

  it("reads two feeds: a schema path relative to the config file, an inline schema, each feed's recipients", () => {
    const file = join(dir, "two-feeds.yaml");
    writeFileSync(
      file,
      [
        "emailFrom: alerts@example.com",
        "emailTo: [ops@example.com]",
        "notifyPolicy: { quietHours: { start: '23:00' } }",
        "feeds:",
        "  - name: orders",
        "    prefix: incoming/orders/",
        "    schema: schemas/orders.schema.yaml",
        "    notify:",
        "      slackWebhookUrl: https://hooks.slack.com/services/T/B/ORDERS",
        "      emailTo: [orders-team@example.com]",
        "      notifyPolicy: { locale: en }",
        "  - name: stock",
        "    prefix: incoming/stock/",
        "    schema: { columns: [ { name: sku, type: string, required: true } ] }",
        "    notify: { emailTo: [], onCallEmail: stock-oncall@example.com }",
        "",
      ].join("\n"),
    );
    const warnings: string[] = [];
    const cfg = loadConfig(file, (m) => warnings.push(m));
    const quietHours = { ...DEFAULT_NOTIFY_POLICY.quietHours, start: "23:00" };
    assert.deepEqual(cfg.feeds, [
      {
        name: "orders",
        prefix: "incoming/orders/",
        schemaPath: join(dir, "schemas", "orders.schema.yaml"),
        schemaText: ORDERS_SCHEMA,
        emailTo: ["orders-team@example.com"],
        onCallEmail: "oncall@example.com",
        notify: { ...DEFAULT_NOTIFY_POLICY, locale: "en", quietHours },
        ownSlack: true,
      },
      {
        name: "stock",
        prefix: "incoming/stock/",
        schemaText: JSON.stringify(STOCK_SCHEMA),
        emailTo: [],
        onCallEmail: "stock-oncall@example.com",
        notify: {
          ...DEFAULT_NOTIFY_POLICY,
          quietHours,
          routing: { CRITICAL: ["sns", "slack"], HIGH: ["slack"], MEDIUM: ["slack"], LOW: ["slack"] },
        },
        ownSlack: false,
      },
    ]);
    assert.deepEqual(warnings, [
      `config file ${file}: feeds[1].notify.notifyPolicy.routing: email is not configured (feeds[1].notify.emailTo is empty); dropped from CRITICAL, HIGH`,
    ]);
    assert.deepEqual(cfg.emailTo, ["ops@example.com"], "the file's own recipients stay as they are");
  });

  it("names each bad key of a feed with a YAML example, the URL never shown", () => {
    assert.deepEqual(
      fileProblems({
        feeds: [
          { ...stock, name: "Stock", notify: { slackWebhookUrl: "http://hooks.slack.com/services/T/B/SECRET" } },
          { ...stock, name: "orders", prefix: "incoming/stock/a/", notify: { emailTo: ["x@example.com", "bad"] } },
          { ...stock, name: "orders", prefix: "b", colour: "red", notify: { notifyPolicy: { locale: "fr" } } },
        ],
      }),
      [
        `feeds[0].name must be 1–24 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen (got "Stock"). Example: feeds: [ { name: "orders" } ]`,
        `feeds[0].notify.slackWebhookUrl must be an https:// incoming-webhook URL (value not shown). Example: feeds: [ { notify: { slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX" } } ]`,
        `feeds[1].notify.emailTo[1] must be an e-mail address (got "bad"). Example: feeds: [ { notify: { emailTo: [ "orders-team@example.com" ] } } ]`,
        `feeds[2].prefix must end with "/" and not be under _config/ or _work/ (nor be the bucket root, where the outputs are written) (got "b"). Example: feeds: [ { prefix: "incoming/orders/" } ]`,
        `feeds[2].colour is not a known feed setting (name, prefix, schema, notify, alarms, arrival). Example: feeds: [ { name: "orders", prefix: "incoming/orders/", schema: "schemas/orders.schema.yaml" } ]`,
        `feeds[1].prefix is inside feeds[0].prefix ("incoming/stock/"): an upload must belong to one feed; give each feed its own folder (got "incoming/stock/a/"). Example: feeds: [ { prefix: "incoming/orders/" } ]`,
        `feeds[2].name is the same as feeds[1].name; give each feed its own name (got "orders"). Example: feeds: [ { name: "orders" } ]`,
        `feeds[2].notify.notifyPolicy.locale Invalid option: expected one of "ja"|"en" (got "fr"). Example: feeds: [ { notify: { notifyPolicy: { locale: "ja" } } } ]`,
      ],
    );
  });

  it("names a schema file that cannot be read (resolved against the config file's folder) or that does not validate", () => {
    assert.deepEqual(
      fileProblems(
        {
          feeds: [
            { ...stock, schema: "schemas/missing.yaml" },
            { name: "orders", prefix: "incoming/orders/", schema: { columns: [{ name: "a", type: "float" }] } },
          ],
        },
        dir,
      ),
      [
        `feeds[0].schema names a file that cannot be read (${join(dir, "schemas", "missing.yaml")}). Example: feeds: [ { schema: "schemas/orders.schema.yaml" } ]`,
        `feeds[1].schema is not a valid row schema: Row schema feeds[1].schema has 1 problem:\n  columns[0].type: expected one of string, integer, decimal, date, datetime, email, enum. Example: feeds: [ { schema: "schemas/orders.schema.yaml" } ]`,
      ],
    );
  });

  it("resolves a schema path against the folder of the file loadConfig reads", () => {
    const file = join(dir, "schema-relative.yaml");
    writeFileSync(file, "feeds: [ { name: orders, prefix: in/, schema: schemas/orders.schema.yaml } ]\n");
    const [feed] = loadConfig(file, () => undefined).feeds ?? [];
    assert.equal(feed.schemaPath, join(dir, "schemas", "orders.schema.yaml"));
    assert.equal(feed.schemaText, ORDERS_SCHEMA);
  });

  it("names an output folder inside a feed's prefix, and the count of feeds", () => {
    assert.deepEqual(fileProblems({ feeds: [stock], outputs: { rejectedPrefix: "incoming/stock/r/" } }), [
      `outputs.rejectedPrefix is inside feeds[0].prefix ("incoming/stock/"): a .csv written there (such as rows.csv) would start a new run; keep outputs and uploads in separate folders. Example: outputs: { rejectedPrefix: "rejected/" }`,
    ]);
    assert.deepEqual(fileProblems({ feeds: [] }), [
      `feeds must list from 1 to 20 feeds (got 0). Example: feeds: [ { name: "orders", prefix: "incoming/orders/", schema: "schemas/orders.schema.yaml" } ]`,
    ]);
    // The contract's input prefix is no feed's: with feeds, an output there is fine.
    assert.equal(
      parseLocalConfig({ feeds: [stock], outputs: { rejectedPrefix: "incoming/r/" } }, { kind: "file", path: "l.yaml" })
        .outputs.rejectedPrefix,
      "incoming/r/",
    );
  });

  it("reports a single-feed key in a local file once, as an unknown key", () => {
    const problems = fileProblems({ feeds: [stock], inputPrefix: "incoming/" });
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], /^inputPrefix is not a setting here \(the settings: .*, feeds\)/);
  });

  it("asks for emailFrom when a feed has its own emailTo and the file turned e-mail off", () => {
    assert.deepEqual(fileProblems({ emailTo: [], feeds: [{ ...stock, notify: { emailTo: ["s@example.com"] } }] }), [
      `feeds[0].notify.emailTo needs emailFrom (the sender) to be set. Example: emailFrom: "alerts@example.com"`,
    ]);
  });

  it("says what a stack says about the same feeds, each with its own key and example syntax", () => {
    const feeds = [
      { ...stock, name: "a-" },
      { ...stock, name: "b", prefix: "incoming/" },
      { ...stock, name: "c", prefix: "x/", alarms: { errorCount: -1 }, notify: { bogus: 1 } },
    ];
    const local = fileProblems({ feeds });
    let stack: string[] = [];
    try {
      parseStackConfig(
        "csv-pipeline",
        { slackWebhookUrl: "https://h/x", feeds: JSON.stringify(feeds) },
        pulumi.secret(""),
      );
    } catch (e) {
      stack = (e as ConfigError).problems;
    }
    const what = (line: string) => line.replace(/^csv-pipeline:/, "").replace(/\. Example: .*$/s, "");
    assert.equal(local.length, 4, local.join("\n"));
    assert.deepEqual(stack.map(what), local.map(what));
  });

  it("ends a run with a usage error naming the file when a feed is bad", () => {
    const file = join(dir, "bad-feed.yaml");
    writeFileSync(file, "feeds: [ { name: orders, prefix: in/ } ]\n");
    assert.throws(
      () => loadConfig(file),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message ===
          `config file ${file} (1 problem):\n  - feeds[0].schema is missing: must be a schema file path or an inline row schema object. Example: feeds: [ { schema: "schemas/orders.schema.yaml" } ]`,
    );
  });
});
