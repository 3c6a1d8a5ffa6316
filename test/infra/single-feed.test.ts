import assert from "node:assert/strict";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { singleFeed } from "../../blueprint/config";
import { ConfigError, parseStackConfig, type RawConfig } from "../../infra/config";

const ROOT = join(__dirname, "../..");
const SCHEMA_PATH = "samples/orders.schema.yaml";
const channels: RawConfig = {
  slackWebhookUrl: "https://hooks.slack.com/services/T/B/X",
  emailFrom: "alerts@example.com",
  emailTo: '["ops@example.com"]',
  onCallEmail: "oncall@example.com",
};
const parse = (raw: RawConfig) =>
  parseStackConfig("csv-pipeline", { ...channels, ...raw }, pulumi.secret("x"), { projectDir: ROOT });
function problemsOf(raw: RawConfig): string[] {
  try {
    parse(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("singleFeed", () => {
  it("reads inputPrefix and rowSchemaPath as the entry of a one-item feed list named default", () => {
    const single = singleFeed({ inputPrefix: "incoming/", rowSchemaPath: SCHEMA_PATH, rowSchema: undefined });

    assert.deepEqual(single.entry, { name: "default", prefix: "incoming/", schema: SCHEMA_PATH });
    assert.deepEqual(single.problems, []);
    assert.deepEqual(single.keyOf("prefix"), ["inputPrefix"]);
    assert.deepEqual(single.keyOf("schema"), ["rowSchemaPath"]);
  });

  it("names rowSchema for the schema when the schema is inline", () => {
    const inline = { columns: [{ name: "id", type: "string" }] };
    const single = singleFeed({ inputPrefix: "in/", rowSchema: inline, rowSchemaPath: undefined });

    assert.deepEqual(single.entry.schema, inline);
    assert.deepEqual(single.keyOf("schema"), ["rowSchema"]);
  });

  it("gives no schema, and one problem, when both schema keys or neither are set", () => {
    const both = singleFeed({ inputPrefix: "in/", rowSchema: { columns: [] }, rowSchemaPath: SCHEMA_PATH });
    const neither = singleFeed({ inputPrefix: "in/", rowSchema: undefined, rowSchemaPath: undefined });

    assert.equal(both.entry.schema, undefined);
    assert.deepEqual(
      both.problems.map((p) => [p.path, p.message]),
      [[["rowSchema"], "and rowSchemaPath are both set; keep one"]],
    );
    assert.equal(neither.entry.schema, undefined);
    assert.deepEqual(
      neither.problems.map((p) => [p.path, p.message]),
      [[["rowSchemaPath"], "is missing: give a schema file (or an inline rowSchema object)"]],
    );
  });
});

describe("stack config: the single-feed keys as a one-item feeds list", () => {
  it("gives the same feed as a feeds list of that one feed", () => {
    const fromKeys = parse({ inputPrefix: "incoming/orders/", rowSchemaPath: SCHEMA_PATH });
    const fromList = parse({
      feeds: JSON.stringify([{ name: "default", prefix: "incoming/orders/", schema: SCHEMA_PATH }]),
    });

    assert.equal(fromKeys.feeds.length, 1);
    assert.deepEqual(fromKeys.feeds, fromList.feeds);
    assert.equal(fromKeys.feeds[0].name, "default");
    assert.equal(fromKeys.feeds[0].schemaSource, SCHEMA_PATH);
  });

  it("names the single-feed keys, not feeds[0], in a problem of the feed they describe", () => {
    const problems = problemsOf({
      inputPrefix: "incoming/",
      rowSchemaPath: "no/such.yaml",
      outputs: JSON.stringify({ rejectedPrefix: "incoming/rejected/" }),
    });

    assert.equal(problems.length, 2);
    assert.match(problems[0], /^csv-pipeline:rowSchemaPath names a file that cannot be read \(no\/such\.yaml\)\./);
    assert.match(problems[1], /^csv-pipeline:outputs\.rejectedPrefix is inside inputPrefix \("incoming\/"\)/);
  });
});
