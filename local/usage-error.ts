import { PipelineError } from "../functions/core/errors";

/** A command-line mistake: the CLI prints the message on one line and exits 2. */
export class UsageError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("UsageError", message, options);
  }
}
