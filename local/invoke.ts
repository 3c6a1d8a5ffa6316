/**
 * Runs Lambda handlers the way the `arn:aws:states:::lambda:invoke` integration does, and runs a state machine
 * definition locally with aws-local-stepfunctions (Task states overridden by local functions).
 */
import { randomUUID } from "node:crypto";
import { StateMachine } from "aws-local-stepfunctions";

/** A JSON value (what crosses a state boundary). */
// biome-ignore lint/suspicious/noExplicitAny: state payloads are arbitrary JSON
export type Json = any;

/** The Lambda context object a handler receives (the fields Node.js handlers use). */
export interface LambdaContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
  done(): void;
  fail(): void;
  succeed(): void;
}

/** A Lambda handler: `(event, context) => result`. */
export type LambdaHandler = (event: Json, context: LambdaContext) => unknown;

/** What a local Task handler receives and returns (aws-local-stepfunctions `taskResourceLocalHandlers`). */
export type TaskHandler = (input: Json) => unknown;

/** What the `lambda:invoke` integration returns for a successful invocation. */
export interface LambdaInvokeResult {
  ExecutedVersion: string;
  Payload: Json;
  StatusCode: number;
}

/** Options of `lambdaInvoke`. */
export interface LambdaInvokeOptions {
  /** Function timeout for `getRemainingTimeInMillis()` (default 900 s). */
  timeoutSeconds?: number;
  /** Memory shown in the context (default 1024). */
  memoryMb?: number;
}

/** The error a failed invocation surfaces to the state machine: `name` = errorType, `message` = the JSON cause. */
export class LambdaFunctionError extends Error {
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
    readonly trace: string[],
  ) {
    super(JSON.stringify({ errorMessage, errorType, trace }));
    this.name = errorType;
  }
}

function functionNameOf(functionName: string): string {
  // arn:aws:lambda:region:account:function:name[:qualifier] or a bare name
  const parts = functionName.split(":");
  return parts.length >= 7 ? parts[6] : functionName;
}

function regionOf(functionName: string): string {
  const parts = functionName.split(":");
  return parts.length >= 7 ? parts[3] : (process.env.AWS_REGION ?? "ap-northeast-1");
}

/** Builds a plausible Lambda context for one invocation. */
export function lambdaContext(functionArnOrName: string, opts: LambdaInvokeOptions = {}): LambdaContext {
  const name = functionNameOf(functionArnOrName);
  const deadline = Date.now() + (opts.timeoutSeconds ?? 900) * 1000;
  const arn = functionArnOrName.startsWith("arn:")
    ? functionArnOrName
    : `arn:aws:lambda:${regionOf(functionArnOrName)}:123456789012:function:${name}`;
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
  const noop = () => {};
  return {
    functionName: name,
    functionVersion: "$LATEST",
    invokedFunctionArn: arn,
    memoryLimitInMB: String(opts.memoryMb ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll("-", "")}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
}

/**
 * Wraps a Lambda handler as a local Task handler that behaves like `lambda:invoke`: it receives the state's
 * Parameters (`{ FunctionName, Payload }`), calls `handler(Payload, context)`, and returns
 * `{ Payload, StatusCode: 200, ExecutedVersion: "$LATEST" }` (the result JSON-serialized, as Lambda does). A thrown
 * error surfaces with `name` = its error type (what Retry/Catch match) and `message` =
 * `{"errorMessage","errorType","trace"}` (the Catch's Cause).
 * @example taskResourceLocalHandlers: { SplitCsv: lambdaInvoke(splitCsv.handler) }
 */
export function lambdaInvoke(
  handler: LambdaHandler,
  opts: LambdaInvokeOptions = {},
): (input: Json) => Promise<LambdaInvokeResult> {
  return async (input: Json) => {
    const functionName = typeof input?.FunctionName === "string" ? input.FunctionName : "local-function";
    const event = input && typeof input === "object" && "Payload" in input ? input.Payload : input;
    const context = lambdaContext(functionName, opts);
    let result: unknown;
    try {
      result = await handler(structuredClone(event ?? null), context);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      // As the Node.js runtime reports it: errorType = error.name, trace = the stack's lines.
      const errorType = e.name || "Error";
      const trace = (e.stack ?? `${errorType}: ${e.message}`).split("\n");
      throw new LambdaFunctionError(errorType, e.message, trace);
    }
    const Payload = result === undefined ? null : JSON.parse(JSON.stringify(result));
    return { ExecutedVersion: "$LATEST", Payload, StatusCode: 200 };
  };
}

/** Options of `runDefinition`. */
export interface RunDefinitionOptions {
  /** Local functions by Task state name (use `lambdaInvoke(handler)` for Lambda tasks). */
  handlers: Record<string, TaskHandler>;
  /** Context object; `Execution.Name` and `Execution.StartTime` as AWS would set them. */
  context?: { Execution: { Name: string; StartTime: string; [k: string]: unknown }; [k: string]: unknown };
  /** Milliseconds to wait before each retry, by state name (0 makes retries instant). */
  retryIntervalOverrides?: Record<string, number | number[]>;
}

/** One state entry, in order. */
export interface StateEntry {
  name: string;
  type: string;
  /** Map iteration or Parallel branch index, for states inside one. */
  index?: number;
}

/** Outcome of a local run. */
export interface RunResult {
  status: "SUCCEEDED" | "FAILED";
  /** Execution output when it succeeded. */
  output?: Json;
  /** `{ Error, Cause }` when it failed. */
  error?: { Error: string; Cause: string };
  /** Names of the states entered, in order (a state inside a Map appears once per item). */
  states: string[];
  /** The same entries with their type and Map/Parallel index. */
  entries: StateEntry[];
  /** Retries by state name. */
  retries: Record<string, number>;
}

/**
 * Runs a rendered definition with aws-local-stepfunctions. Every Task state needs a handler (a Task without one
 * would call AWS); the run's status, output or error, and the states entered in order are returned — a failed
 * execution resolves with `status: "FAILED"` rather than throwing.
 */
export async function runDefinition(definition: object, input: Json, opts: RunDefinitionOptions): Promise<RunResult> {
  const missing = taskNames(definition).filter((n) => !(n in opts.handlers));
  if (missing.length > 0)
    throw new Error(`No local handler for Task state(s) ${missing.join(", ")}; pass one per Task in handlers`);
  const startTime = opts.context?.Execution.StartTime;
  const prepared = startTime === undefined ? structuredClone(definition) : pinStartTime(definition, startTime);
  // biome-ignore lint/suspicious/noExplicitAny: the library's definition type is narrower than rendered JSON
  const machine = new StateMachine(prepared as any, { validationOptions: { checkArn: true } });
  const execution = machine.run(input, {
    overrides: {
      // biome-ignore lint/suspicious/noExplicitAny: JSON in, JSON out
      taskResourceLocalHandlers: opts.handlers as any,
      retryIntervalOverrides: opts.retryIntervalOverrides,
    },
    // biome-ignore lint/suspicious/noExplicitAny: context object is free-form
    context: opts.context as any,
  });
  const entries: StateEntry[] = [];
  const retries: Record<string, number> = {};
  let error: RunResult["error"];
  let output: Json;
  let status: RunResult["status"] = "FAILED";
  const logs = (async () => {
    for await (const ev of execution.eventLogs) {
      if (ev.type === "StateEntered")
        entries.push({
          name: ev.state.name,
          type: ev.state.type,
          ...(ev.index !== undefined ? { index: ev.index } : {}),
        });
      else if (ev.type === "StateRetried") retries[ev.state.name] = (retries[ev.state.name] ?? 0) + 1;
      else if (ev.type === "ExecutionFailed") error = { Error: ev.Error, Cause: String(ev.Cause) };
    }
  })();
  try {
    output = await execution.result;
    status = "SUCCEEDED";
  } catch (err) {
    status = "FAILED";
    if (!error) error = { Error: (err as Error).name, Cause: (err as Error).message };
  }
  await logs;
  return { status, output, error, states: entries.map((e) => e.name), entries, retries };
}

/**
 * aws-local-stepfunctions 3 always sets `$$.Execution.StartTime` to the moment it starts, ignoring the given context.
 * A start time is constant for an execution, so every `"x.$": "$$.Execution.StartTime"` template entry becomes the
 * literal `"x": <startTime>` — the value AWS would resolve.
 */
export function pinStartTime(definition: object, startTime: string): Json {
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== "object") return v;
    const out: Json = {};
    for (const [k, x] of Object.entries<Json>(v)) {
      if (k.endsWith(".$") && x === "$$.Execution.StartTime") out[k.slice(0, -2)] = startTime;
      else out[k] = walk(x);
    }
    return out;
  };
  return walk(definition);
}

/** Names of every Task state of a rendered definition, nested ones included. */
export function taskNames(definition: Json): string[] {
  const out: string[] = [];
  const visit = (body: Json) => {
    for (const [name, state] of Object.entries<Json>(body?.States ?? {})) {
      if (state.Type === "Task") out.push(name);
      for (const b of state.Branches ?? []) visit(b);
      if (state.ItemProcessor) visit(state.ItemProcessor);
      if (state.Iterator) visit(state.Iterator);
    }
  };
  visit(definition);
  return out;
}
