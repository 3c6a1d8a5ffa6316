import { PipelineError } from "../functions/pipeline-error";

/**
 * Something the operator's command could not do (an unknown execution, no credentials, a stack not found): the CLI
 * prints the message on one line, with what to do, and exits 1. A mistake on the command line is a `UsageError`
 * (exit 2).
 */
export class OpsFailureError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("OpsFailureError", message, options);
  }
}
