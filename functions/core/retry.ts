import { DeliveryAttemptError } from "./notify/errors";

/** Bounded retries of one delivery. */
export interface RetryOptions {
  attempts: number;
  /** First backoff; doubled each attempt, with up to 25 % jitter. */
  backoffMs: number;
  /** Longest wait honoured when the receiver asks for one (Retry-After). */
  maxRetryAfterMs: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` up to `attempts` times. Retries only {@link DeliveryAttemptError}s marked retryable (other errors
 * end at once); waits the receiver's Retry-After when given (failing when it exceeds `maxRetryAfterMs`), else an
 * exponential backoff. Returns the attempt's value and the number of attempts made.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  opts: RetryOptions,
): Promise<{ value: T; attempts: number }> {
  const wait = opts.sleep ?? sleep;
  const random = opts.random ?? Math.random;
  for (let n = 1; ; n++) {
    try {
      return { value: await attempt(n), attempts: n };
    } catch (err) {
      const retryable = err instanceof DeliveryAttemptError && err.retryable;
      if (!retryable || n >= opts.attempts) throw err;
      let delay = opts.backoffMs * 2 ** (n - 1) * (1 + random() * 0.25);
      if (err.retryAfterMs !== undefined) {
        if (err.retryAfterMs > opts.maxRetryAfterMs) {
          throw new DeliveryAttemptError(
            `${err.message}; Retry-After ${Math.ceil(err.retryAfterMs / 1000)} s exceeds the ${Math.round(opts.maxRetryAfterMs / 1000)} s the check waits`,
            false,
            err.retryAfterMs,
            { cause: err },
          );
        }
        delay = err.retryAfterMs;
      }
      await wait(Math.round(delay));
    }
  }
}
