import { ERROR_NAMES } from "../contract";

/** Base class of the CSV-processing errors. `name` is what the state machine's Retry/Catch match. */
export class CsvPipelineError extends Error {
  constructor(message: string, name: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/** Bad input that retrying cannot fix: an invalid row schema, an unreadable object, a bad event. */
export class InputError extends CsvPipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ERROR_NAMES.input, options);
  }
}

/** BatchWriteItem still left items unprocessed after every retry: the state machine retries the whole chunk. */
export class UnprocessedItemsError extends CsvPipelineError {
  constructor(
    message: string,
    readonly unprocessed: number,
    options?: { cause?: unknown },
  ) {
    super(message, ERROR_NAMES.unprocessedItems, options);
  }
}
