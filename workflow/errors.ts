import { PipelineError } from "../functions/pipeline-error";

/**
 * A state machine definition has problems: thrown by `render()` with every problem, one per line, and at once by a
 * wiring mistake (a second Next, Default or item processor) with that one.
 */
export class WorkflowValidationError extends PipelineError {
  constructor(
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(
      "WorkflowValidationError",
      `The state machine definition has ${problems.length} problem(s):\n${problems.map((p) => `- ${p}`).join("\n")}`,
      options,
    );
  }
}
