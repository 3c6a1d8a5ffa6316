import { ERROR_NAMES, type NotificationChannel } from "../../contract";

/** Base class of the check's typed errors; `name` is what the state machine's Retry/Catch match. */
export class NotifyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NotifyError";
  }
}

/** Every notification channel failed for a run that has errors: the state machine's Catch pages on-call. */
export class NotificationDeliveryError extends NotifyError {
  constructor(
    readonly executionName: string,
    readonly failures: { channel: NotificationChannel; reason: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      `Every notification channel failed for execution ${executionName}: ${failures
        .map((f) => `${f.channel}: ${f.reason}`)
        .join("; ")}`,
      options,
    );
    this.name = ERROR_NAMES.notificationDelivery;
  }
}

/** The check's input or configuration is unusable; retrying cannot fix it. */
export class CheckInputError extends NotifyError {
  constructor(message: string) {
    super(message);
    this.name = ERROR_NAMES.input;
  }
}

/** One delivery attempt failed; `retryable` says whether another attempt may succeed. */
export class DeliveryAttemptError extends NotifyError {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Wait requested by the receiver (Slack's Retry-After), in ms. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DeliveryAttemptError";
  }
}
