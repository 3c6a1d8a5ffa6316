import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { LOCAL_KEYS, routeToConfiguredChannels, STACK_KEYS } from "../../blueprint/config";
import { DEFAULT_OUTCOME_SETTINGS } from "../../functions/contract";
import { PipelineError } from "../../functions/core/errors";
import { parseNotifyPolicy } from "../../functions/core/notify/policy";
import { CONFIG_KEYS, ConfigError, loadStackConfig, parseStackConfig, type RawConfig } from "../../infra/config";
import { parseLocalConfig } from "../../local/cli/run-config";
import { PIPELINE_PATTERNS } from "../../workflow/pipeline";
import { installMocks, PROJECT, TEST_CONFIG } from "../support/pulumi-mocks";

const SCHEMA = JSON.stringify({ columns: [{ name: "order_id", type: "string", required: true }] });
const valid: RawConfig = {
  rowSchema: SCHEMA,
  slackWebhookUrl: "https://hooks.slack.com/services/T/B/X",
  emailFrom: "alerts@example.com",
  emailTo: '["ops@example.com"]',
  onCallEmail: "oncall@example.com",
};
const parse = (raw: RawConfig, warn?: (m: string) => void) =>
  parseStackConfig("csv-pipeline", raw, pulumi.secret("x"), { warn });
function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail("expected a ConfigError");
}
const stackProblems = (raw: RawConfig) => problemsOf(() => parse(raw));
const fileProblems = (doc: unknown) => problemsOf(() => parseLocalConfig(doc, { kind: "file", path: "local.yaml" }));

describe("stack config", () => {
  it("fills every default from a minimal valid config", () => {
    const cfg = parse({ rowSchema: SCHEMA, slackWebhookUrl: valid.slackWebhookUrl });
    assert.equal(cfg.pipelineName, "csv-pipeline");
    assert.equal(cfg.pattern, "sequential");
    assert.equal(cfg.feeds.length, 1);
    assert.equal(cfg.feeds[0].name, "default");
    assert.equal(cfg.feeds[0].prefix, "incoming/");
    assert.equal(cfg.chunkRows, 5000);
    assert.equal(cfg.chunkBytes, 4 * 1024 * 1024);
    assert.equal(cfg.mapConcurrency, 100);
    assert.equal(cfg.toleratedFailurePercentage, 0);
    assert.deepEqual(cfg.emailTo, []);
    assert.equal(cfg.emailFrom, undefined);
    assert.deepEqual(cfg.alarms, { errorCount: 10, criticalErrorCount: 1, periodSeconds: 300 });
    assert.equal(cfg.policy.timeZone, "Asia/Tokyo");
    assert.equal(cfg.logRetentionDays, 30);
    assert.equal(JSON.parse(cfg.feeds[0].schemaJson).columns[0].name, "order_id");
    assert.equal(cfg.feeds[0].schemaSource, "csv-pipeline:rowSchema");
  });

  it("reads numbers from text and objects from JSON text, as pulumi config holds them", () => {
    const cfg = parse({
      ...valid,
      pattern: "parallel",
      chunkBytes: "1024",
      alarms: '{"periodSeconds":600}',
      notifyPolicy: '{"locale":"en"}',
    });
    assert.equal(cfg.pattern, "parallel");
    assert.equal(cfg.chunkBytes, 1024);
    assert.deepEqual(cfg.alarms, { errorCount: 10, criticalErrorCount: 1, periodSeconds: 600 });
    assert.equal(cfg.policy.locale, "en");
    assert.deepEqual(cfg.emailTo, ["ops@example.com"]);
  });

  it("names each bad key with a valid example, all in one error", () => {
    const problems = stackProblems({
      rowSchema: SCHEMA,
      pattern: "fanout",
      chunkBytes: "1023",
      mapConcurrency: "0",
      toleratedFailurePercentage: "101",
      emailFrom: "not-an-address",
      emailTo: '["ops@example.com"]',
      onCallTopicArn: "pagerduty",
      logRetentionDays: "31",
      alarms: '{"errorCount":10,"periodSeconds":90,"bogus":1}',
      notifyPolicy: '{"quietHours":{"start":"25:00"}}',
    });
    const expect = [
      /^csv-pipeline:pattern must be one of sequential, parallel \(got "fanout"\)\. Example: pulumi config set csv-pipeline:pattern parallel$/,
      /^csv-pipeline:chunkBytes must be a whole number of bytes from 1024 \(1 KiB\) to 268435456 \(256 MiB\) \(got "1023"\)\. Example: pulumi config set csv-pipeline:chunkBytes 4194304$/,
      /^csv-pipeline:mapConcurrency must be a whole number from 1 to 10000 \(got "0"\)\. Example: pulumi config set csv-pipeline:mapConcurrency 100$/,
      /^csv-pipeline:toleratedFailurePercentage must be a whole number from 0 to 100 \(got "101"\)/,
      /^csv-pipeline:emailFrom must be an e-mail address \(got "not-an-address"\)/,
      /^csv-pipeline:onCallTopicArn must be an SNS topic ARN.*arn:aws:sns:ap-northeast-1:123456789012:pagerduty$/,
      /^csv-pipeline:logRetentionDays must be one CloudWatch Logs accepts/,
      /^csv-pipeline:alarms\.periodSeconds must be a multiple of 60 seconds, from 60 to 86400 \(got 90\)\. Example: pulumi config set --path 'csv-pipeline:alarms\.periodSeconds' 300$/,
      /^csv-pipeline:alarms\.bogus is not a known threshold \(errorCount, criticalErrorCount, periodSeconds\)/,
      /^csv-pipeline:notifyPolicy\.quietHours\.start must be "HH:MM" \(24 h\) \(got "25:00"\)\. Example: pulumi config set --path 'csv-pipeline:notifyPolicy\.quietHours\.start' 22:00$/,
      /^csv-pipeline:slackWebhookUrl is missing \(a secret\)\. Example: pulumi config set --secret csv-pipeline:slackWebhookUrl https:\/\/hooks.slack.com/,
    ];
    for (const re of expect)
      assert.ok(
        problems.some((p) => re.test(p)),
        `no problem matches ${re}:\n${problems.join("\n")}`,
      );
    assert.equal(problems.length, expect.length, problems.join("\n"));
  });

  it("throws a ConfigError that is a PipelineError and lists the problems in its message", () => {
    let caught: unknown;
    try {
      parse({ ...valid, pipelineName: "Orders" });
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof ConfigError);
    assert.ok(caught instanceof PipelineError);
    assert.equal(caught.name, "ConfigError");
    assert.match(
      caught.message,
      /^Invalid stack configuration \(1 problem\):\n {2}- csv-pipeline:pipelineName must be/,
    );
  });

  it("reports a missing schema and a schema that does not validate, naming the source", () => {
    assert.match(
      stackProblems({ slackWebhookUrl: valid.slackWebhookUrl }).join("\n"),
      /csv-pipeline:rowSchemaPath is missing/,
    );
    const bad = stackProblems({
      ...valid,
      rowSchema: JSON.stringify({ columns: [{ name: "a", type: "float" }] }),
    }).join("\n");
    assert.match(
      bad,
      /csv-pipeline:rowSchema is not a valid row schema: .*columns\[0\]\.type: expected one of string.*--path 'csv-pipeline:rowSchema.columns\[0\].name' order_id/s,
    );
    assert.match(
      stackProblems({ ...valid, rowSchema: undefined, rowSchemaPath: "no/such.yaml" }).join("\n"),
      /cannot be read \(no\/such.yaml\)/,
    );
  });

  it("never shows the webhook URL in a message", () => {
    const problems = stackProblems({ ...valid, slackWebhookUrl: "http://hooks.slack.com/services/T/B/TOPSECRET" });
    assert.ok(problems.some((p) => p.includes("slackWebhookUrl must be an https://")));
    assert.ok(!problems.join("").includes("TOPSECRET"));
  });

  it("asks for emailFrom and emailTo together", () => {
    assert.match(
      stackProblems({ ...valid, emailFrom: undefined }).join("\n"),
      /^csv-pipeline:emailFrom must be set together with emailTo \(both or neither\)\. Example: pulumi config set csv-pipeline:emailFrom alerts@example.com$/,
    );
    assert.match(
      stackProblems({ ...valid, emailTo: "[]" }).join("\n"),
      /^csv-pipeline:emailTo must list at least one address when emailFrom is set.*--path 'csv-pipeline:emailTo\[0\]' ops@example.com$/,
    );
  });

  it("documents every key in Pulumi.dev.yaml, which is valid", () => {
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
    assert.equal(parse(raw).feeds[0].schemaSource, "samples/orders.schema.yaml");
  });
});

describe("outputs in the stack config", () => {
  const outputs = (o: Record<string, unknown>) => JSON.stringify(o);

  it("defaults to the contract's outcome settings", () => {
    assert.deepEqual(parse(valid).outputs, DEFAULT_OUTCOME_SETTINGS);
    assert.deepEqual(parse({ ...valid, outputs: "" }).outputs, DEFAULT_OUTCOME_SETTINGS, "empty counts as unset");
  });

  it("reads flags as booleans or their text (pulumi config set --path …outputs.bom false) and keeps the other defaults", () => {
    const cfg = parse({
      ...valid,
      outputs: outputs({ processed: "false", bom: false, rejectedPrefix: "quality/rejected/" }),
    });
    assert.deepEqual(cfg.outputs, {
      processed: false,
      bom: false,
      processedPrefix: "processed/",
      rejectedPrefix: "quality/rejected/",
      resultsPrefix: "results/",
    });
  });

  it("refuses prefixes that are not folders, or that would widen a grant, naming the key", () => {
    assert.deepEqual(stackProblems({ ...valid, outputs: outputs({ rejectedPrefix: "rejected" }) }), [
      `csv-pipeline:outputs.rejectedPrefix must be folders of letters, digits or !_.'()- each ending with "/" (no "*") (got "rejected"). Example: pulumi config set --path 'csv-pipeline:outputs.rejectedPrefix' rejected/`,
    ]);
    assert.deepEqual(stackProblems({ ...valid, outputs: outputs({ processedPrefix: "out*/" }) }), [
      `csv-pipeline:outputs.processedPrefix must be folders of letters, digits or !_.'()- each ending with "/" (no "*") (got "out*/"). Example: pulumi config set --path 'csv-pipeline:outputs.processedPrefix' processed/`,
    ]);
    assert.deepEqual(stackProblems({ ...valid, outputs: outputs({ resultsPrefix: "" }) }).length, 1);
  });

  it("refuses outputs that share a folder: the same, or one inside another", () => {
    const problems = stackProblems({
      ...valid,
      outputs: outputs({ processedPrefix: "out/", rejectedPrefix: "out/rejected/", resultsPrefix: "out/" }),
    });
    assert.deepEqual(problems, [
      `csv-pipeline:outputs.rejectedPrefix is inside outputs.processedPrefix ("out/"); give each output its own folder (got "out/rejected/"). Example: pulumi config set --path 'csv-pipeline:outputs.rejectedPrefix' rejected/`,
      `csv-pipeline:outputs.resultsPrefix is the same as outputs.processedPrefix ("out/"); give each output its own folder (got "out/"). Example: pulumi config set --path 'csv-pipeline:outputs.resultsPrefix' results/`,
      `csv-pipeline:outputs.resultsPrefix contains outputs.rejectedPrefix ("out/rejected/"); give each output its own folder (got "out/"). Example: pulumi config set --path 'csv-pipeline:outputs.resultsPrefix' results/`,
    ]);
  });

  it("refuses an output inside or containing the config folder", () => {
    assert.deepEqual(stackProblems({ ...valid, outputs: outputs({ resultsPrefix: "_config/results/" }) }), [
      `csv-pipeline:outputs.resultsPrefix is inside the folder of the program's own objects ("_config/", the row schema) (got "_config/results/"). Example: pulumi config set --path 'csv-pipeline:outputs.resultsPrefix' results/`,
    ]);
  });

  it("refuses an output under the input prefix: the rows.csv written there would start a new run", () => {
    assert.deepEqual(stackProblems({ ...valid, outputs: outputs({ rejectedPrefix: "incoming/rejected/" }) }), [
      `csv-pipeline:outputs.rejectedPrefix is inside inputPrefix ("incoming/"): a .csv written there (such as rows.csv) would start a new run; keep outputs and uploads in separate folders. Example: pulumi config set --path 'csv-pipeline:outputs.rejectedPrefix' rejected/`,
    ]);
    assert.deepEqual(stackProblems({ ...valid, inputPrefix: "processed/" }), [
      `csv-pipeline:outputs.processedPrefix is the same as inputPrefix ("processed/"): a .csv written there (such as rows.csv) would start a new run; keep outputs and uploads in separate folders. Example: pulumi config set --path 'csv-pipeline:outputs.processedPrefix' processed/`,
    ]);
  });

  it("refuses an input prefix inside an output folder, naming the output", () => {
    assert.deepEqual(stackProblems({ ...valid, inputPrefix: "results/incoming/" }), [
      `csv-pipeline:outputs.resultsPrefix contains inputPrefix ("results/incoming/"): uploads would land among this output's files; keep outputs and uploads in separate folders. Example: pulumi config set --path 'csv-pipeline:outputs.resultsPrefix' results/`,
    ]);
  });

  it("refuses the bucket root and the config folder as the input prefix", () => {
    const rule = `must end with "/" and not be under _config/ or _work/ (nor be the bucket root, where the outputs are written)`;
    assert.deepEqual(stackProblems({ ...valid, inputPrefix: "" }), [
      `csv-pipeline:inputPrefix ${rule} (got ""). Example: pulumi config set csv-pipeline:inputPrefix incoming/`,
    ]);
    assert.deepEqual(stackProblems({ ...valid, inputPrefix: "_config/in/" }), [
      `csv-pipeline:inputPrefix ${rule} (got "_config/in/"). Example: pulumi config set csv-pipeline:inputPrefix incoming/`,
    ]);
    // The results folder is no longer a special case: an input beside the outputs is fine.
    assert.equal(parse({ ...valid, inputPrefix: "uploads/orders/" }).feeds[0].prefix, "uploads/orders/");
  });

  it("names unknown output settings and non-boolean flags", () => {
    assert.deepEqual(stackProblems({ ...valid, outputs: outputs({ procesed: false, bom: "yes" }) }), [
      "csv-pipeline:outputs.bom must be true or false (got \"yes\"). Example: pulumi config set --path 'csv-pipeline:outputs.bom' true",
      "csv-pipeline:outputs.procesed is not a known output setting (processed, bom, processedPrefix, rejectedPrefix, resultsPrefix). Example: pulumi config set --path 'csv-pipeline:outputs.processed' true",
    ]);
  });

  it("says the same about outputs in a local --config file, against the local input prefix", () => {
    assert.deepEqual(fileProblems({ outputs: { rejectedPrefix: "incoming/rejected/" } }), [
      `outputs.rejectedPrefix is inside inputPrefix ("incoming/"): a .csv written there (such as rows.csv) would start a new run; keep outputs and uploads in separate folders. Example: outputs: { rejectedPrefix: "rejected/" }`,
    ]);
    const stack = stackProblems({ ...valid, outputs: outputs({ rejectedPrefix: "processed/r/" }) });
    const local = fileProblems({ outputs: { rejectedPrefix: "processed/r/" } });
    assert.equal(
      stack[0].replace(/^csv-pipeline:/, "").replace(/\. Example: .*$/, ""),
      local[0].replace(/\. Example: .*$/, ""),
    );
    const cfg = parseLocalConfig({ outputs: { processed: false, bom: false } }, { kind: "file", path: "local.yaml" });
    assert.deepEqual(cfg.outputs, { ...DEFAULT_OUTCOME_SETTINGS, processed: false, bom: false });
    assert.deepEqual(
      parseLocalConfig({}, { kind: "file", path: "local.yaml" }).outputs,
      DEFAULT_OUTCOME_SETTINGS,
      "a file without outputs takes the defaults",
    );
  });
});

describe("notification channels in the stack config", () => {
  it("drops unconfigured channels from the default routing, with a warning naming notifyPolicy.routing", () => {
    const warnings: string[] = [];
    const cfg = parse({ rowSchema: SCHEMA, slackWebhookUrl: valid.slackWebhookUrl }, (m) => warnings.push(m));
    assert.deepEqual(cfg.policy.routing, { CRITICAL: ["slack"], HIGH: ["slack"], MEDIUM: ["slack"], LOW: ["slack"] });
    assert.deepEqual(warnings, [
      "csv-pipeline:notifyPolicy.routing: sns is not configured (onCallEmail is not set); dropped from CRITICAL",
      "csv-pipeline:notifyPolicy.routing: email is not configured (emailFrom and emailTo are not set); dropped from CRITICAL, HIGH",
    ]);
  });

  it("keeps the routing as it is when every channel is configured", () => {
    const warnings: string[] = [];
    const cfg = parse(valid, (m) => warnings.push(m));
    assert.deepEqual(cfg.policy.routing.CRITICAL, ["sns", "slack", "email"]);
    assert.deepEqual(cfg.policy.routing.HIGH, ["slack", "email"]);
    assert.deepEqual(warnings, []);
  });

  it("refuses a routing that names an unconfigured channel, naming the level's key", () => {
    const problems = stackProblems({
      ...valid,
      emailFrom: undefined,
      emailTo: undefined,
      notifyPolicy: '{"routing":{"HIGH":["slack","email"]}}',
    });
    assert.deepEqual(problems, [
      "csv-pipeline:notifyPolicy.routing.HIGH routes to email, which is not configured (emailFrom and emailTo are not set). " +
        "Example: pulumi config set --path 'csv-pipeline:notifyPolicy.routing.HIGH[0]' slack",
    ]);
  });

  it("warns through pulumi.log.warn when the stack is loaded", () => {
    const saved = pulumi.log.warn;
    const warnings: string[] = [];
    pulumi.log.warn = async (message: string) => {
      warnings.push(message);
    };
    try {
      const config = { ...TEST_CONFIG };
      delete config[`${PROJECT}:emailFrom`];
      delete config[`${PROJECT}:emailTo`];
      installMocks(config);
      const cfg = loadStackConfig();
      assert.deepEqual(cfg.policy.routing.HIGH, ["slack"]);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /^csv-pipeline:notifyPolicy\.routing: email is not configured/);
    } finally {
      pulumi.log.warn = saved;
      installMocks();
    }
  });
});

describe("one schema for the stack and the local file", () => {
  it("reads the same pattern list the pipeline is built from", () => {
    assert.deepEqual(
      stackProblems({ ...valid, pattern: "fanout" })[0].match(/must be one of ([^(]*) \(/)?.[1],
      PIPELINE_PATTERNS.join(", "),
    );
  });

  it("gives a local file a subset of the stack's keys", () => {
    for (const key of LOCAL_KEYS) assert.ok(STACK_KEYS.includes(key), key);
  });

  const cases: { key: string; stack: string; local: unknown }[] = [
    { key: "chunkBytes", stack: "1023", local: 1023 },
    { key: "chunkRows", stack: "0", local: 0 },
    { key: "pipelineName", stack: "Orders.Pipeline", local: "Orders.Pipeline" },
    { key: "errorRetentionDays", stack: "4000", local: 4000 },
    { key: "mapConcurrency", stack: "10001", local: 10001 },
  ];
  for (const c of cases) {
    it(`says the same about a bad ${c.key}, each with its own key and example syntax`, () => {
      const stack = stackProblems({ ...valid, [c.key]: c.stack });
      const local = fileProblems({ [c.key]: c.local });
      assert.equal(stack.length, 1, stack.join("\n"));
      assert.equal(local.length, 1, local.join("\n"));
      const what = (line: string, prefix: string) => {
        assert.ok(line.startsWith(`${prefix}${c.key} `), line);
        return line.slice(prefix.length + c.key.length).replace(/ \(got [^)]*\)\. Example: .*$/, "");
      };
      assert.equal(what(stack[0], "csv-pipeline:"), what(local[0], ""));
      assert.match(stack[0], new RegExp(`Example: pulumi config set csv-pipeline:${c.key} \\S+$`));
      assert.match(local[0], new RegExp(`Example: ${c.key}: \\S+$`));
    });
  }

  it("accepts the smallest chunk size in both", () => {
    assert.equal(parse({ ...valid, chunkBytes: "1024" }).chunkBytes, 1024);
    assert.equal(parseLocalConfig({ chunkBytes: 1024 }, { kind: "file", path: "local.yaml" }).chunkBytes, 1024);
  });
});

describe("routeToConfiguredChannels", () => {
  const noSlack = { slack: false, sns: true, email: true };

  it("turns the default success notice off when Slack is not configured, with a warning", () => {
    const routed = routeToConfiguredChannels(parseNotifyPolicy({}), {}, noSlack);
    assert.equal(routed.policy.successNotice, false);
    assert.deepEqual(routed.policy.routing.MEDIUM, []);
    assert.deepEqual(routed.problems, []);
    assert.ok(
      routed.warnings.includes(
        "notifyPolicy.successNotice: slack is not configured (slackWebhookUrl is not set); the success notice is off",
      ),
    );
  });

  it("reports an explicit success notice or route to Slack when Slack is not configured", () => {
    const raw = '{"successNotice":true,"routing":{"LOW":["slack"]}}';
    const routed = routeToConfiguredChannels(parseNotifyPolicy(raw), raw, noSlack);
    assert.deepEqual(
      routed.problems.map((p) => [p.path.join("."), p.message]),
      [
        ["notifyPolicy.routing.LOW", "routes to slack, which is not configured (slackWebhookUrl is not set)"],
        ["notifyPolicy.successNotice", "posts to slack, which is not configured (slackWebhookUrl is not set)"],
      ],
    );
  });
});
