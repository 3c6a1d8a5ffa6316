/**
 * The base class of every error the project throws on purpose, in a module of its own so that both the Lambda code
 * (`functions/core/errors.ts` builds its typed errors on it) and the state machine definition (`workflow/errors.ts`)
 * share one error model without the definition importing the handlers' code.
 *
 * This file must stay free of imports (it is bundled into every Lambda archive and read by the Pulumi program).
 */

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
