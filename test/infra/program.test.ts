import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ERROR_TABLE, METRICS, RUNS_TABLE } from "../../functions/contract";
import { FUNCTION_KEYS } from "../../infra/functions";
import { CRITICAL_FILTER_PATTERN } from "../../infra/monitoring/logs";
import { csvKeyPatterns } from "../../infra/pipeline";
import { runProgram } from "../support/infra-program";
import { type MockResource, PROJECT, resolveOutput, TEST_CONFIG } from "../support/pulumi-mocks";

/** Wildcard grants AWS offers nothing narrower for; each names the condition key that narrows it (if any). */
const WILDCARD_EXCEPTIONS: { action: string; reason: string; condition?: string }[] = [
  {
    action: "cloudwatch:PutMetricData",
    reason: "PutMetricData has no resource type",
    condition: "cloudwatch:namespace",
  },
  {
    action: "logs:CreateLogDelivery",
    reason: "vended log delivery for Step Functions has no resource-level permissions",
  },
  { action: "logs:GetLogDelivery", reason: "vended log delivery" },
  { action: "logs:UpdateLogDelivery", reason: "vended log delivery" },
  { action: "logs:DeleteLogDelivery", reason: "vended log delivery" },
  { action: "logs:ListLogDeliveries", reason: "vended log delivery" },
  { action: "logs:PutResourcePolicy", reason: "vended log delivery writes the log group resource policy" },
  { action: "logs:DescribeResourcePolicies", reason: "vended log delivery" },
  { action: "logs:DescribeLogGroups", reason: "vended log delivery" },
];

interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

describe("Pulumi program (under mocks)", () => {
  let resources: MockResource[];
  // biome-ignore lint/suspicious/noExplicitAny: the program module's exports are Outputs of several types
  let program: any;
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const one = (type: string) => {
    const list = ofType(type);
    assert.equal(list.length, 1, `expected one ${type}, got ${list.length}`);
    return list[0];
  };

  const alertTopic = () => ofType("aws:sns/topic:Topic").find((t) => t.name.endsWith("-alerts"))!;

  before(async function () {
    this.timeout(120_000);
    ({ resources, program } = await runProgram());
  });

  it("creates the error table with the contract's keys, GSI, TTL, PITR and encryption, on demand", () => {
    const tables = ofType("aws:dynamodb/table:Table");
    assert.equal(tables.length, 2);
    const errors = tables.find((t) => t.inputs.hashKey === ERROR_TABLE.partitionKey)!;
    assert.equal(errors.inputs.rangeKey, ERROR_TABLE.sortKey);
    assert.equal(errors.inputs.name, "orders-dev-errors", "named after the pipeline and stack: stacks never share one");
    assert.equal(errors.inputs.billingMode, "PAY_PER_REQUEST");
    assert.deepEqual(errors.inputs.ttl, { attributeName: ERROR_TABLE.ttlAttribute, enabled: true });
    assert.deepEqual(errors.inputs.pointInTimeRecovery, { enabled: true });
    assert.deepEqual(errors.inputs.serverSideEncryption, { enabled: true });
    const gsi = (errors.inputs.globalSecondaryIndexes as Record<string, unknown>[])[0];
    assert.equal(gsi.name, ERROR_TABLE.executionIndex.name);
    assert.equal(gsi.hashKey, ERROR_TABLE.executionIndex.partitionKey);
    assert.equal(gsi.rangeKey, ERROR_TABLE.executionIndex.sortKey);
    const runs = tables.find((t) => t.inputs.hashKey === RUNS_TABLE.partitionKey)!;
    assert.equal(runs.inputs.rangeKey, RUNS_TABLE.sortKey);
    assert.equal(runs.inputs.name, "orders-dev-runs");
    assert.deepEqual(runs.inputs.ttl, { attributeName: RUNS_TABLE.ttlAttribute, enabled: true });
  });

  it("encrypts the three topics; on-call hears CRITICAL notices and every Critical alarm, the team the team topic", () => {
    const topics = ofType("aws:sns/topic:Topic");
    assert.equal(topics.length, 3);
    for (const topic of topics) assert.match(String(topic.inputs.kmsMasterKeyId), /^arn:aws:kms:/);
    const alertArn = String(alertTopic().state.arn);
    const teamArn = String(topics.find((t) => t.name.endsWith("-team"))!.state.arn);
    const alarmArn = String(topics.find((t) => t.name.endsWith("-alarms"))!.state.arn);
    const subs = ofType("aws:sns/topicSubscription:TopicSubscription");
    for (const s of subs) assert.notEqual(s.inputs.protocol, "sns", "SNS cannot subscribe a topic to a topic");
    const onCall = subs.filter((s) => s.inputs.filterPolicy !== undefined);
    assert.deepEqual(
      onCall.map((s) => [s.inputs.endpoint, s.inputs.topic]),
      [[TEST_CONFIG[`${PROJECT}:onCallEmail`], alertArn]],
    );
    assert.deepEqual(JSON.parse(String(onCall[0].inputs.filterPolicy)), { severity: ["CRITICAL"] });
    assert.equal(onCall[0].inputs.filterPolicyScope, "MessageAttributes");
    assert.deepEqual(
      subs
        .filter((s) => s.inputs.filterPolicy === undefined)
        .map((s) => [s.inputs.endpoint, s.inputs.topic])
        .sort(),
      [
        ["data@example.com", teamArn],
        // Alarm notifications carry no message attributes, and SNS matches no filter policy against such a
        // message: the on-call e-mail hears the alarm topic unfiltered.
        [TEST_CONFIG[`${PROJECT}:onCallEmail`], alarmArn],
        ["ops@example.com", teamArn],
      ].sort(),
    );
  });

  it("stores the webhook as an SSM SecureString and keeps the secret out of plain outputs", async () => {
    const param = one("aws:ssm/parameter:Parameter");
    assert.equal(param.inputs.type, "SecureString");
    // The engine receives the value wrapped in Pulumi's secret signature: it is stored encrypted in state.
    assert.deepEqual(param.inputs.value, {
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: TEST_CONFIG[`${PROJECT}:slackWebhookUrl`],
    });
    const outputs = await Promise.all(Object.values(program).map((v) => resolveOutput(v as pulumi.Output<unknown>)));
    assert.ok(!JSON.stringify(outputs).includes("SECRETVALUE123"), "a stack output leaks the webhook URL");
    for (const fn of ofType("aws:lambda/function:Function")) {
      assert.ok(
        !JSON.stringify(fn.inputs.environment).includes("SECRETVALUE123"),
        "a function environment holds the webhook URL",
      );
    }
  });

  it("deploys the four handlers on nodejs22.x arm64 with their own role, log group and contract env", () => {
    const fns = ofType("aws:lambda/function:Function");
    assert.equal(fns.length, FUNCTION_KEYS.length);
    const roles = new Set(fns.map((f) => f.inputs.role));
    assert.equal(roles.size, fns.length, "every function has its own role");
    for (const f of fns) {
      assert.equal(f.inputs.runtime, "nodejs22.x");
      assert.deepEqual(f.inputs.architectures, ["arm64"]);
      assert.equal(f.inputs.handler, "__index.handler");
      assert.match(String((f.inputs.loggingConfig as { logGroup: string }).logGroup), /^\/aws\/lambda\/orders-/);
    }
    const check = fns.find((f) => f.name.endsWith("check-errors-and-notify"))!;
    const env = (check.inputs.environment as { variables: Record<string, string> }).variables;
    assert.equal(env.PIPELINE_NAME, "orders-dev");
    assert.match(env.ALERT_TOPIC_ARN, /^arn:aws:sns:/);
    assert.equal(env.EMAIL_TO, "ops@example.com,data@example.com");
    assert.match(env.STATE_MACHINE_ARN, /^arn:aws:states:ap-northeast-1:123456789012:stateMachine:orders-dev$/);
    assert.equal(JSON.parse(env.NOTIFY_POLICY).timeZone, "Asia/Tokyo");
    for (const lg of ofType("aws:cloudwatch/logGroup:LogGroup")) assert.equal(lg.inputs.retentionInDays, 30);
  });

  it("grants no '*' action or resource except the listed exceptions, each with its condition key", () => {
    for (const p of ofType("aws:iam/rolePolicy:RolePolicy")) {
      const doc = JSON.parse(String(p.inputs.policy)) as { Statement: Statement[] };
      for (const s of doc.Statement) {
        for (const a of s.Action) assert.ok(!a.includes("*"), `${p.name}/${s.Sid}: action ${a} has a wildcard`);
        if (s.Resource.some((r) => r === "*")) {
          for (const a of s.Action) {
            const ex = WILDCARD_EXCEPTIONS.find((e) => e.action === a);
            assert.ok(ex, `${p.name}/${s.Sid}: ${a} on "*" is not a listed exception`);
            if (ex.condition)
              assert.ok(
                JSON.stringify(s.Condition ?? {}).includes(ex.condition),
                `${a} lacks its ${ex.condition} condition`,
              );
          }
        }
      }
    }
  });

  it("lets only split-csv (under the input prefix) and find-duplicates (under _work/) list the bucket (S3 then answers a missing key 404)", () => {
    const bucketArn = String(one("aws:s3/bucket:Bucket").state.arn);
    const listing = ofType("aws:iam/rolePolicy:RolePolicy").flatMap((p) =>
      (JSON.parse(String(p.inputs.policy)) as { Statement: Statement[] }).Statement.filter((s) =>
        s.Action.includes("s3:ListBucket"),
      ).map((s) => ({ policy: p.name, statement: s })),
    );

    assert.equal(listing.length, 2, `roles that may list the bucket: ${listing.map((l) => l.policy).join(", ")}`);
    const of = (role: RegExp) => listing.find((l) => role.test(l.policy))?.statement;
    for (const [role, prefix] of [
      [/split-csv-role/, "incoming/*"],
      [/find-duplicates-role/, "_work/*"],
    ] as const) {
      const statement = of(role);
      assert.ok(statement, String(role));
      assert.deepEqual(statement.Resource, [bucketArn]);
      assert.deepEqual(statement.Condition, { StringLike: { "s3:prefix": prefix } });
    }
  });

  it("derives the state machine's invoke grants from the graph and pairs them with the deployed functions", async () => {
    const sm = one("aws:sfn/stateMachine:StateMachine");
    const def = JSON.parse(String(sm.inputs.definition));
    const text = JSON.stringify(def);
    const fnArns = ofType("aws:lambda/function:Function").map((f) => String(f.state.arn));
    for (const arn of fnArns) assert.ok(text.includes(arn), `definition does not call ${arn}`);
    assert.ok(!text.includes("arn:aws:pulumi:input:"), "a placeholder ARN survived rendering");
    assert.equal(sm.inputs.type, "STANDARD");
    const policy = ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name.includes("sfn-role"))!;
    const doc = JSON.parse(String(policy.inputs.policy)) as { Statement: Statement[] };
    const invoke = doc.Statement.find((s) => s.Action.includes("lambda:InvokeFunction"))!;
    assert.deepEqual([...invoke.Resource].sort(), [...fnArns].sort());
    const start = doc.Statement.find((s) => s.Action.includes("states:StartExecution"))!;
    assert.deepEqual(start.Resource, [String(sm.state.arn)]);
    const publish = doc.Statement.find((s) => s.Action.includes("sns:Publish"))!;
    assert.deepEqual(publish.Resource, [String(alertTopic().state.arn)]);
  });

  it("starts the state machine for .csv uploads under the prefix with {bucket, key}, and schedules the digest flush", () => {
    const bucket = one("aws:s3/bucket:Bucket");
    assert.equal(one("aws:s3/bucketNotification:BucketNotification").inputs.eventbridge, true);
    const pab = one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
    assert.ok(pab.blockPublicAcls && pab.blockPublicPolicy && pab.ignorePublicAcls && pab.restrictPublicBuckets);
    const rules = ofType("aws:cloudwatch/eventRule:EventRule");
    const upload = rules.find((r) => r.inputs.eventPattern !== undefined)!;
    const pattern = JSON.parse(String(upload.inputs.eventPattern));
    assert.deepEqual(pattern["detail-type"], ["Object Created"]);
    assert.deepEqual(pattern.detail.bucket.name, [bucket.state.bucket]);
    assert.deepEqual(pattern.detail.object.key, csvKeyPatterns("incoming/"));
    const targets = ofType("aws:cloudwatch/eventTarget:EventTarget");
    const sfnTarget = targets.find((t) => String(t.inputs.arn).includes(":stateMachine:"))!;
    assert.ok(sfnTarget.inputs.roleArn);
    const transformer = sfnTarget.inputs.inputTransformer as { inputPaths: unknown; inputTemplate: string };
    assert.deepEqual(transformer.inputPaths, {
      bucket: "$.detail.bucket.name",
      key: "$.detail.object.key",
      object: "$.detail.object",
    });
    assert.equal(transformer.inputTemplate, '{"bucket": <bucket>, "key": <key>, "object": <object>}');
    const flush = targets.find((t) => t.inputs.input !== undefined)!;
    assert.deepEqual(JSON.parse(String(flush.inputs.input)), { digest: "flush" });
    assert.match(
      String(rules.find((r) => r.inputs.scheduleExpression)!.inputs.scheduleExpression),
      /^rate\(15 minutes\)$/,
    );
    const schema = one("aws:s3/bucketObjectv2:BucketObjectv2");
    assert.equal(schema.inputs.key, "_config/schema.json");
    assert.equal(JSON.parse(String(schema.inputs.content)).columns[0].name, "order_id");
  });

  it("alarms on ErrorCount > 10 in 300 s to on-call, and on each state machine, function and table failure metric", () => {
    const alarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    const byName = new Map(alarms.map((a) => [String(a.inputs.name), a.inputs]));
    const errorCount = byName.get("orders-dev-pipeline-error-count-critical")!;
    assert.equal(errorCount.metricName, METRICS.errorCount);
    assert.equal(errorCount.namespace, METRICS.namespace);
    assert.deepEqual(errorCount.dimensions, { [METRICS.dimension]: "orders-dev" });
    assert.equal(errorCount.statistic, "Sum");
    assert.equal(errorCount.period, 300);
    assert.equal(errorCount.threshold, 10);
    assert.equal(errorCount.comparisonOperator, "GreaterThanThreshold");
    const alarmArn = String(ofType("aws:sns/topic:Topic").find((t) => t.name.endsWith("-alarms"))!.state.arn);
    assert.deepEqual(errorCount.alarmActions, [alarmArn, TEST_CONFIG[`${PROJECT}:onCallTopicArn`]]);
    const teamArn = String(ofType("aws:sns/topic:Topic").find((t) => t.name.endsWith("-team"))!.state.arn);
    for (const a of alarms.filter((x) => x.inputs.namespace === "AWS/Lambda"))
      assert.deepEqual(a.inputs.alarmActions, [teamArn], "Warning alarms inform the team and never page on-call");
    for (const m of ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"]) {
      assert.ok(
        alarms.some((a) => a.inputs.namespace === "AWS/States" && a.inputs.metricName === m),
        m,
      );
    }
    // One per function (five).
    for (const m of ["Errors", "Throttles"])
      assert.equal(alarms.filter((a) => a.inputs.namespace === "AWS/Lambda" && a.inputs.metricName === m).length, 5);
    assert.ok(alarms.some((a) => a.inputs.namespace === "AWS/DynamoDB" && a.inputs.metricName === "ThrottledRequests"));
    const filter = one("aws:cloudwatch/logMetricFilter:LogMetricFilter");
    assert.equal(filter.inputs.pattern, CRITICAL_FILTER_PATTERN);
    assert.equal((filter.inputs.metricTransformation as { name: string }).name, METRICS.criticalErrorDetected);
    assert.match(String(one("aws:cloudwatch/queryDefinition:QueryDefinition").inputs.queryString), /stats count\(\)/);
  });

  it("renders a dashboard body that is valid JSON naming the created resources and the stack's region", async () => {
    const dash = one("aws:cloudwatch/dashboard:Dashboard");
    const body = JSON.parse(String(dash.inputs.dashboardBody));
    const text = JSON.stringify(body);
    assert.ok(Array.isArray(body.widgets) && body.widgets.length >= 6);
    assert.ok(text.includes('"region":"ap-northeast-1"'));
    assert.ok(text.includes(String(one("aws:sfn/stateMachine:StateMachine").state.arn)));
    for (const a of ofType("aws:cloudwatch/metricAlarm:MetricAlarm"))
      assert.ok(text.includes(String(a.state.arn)), `alarm ${a.inputs.name} missing`);
    assert.match(
      await resolveOutput<string>(program.dashboardUrl),
      /^https:\/\/ap-northeast-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=ap-northeast-1#dashboards:name=orders-dev$/,
    );
  });

  it("exports the bucket, an upload command, the state machine, topics, table and dashboard", async () => {
    assert.equal(await resolveOutput(program.bucketName), "pipeline-input-bucket");
    assert.equal(
      await resolveOutput(program.uploadCommand),
      "aws s3 cp samples/orders.csv s3://pipeline-input-bucket/incoming/orders.csv",
    );
    assert.match(await resolveOutput<string>(program.stateMachineArn), /:stateMachine:orders-dev$/);
    assert.match(await resolveOutput<string>(program.alertTopicArn), /^arn:aws:sns:/);
    assert.ok(await resolveOutput(program.errorTableName));
  });
});
