import { PipelineError } from "../../functions/core/errors";

/**
 * The local run cannot be set up as asked: a handler module is missing from the checkout, or a Task state of the
 * definition has no local function. The message names what is missing and what to provide.
 */
export class LocalSetupError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("LocalSetupError", message, options);
  }
}
