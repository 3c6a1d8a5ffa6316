import { ERROR_NAMES } from "../contract";

/**
 * Base class of every error the project throws on purpose. `name` is given explicitly (bundles are minified, so a
 * class name cannot be trusted) and is stable: it is what the state machine's Retry/Catch `ErrorEquals` match, what
 * logs and notices show, and what tests assert. Rewrapping keeps the original as `cause`.
 *
 * @example
 * class SourceChangedError extends PipelineError {
 *   constructor(message: string, options?: ErrorOptions) { super("SourceChangedError", message, options); }
 * }
 */
export class PipelineError extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/** Bad input that retrying cannot fix: an invalid row schema, an unreadable object, a bad event. */
export class InputError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ERROR_NAMES.input, message, options);
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
