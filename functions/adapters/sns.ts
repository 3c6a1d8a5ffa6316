import { PublishCommand } from "@aws-sdk/client-sns";
import { DeliveryAttemptError } from "../core/notify/errors";
import type { SnsNotice } from "../core/notify/messages";
import { type RetryOptions, withRetry } from "../core/retry";
import { clients } from "./clients";

/** Per-attempt timeout plus bounded retries. */
export interface SdkSendOptions extends RetryOptions {
  timeoutMs: number;
}

/** Wraps one SDK call: a timeout per attempt; throttling, 5xx, timeouts and network errors are retryable. */
export async function sendWithRetry<T>(
  label: string,
  call: (signal: AbortSignal) => Promise<T>,
  opts: SdkSendOptions,
): Promise<{ value: T; attempts: number }> {
  return withRetry(async () => {
    try {
      return await call(AbortSignal.timeout(opts.timeoutMs));
    } catch (err) {
      const e = err as Error & { $retryable?: unknown; $fault?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      const retryable =
        e.name === "TimeoutError" ||
        e.name === "AbortError" ||
        Boolean(e.$retryable) ||
        e.$fault === "server" ||
        (status !== undefined && (status >= 500 || status === 429)) ||
        /Throttl|TooManyRequests|ECONNRESET|ECONNREFUSED|socket hang up/i.test(`${e.name} ${e.message}`);
      throw new DeliveryAttemptError(`${label} failed: ${e.name}: ${e.message}`, retryable, undefined, { cause: err });
    }
  }, opts);
}

/**
 * Publishes a notice to the alert topic with the `severity` and `executionName` message attributes, which the
 * on-call subscription's filter policy matches (`severity` = CRITICAL).
 */
export async function publishSnsNotice(
  topicArn: string,
  notice: SnsNotice,
  opts: SdkSendOptions,
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
