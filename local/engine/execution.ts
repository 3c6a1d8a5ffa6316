/**
 * Runs a rendered state machine definition with aws-local-stepfunctions, Task states overridden by local functions,
 * and turns its event log into a timeline of the states entered. The local runner and the definition tests both run
 * executions through here. Every execution keeps Step Functions' payload limit (./payload-limit).
 */
import { StateMachine } from "aws-local-stepfunctions";
import { walkDefinition } from "../../workflow/graph";
import { AWS_LIMITS, type LimitLedger } from "../services/aws-limits";
import { LOCAL_STATE_MACHINE_ARN, type LocalStateStep, localExecutions } from "../services/executions";
import { LocalSetupError } from "./errors";
import type { Json, TaskHandler } from "./invoke";
import { guardTask, installPayloadGuard, PAYLOAD_GUARD_OPTION, type PayloadGuard } from "./payload-limit";

/** The context object of an execution; `Execution.Name` and `Execution.StartTime` as AWS would set them. */
export interface ExecutionContext {
  Execution: { Name: string; StartTime: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** Options of `startExecution`. */
export interface ExecutionOptions {
  /** Local functions by Task state name (use `lambdaInvoke(handler)` for Lambda tasks); every Task needs one. */
  handlers: Record<string, TaskHandler>;
  /** Context object; its `Execution.StartTime` becomes the execution's `$$.Execution.StartTime`. */
  context?: ExecutionContext;
  /** Milliseconds to wait before each retry, for every state with a Retry (default: as the definition says). */
  retryIntervalMs?: number;
  /** Timeline times are milliseconds after this instant (epoch ms; default: when the execution starts). */
  origin?: number;
  /** A state was entered (`index`: its Map iteration), `ms` after `origin`. */
  onState?(name: string, ms: number, index?: number): void;
  /** A Map iteration ended (succeeded or failed); `count` iterations have ended so far. */
  onIterationEnd?(count: number): void;
  /** Records the largest state payload of the execution (see `--json`'s `awsLimits`). */
  limits?: LimitLedger;
}

/** One state entered, for the timeline: a registry step (what the history is read from) with its retries. */
export interface TimelineEntry extends LocalStateStep {
  retries: number;
}

/** How an execution ended. */
export interface ExecutionOutcome {
  status: "SUCCEEDED" | "FAILED";
  /** Execution output when it succeeded. */
  output?: Json;
  /** `{ Error, Cause }` as Step Functions reports them, when it failed. */
  error?: { Error: string; Cause: string };
  /** Every state entered, in order (a state inside a Map appears once per item). */
  timeline: TimelineEntry[];
}

/** An execution in progress. */
export interface LocalExecution {
  /** Stops the execution; `done` then resolves as FAILED. */
  abort(): void;
  done: Promise<ExecutionOutcome>;
}

/** An event of aws-local-stepfunctions' log (the package does not export the type). */
type EventLog = ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

/**
 * Runs `fn` with `new Date()` (no arguments) pinned to `iso`. aws-local-stepfunctions 3 stamps
 * `$$.Execution.StartTime` with `new Date()` synchronously when a run starts, overriding the context it is given;
 * pinning the clock for that synchronous call gives the execution the start time AWS would have given it, wherever
 * the definition reads it (paths, templates, intrinsic functions).
 */
function withStartTime<T>(iso: string, fn: () => T): T {
  const RealDate = Date;
  const fixed = RealDate.parse(iso);
  class PinnedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(fixed);
      else super(...(args as [string]));
    }
  }
  globalThis.Date = PinnedDate as DateConstructor;
  try {
    return fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

/**
 * Starts a rendered definition. Every Task state needs a handler (a Task without one would call AWS): a missing one
 * throws {@link LocalSetupError} before anything runs. A failed execution resolves `done` with `status: "FAILED"`
 * rather than rejecting.
 * @example const { done } = startExecution(graph.render(), { key: "a.csv" }, { handlers, retryIntervalMs: 0 });
 */
export function startExecution(definition: object, input: Json, opts: ExecutionOptions): LocalExecution {
  const states = walkDefinition(definition);
  const missing = states.filter((s) => s.state.Type === "Task" && !(s.name in opts.handlers)).map((s) => s.name);
  if (missing.length > 0) {
    throw new LocalSetupError(
      `No local handler for Task state(s) ${missing.join(", ")}; pass one per Task state in handlers`,
    );
  }
  const retryIntervalOverrides: Record<string, number> = {};
  if (opts.retryIntervalMs !== undefined) {
    for (const s of states)
      if (Array.isArray(s.state.Retry) && s.state.Retry.length > 0)
        retryIntervalOverrides[s.name] = opts.retryIntervalMs;
  }
  const machine = new StateMachine(definition as ConstructorParameters<typeof StateMachine>[0], {
    validationOptions: { checkArn: true },
  });
  // As on AWS: a payload over 256 KiB fails the execution with States.DataLimitExceeded, which nothing catches.
  installPayloadGuard();
  const guard: PayloadGuard = { maxBytes: AWS_LIMITS.statePayload.max, ledger: opts.limits };
  const handlers = Object.fromEntries(
    Object.entries(opts.handlers).map(([name, handler]) => [name, guardTask(name, handler, guard)]),
  );
  const run = () =>
    machine.run(input, {
      overrides: {
        // biome-ignore lint/suspicious/noExplicitAny: JSON in, JSON out
        taskResourceLocalHandlers: handlers as Record<string, (input: any) => any>,
        retryIntervalOverrides,
      },
      // biome-ignore lint/suspicious/noExplicitAny: the context object is free-form
      context: opts.context as any,
      // Handed to every Map iteration and Parallel branch with the other run options.
      [PAYLOAD_GUARD_OPTION]: guard,
    } as Parameters<StateMachine["run"]>[1]);
  const startTime = opts.context?.Execution.StartTime;
  const origin = opts.origin ?? Date.now();
  const execution = startTime === undefined ? run() : withStartTime(startTime, run);
  // Known to the local Step Functions endpoint (DescribeExecution) while it runs and after it ended.
  const name = opts.context?.Execution.Name;
  const machineArn = (opts.context?.StateMachine as { Id?: string } | undefined)?.Id ?? LOCAL_STATE_MACHINE_ARN;
  let aborted = false;
  const abort = () => {
    aborted = true;
    execution.abort();
  };
  const timeline: TimelineEntry[] = [];
  if (name !== undefined) {
    localExecutions.started(name, machineArn, input, startTime ?? new Date().toISOString());
    // GetExecutionHistory reads the states as they are entered; StopExecution stops it as `abort()` does.
    localExecutions.track(name, timeline, origin);
    localExecutions.onAbort(name, abort);
  }

  const open = new Map<string, TimelineEntry>();
  const keyOf = (event: { state: { name: string }; index?: number }) => `${event.state.name}#${event.index ?? ""}`;
  let iterationsEnded = 0;
  const events = (async () => {
    for await (const event of execution.eventLogs as AsyncGenerator<EventLog>) {
      const at = event.timestamp - origin;
      switch (event.type) {
        case "StateEntered": {
          const entry: TimelineEntry = {
            state: event.state.name,
            type: event.state.type,
            ...(event.index !== undefined ? { index: event.index } : {}),
            startMs: at,
            outcome: "running",
            retries: 0,
          };
          timeline.push(entry);
          open.set(keyOf(event), entry);
          opts.onState?.(event.state.name, at, event.index);
          break;
        }
        case "StateFailed": {
          const entry = open.get(keyOf(event));
          if (!entry) break;
          entry.endMs = at;
          entry.outcome = "failed";
          entry.error = event.Error;
          break;
        }
        case "StateRetried": {
          const entry = open.get(keyOf(event));
          if (!entry) break;
          entry.retries++;
          entry.outcome = "running";
          break;
        }
        case "StateCaught": {
          const entry = open.get(keyOf(event));
          if (!entry) break;
          entry.endMs = at;
          entry.outcome = "caught";
          break;
        }
        case "StateExited": {
          const entry = open.get(keyOf(event));
          if (!entry) break;
          entry.endMs = at;
          // A caught failure exits normally, to the Catch's Next: it stays a caught failure.
          if (entry.outcome !== "caught") entry.outcome = "succeeded";
          break;
        }
        case "MapIterationSucceeded":
        case "MapIterationFailed":
          opts.onIterationEnd?.(++iterationsEnded);
          break;
      }
    }
  })();

  const done = (async (): Promise<ExecutionOutcome> => {
    let outcome: Omit<ExecutionOutcome, "timeline">;
    try {
      outcome = { status: "SUCCEEDED", output: await execution.result };
    } catch (err) {
      // ExecutionError wraps the error that ended the execution: its name and message are Step Functions' Error/Cause.
      const ended = ((err as { cause?: unknown }).cause ?? err) as { name?: string; message?: string };
      outcome = { status: "FAILED", error: { Error: String(ended.name), Cause: String(ended.message ?? "") } };
    }
    await events;
    if (outcome.status === "FAILED") for (const e of timeline) if (e.outcome === "running") e.outcome = "failed";
    if (name !== undefined)
      localExecutions.ended(name, aborted ? "ABORTED" : outcome.status, {
        output: outcome.output,
        error: outcome.error?.Error,
        cause: outcome.error?.Cause,
      });
    return { ...outcome, timeline };
  })();
  return { abort, done };
}

/** Outcome of `runDefinition`: the execution's, with the states entered by name and the retries by state. */
export interface RunResult extends ExecutionOutcome {
  /** Names of the states entered, in order (a state inside a Map appears once per item). */
  states: string[];
  /** Retries by state name (states never retried are absent). */
  retries: Record<string, number>;
}

/**
 * Runs a rendered definition to its end (see `startExecution`).
 * @example const result = await runDefinition(graph.render(), input, { handlers, retryIntervalMs: 0 });
 */
export async function runDefinition(definition: object, input: Json, opts: ExecutionOptions): Promise<RunResult> {
  const outcome = await startExecution(definition, input, opts).done;
  const retries: Record<string, number> = {};
  for (const e of outcome.timeline) if (e.retries > 0) retries[e.state] = (retries[e.state] ?? 0) + e.retries;
  return { ...outcome, states: outcome.timeline.map((e) => e.state), retries };
}
