import { DeliveryAttemptError } from "../core/errors";
import { type DeliveryOptions, withDeliveryRetry } from "../core/retry";

/** Outcome of a successful post. */
export interface SlackPostResult {
  attempts: number;
  status: number;
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(date - Date.now(), 0);
}

/**
 * Posts a payload to a Slack incoming webhook with a timeout per attempt and bounded retries: 429 waits the
 * Retry-After it was given, 5xx / timeouts / network errors back off and retry, other 4xx (bad payload, revoked
 * webhook) fail at once. Throws a {@link DeliveryAttemptError} after the last attempt, or a
 * `RetryAfterExceededError` when the webhook asks to wait longer than `maxRetryAfterMs`.
 */
export async function postSlackWebhook(url: string, payload: unknown, opts: DeliveryOptions): Promise<SlackPostResult> {
  const body = JSON.stringify(payload);
  const { value, attempts } = await withDeliveryRetry(async () => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body,
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      const timedOut = (err as Error).name === "TimeoutError" || (err as Error).name === "AbortError";
      throw new DeliveryAttemptError(
        timedOut
          ? `Slack webhook timed out after ${opts.timeoutMs} ms`
          : `Slack webhook unreachable: ${(err as Error).message}`,
        true,
        undefined,
        { cause: err },
      );
    }
    const text = (await res.text().catch(() => "")).slice(0, 200);
    if (res.ok) return res.status;
    if (res.status === 429) {
      throw new DeliveryAttemptError(
        `Slack webhook rate-limited (429)`,
        true,
        retryAfterMs(res.headers.get("retry-after")) ?? 1000,
      );
    }
    throw new DeliveryAttemptError(`Slack webhook answered ${res.status} ${text}`.trim(), res.status >= 500);
  }, opts);
  return { attempts, status: value };
}
