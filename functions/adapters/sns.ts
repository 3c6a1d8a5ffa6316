import { PublishCommand } from "@aws-sdk/client-sns";
import type { SnsNotice } from "../core/notify/messages";
import type { DeliveryOptions } from "../core/retry";
import { clients, sendWithRetry } from "./clients";

/**
 * Publishes a notice to the alert topic with the `severity` and `executionName` message attributes, which the
 * on-call subscription's filter policy matches (`severity` = CRITICAL).
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
          },
        }),
        { abortSignal },
      ),
    opts,
  );
  return { messageId: value.MessageId, attempts };
}
