import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ENV, type FeedEnvEntry } from "../../functions/contract";
import { ConfigError, parseStackConfig, type RawConfig } from "../../infra/config";
import { FUNCTION_KEYS, FUNCTION_SPECS, type FunctionKey } from "../../infra/functions";
import { type ProgramRun, runProgramWith } from "../support/infra-program";
import {
  MOCK_ACCOUNT,
  MOCK_REGION,
  type MockResource,
  PROJECT,
  TEST_CONFIG,
  TEST_ROW_SCHEMA,
} from "../support/pulumi-mocks";

const ORDERS_WEBHOOK = "https://hooks.slack.com/services/T000/B000/ORDERSSECRET111";
const STOCK_WEBHOOK = "https://hooks.slack.com/services/T000/B000/STOCKSECRET222";
const orders = {
  name: "orders",
  prefix: "incoming/orders/",
  schema: TEST_ROW_SCHEMA,
  notify: { slackWebhookUrl: ORDERS_WEBHOOK },
};
const stock = {
  name: "stock",
  prefix: "incoming/stock/",
  schema: TEST_ROW_SCHEMA,
  notify: { slackWebhookUrl: STOCK_WEBHOOK },
};

/** TEST_CONFIG with `feeds` for the single-feed keys and no stack-level `slackWebhookUrl`. */
function feedsOnlyConfig(feeds: unknown[]): Record<string, string> {
  const config = { ...TEST_CONFIG };
  delete config[`${PROJECT}:inputPrefix`];
  delete config[`${PROJECT}:rowSchema`];
  delete config[`${PROJECT}:slackWebhookUrl`];
  config[`${PROJECT}:feeds`] = JSON.stringify(feeds);
  return config;
}

/** The stack config as `parseStackConfig` takes it (keys without the project). */
function raw(config: Record<string, string>): RawConfig {
  return Object.fromEntries(
    Object.entries(config)
      .filter(([key]) => key.startsWith(`${PROJECT}:`))
      .map(([key, value]) => [key.slice(PROJECT.length + 1), value]),
  );
}

function problemsOf(config: RawConfig): string[] {
  try {
    parseStackConfig(PROJECT, config, undefined);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.ok(!e.message.includes("SECRET"), `a secret is shown:\n${e.message}`);
    return e.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("Feeds with their own Slack webhooks and none for the stack", () => {
  describe("the stack config", () => {
    it("parses without slackWebhookUrl when every feed has its own, keeping Slack in the routing, without warnings", () => {
      const warnings: string[] = [];
      const cfg = parseStackConfig(PROJECT, raw(feedsOnlyConfig([orders, stock])), undefined, {
        warn: (m) => warnings.push(m),
      });
      assert.equal(cfg.slackWebhookUrl, undefined);
      assert.deepEqual(
        cfg.feeds.map((f) => [f.name, f.slack, f.slackWebhookUrl !== undefined]),
        [
          ["orders", true, true],
          ["stock", true, true],
        ],
      );
      assert.deepEqual(cfg.policy.routing.CRITICAL, ["sns", "slack", "email"]);
      assert.equal(cfg.policy.successNotice, true);
      for (const feed of cfg.feeds) assert.deepEqual(feed.policy.routing, cfg.policy.routing);
      assert.deepEqual(warnings, []);
    });

    it("still asks for slackWebhookUrl without feeds, and names the feeds that have no webhook of their own", () => {
      const single = raw(TEST_CONFIG);
      delete single.slackWebhookUrl;
      assert.deepEqual(problemsOf(single), [
        "csv-pipeline:slackWebhookUrl is missing (a secret). Example: pulumi config set --secret csv-pipeline:slackWebhookUrl https://hooks.slack.com/services/T000/B000/XXXX",
      ]);
      const { notify: _, ...plainStock } = stock;
      assert.deepEqual(problemsOf(raw(feedsOnlyConfig([plainStock, orders, { ...stock, name: "c", prefix: "c/" }]))), [
        "csv-pipeline:slackWebhookUrl is missing (a secret): feeds[0] sets no notify.slackWebhookUrl of its own (give the stack one, or every feed its own). Example: pulumi config set --secret csv-pipeline:slackWebhookUrl https://hooks.slack.com/services/T000/B000/XXXX",
      ]);
    });
  });

  describe("in the Pulumi program (under mocks)", () => {
    let run: ProgramRun;
    const ofType = (type: string): MockResource[] => run.resources.filter((r) => r.type === type);
    const arn = (name: string) => `arn:aws:ssm:${MOCK_REGION}:${MOCK_ACCOUNT}:parameter${name}`;
    const statements = (key: FunctionKey) =>
      (
        JSON.parse(
          String(
            ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name.includes(`-${FUNCTION_SPECS[key].name}-role`))
              ?.inputs.policy,
          ),
        ) as { Statement: { Sid: string; Action: string[]; Resource: string[] }[] }
      ).Statement;
    const checkEnv = () => {
      const fn = ofType("aws:lambda/function:Function").find((f) =>
        f.name.endsWith(`-${FUNCTION_SPECS.checkErrors.name}`),
      );
      assert.ok(fn, "no check function");
      return (fn.inputs.environment as { variables: Record<string, string> }).variables;
    };

    before(async function () {
      this.timeout(240_000);
      run = await runProgramWith(feedsOnlyConfig([orders, stock]), [`${PROJECT}:feeds`]);
    });

    it("deploys no stack-level webhook parameter, and one SecureString per feed", () => {
      const params = ofType("aws:ssm/parameter:Parameter");
      assert.deepEqual(
        params.map((p) => [p.name, p.inputs.name, p.inputs.type]),
        [
          ["notify-slack-webhook-orders", "/orders-dev/slack/orders/webhook-url", "SecureString"],
          ["notify-slack-webhook-stock", "/orders-dev/slack/stock/webhook-url", "SecureString"],
        ],
      );
      assert.deepEqual(
        params.map((p) => p.inputs.value),
        [ORDERS_WEBHOOK, STOCK_WEBHOOK].map((value) => ({
          [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
          value,
        })),
      );
      assert.ok(!("slackWebhookParameter" in run.outputs) || run.outputs.slackWebhookParameter === undefined);
    });

    it("names only the feeds' parameters in the check's environment and its grant", () => {
      const env = checkEnv();
      assert.equal(env[ENV.slackWebhookParameter], "/orders-dev/slack/orders/webhook-url");
      const feeds = JSON.parse(env[ENV.feeds]) as FeedEnvEntry[];
      assert.deepEqual(
        feeds.map((f) => [f.name, f.slackWebhookParameter]),
        [
          ["orders", undefined],
          ["stock", "/orders-dev/slack/stock/webhook-url"],
        ],
      );
      assert.ok(!JSON.stringify(env).includes("/orders-dev/slack/webhook-url"), "the check names a stack parameter");
      const read = statements("checkErrors").find((s) => s.Sid === "ReadWebhookParameter");
      assert.deepEqual(read?.Resource, [
        arn("/orders-dev/slack/orders/webhook-url"),
        arn("/orders-dev/slack/stock/webhook-url"),
      ]);
      assert.ok(statements("checkErrors").some((s) => s.Sid === "DecryptWebhookParameter"));
      for (const key of FUNCTION_KEYS.filter((k) => k !== "checkErrors"))
        assert.ok(!statements(key).some((s) => s.Action.includes("ssm:GetParameter")), `${key} may read a webhook`);
    });
  });
});
