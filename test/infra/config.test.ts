import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { CONFIG_KEYS, ConfigError, parseStackConfig, type RawConfig } from "../../infra/config";

const SCHEMA = JSON.stringify({ columns: [{ name: "order_id", type: "string", required: true }] });
const valid: RawConfig = { rowSchema: SCHEMA, slackWebhookUrl: "https://hooks.slack.com/services/T/B/X" };
const parse = (raw: RawConfig) => parseStackConfig("csv-pipeline", raw, pulumi.secret("x"));
function problemsOf(raw: RawConfig): string[] {
  try {
    parse(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("stack config", () => {
  it("fills every default from a minimal valid config", () => {
    const cfg = parse(valid);
    assert.equal(cfg.pipelineName, "csv-pipeline");
    assert.equal(cfg.pattern, "sequential");
    assert.equal(cfg.inputPrefix, "incoming/");
    assert.equal(cfg.mapConcurrency, 100);
    assert.equal(cfg.toleratedFailurePercentage, 0);
    assert.deepEqual(cfg.alarms, { errorCount: 10, criticalErrorCount: 1, periodSeconds: 300 });
    assert.equal(cfg.policy.timeZone, "Asia/Tokyo");
    assert.equal(JSON.parse(cfg.rowSchemaJson).columns[0].name, "order_id");
  });

  it("names each bad key with a valid example, all in one error", () => {
    const problems = problemsOf({
      rowSchema: SCHEMA,
      pattern: "fanout",
      mapConcurrency: "0",
      toleratedFailurePercentage: "101",
      emailFrom: "not-an-address",
      emailTo: '["ops@example.com"]',
      onCallTopicArn: "pagerduty",
      logRetentionDays: "31",
      alarms: '{"errorCount":10,"periodSeconds":90}',
      notifyPolicy: '{"quietHours":{"start":"25:00"}}',
    });
    const expect = [
      /csv-pipeline:pattern must be one of sequential, parallel .*Example: pulumi config set csv-pipeline:pattern parallel/,
      /csv-pipeline:mapConcurrency must be a whole number from 1 to 10000 \(got "0"\).*Example: pulumi config set csv-pipeline:mapConcurrency 100/,
      /csv-pipeline:toleratedFailurePercentage must be a whole number from 0 to 100/,
      /csv-pipeline:emailFrom must be an e-mail address/,
      /csv-pipeline:onCallTopicArn must be an SNS topic ARN.*arn:aws:sns:ap-northeast-1:123456789012:pagerduty/,
      /csv-pipeline:logRetentionDays must be one CloudWatch Logs accepts/,
      /csv-pipeline:alarms.periodSeconds must be a multiple of 60 seconds/,
      /csv-pipeline:notifyPolicy is invalid: quietHours.start/,
      /csv-pipeline:slackWebhookUrl is missing \(a secret\).*--secret https:\/\/hooks.slack.com/,
    ];
    for (const re of expect)
      assert.ok(
        problems.some((p) => re.test(p)),
        `no problem matches ${re}:\n${problems.join("\n")}`,
      );
    assert.equal(problems.length, expect.length, problems.join("\n"));
  });

  it("reports a missing schema and a schema that does not validate, naming the source", () => {
    assert.match(
      problemsOf({ slackWebhookUrl: valid.slackWebhookUrl }).join("\n"),
      /csv-pipeline:rowSchemaPath is missing/,
    );
    const bad = problemsOf({ ...valid, rowSchema: JSON.stringify({ columns: [{ name: "a", type: "float" }] }) }).join(
      "\n",
    );
    assert.match(
      bad,
      /csv-pipeline:rowSchema is not a valid row schema: .*columns\[0\]\.type: expected one of string.*--path rowSchema/s,
    );
    assert.match(
      problemsOf({ ...valid, rowSchema: undefined, rowSchemaPath: "no/such.yaml" }).join("\n"),
      /cannot be read \(no\/such.yaml\)/,
    );
  });

  it("never shows the webhook URL in a message", () => {
    const problems = problemsOf({ ...valid, slackWebhookUrl: "http://hooks.slack.com/services/T/B/TOPSECRET" });
    assert.ok(problems.some((p) => p.includes("slackWebhookUrl must be an https://")));
    assert.ok(!problems.join("").includes("TOPSECRET"));
  });

  it("documents every key in Pulumi.dev.yaml", () => {
    const text = readFileSync("Pulumi.dev.yaml", "utf8");
    const doc = YAML.parse(text) as { config: Record<string, unknown> };
    for (const key of CONFIG_KEYS)
      assert.ok(text.includes(`csv-pipeline:${key}`), `Pulumi.dev.yaml does not mention ${key}`);
    const raw: RawConfig = {};
    for (const [k, v] of Object.entries(doc.config)) {
      if (!k.startsWith("csv-pipeline:")) continue;
      const key = k.slice("csv-pipeline:".length);
      raw[key] =
        typeof v === "object" && v !== null && "secure" in v
          ? "https://hooks.slack.com/services/T/B/X"
          : typeof v === "string"
            ? v
            : JSON.stringify(v);
    }
    raw.slackWebhookUrl ??= "https://hooks.slack.com/services/T/B/X"; // set with --secret by each user
    assert.equal(parse(raw).rowSchemaSource, "samples/orders.schema.yaml");
  });
});
