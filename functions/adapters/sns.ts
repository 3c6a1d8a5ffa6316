import { PublishCommand } from "@aws-sdk/client-sns";
import { DEFAULT_FEED } from "../contract";
import type { SnsNotice } from "../core/notify/messages";
import type { DeliveryOptions } from "../core/retry";
import { clients, sendWithRetry } from "./clients";

/**
 * Publishes a notice to the alert topic with the `severity`, `executionName` and `feed` message attributes. The
 * on-call subscriptions' filter policies match `severity` = CRITICAL and the feed: a feed's own on-call hears only its
 * feed, the stack's on-call the others. `feed` is always set (`default` when the notice names none).
 */
export async function publishSnsNotice(
  topicArn: string,
  notice: SnsNotice,
  opts: DeliveryOptions,
): Promise<{ messageId?: string; attempts: number }> {
  const { value, attempts } = await sendWithRetry(
    "SNS Publish",
    (abortSignal) =>
      clients.sns().send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: notice.subject,
          Message: notice.message,
          MessageAttributes: {
            severity: { DataType: "String", StringValue: notice.severity },
            executionName: { DataType: "String", StringValue: notice.executionName },
            feed: { DataType: "String", StringValue: notice.feed ?? DEFAULT_FEED },
          },
        }),
        { abortSignal },
      ),
    opts,
  );
  return { messageId: value.MessageId, attempts };
}
