import assert from "node:assert/strict";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  type FilterPolicy,
  filterPolicyMatches,
  type OnCallFeed,
  onCallSubscriptions,
  snsSeverities,
} from "../../blueprint/subscriptions";
import { parseNotifyPolicy } from "../../functions/core/notify/policy";
import { parseLocalConfig } from "../../local/cli/run-config";
import { runSubscriptions } from "../../local/engine/environment";
import { type AwsRecorder, startAwsRecorder } from "../../local/services/aws-recorder";
import { deadLetterView, type QueueStatement } from "../support/dead-letter-view";
import { type ProgramRun, runProgramWith } from "../support/infra-program";
import { PROJECT, TEST_CONFIG, TEST_ROW_SCHEMA } from "../support/pulumi-mocks";

/** orders routes HIGH notices to `sns` as well (the stack's on-call); stock pages its own on-call, MEDIUM included. */
const ORDERS_POLICY = { routing: { HIGH: ["sns", "slack"] } };
const STOCK_POLICY = { routing: { MEDIUM: ["sns", "slack"] } };
const feed = (name: string, policy: unknown, onCallEmail?: string): OnCallFeed => ({
  name,
  onCallEmail,
  ownOnCall: onCallEmail !== undefined,
  policy: parseNotifyPolicy(policy),
});

describe("SNS routing beyond CRITICAL", () => {
  describe("snsSeverities", () => {
    it("is CRITICAL alone for the default routing", () => {
      assert.deepEqual(snsSeverities([feed("default", {})]), ["CRITICAL"]);
      assert.deepEqual(snsSeverities([{ name: "default", ownOnCall: false }]), ["CRITICAL"]);
    });

    it("adds each level a feed routes to sns, most severe first, and keeps CRITICAL when none routes it", () => {
      assert.deepEqual(snsSeverities([feed("a", ORDERS_POLICY), feed("b", { routing: { LOW: ["sns"] } })]), [
        "CRITICAL",
        "HIGH",
        "LOW",
      ]);
      // The state machine's check-failure page is CRITICAL whatever the routing.
      assert.deepEqual(snsSeverities([feed("a", { routing: { CRITICAL: ["slack"] } })]), ["CRITICAL"]);
    });
  });

  describe("onCallSubscriptions", () => {
    const feeds = [feed("orders", ORDERS_POLICY), feed("stock", STOCK_POLICY, "stock@example.com")];
    const subs = onCallSubscriptions(feeds, "oncall@example.com");
    const to = (attributes: Record<string, string>) =>
      subs.filter((s) => filterPolicyMatches(s.filterPolicy, attributes)).map((s) => s.endpoint);

    it("filters each on-call subscription on the levels its feeds send to sns", () => {
      assert.deepEqual(
        subs.map((s) => [s.endpoint, s.filterPolicy.severity]),
        [
          ["oncall@example.com", ["CRITICAL", "HIGH"]],
          ["stock@example.com", ["CRITICAL", "MEDIUM"]],
        ],
      );
    });

    it("delivers every notice the routing sends to sns to exactly the feed's on-call, and nothing else", () => {
      assert.deepEqual(to({ severity: "HIGH", feed: "orders" }), ["oncall@example.com"]);
      assert.deepEqual(to({ severity: "MEDIUM", feed: "stock" }), ["stock@example.com"]);
      assert.deepEqual(to({ severity: "CRITICAL", feed: "stock" }), ["stock@example.com"]);
      // Levels the routing does not send to sns never reach anyone, whatever publishes them.
      assert.deepEqual(to({ severity: "MEDIUM", feed: "orders" }), []);
      assert.deepEqual(to({ severity: "HIGH", feed: "stock" }), []);
    });
  });

  describe("the local run's SNS", () => {
    let aws: AwsRecorder;
    let sns: SNSClient;

    before(async () => {
      // A local config routing HIGH to sns: the subscriptions a local run delivers through (local/engine/environment.ts).
      const config = parseLocalConfig(
        { onCallEmail: "oncall@example.com", notifyPolicy: ORDERS_POLICY },
        { kind: "file", path: "local.yaml" },
      );
      const feeds = [
        {
          name: "default",
          prefix: "incoming/",
          schemaText: "{}",
          emailTo: [],
          onCallEmail: "oncall@example.com",
          notify: config.notify,
          ownSlack: false,
        },
      ];
      aws = await startAwsRecorder({ snsSubscriptions: runSubscriptions(config, feeds) });
      sns = new SNSClient({
        region: "ap-northeast-1",
        endpoint: aws.endpoint,
        credentials: { accessKeyId: "FN", secretAccessKey: "x" },
        maxAttempts: 1,
      });
    });
    after(async () => {
      sns?.destroy();
      await aws?.stop();
    });

    it("delivers a HIGH notice the routing sends to sns to the on-call e-mail", async () => {
      const publish = (severity: string) =>
        sns.send(
          new PublishCommand({
            TopicArn: "arn:aws:sns:ap-northeast-1:123456789012:alerts",
            Message: "m",
            MessageAttributes: {
              severity: { DataType: "String", StringValue: severity },
              feed: { DataType: "String", StringValue: "default" },
            },
          }),
        );
      await publish("HIGH");
      await publish("MEDIUM");
      assert.deepEqual(
        aws.calls.map((c) => c.deliveredTo),
        [["oncall@example.com"], []],
      );
    });
  });

  describe("in the Pulumi program (under mocks), a stack with two feeds", () => {
    let run: ProgramRun;

    before(async function () {
      this.timeout(240_000);
      const config = { ...TEST_CONFIG };
      delete config[`${PROJECT}:inputPrefix`];
      delete config[`${PROJECT}:rowSchema`];
      config[`${PROJECT}:feeds`] = JSON.stringify([
        {
          name: "orders",
          prefix: "incoming/orders/",
          schema: TEST_ROW_SCHEMA,
          notify: { notifyPolicy: ORDERS_POLICY },
        },
        {
          name: "stock",
          prefix: "incoming/stock/",
          schema: TEST_ROW_SCHEMA,
          notify: { onCallEmail: "stock@example.com", notifyPolicy: STOCK_POLICY },
        },
      ]);
      run = await runProgramWith(config, [`${PROJECT}:slackWebhookUrl`]);
    });

    it("subscribes each on-call e-mail with the levels its feeds route to sns", () => {
      const policies = run.resources
        .filter((r) => r.type === "aws:sns/topicSubscription:TopicSubscription" && r.inputs.filterPolicy)
        .map((r) => [r.inputs.endpoint, (JSON.parse(String(r.inputs.filterPolicy)) as FilterPolicy).severity]);
      assert.deepEqual(policies, [
        ["oncall@example.com", ["CRITICAL", "HIGH"]],
        ["stock@example.com", ["CRITICAL", "MEDIUM"]],
      ]);
    });

    it("lets both feeds' rules send their undelivered events to the one dead-letter queue", () => {
      const v = deadLetterView(run.resources);
      assert.equal(v.uploadRules.length, 2);
      const doc = JSON.parse(String(v.policies[0].inputs.policy)) as { Statement: QueueStatement[] };
      assert.deepEqual(
        doc.Statement[0].Condition.ArnEquals["aws:SourceArn"],
        v.uploadRules.map((r) => r.state.arn),
      );
      for (const target of v.targets) assert.deepEqual(target.inputs.deadLetterConfig, { arn: v.queues[0].state.arn });
    });
  });
});
