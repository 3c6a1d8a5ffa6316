import type { MockResource } from "./pulumi-mocks";

/** A statement of the dead-letter queue's policy. */
export interface QueueStatement {
  Principal: { Service: string };
  Action: string;
  Resource: string;
  Condition: { ArnEquals: { "aws:SourceArn": string[] } };
}

/** The upload rules, their targets, the dead-letter queue with its policy, and its alarm, as the program made them. */
export function deadLetterView(resources: MockResource[]) {
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const uploadRules = ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => r.inputs.eventPattern !== undefined);
  const targets = ofType("aws:cloudwatch/eventTarget:EventTarget").filter((t) =>
    String(t.inputs.arn).includes(":stateMachine:"),
  );
  const queues = ofType("aws:sqs/queue:Queue");
  const policies = ofType("aws:sqs/queuePolicy:QueuePolicy");
  const alarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.inputs.namespace === "AWS/SQS");
  const alarmTopicArn = String(ofType("aws:sns/topic:Topic").find((t) => t.name.endsWith("-alarms"))?.state.arn);
  return { uploadRules, targets, queues, policies, alarms, alarmTopicArn };
}
