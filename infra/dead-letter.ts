import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * How EventBridge retries starting an execution for an upload before it gives the event to the dead-letter queue.
 * StartExecution fails transiently when Step Functions throttles it or is briefly unavailable; EventBridge retries
 * those with exponential backoff and jitter. One hour (AWS's default is 24 hours) rides out throttling and short
 * outages, yet an upload that cannot start a run pages on-call within the hour instead of the next day. The attempts
 * stay at EventBridge's maximum (185), so the age alone ends the retries. Errors that retrying cannot fix (a
 * missing state machine, a denied role) go to the queue at once.
 */
export const RULE_TARGET_RETRY = { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 185 } as const;

/**
 * How long an undelivered upload event stays in the dead-letter queue: 14 days, the longest SQS keeps a message, so
 * an operator has two weeks to start the run by hand (the message is the S3 event).
 */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

/** The dead-letter queue of the rules' targets and the policy that lets exactly those rules send to it. */
export interface EventDeadLetters {
  queue: aws.sqs.Queue;
  policy: aws.sqs.QueuePolicy;
}

/**
 * The queue policy of the dead-letter queue: EventBridge may send messages to it on behalf of the given rules only
 * (`aws:SourceArn`), as the EventBridge User Guide's dead-letter queue permissions prescribe.
 */
export function deadLetterQueuePolicy(queueArn: pulumi.Input<string>, ruleArns: pulumi.Input<string>[]) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "UploadRulesDeadLetters",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
      },
    ],
  };
}

/**
 * A standard SQS queue for the upload events EventBridge could not deliver to the state machine. Encrypted at rest
 * with SQS-managed keys (SSE-SQS): EventBridge sends to it without any KMS grant, whereas a queue under the AWS
 * managed key `aws/sqs` cannot be used (its key policy cannot admit EventBridge) and a customer managed key would
 * need `kms:GenerateDataKey`/`kms:Decrypt` for `events.amazonaws.com` in its key policy.
 */
export function eventDeadLetterQueue(name: string, namePrefix: string, parent: pulumi.Resource): aws.sqs.Queue {
  return new aws.sqs.Queue(
    `${name}-events-dlq`,
    {
      name: `${namePrefix}-events-dlq`.slice(0, 80),
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
    },
    { parent },
  );
}

/** Lets the rules send their undelivered events to the queue (see {@link deadLetterQueuePolicy}). */
export function allowRulesToDeadLetter(
  name: string,
  queue: aws.sqs.Queue,
  rules: readonly aws.cloudwatch.EventRule[],
  parent: pulumi.Resource,
): aws.sqs.QueuePolicy {
  return new aws.sqs.QueuePolicy(
    `${name}-events-dlq-policy`,
    {
      queueUrl: queue.url,
      policy: pulumi.jsonStringify(
        deadLetterQueuePolicy(
          queue.arn,
          rules.map((r) => r.arn),
        ),
      ),
    },
    { parent },
  );
}
