import { ERROR_NAMES, type NotificationChannel } from "../contract";
import { PipelineError } from "../pipeline-error";

/** The base class lives with the contract, so the state machine definition can share it without importing this code. */
export { PipelineError };

/** Bad input that retrying cannot fix: an invalid row schema, an unreadable object, a bad event. */
export class InputError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ERROR_NAMES.input, message, options);
  }
}

/**
 * The object was replaced after split-csv read it: S3 answered 412 Precondition Failed to a read with `If-Match` on
 * the ETag the split read. Retrying reads the same new version and fails again; the file must be uploaded again.
 */
export class SourceChangedError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ERROR_NAMES.sourceChanged, message, options);
  }
}

/**
 * A function's environment is unusable: a variable is missing or malformed. The message names the variable, what
 * it must hold and, where there is one, a valid value. Retrying cannot fix it; redeploying with the variable set can.
 */
export class EnvironmentError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("EnvironmentError", message, options);
  }
}

/** BatchWriteItem still left items unprocessed after every retry: the state machine retries the whole chunk. */
export class UnprocessedItemsError extends PipelineError {
  constructor(
    message: string,
    readonly unprocessed: number,
    options?: { cause?: unknown },
  ) {
    super(ERROR_NAMES.unprocessedItems, message, options);
  }
}

/** Every notification channel failed for a run that has errors: the state machine's Catch pages on-call. */
export class NotificationDeliveryError extends PipelineError {
  constructor(
    readonly executionName: string,
    readonly failures: { channel: NotificationChannel; reason: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      ERROR_NAMES.notificationDelivery,
      `Every notification channel failed for execution ${executionName}: ${failures
        .map((f) => `${f.channel}: ${f.reason}`)
        .join("; ")}`,
      options,
    );
  }
}

/** One delivery attempt failed; `retryable` says whether another attempt may succeed. */
export class DeliveryAttemptError extends PipelineError {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Wait requested by the receiver (Slack's Retry-After), in ms. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super("DeliveryAttemptError", message, options);
  }

  /** HTTP attempts the notice's delivery made in all; set on the error it gives up with. */
  attempts?: number;
}

/** A receiver asked to wait (Retry-After) longer than the caller may; the request's error is the `cause`. */
export class RetryAfterExceededError extends PipelineError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super("RetryAfterExceededError", message, options);
  }

  /** Calls made before giving up; set by the delivery retry. */
  attempts?: number;
}

/** The Slack webhook URL could not be read from SSM, or is not a usable URL. */
export class SlackWebhookConfigError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SlackWebhookConfigError", message, options);
  }
}
