import { checkPath } from "../jsonpath";
import { type Target, type Transition, targetName } from "../node";
import { defined, type JsonObject, STATES_ALL } from "../types";
import { type IoProps, NextableState } from "./state";

/** One retrier (`Retry` entry). */
export interface RetryProps {
  /** Error names to match; `States.ALL` must be alone. */
  errors: readonly string[];
  /** Seconds before the first retry (integer ≥ 1). */
  intervalSeconds?: number;
  /** Retries after the first attempt (0..99999999; 0 = never retry). */
  maxAttempts?: number;
  /** Multiplier of the interval per attempt (≥ 1). */
  backoffRate?: number;
  /** Upper bound of the interval in seconds (integer ≥ 1). */
  maxDelaySeconds?: number;
  jitterStrategy?: "FULL" | "NONE";
}

/** One catcher (`Catch` entry) without its target. */
export interface CatchProps {
  /** Error names to catch (default `States.ALL`). */
  errors?: readonly string[];
  /** Where the `{ Error, Cause }` object goes (`null` discards it). */
  resultPath?: string | null;
}

interface Catcher extends CatchProps {
  errors: readonly string[];
  next: Target;
}

const MAX_ATTEMPTS = 99_999_999;
const MAX_DELAY = 31_622_400;

/** Moves entries matching States.ALL to the end, keeping the order of the others. */
function allLast<T extends { errors: readonly string[] }>(list: readonly T[]): T[] {
  const isAll = (e: T) => e.errors.includes(STATES_ALL);
  return [...list.filter((e) => !isAll(e)), ...list.filter(isAll)];
}

function isInt(n: number): boolean {
  return Number.isInteger(n);
}

/** A state with Retry and Catch (Task, Parallel, Map). */
export abstract class RetryableState extends NextableState {
  private readonly retries: RetryProps[] = [];
  private readonly catches: Catcher[] = [];

  protected constructor(name: string, io: IoProps = {}) {
    super(name, io);
  }

  /** Adds a retrier. A `States.ALL` retrier is rendered last whatever the order of calls. */
  addRetry(props: RetryProps): this {
    this.retries.push({ ...props, errors: [...props.errors] });
    return this;
  }

  /** Adds a catcher going to `next`. A `States.ALL` catcher is rendered last whatever the order of calls. */
  addCatch(next: Target, props: CatchProps = {}): this {
    this.catches.push({ ...props, errors: [...(props.errors ?? [STATES_ALL])], next });
    return this;
  }

  override transitions(): Transition[] {
    return [
      ...super.transitions(),
      ...allLast(this.catches).map((c) => ({ target: c.next, kind: "catch" as const, label: c.errors.join(", ") })),
    ];
  }

  override validate(): string[] {
    const problems = super.validate();
    const retries = allLast(this.retries);
    retries.forEach((r, i) => {
      const at = `Retry[${i}]`;
      problems.push(...this.checkErrorList(at, "retrier", r.errors, i === retries.length - 1));
      if (
        r.intervalSeconds !== undefined &&
        (!isInt(r.intervalSeconds) || r.intervalSeconds < 1 || r.intervalSeconds > MAX_ATTEMPTS)
      )
        problems.push(this.problem(`${at} IntervalSeconds is ${r.intervalSeconds}; use a whole number of seconds ≥ 1`));
      if (r.maxAttempts !== undefined && (!isInt(r.maxAttempts) || r.maxAttempts < 0 || r.maxAttempts > MAX_ATTEMPTS))
        problems.push(
          this.problem(`${at} MaxAttempts is ${r.maxAttempts}; use a whole number from 0 to ${MAX_ATTEMPTS}`),
        );
      if (r.backoffRate !== undefined && !(r.backoffRate >= 1))
        problems.push(this.problem(`${at} BackoffRate is ${r.backoffRate}; use a number ≥ 1 (1 = constant interval)`));
      if (
        r.maxDelaySeconds !== undefined &&
        (!isInt(r.maxDelaySeconds) || r.maxDelaySeconds < 1 || r.maxDelaySeconds > MAX_DELAY)
      )
        problems.push(
          this.problem(`${at} MaxDelaySeconds is ${r.maxDelaySeconds}; use a whole number from 1 to ${MAX_DELAY}`),
        );
      if (r.jitterStrategy !== undefined && r.jitterStrategy !== "FULL" && r.jitterStrategy !== "NONE")
        problems.push(this.problem(`${at} JitterStrategy is "${r.jitterStrategy}"; use "FULL" or "NONE"`));
    });
    const catches = allLast(this.catches);
    catches.forEach((c, i) => {
      const at = `Catch[${i}]`;
      problems.push(...this.checkErrorList(at, "catcher", c.errors, i === catches.length - 1));
      if (typeof c.next === "string" && c.next.length === 0)
        problems.push(this.problem(`${at} has an empty Next; name the state to go to`));
      if (typeof c.resultPath === "string") {
        const p = checkPath(c.resultPath, { reference: true });
        if (p) problems.push(this.problem(`${at} ResultPath ${p}`));
      }
    });
    return problems;
  }

  private checkErrorList(at: string, what: string, errors: readonly string[], isLast: boolean): string[] {
    const problems: string[] = [];
    if (errors.length === 0)
      problems.push(this.problem(`${at} has an empty ErrorEquals; list error names or "${STATES_ALL}"`));
    if (errors.includes(STATES_ALL) && errors.length > 1)
      problems.push(
        this.problem(`${at} lists "${STATES_ALL}" with other errors; "${STATES_ALL}" must be alone in its ErrorEquals`),
      );
    if (errors.includes(STATES_ALL) && !isLast)
      problems.push(
        this.problem(
          `${at} matches "${STATES_ALL}" but is not the last ${what}; keep a single "${STATES_ALL}" ${what}, last`,
        ),
      );
    return problems;
  }

  /** Retry and Catch as rendered (States.ALL last; omitted when empty). */
  protected renderErrorHandling(): JsonObject {
    const out: JsonObject = {};
    if (this.retries.length > 0)
      out.Retry = allLast(this.retries).map((r) =>
        defined({
          ErrorEquals: [...r.errors],
          IntervalSeconds: r.intervalSeconds,
          MaxAttempts: r.maxAttempts,
          BackoffRate: r.backoffRate,
          MaxDelaySeconds: r.maxDelaySeconds,
          JitterStrategy: r.jitterStrategy,
        }),
      );
    if (this.catches.length > 0)
      out.Catch = allLast(this.catches).map((c) =>
        defined({ ErrorEquals: [...c.errors], Next: targetName(c.next), ResultPath: c.resultPath }),
      );
    return out;
  }
}
