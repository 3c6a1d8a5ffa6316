import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { arrivalCron } from "../../blueprint/arrival";
import { METRICS } from "../../functions/contract";
import { parseStackConfig } from "../../infra/config";
import { runProgram, runProgramWith } from "../support/infra-program";
import type { MockResource } from "../support/pulumi-mocks";
import { MOCK_ACCOUNT, PROJECT, TEST_CONFIG, TEST_ROW_SCHEMA } from "../support/pulumi-mocks";

const SECRET_KEYS = [`${PROJECT}:slackWebhookUrl`];

/** Two feeds: `orders` with its own HIGH rule on Monday and Wednesday, `stock` with the stack's daily rule. */
function arrivalConfig(): Record<string, string> {
  const config = { ...TEST_CONFIG };
  delete config[`${PROJECT}:inputPrefix`];
  delete config[`${PROJECT}:rowSchema`];
  config[`${PROJECT}:arrival`] = JSON.stringify({ by: "09:30", days: "daily", holidays: "expect" });
  config[`${PROJECT}:notifyPolicy`] = JSON.stringify({ timeZone: "Asia/Tokyo" });
  config[`${PROJECT}:feeds`] = JSON.stringify([
    {
      name: "orders",
      prefix: "incoming/orders/",
      schema: TEST_ROW_SCHEMA,
      arrival: { by: "10:00", days: ["MON", "WED"], severity: "HIGH" },
    },
    { name: "stock", prefix: "incoming/stock/", schema: TEST_ROW_SCHEMA },
  ]);
  return config;
}

interface Statement {
  Sid: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, unknown>>;
}

describe("arrival schedules in the deployed program", () => {
  let resources: MockResource[];
  const ofType = (type: string) => resources.filter((r) => r.type === type);

  before(async function () {
    this.timeout(180_000);
    ({ resources } = await runProgramWith(arrivalConfig(), SECRET_KEYS));
  });

  it("creates one Scheduler schedule per feed with a rule, at its deadline in the policy's time zone", () => {
    const schedules = ofType("aws:scheduler/schedule:Schedule");
    assert.deepEqual(
      schedules.map((s) => [s.inputs.name, s.inputs.scheduleExpression, s.inputs.scheduleExpressionTimezone]),
      [
        ["orders-dev-arrival-orders", "cron(0 10 ? * MON,WED *)", "Asia/Tokyo"],
        ["orders-dev-arrival-stock", "cron(30 9 ? * * *)", "Asia/Tokyo"],
      ],
    );
    const target = schedules[0].inputs.target as { arn: string; roleArn: string; input: string };
    assert.deepEqual(JSON.parse(target.input), {
      arrival: "check",
      feed: "orders",
      rule: { by: "10:00", days: ["MON", "WED"], holidays: "skip", severity: "HIGH" },
    });
    const fn = ofType("aws:lambda/function:Function").find((f) =>
      String(f.inputs.description).endsWith("check-arrival"),
    );
    assert.ok(fn, "the check-arrival function exists");
    assert.equal(target.arn, fn.state.arn);
  });

  it("lets the schedules' role invoke the check function and nothing else, assumed by Scheduler in this account", () => {
    const schedules = ofType("aws:scheduler/schedule:Schedule");
    const roleArn = (schedules[0].inputs.target as { roleArn: string }).roleArn;
    const role = ofType("aws:iam/role:Role").find((r) => r.state.arn === roleArn);
    assert.ok(role, "the schedules' role exists");
    const trust = JSON.parse(String(role.inputs.assumeRolePolicy));
    assert.deepEqual(trust.Statement[0].Principal, { Service: "scheduler.amazonaws.com" });
    assert.deepEqual(trust.Statement[0].Condition, { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT } });
    const invoke = ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "arrival-scheduler-invoke");
    assert.ok(invoke, "the schedules' role has its policy");
    const fn = ofType("aws:lambda/function:Function").find((f) =>
      String(f.inputs.description).endsWith("check-arrival"),
    );
    assert.deepEqual(JSON.parse(String(invoke.inputs.policy)).Statement, [
      { Sid: "InvokeArrivalCheck", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [fn?.state.arn] },
    ]);
  });

  it("grants the check exactly what it calls: the runs table's items, the channels, FilesMissing", () => {
    const policy = ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "arrival-role-policy");
    assert.ok(policy, `the check's role policy exists (${ofType("aws:iam/rolePolicy:RolePolicy").map((p) => p.name)})`);
    const statements = JSON.parse(String(policy.inputs.policy)).Statement as Statement[];
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    assert.deepEqual(Object.keys(bySid), [
      "WriteOwnLogs",
      "FeedRunsAndDayClaims",
      "PublishAlerts",
      "EncryptForAlertTopic",
      "ReadWebhookParameter",
      "DecryptWebhookParameter",
      "PutFilesMissing",
      "SendEmail",
    ]);
    assert.deepEqual(bySid.FeedRunsAndDayClaims.Action, [
      "dynamodb:Query",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]);
    assert.match(bySid.FeedRunsAndDayClaims.Resource[0], /:table\/[^/]*runs$/);
    assert.deepEqual(bySid.PutFilesMissing.Condition, { StringEquals: { "cloudwatch:namespace": METRICS.namespace } });
    for (const s of statements)
      assert.ok(!s.Action.some((a) => a.endsWith(":*")), `${s.Sid} grants no wildcard action`);
  });

  it("alarms on FilesMissing on {Pipeline}, informing the team (the notice itself pages at its severity)", () => {
    const alarm = ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find(
      (a) => a.inputs.metricName === METRICS.filesMissing,
    );
    assert.ok(alarm, "the FilesMissing alarm exists");
    assert.deepEqual(alarm.inputs.dimensions, { Pipeline: "orders-dev" });
    assert.equal(alarm.inputs.namespace, METRICS.namespace);
    assert.equal(alarm.inputs.threshold, 1);
    assert.equal(alarm.inputs.comparisonOperator, "GreaterThanOrEqualToThreshold");
    const team = ofType("aws:sns/topic:Topic").find((t) => t.name === "notify-team");
    assert.deepEqual(alarm.inputs.alarmActions, [team?.state.arn]);
  });

  it("creates no schedule, function or alarm for a stack without an arrival rule", async function () {
    this.timeout(180_000);
    const plain = (await runProgram()).resources;
    assert.equal(plain.filter((r) => r.type === "aws:scheduler/schedule:Schedule").length, 0);
    assert.ok(!plain.some((r) => r.inputs.metricName === METRICS.filesMissing));
  });
});

describe("arrival config", () => {
  const parse = (arrival: unknown) => {
    const raw: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(TEST_CONFIG))
      if (k.startsWith(`${PROJECT}:`)) raw[k.slice(PROJECT.length + 1)] = v;
    raw.arrival = JSON.stringify(arrival);
    return parseStackConfig(PROJECT, raw, pulumi.secret(raw.slackWebhookUrl ?? ""));
  };

  it("gives the single feed the top-level rule, defaults filled", () => {
    assert.deepEqual(parse({ by: "08:15" }).feeds[0].arrival, {
      by: "08:15",
      days: "weekdays",
      holidays: "skip",
      severity: "CRITICAL",
    });
  });

  it("refuses a bad rule with a message naming each key and an example", () => {
    assert.throws(
      () => parse({ by: "8am", days: ["MON", "FUN"], holidays: "maybe", severity: "URGENT", when: 1 }),
      (err: Error) =>
        /csv-pipeline:arrival\.by must be the deadline as "HH:MM"/.test(err.message) &&
        /csv-pipeline:arrival\.days must be weekdays, daily, or a list of days/.test(err.message) &&
        /csv-pipeline:arrival\.holidays must be skip/.test(err.message) &&
        /csv-pipeline:arrival\.severity must be one of LOW, MEDIUM, HIGH, CRITICAL/.test(err.message) &&
        /csv-pipeline:arrival\.when is not an arrival setting/.test(err.message),
    );
  });

  it("turns a rule into the cron of its days", () => {
    assert.equal(arrivalCron({ by: "10:00", days: "weekdays" }), "cron(0 10 ? * MON,TUE,WED,THU,FRI *)");
    assert.equal(arrivalCron({ by: "23:59", days: ["SAT", "SUN"] }), "cron(59 23 ? * SUN,SAT *)");
  });
});
