import type * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import type { Monitor, SeverityThresholds } from "./model";

/** The monitor id of the upload events' dead-letter queue: the middle of its alarm's name. */
export const DEAD_LETTER_MONITOR_ID = "events-dlq";

/**
 * The dead-letter queue of the upload rules: any message in it is an upload whose run never started, so it pages
 * on-call like a failed execution. `ApproximateNumberOfMessagesVisible` (maximum over the period) stays above zero
 * for as long as an event waits there, so the alarm recovers only once an operator has handled (deleted) it.
 */
export function deadLetterMonitor(queue: aws.sqs.Queue, thresholds: SeverityThresholds, period: number): Monitor {
  const visible = new awsx.classic.cloudwatch.Metric({
    namespace: "AWS/SQS",
    name: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queue.name },
    period,
    statistic: "Maximum",
  });
  return {
    id: DEAD_LETTER_MONITOR_ID,
    kind: "pipeline",
    alarms: [
      {
        id: "messages-visible",
        metric: visible,
        thresholds,
        comparison: "GreaterThanThreshold",
        describe: (n) =>
          `More than ${n} upload events in the dead-letter queue: EventBridge could not start their runs (start them by hand from the queue's messages)`,
      },
    ],
    graphs: [{ title: "Undelivered upload events", metrics: [visible] }],
  };
}
