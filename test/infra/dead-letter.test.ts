import assert from "node:assert/strict";
import { DEAD_LETTER_RETENTION_SECONDS, RULE_TARGET_RETRY } from "../../infra/dead-letter";
import { deadLetterView, type QueueStatement } from "../support/dead-letter-view";
import { runProgram } from "../support/infra-program";
import { PROJECT, resolveOutput, TEST_CONFIG } from "../support/pulumi-mocks";

describe("Upload events EventBridge cannot deliver (under mocks)", () => {
  let v: ReturnType<typeof deadLetterView>;
  let program: Record<string, unknown>;

  before(async function () {
    this.timeout(120_000);
    const run = await runProgram();
    program = run.program;
    v = deadLetterView(run.resources);
  });

  it("retries each rule's StartExecution target for an hour, then sends the event to one SSE-encrypted queue", () => {
    assert.equal(v.queues.length, 1);
    const queue = v.queues[0];
    assert.equal(queue.inputs.sqsManagedSseEnabled, true);
    assert.equal(
      queue.inputs.kmsMasterKeyId,
      undefined,
      "SSE-SQS needs no KMS key (and no key policy for EventBridge)",
    );
    assert.equal(queue.inputs.messageRetentionSeconds, DEAD_LETTER_RETENTION_SECONDS);
    assert.equal(DEAD_LETTER_RETENTION_SECONDS, 1_209_600, "SQS keeps a message at most 14 days");
    assert.equal(v.targets.length, v.uploadRules.length);
    for (const target of v.targets) {
      assert.deepEqual(target.inputs.retryPolicy, { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 185 });
      assert.deepEqual(target.inputs.deadLetterConfig, { arn: queue.state.arn });
    }
    assert.deepEqual(RULE_TARGET_RETRY, { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 185 });
  });

  it("lets EventBridge send to the queue on behalf of the upload rules only", () => {
    assert.equal(v.policies.length, 1);
    const queue = v.queues[0];
    assert.equal(v.policies[0].inputs.queueUrl, queue.state.url);
    const doc = JSON.parse(String(v.policies[0].inputs.policy)) as { Statement: QueueStatement[] };
    assert.equal(doc.Statement.length, 1);
    const [s] = doc.Statement;
    assert.deepEqual(s.Principal, { Service: "events.amazonaws.com" });
    assert.equal(s.Action, "sqs:SendMessage");
    assert.equal(s.Resource, queue.state.arn);
    assert.deepEqual(
      s.Condition.ArnEquals["aws:SourceArn"],
      v.uploadRules.map((r) => r.state.arn),
    );
  });

  it("pages on-call (the Critical alarm topic and the on-call topic) when a message waits in the queue", () => {
    assert.equal(v.alarms.length, 1);
    const alarm = v.alarms[0].inputs;
    assert.equal(alarm.name, "orders-dev-events-dlq-messages-visible-critical");
    assert.equal(alarm.metricName, "ApproximateNumberOfMessagesVisible");
    assert.deepEqual(alarm.dimensions, { QueueName: v.queues[0].inputs.name });
    assert.equal(alarm.statistic, "Maximum");
    assert.equal(alarm.comparisonOperator, "GreaterThanThreshold");
    assert.equal(alarm.threshold, 0);
    const critical = [v.alarmTopicArn, TEST_CONFIG[`${PROJECT}:onCallTopicArn`]];
    assert.deepEqual(alarm.alarmActions, critical);
    assert.deepEqual(alarm.okActions, [critical[0]]);
  });

  it("exports the queue's URL and ARN", async () => {
    assert.equal(await resolveOutput(program.deadLetterQueueUrl), v.queues[0].state.url);
    assert.equal(await resolveOutput(program.deadLetterQueueArn), v.queues[0].state.arn);
  });
});
