import { type CheckInput, STATE_NAMES, type StateFailure } from "../../contract";

/** State names of the steps whose failure a Catch hands to the check (as the definition names them). */
export const FAILED_STEPS = {
  split: STATE_NAMES.splitCsv,
  chunks: STATE_NAMES.processChunks,
  findDuplicates: STATE_NAMES.findDuplicates,
  applyDuplicates: STATE_NAMES.applyDuplicates,
} as const;

type FailedStep = (typeof FAILED_STEPS)[keyof typeof FAILED_STEPS];
const NAMED_STEPS: readonly string[] = Object.values(FAILED_STEPS);

/** A state failure as a notice shows it: which step, the error's name, and a short cause without internals. */
export interface FailureSummary {
  step: FailedStep;
  error: string;
  cause: string;
}

/** Longest cause a notice shows. */
export const MAX_SHOWN_CAUSE = 200;

/**
 * `    at fn (/a/b.ts:1:2)` frames, and absolute file paths (POSIX or Windows) with optional line:column. A path starts
 * a word (after a space, a quote, a parenthesis or `=`): the slashes of an S3 key (`incoming/orders/a.csv`) or of an
 * `s3://` URL are the operator's clue, not internals, and stay.
 */
const STACK_FRAME = /\s+at\s+(?:[^\s()]+(?: \[as [^\]]+\])?\s+)?\(?(?:\/|[A-Za-z]:\\|node:|file:\/\/)[^\n]*/g;
const FILE_PATH = /(?<![^\s"'(=[])(?:[A-Za-z]:\\|\/)(?:[^\s:"'()\\/]+[\\/])+[^\s:"'()\\/]+(?::\d+){0,2}/g;

function messageOf(cause: string): string {
  try {
    const parsed: unknown = JSON.parse(cause);
    if (parsed !== null && typeof parsed === "object") {
      const o = parsed as Record<string, unknown>;
      const msg = o.errorMessage ?? o.message ?? o.Cause ?? o.cause;
      if (typeof msg === "string") return msg;
    }
    if (typeof parsed === "string") return parsed;
  } catch {
    // not JSON: a plain-text cause
  }
  return cause;
}

/**
 * The cause of a failed state, shortened for a notice: the error message of a Lambda error document (not its trace),
 * its first line only, stack frames and file paths removed, at most {@link MAX_SHOWN_CAUSE} characters.
 * The full cause goes to the logs only.
 */
export function shortCause(cause: unknown): string {
  const text = typeof cause === "string" ? cause : cause === undefined || cause === null ? "" : JSON.stringify(cause);
  const firstLine = messageOf(text).split(/\r?\n/, 1)[0] ?? "";
  const cleaned = firstLine.replace(STACK_FRAME, "").replace(FILE_PATH, "…").replace(/\s+/g, " ").trim();
  return cleaned.length > MAX_SHOWN_CAUSE ? `${cleaned.slice(0, MAX_SHOWN_CAUSE - 1)}…` : cleaned;
}

/**
 * What a notice says about a caught failure. The step is the one the definition named after the Catch (the
 * uniqueness Maps name theirs); else it is known from the input: split-csv never reported (NOT_RUN) when the split
 * failed, so any other caught failure is the chunks' Map.
 */
export function summarizeFailure(failure: StateFailure, splitStatus: CheckInput["splitStatus"]): FailureSummary {
  return {
    step: namedStep(failure) ?? (splitStatus === "NOT_RUN" ? FAILED_STEPS.split : FAILED_STEPS.chunks),
    error: typeof failure.Error === "string" && failure.Error !== "" ? failure.Error : "Error",
    cause: shortCause(failure.Cause),
  };
}

/** The step a failure names, when it is one of {@link FAILED_STEPS} (anything else is not trusted into a notice). */
function namedStep(failure: StateFailure): FailedStep | undefined {
  const step: unknown = failure.step;
  return typeof step === "string" && NAMED_STEPS.includes(step) ? (step as FailedStep) : undefined;
}
