/**
 * The account's Lambda concurrency quota, enforced on local invocations as Lambda enforces it: an invocation that
 * finds every slot in use is refused at once (it does not queue), and the Step Functions Lambda integration reports
 * it as `Lambda.TooManyRequestsException`, which the definition's Retry must wait out.
 */
import { ERROR_NAMES } from "../../functions/contract";
import { PipelineError } from "../../functions/core/errors";
import type { Json, TaskHandler } from "./invoke";

/** An invocation Lambda refused: every concurrent execution the quota allows is in use. */
export class LambdaThrottledError extends PipelineError {
  constructor(limit: number) {
    super(
      ERROR_NAMES.lambdaThrottled,
      `Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Reason: ConcurrentInvocationLimitExceeded) all ${limit} concurrent executions of the account are in use`,
    );
  }
}

/**
 * Concurrent executions shared by every function of the account (the quota is per account and Region, not per
 * function). Guard each Lambda task's local handler with the same instance.
 * @example const quota = new ConcurrencyQuota(10); handlers[name] = quota.guard(lambdaInvoke(handler));
 */
export class ConcurrencyQuota {
  /** Invocations running now. */
  private running = 0;
  /** Most invocations that ran at once. */
  peak = 0;
  /** Invocations refused. */
  throttled = 0;
  /** Invocations admitted. */
  admitted = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`Lambda concurrency quota is ${limit}; give a whole number of concurrent executions ≥ 1`);
  }

  /** Wraps a Task handler: refused with {@link LambdaThrottledError} when every slot is in use. */
  guard(handler: TaskHandler): (input: Json) => Promise<unknown> {
    return async (input: Json) => {
      if (this.running >= this.limit) {
        this.throttled++;
        throw new LambdaThrottledError(this.limit);
      }
      this.running++;
      this.admitted++;
      this.peak = Math.max(this.peak, this.running);
      try {
        return await handler(input);
      } finally {
        this.running--;
      }
    };
  }
}
