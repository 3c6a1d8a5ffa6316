import assert from "node:assert/strict";
import { join } from "node:path";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  CRITICAL_FILTER_POLICY,
  type FilterPolicy,
  filterPolicyMatches,
  type OnCallFeed,
  onCallSubscriptions,
} from "../../../blueprint/subscriptions";
import { UNKNOWN_FEED } from "../../../functions/contract";
import { loadConfig } from "../../../local/cli/run-config";
import { runSubscriptions } from "../../../local/engine/environment";
import { collectNotices, noticeEntry } from "../../../local/report/document";
import { type AwsRecorder, type RecordedCall, startAwsRecorder } from "../../../local/services/aws-recorder";

describe("filterPolicyMatches", () => {
  it("matches a string value only when the attribute is present with that value", () => {
    const policy: FilterPolicy = { severity: ["CRITICAL"] };
    assert.equal(filterPolicyMatches(policy, { severity: "CRITICAL" }), true);
    assert.equal(filterPolicyMatches(policy, { severity: "HIGH" }), false);
    assert.equal(filterPolicyMatches(policy, { feed: "orders" }), false);
    assert.equal(filterPolicyMatches(policy, { severity: "critical" }), false, "string matching is exact");
  });

  it("takes any of a key's values (OR)", () => {
    const policy: FilterPolicy = { feed: ["orders", "stock"] };
    assert.equal(filterPolicyMatches(policy, { feed: "orders" }), true);
    assert.equal(filterPolicyMatches(policy, { feed: "stock" }), true);
    assert.equal(filterPolicyMatches(policy, { feed: "customers" }), false);
  });

  it("needs every key of the policy to match (AND)", () => {
    const policy: FilterPolicy = { severity: ["CRITICAL"], feed: ["orders"] };
    assert.equal(filterPolicyMatches(policy, { severity: "CRITICAL", feed: "orders" }), true);
    assert.equal(filterPolicyMatches(policy, { severity: "CRITICAL", feed: "stock" }), false);
    assert.equal(filterPolicyMatches(policy, { severity: "HIGH", feed: "orders" }), false);
    assert.equal(filterPolicyMatches(policy, { severity: "CRITICAL" }), false);
  });

  it("ignores message attributes the policy does not name", () => {
    assert.equal(filterPolicyMatches({ severity: ["CRITICAL"] }, { severity: "CRITICAL", executionName: "x" }), true);
  });

  it("matches {exists: false} when the attribute is absent, not when it is present", () => {
    const policy: FilterPolicy = { feed: [{ exists: false }] };
    assert.equal(filterPolicyMatches(policy, { severity: "CRITICAL" }), true);
    assert.equal(filterPolicyMatches(policy, { severity: "CRITICAL", feed: "orders" }), false);
  });

  it("does not match {exists: false} against a message with no attributes at all, as SNS", () => {
    assert.equal(filterPolicyMatches({ feed: [{ exists: false }] }, {}), false);
    assert.equal(filterPolicyMatches(CRITICAL_FILTER_POLICY as unknown as FilterPolicy, {}), false);
  });

  it("matches anything-but a present value that is none of the listed, and never an absent attribute", () => {
    const policy: FilterPolicy = { feed: [{ "anything-but": ["stock", "orders-jp"] }] };
    assert.equal(filterPolicyMatches(policy, { feed: "orders" }), true);
    assert.equal(filterPolicyMatches(policy, { feed: "stock" }), false);
    assert.equal(filterPolicyMatches(policy, { feed: "orders-jp" }), false);
    assert.equal(filterPolicyMatches(policy, { severity: "CRITICAL" }), false);
  });

  it("takes anything-but or absent when both are given (the stack's on-call with feeds paged elsewhere)", () => {
    const policy: FilterPolicy = { feed: [{ "anything-but": ["stock"] }, { exists: false }] };
    assert.equal(filterPolicyMatches(policy, { feed: "orders" }), true);
    assert.equal(filterPolicyMatches(policy, { severity: "CRITICAL" }), true);
    assert.equal(filterPolicyMatches(policy, { feed: "stock" }), false);
  });
});

describe("onCallSubscriptions", () => {
  const feed = (name: string, onCallEmail?: string, ownOnCall = false): OnCallFeed => ({
    name,
    onCallEmail,
    ownOnCall,
  });

  it("subscribes the stack's on-call alone with the CRITICAL filter for one feed", () => {
    assert.deepEqual(onCallSubscriptions([feed("default", "oncall@example.com")], "oncall@example.com"), [
      {
        endpoint: "oncall@example.com",
        filterPolicy: { severity: ["CRITICAL"] },
        owner: { kind: "stack" },
      },
    ]);
  });

  it("subscribes nothing when no on-call is set", () => {
    assert.deepEqual(onCallSubscriptions([feed("default")], undefined), []);
  });

  it("subscribes a feed's own on-call to its feed and takes that feed out of the stack's", () => {
    const feeds = [feed("orders", "oncall@example.com"), feed("stock", "stock@example.com", true)];
    assert.deepEqual(onCallSubscriptions(feeds, "oncall@example.com"), [
      {
        endpoint: "oncall@example.com",
        filterPolicy: {
          severity: ["CRITICAL"],
          feed: [{ "anything-but": ["stock"] }, { exists: false }],
        },
        owner: { kind: "stack" },
      },
      {
        endpoint: "stock@example.com",
        filterPolicy: { severity: ["CRITICAL"], feed: ["stock"] },
        owner: { kind: "feeds", feeds: ["stock"] },
      },
    ]);
  });

  it("subscribes an address two feeds share once, paged for both", () => {
    const feeds = [
      feed("orders", "team@example.com", true),
      feed("stock", "team@example.com", true),
      feed("customers", "oncall@example.com"),
    ];
    assert.deepEqual(onCallSubscriptions(feeds, "oncall@example.com"), [
      {
        endpoint: "oncall@example.com",
        filterPolicy: {
          severity: ["CRITICAL"],
          feed: [{ "anything-but": ["orders", "stock"] }, { exists: false }],
        },
        owner: { kind: "stack" },
      },
      {
        endpoint: "team@example.com",
        filterPolicy: { severity: ["CRITICAL"], feed: ["orders", "stock"] },
        owner: { kind: "feeds", feeds: ["orders", "stock"] },
      },
    ]);
  });

  it("pages exactly one subscriber for each feed's CRITICAL notice, and the stack's for the check-failure page", () => {
    const subs = onCallSubscriptions(
      [feed("orders", "oncall@example.com"), feed("stock", "stock@example.com", true)],
      "oncall@example.com",
    );
    const to = (attributes: Record<string, string>) =>
      subs.filter((s) => filterPolicyMatches(s.filterPolicy, attributes)).map((s) => s.endpoint);
    assert.deepEqual(to({ severity: "CRITICAL", feed: "orders" }), ["oncall@example.com"]);
    assert.deepEqual(to({ severity: "CRITICAL", feed: "stock" }), ["stock@example.com"]);
    assert.deepEqual(to({ severity: "CRITICAL", feed: "unknown" }), ["oncall@example.com"]);
    // The state machine's check-failure page: the split's feed, or UNKNOWN_FEED when the split did not return.
    assert.deepEqual(to({ severity: "CRITICAL", executionName: "x", feed: "stock" }), ["stock@example.com"]);
    assert.deepEqual(to({ severity: "CRITICAL", executionName: "x", feed: UNKNOWN_FEED }), ["oncall@example.com"]);
    assert.deepEqual(to({ severity: "CRITICAL", executionName: "x" }), ["oncall@example.com"]);
    assert.deepEqual(to({ severity: "HIGH", feed: "stock" }), []);
  });
});

describe("runSubscriptions (local config → the deploy's subscriptions)", () => {
  it("subscribes samples/feeds.yaml's on-call and orders-jp's own, each with the filter a deploy sets", () => {
    const config = loadConfig(join(__dirname, "..", "..", "..", "samples", "feeds.yaml"), () => undefined);
    assert.equal(config.onCallEmail, "oncall@example.com", "the local default on-call");
    assert.deepEqual(
      runSubscriptions(config, config.feeds ?? []).map((s) => [s.endpoint, s.filterPolicy]),
      [
        [
          "oncall@example.com",
          { severity: ["CRITICAL"], feed: [{ "anything-but": ["orders-jp"] }, { exists: false }] },
        ],
        ["jp-oncall@example.com", { severity: ["CRITICAL"], feed: ["orders-jp"] }],
      ],
    );
  });
});

describe("AwsRecorder with the alert topic's subscriptions", () => {
  const region = "ap-northeast-1";
  let aws: AwsRecorder;
  let sns: SNSClient;
  before(async () => {
    aws = await startAwsRecorder({
      snsSubscriptions: onCallSubscriptions(
        [
          { name: "orders", onCallEmail: "oncall@example.com", ownOnCall: false },
          { name: "stock", onCallEmail: "stock@example.com", ownOnCall: true },
        ],
        "oncall@example.com",
      ),
    });
    sns = new SNSClient({
      region,
      endpoint: aws.endpoint,
      credentials: { accessKeyId: "FN", secretAccessKey: "x" },
      maxAttempts: 1,
    });
  });
  after(async () => {
    sns.destroy();
    await aws.stop();
  });
  beforeEach(() => {
    aws.calls.length = 0;
  });

  const publish = (attributes: Record<string, string>) =>
    sns.send(
      new PublishCommand({
        TopicArn: "arn:aws:sns:ap-northeast-1:123456789012:alerts",
        Message: "m",
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [k, { DataType: "String", StringValue: v }]),
        ),
      }),
    );

  it("records the endpoints whose filter policy the publish's attributes pass", async () => {
    await publish({ severity: "CRITICAL", executionName: "e", feed: "stock" });
    await publish({ severity: "CRITICAL", executionName: "e", feed: "orders" });
    await publish({ severity: "CRITICAL", executionName: "e" });
    assert.deepEqual(
      aws.calls.map((c) => [c.status, c.deliveredTo]),
      [
        [200, ["stock@example.com"]],
        [200, ["oncall@example.com"]],
        [200, ["oncall@example.com"]],
      ],
    );
  });

  it("accepts a publish that matches no subscription and records no endpoint", async () => {
    const out = await publish({ severity: "HIGH", feed: "stock" });
    assert.match(out.MessageId ?? "", /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      aws.calls.map((c) => [c.status, c.deliveredTo]),
      [[200, []]],
    );
  });
});

describe("collectNotices: deliveredTo", () => {
  const call = (over: Partial<RecordedCall>): RecordedCall => ({
    service: "sns",
    action: "Publish",
    params: { Subject: "S", Message: "M" },
    accessKeyId: "FN",
    status: 200,
    at: "",
    ...over,
  });

  it("gives the check's SNS notice and the state machine's page the addresses SNS delivered them to", () => {
    const notices = collectNotices(
      undefined,
      [call({ deliveredTo: ["jp@example.com"] }), call({ accessKeyId: "SFN", deliveredTo: [] })],
      [],
      "SFN",
    );
    assert.deepEqual(
      notices.map(noticeEntry).map((n) => [n.channel, n.status, n.deliveredTo]),
      [
        ["sns", "sent", ["jp@example.com"]],
        ["sns", "sent", []],
      ],
    );
  });

  it("counts only the accepted attempts' deliveries", () => {
    const notices = collectNotices(
      undefined,
      [call({ status: 500 }), call({ deliveredTo: ["oncall@example.com"] })],
      [],
      "SFN",
    );
    assert.deepEqual(notices[0].deliveredTo, ["oncall@example.com"]);
    assert.deepEqual(notices[0].attempts, [500, 200]);
  });
});
