/**
 * The retriers of the pipeline's Lambda tasks, and how long a retrier keeps trying.
 */
import { ERROR_NAMES, LAMBDA_TRANSIENT_ERRORS } from "../functions/contract";
import type { RetryProps } from "./states/retryable";

/** Retrier every Lambda task gets: Lambda's transient service errors, with capped, jittered backoff. */
export const LAMBDA_RETRY: RetryProps = {
  errors: LAMBDA_TRANSIENT_ERRORS,
  intervalSeconds: 2,
  maxAttempts: 6,
  backoffRate: 2,
  maxDelaySeconds: 30,
  jitterStrategy: "FULL",
};

/**
 * Retrier every Lambda task gets for a throttled invocation (`Lambda.TooManyRequestsException`): the account's
 * concurrency is in use, by this run's other chunks or by anything else in the account and Region. A new account's
 * quota can be 10 while the Map starts up to 100 chunks at once, so 90 of them wait for a free slot: this retrier
 * waits on average 18 minutes in all (at most 36; see {@link retryCoverage}), which lets 100 chunks through 10 slots
 * when a chunk takes up to about 100 s (10 rounds).
 */
export const LAMBDA_THROTTLE_RETRY: RetryProps = {
  errors: [ERROR_NAMES.lambdaThrottled],
  intervalSeconds: 2,
  maxAttempts: 40,
  backoffRate: 2,
  maxDelaySeconds: 60,
  jitterStrategy: "FULL",
};

/** Retrier of a chunk whose error records could not all be written (the chunk rewrites them idempotently). */
export const UNPROCESSED_ITEMS_RETRY: RetryProps = {
  errors: [ERROR_NAMES.unprocessedItems],
  intervalSeconds: 2,
  maxAttempts: 4,
  backoffRate: 2,
  maxDelaySeconds: 30,
  jitterStrategy: "FULL",
};

/** How long a retrier keeps a failing state alive, in seconds of waiting between its attempts. */
export interface RetryCoverage {
  /** Waits in all without jitter (with `FULL` jitter, the longest they can be). */
  maxSeconds: number;
  /** What the waits add up to on average (half of `maxSeconds` with `FULL` jitter: each wait is uniform in [0, d]). */
  meanSeconds: number;
  /** Standard deviation of the total (0 without jitter). */
  stdDevSeconds: number;
}

/**
 * The waits of a retrier as Step Functions computes them: before retry n, `IntervalSeconds × BackoffRate^(n-1)`,
 * capped at `MaxDelaySeconds`, and with `FULL` jitter a random wait between 0 and that. Defaults as the States
 * Language's (interval 1 s, 3 attempts, rate 2).
 * @example retryCoverage(LAMBDA_THROTTLE_RETRY).meanSeconds // 1081
 */
export function retryCoverage(retry: RetryProps): RetryCoverage {
  const interval = retry.intervalSeconds ?? 1;
  const rate = retry.backoffRate ?? 2;
  const cap = retry.maxDelaySeconds ?? Number.POSITIVE_INFINITY;
  const full = retry.jitterStrategy === "FULL";
  let max = 0;
  let variance = 0;
  for (let n = 1; n <= (retry.maxAttempts ?? 3); n++) {
    const d = Math.min(cap, interval * rate ** (n - 1));
    max += d;
    if (full) variance += (d * d) / 12;
  }
  return { maxSeconds: max, meanSeconds: full ? max / 2 : max, stdDevSeconds: Math.sqrt(variance) };
}
