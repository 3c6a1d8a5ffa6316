import { DeliveryAttemptError, RetryAfterExceededError } from "./errors";

/**
 * How the wait before a retry is randomised:
 * - `full`: uniform in [0, d) — spreads concurrent retriers the most (AWS's recommendation for throttling);
 * - `partial`: d plus up to 25 % — keeps the backoff's shape, only de-synchronises;
 * - `none`: exactly d.
 */
export type Jitter = "full" | "partial" | "none";

/** The exponential backoff of one retried operation. */
export interface BackoffOptions {
  /** Calls in all, the first one included (1 = no retry). */
  attempts: number;
  /** Wait before the first retry, in ms; doubled for every further retry. */
  baseMs: number;
  /** Longest wait between two calls, in ms (default: unbounded). */
  capMs?: number;
  /** Default `full`. */
  jitter?: Jitter;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests: uniform in [0, 1). */
  random?: () => number;
}

/** {@link BackoffOptions} plus which failures are retried and how a receiver's requested wait is honoured. */
export interface RetryOptions extends BackoffOptions {
  /** Whether another call may succeed after this failure; other failures end the retries at once. */
  retryable: (err: unknown) => boolean;
  /** A wait the failure asks for (an HTTP Retry-After), in ms; it replaces the computed backoff. */
  retryAfterMs?: (err: unknown) => number | undefined;
  /** Longest requested wait honoured; a longer one ends the retries with a {@link RetryAfterExceededError}. */
  maxRetryAfterMs?: number;
}

/** Resolves after `ms` milliseconds. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The wait before retry number `retry` (1 = the wait after the first call failed): `baseMs · 2^(retry-1)`, capped at
 * `capMs`, then jittered. Rounded to whole milliseconds.
 *
 * @example backoffDelay(3, { baseMs: 100, capMs: 300, jitter: "none" }) // 300
 */
export function backoffDelay(
  retry: number,
  opts: Pick<BackoffOptions, "baseMs" | "capMs" | "jitter">,
  random: () => number = Math.random,
): number {
  const cap = opts.capMs ?? Number.POSITIVE_INFINITY;
  const exponential = Math.min(cap, opts.baseMs * 2 ** (retry - 1));
  switch (opts.jitter ?? "full") {
    case "full":
      return Math.floor(random() * exponential);
    case "partial":
      return Math.round(Math.min(cap, exponential * (1 + random() * 0.25)));
    case "none":
      return Math.round(exponential);
  }
}

/**
 * Runs `attempt` up to `opts.attempts` times, waiting an exponential backoff with jitter between calls. A failure
 * that `opts.retryable` rejects, or the last attempt's failure, is thrown as it is; a requested wait
 * (`opts.retryAfterMs`) replaces the backoff, and one above `opts.maxRetryAfterMs` ends the retries. Returns the
 * value and the number of calls made.
 *
 * @example
 * const { value, attempts } = await withRetry((n) => send(n), {
 *   attempts: 3, baseMs: 200, jitter: "full", retryable: (e) => e instanceof DeliveryAttemptError && e.retryable,
 * });
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
      if (n >= opts.attempts || !opts.retryable(err)) throw err;
      const requested = opts.retryAfterMs?.(err);
      if (requested !== undefined && opts.maxRetryAfterMs !== undefined && requested > opts.maxRetryAfterMs) {
        throw new RetryAfterExceededError(
          `${(err as Error).message}; Retry-After ${Math.ceil(requested / 1000)} s exceeds the ${Math.round(opts.maxRetryAfterMs / 1000)} s the caller waits`,
          requested,
          { cause: err },
        );
      }
      await wait(requested ?? backoffDelay(n, opts, random));
    }
  }
}

/** Delivery settings of one notice (the policy's `delivery`), shared by every channel. */
export interface DeliveryOptions {
  /** Per HTTP attempt. */
  timeoutMs: number;
  /** HTTP attempts in all for one notice. */
  attempts: number;
  /** Wait before the first retry; doubled each retry, plus up to 25 %. */
  backoffMs: number;
  /** Longest Retry-After honoured. */
  maxRetryAfterMs: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * Retries one notice's delivery: only {@link DeliveryAttemptError}s marked retryable, honouring the receiver's
 * Retry-After up to `maxRetryAfterMs`. The error it gives up with carries the attempts made (`attempts`).
 */
export async function withDeliveryRetry<T>(
  attempt: (n: number) => Promise<T>,
  opts: DeliveryOptions,
): Promise<{ value: T; attempts: number }> {
  let made = 0;
  const counted = (n: number) => {
    made = n;
    return attempt(n);
  };
  try {
    return await withRetry(counted, {
      attempts: opts.attempts,
      baseMs: opts.backoffMs,
      jitter: "partial",
      retryable: (err) => err instanceof DeliveryAttemptError && err.retryable,
      retryAfterMs: (err) => (err instanceof DeliveryAttemptError ? err.retryAfterMs : undefined),
      maxRetryAfterMs: opts.maxRetryAfterMs,
      sleep: opts.sleep,
      random: opts.random,
    });
  } catch (err) {
    if (err instanceof DeliveryAttemptError || err instanceof RetryAfterExceededError) err.attempts = made;
    throw err;
  }
}
