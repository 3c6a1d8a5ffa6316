import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { checkEnvironmentSize, environmentBytes, LAMBDA_ENVIRONMENT_LIMIT_BYTES } from "../../blueprint/function-env";
import { ENV, type FeedEnvEntry, METRICS } from "../../functions/contract";
import { FUNCTION_KEYS, FUNCTION_SPECS, type FunctionKey } from "../../infra/functions";
import { csvKeyPatterns } from "../../infra/pipeline";
import { type ProgramRun, runProgram, runProgramWith } from "../support/infra-program";
import {
  MOCK_ACCOUNT,
  MOCK_REGION,
  type MockResource,
  PROJECT,
  TEST_CONFIG,
  TEST_ROW_SCHEMA,
} from "../support/pulumi-mocks";

interface Statement {
  Sid: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const STOCK_SCHEMA = {
  header: "required",
  columns: [
    { name: "sku", type: "string", required: true, pattern: "^SKU-[0-9]{4}$" },
    { name: "quantity", type: "integer", min: 0 },
  ],
};
const STOCK_WEBHOOK = "https://hooks.slack.com/services/T000/B000/STOCKSECRET456";

/** The stack of TEST_CONFIG with two feeds instead of the single-feed keys: stock has its own recipients; both alarm. */
function twoFeedConfig(): Record<string, string> {
  const config = { ...TEST_CONFIG };
  delete config[`${PROJECT}:inputPrefix`];
  delete config[`${PROJECT}:rowSchema`];
  config[`${PROJECT}:feeds`] = JSON.stringify([
    { name: "orders", prefix: "incoming/orders/", schema: TEST_ROW_SCHEMA, alarms: { errorCount: 50 } },
    {
      name: "stock",
      prefix: "incoming/stock/",
      schema: STOCK_SCHEMA,
      alarms: { criticalErrorCount: 5 },
      notify: {
        slackWebhookUrl: STOCK_WEBHOOK,
        emailTo: ["stock-team@example.org"],
        onCallEmail: "stock-oncall@example.com",
        notifyPolicy: { locale: "en" },
      },
    },
  ]);
  return config;
}
const SECRET_KEYS = [`${PROJECT}:slackWebhookUrl`, `${PROJECT}:feeds`];

/** Accessors over one program run's resources. */
function view(resources: MockResource[]) {
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const fn = (key: FunctionKey) =>
    ofType("aws:lambda/function:Function").find((f) => f.name.endsWith(`-${FUNCTION_SPECS[key].name}`))!;
  const env = (key: FunctionKey) => (fn(key).inputs.environment as { variables: Record<string, string> }).variables;
  const statements = (key: FunctionKey) =>
    (
      JSON.parse(
        String(
          ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name.includes(`-${FUNCTION_SPECS[key].name}-role`))!
            .inputs.policy,
        ),
      ) as { Statement: Statement[] }
    ).Statement;
  const statement = (key: FunctionKey, sid: string) => statements(key).find((s) => s.Sid === sid);
  const bucket = ofType("aws:s3/bucket:Bucket")[0];
  const topic = (suffix: string) =>
    String(ofType("aws:sns/topic:Topic").find((t) => t.name.endsWith(suffix))!.state.arn);
  const alarms = new Map(
    ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [String(a.inputs.name), a.inputs] as const),
  );
  const dashboard = JSON.parse(String(ofType("aws:cloudwatch/dashboard:Dashboard")[0].inputs.dashboardBody)) as {
    widgets: { type: string; x: number; y: number; width: number; properties: Record<string, unknown> }[];
  };
  return { ofType, env, statement, statements, bucket, topic, alarms, dashboard };
}

/** The dashboard row of a feed: the widgets beside its heading (same `y`). */
function feedRow(dashboard: ReturnType<typeof view>["dashboard"], feed: string) {
  const heading = dashboard.widgets.find(
    (w) => w.type === "text" && String(w.properties.markdown).startsWith(`### Feed ${feed}\n`),
  );
  assert.ok(heading, `no dashboard row for feed ${feed}`);
  return { heading, widgets: dashboard.widgets.filter((w) => w.y === heading.y && w !== heading) };
}

describe("Feeds in the Pulumi program (under mocks)", () => {
  describe("a stack with two feeds", () => {
    let run: ProgramRun;
    let v: ReturnType<typeof view>;
    let bucketArn: string;
    let bucketName: string;

    before(async function () {
      this.timeout(240_000);
      run = await runProgramWith(twoFeedConfig(), SECRET_KEYS);
      v = view(run.resources);
      bucketArn = String(v.bucket.state.arn);
      bucketName = String(v.bucket.state.bucket);
    });

    it("starts the state machine from one rule per feed, each matching its own prefix", () => {
      const rules = v.ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => r.inputs.eventPattern !== undefined);
      assert.deepEqual(
        rules.map((r) => [r.name, JSON.parse(String(r.inputs.eventPattern)).detail.object.key]),
        [
          ["pipeline-csv-uploaded-orders", csvKeyPatterns("incoming/orders/")],
          ["pipeline-csv-uploaded-stock", csvKeyPatterns("incoming/stock/")],
        ],
      );
      for (const rule of rules)
        assert.deepEqual(JSON.parse(String(rule.inputs.eventPattern)).detail.bucket.name, [bucketName]);
      const sm = String(v.ofType("aws:sfn/stateMachine:StateMachine")[0].state.arn);
      const targets = v.ofType("aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.inputs.arn === sm);
      assert.deepEqual(
        targets.map((t) => [t.name, t.inputs.rule]),
        [
          ["pipeline-csv-uploaded-orders-target", "pipeline-csv-uploaded-orders"],
          ["pipeline-csv-uploaded-stock-target", "pipeline-csv-uploaded-stock"],
        ],
      );
    });

    it("uploads each feed's schema to its own key", () => {
      const objects = v.ofType("aws:s3/bucketObjectv2:BucketObjectv2");
      assert.deepEqual(
        objects.map((o) => [o.name, o.inputs.key, JSON.parse(String(o.inputs.content)).columns[0].name]),
        [
          ["pipeline-schema-orders", "_config/feeds/orders/schema.json", "order_id"],
          ["pipeline-schema-stock", "_config/feeds/stock/schema.json", "sku"],
        ],
      );
    });

    it("keeps the stock feed's webhook in its own SecureString and lets the check read exactly the two in use", () => {
      const params = v.ofType("aws:ssm/parameter:Parameter");
      assert.deepEqual(
        params.map((p) => [p.name, p.inputs.name, p.inputs.type]),
        [
          ["notify-slack-webhook", "/orders-dev/slack/webhook-url", "SecureString"],
          ["notify-slack-webhook-stock", "/orders-dev/slack/stock/webhook-url", "SecureString"],
        ],
      );
      assert.deepEqual(params[1].inputs.value, {
        [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
        value: STOCK_WEBHOOK,
      });
      const arn = (name: string) => `arn:aws:ssm:${MOCK_REGION}:${MOCK_ACCOUNT}:parameter${name}`;
      assert.deepEqual(v.statement("checkErrors", "ReadWebhookParameter")?.Resource, [
        arn("/orders-dev/slack/webhook-url"),
        arn("/orders-dev/slack/stock/webhook-url"),
      ]);
      for (const key of FUNCTION_KEYS.filter((k) => k !== "checkErrors"))
        assert.ok(!v.statements(key).some((s) => s.Action.includes("ssm:GetParameter")), `${key} may read a webhook`);
      const visible = JSON.stringify([run.outputs, ...FUNCTION_KEYS.map((k) => v.env(k))]);
      assert.ok(!visible.includes("STOCKSECRET456"), "an output or environment holds the stock webhook URL");
    });

    it("lets split-csv and process-chunk read under both prefixes and both schema keys; split-csv list both", () => {
      const reads = [
        `${bucketArn}/incoming/orders/*`,
        `${bucketArn}/incoming/stock/*`,
        `${bucketArn}/_config/feeds/orders/schema.json`,
        `${bucketArn}/_config/feeds/stock/schema.json`,
      ];
      assert.deepEqual(v.statement("splitCsv", "ReadInputAndSchema")?.Resource, reads);
      assert.deepEqual(v.statement("processChunk", "ReadInputAndSchema")?.Resource, reads);
      assert.deepEqual(v.statement("splitCsv", "ListInputPrefix")?.Condition, {
        StringLike: { "s3:prefix": ["incoming/orders/*", "incoming/stock/*"] },
      });
    });

    it("lets the check e-mail the stack's and every feed's recipients (SES sandbox identities)", () => {
      const send = v.statement("checkErrors", "SendEmail")!;
      assert.deepEqual(
        send.Resource.map((a) => a.replace(`arn:aws:ses:${MOCK_REGION}:${MOCK_ACCOUNT}:identity/`, "")).sort(),
        [
          "alerts@example.com",
          "data@example.com",
          "example.com",
          "example.org",
          "ops@example.com",
          "stock-team@example.org",
        ],
      );
      assert.deepEqual(send.Condition, { StringEquals: { "ses:FromAddress": "alerts@example.com" } });
    });

    it("pages the stack's on-call for orders and alarms, and the stock on-call for stock's CRITICAL notices only", () => {
      const alert = v.topic("-alerts");
      const subs = v.ofType("aws:sns/topicSubscription:TopicSubscription");
      const filtered = subs.filter((s) => s.inputs.filterPolicy !== undefined);
      assert.deepEqual(
        filtered.map((s) => [s.name, s.inputs.endpoint, s.inputs.topic, JSON.parse(String(s.inputs.filterPolicy))]),
        [
          [
            "notify-oncall-email",
            "oncall@example.com",
            alert,
            { severity: ["CRITICAL"], feed: [{ "anything-but": ["stock"] }, { exists: false }] },
          ],
          ["notify-oncall-email-stock", "stock-oncall@example.com", alert, { severity: ["CRITICAL"], feed: ["stock"] }],
        ],
      );
      for (const s of filtered) assert.equal(s.inputs.filterPolicyScope, "MessageAttributes");
      const team = v.topic("-team");
      assert.deepEqual(
        subs.filter((s) => s.inputs.filterPolicy === undefined).map((s) => [s.inputs.endpoint, s.inputs.topic]),
        [
          // Every Critical alarm pages the stack's on-call, unfiltered: an alarm notification has no attributes.
          ["oncall@example.com", v.topic("-alarms")],
          ["ops@example.com", team],
          ["data@example.com", team],
          // stock's own on-call hears stock's alarms, through a topic of its own.
          ["stock-oncall@example.com", v.topic("-alarms-stock")],
        ],
      );
    });

    it("alarms on {Pipeline, Feed} for each feed that sets alarms, paging the feed's own on-call if it has one", () => {
      const feedAlarms = [...v.alarms.keys()].filter((n) => n.includes("-feed-")).sort();
      assert.deepEqual(feedAlarms, [
        "orders-dev-feed-orders-critical-error-count-critical",
        "orders-dev-feed-orders-error-count-critical",
        "orders-dev-feed-stock-critical-error-count-critical",
        "orders-dev-feed-stock-error-count-critical",
      ]);
      const errors = v.alarms.get("orders-dev-feed-orders-error-count-critical")!;
      assert.equal(errors.metricName, METRICS.errorCount);
      assert.equal(errors.namespace, METRICS.namespace);
      assert.deepEqual(errors.dimensions, { [METRICS.dimension]: "orders-dev", [METRICS.feedDimension]: "orders" });
      assert.equal(errors.threshold, 50);
      assert.equal(errors.period, 300);
      assert.equal(errors.comparisonOperator, "GreaterThanThreshold");
      assert.deepEqual(errors.alarmActions, [v.topic("-alarms"), TEST_CONFIG[`${PROJECT}:onCallTopicArn`]]);
      assert.deepEqual(errors.okActions, [v.topic("-alarms")]);
      assert.equal(v.alarms.get("orders-dev-feed-orders-critical-error-count-critical")!.threshold, 1);
      // A feed with an on-call of its own pages it for its alarms too (the PagerDuty topic hears every Critical alarm).
      const stock = v.alarms.get("orders-dev-feed-stock-critical-error-count-critical")!;
      assert.equal(stock.threshold, 5);
      assert.deepEqual(stock.alarmActions, [v.topic("-alarms-stock"), TEST_CONFIG[`${PROJECT}:onCallTopicArn`]]);
      assert.deepEqual(stock.okActions, [v.topic("-alarms-stock")]);
      // The stack's own alarms stay on {Pipeline}.
      assert.deepEqual(v.alarms.get("orders-dev-pipeline-error-count-critical")!.dimensions, {
        [METRICS.dimension]: "orders-dev",
      });
    });

    it("gives each feed a dashboard row of its metrics on {Pipeline, Feed}", () => {
      for (const feed of ["orders", "stock"]) {
        const { heading, widgets } = feedRow(v.dashboard, feed);
        assert.match(String(heading.properties.markdown), new RegExp(`Uploads under \`incoming/${feed}/\``));
        assert.equal(widgets.length, 2);
        for (const w of widgets) {
          const metrics = w.properties.metrics as unknown[][];
          assert.ok(metrics.length >= 3);
          for (const m of metrics)
            assert.deepEqual(m.slice(2, 6), [METRICS.dimension, "orders-dev", METRICS.feedDimension, feed], String(m));
        }
        assert.equal(heading.width + widgets.reduce((n, w) => n + w.width, 0), 24);
      }
      assert.match(String(feedRow(v.dashboard, "orders").heading.properties.markdown), /more than 50 row errors/);
      assert.match(String(feedRow(v.dashboard, "stock").heading.properties.markdown), /at least 5 HIGH\/CRITICAL/);
    });

    it("gives each function FEEDS with only the settings it reads that differ from the first feed's", () => {
      const schema = (feed: string) => `s3://${bucketName}/_config/feeds/${feed}/schema.json`;
      const feeds = (key: FunctionKey) => JSON.parse(v.env(key)[ENV.feeds]) as FeedEnvEntry[];
      const orders = { name: "orders", prefix: "incoming/orders/" };
      const stock = { name: "stock", prefix: "incoming/stock/" };
      assert.equal(v.env("splitCsv")[ENV.schemaLocation], schema("orders"));
      assert.deepEqual(feeds("splitCsv"), [orders, { ...stock, schema: schema("stock") }]);
      assert.equal(v.env("processChunk")[ENV.outputLocale], "ja");
      assert.deepEqual(feeds("processChunk"), [orders, { ...stock, schema: schema("stock"), locale: "en" }]);
      assert.deepEqual(feeds("aggregateResults"), [orders, { ...stock, locale: "en" }]);
      const check = v.env("checkErrors");
      assert.equal(check[ENV.slackWebhookParameter], "/orders-dev/slack/webhook-url");
      assert.equal(check[ENV.emailTo], "ops@example.com,data@example.com");
      assert.equal(JSON.parse(check[ENV.notifyPolicy]).locale, "ja");
      const [checkOrders, checkStock] = feeds("checkErrors");
      assert.deepEqual(checkOrders, orders);
      assert.deepEqual(Object.keys(checkStock).sort(), [
        "emailTo",
        "name",
        "notifyPolicy",
        "prefix",
        "slackWebhookParameter",
      ]);
      assert.equal(checkStock.emailTo, "stock-team@example.org");
      assert.equal(checkStock.slackWebhookParameter, "/orders-dev/slack/stock/webhook-url");
      assert.equal(JSON.parse(checkStock.notifyPolicy!).locale, "en");
      for (const key of FUNCTION_KEYS)
        assert.ok(environmentBytes(v.env(key)) <= LAMBDA_ENVIRONMENT_LIMIT_BYTES, `${key}: over Lambda's 4 KB`);
    });

    it("exports the first feed's upload command and every feed's upload prefix", () => {
      assert.equal(
        run.outputs.uploadCommand,
        `aws s3 cp samples/orders.csv s3://${bucketName}/incoming/orders/orders.csv`,
      );
      assert.deepEqual(run.outputs.uploadPrefixes, {
        orders: `s3://${bucketName}/incoming/orders/`,
        stock: `s3://${bucketName}/incoming/stock/`,
      });
    });
  });

  describe("a stack of the single-feed keys", () => {
    let resources: MockResource[];
    // biome-ignore lint/suspicious/noExplicitAny: the program module's exports are Outputs of several types
    let program: any;

    before(async function () {
      this.timeout(120_000);
      ({ resources, program } = await runProgram());
    });

    it("keeps the names of a single-feed stack's rule, target, schema object, parameter and on-call subscription", () => {
      const names = (type: string) =>
        resources
          .filter((r) => r.type === type)
          .map((r) => r.name)
          .sort();
      assert.deepEqual(names("aws:s3/bucketObjectv2:BucketObjectv2"), ["pipeline-schema"]);
      assert.deepEqual(names("aws:cloudwatch/eventRule:EventRule"), ["pipeline-csv-uploaded", "pipeline-digest-flush"]);
      assert.deepEqual(names("aws:cloudwatch/eventTarget:EventTarget"), [
        "pipeline-csv-uploaded-target",
        "pipeline-digest-flush-target",
      ]);
      assert.deepEqual(names("aws:ssm/parameter:Parameter"), ["notify-slack-webhook"]);
      assert.deepEqual(names("aws:sns/topicSubscription:TopicSubscription"), [
        "notify-email-0",
        "notify-email-1",
        "notify-oncall-email",
        "notify-oncall-email-alarms",
      ]);
      assert.ok(
        !resources.some((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.name.includes("-feed-")),
      );
    });

    it("lists the one feed, default, in FEEDS, and its prefix in the exports and on the dashboard", async () => {
      const v = view(resources);
      // find-duplicates reads only the run's work objects: it has no FEEDS.
      for (const key of FUNCTION_KEYS.filter((k) => k !== "findDuplicates"))
        assert.deepEqual(JSON.parse(v.env(key)[ENV.feeds]), [{ name: "default", prefix: "incoming/" }], key);
      assert.equal(v.env("findDuplicates")[ENV.feeds], undefined);
      assert.equal(v.env("splitCsv")[ENV.schemaLocation], `s3://${String(v.bucket.state.bucket)}/_config/schema.json`);
      assert.deepEqual(await new Promise((r) => program.uploadPrefixes.apply(r)), {
        default: `s3://${String(v.bucket.state.bucket)}/incoming/`,
      });
      assert.equal(feedRow(v.dashboard, "default").widgets.length, 2);
      assert.match(String(feedRow(v.dashboard, "default").heading.properties.markdown), /No alarms of its own/);
    });
  });

  describe("the 4 KB environment limit", () => {
    it("passes an environment within the limit and fails one over it, naming the function and the feed settings", () => {
      const policy = (n: number) =>
        JSON.stringify({ locale: "en", quietHours: { extraDates: Array(n).fill("2026-01-01") } });
      const feeds = JSON.stringify([
        { name: "orders", prefix: "orders/" },
        { name: "stock", prefix: "stock/", notifyPolicy: policy(250), emailTo: "stock@example.com" },
        { name: "returns", prefix: "returns/", notifyPolicy: policy(50) },
      ]);
      const small = { PIPELINE_NAME: "orders-dev", FEEDS: JSON.stringify([{ name: "orders", prefix: "orders/" }]) };
      checkEnvironmentSize("check-errors-and-notify", small);
      const large = { PIPELINE_NAME: "orders-dev", FEEDS: feeds };
      const bytes = environmentBytes(large);
      assert.ok(bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES);
      assert.throws(
        () => checkEnvironmentSize("check-errors-and-notify", large),
        (err: Error) => {
          assert.match(
            err.message,
            new RegExp(`^The environment of function check-errors-and-notify is ${bytes} bytes; Lambda allows 4096\\.`),
          );
          // Largest first, each named by its configuration key.
          assert.match(
            err.message,
            /: feeds\[1\]\.notify\.notifyPolicy \(\d+ bytes\), feeds\[2\]\.notify\.notifyPolicy \(\d+ bytes\), feeds\[1\]\.notify\.emailTo \(19 bytes\)\./,
          );
          assert.match(err.message, /split the feeds over two stacks/);
          return true;
        },
      );
    });

    it("fails the program when feeds' policies make the check's environment too large", async function () {
      this.timeout(240_000);
      const config = twoFeedConfig();
      const feeds = JSON.parse(config[`${PROJECT}:feeds`]);
      const day = (i: number) => String(i).padStart(2, "0");
      const extraDates = Array.from(
        { length: 200 },
        (_, i) => `2027-${day((i % 12) + 1)}-${day(Math.floor(i / 12) + 1)}`,
      );
      feeds[1].notify.notifyPolicy = { locale: "en", quietHours: { extraDates } };
      config[`${PROJECT}:feeds`] = JSON.stringify(feeds);
      await assert.rejects(runProgramWith(config, SECRET_KEYS), (err: Error) => {
        assert.match(
          err.message,
          /The environment of function check-errors-and-notify is \d+ bytes; Lambda allows 4096\./,
        );
        assert.match(err.message, /feeds\[1\]\.notify\.notifyPolicy \(\d+ bytes\)/);
        return true;
      });
    });
  });
});
