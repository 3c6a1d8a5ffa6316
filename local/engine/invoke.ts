/**
 * Runs Lambda handlers the way the `arn:aws:states:::lambda:invoke` integration does, as local Task functions for
 * aws-local-stepfunctions (see `startExecution` in ./execution).
 */
import { randomUUID } from "node:crypto";
import { PipelineError } from "../../functions/core/errors";
import { walkDefinition } from "../../workflow/graph";

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

/**
 * The error a failed invocation surfaces to the state machine: `name` = errorType (what Retry and Catch match),
 * `message` = the JSON cause Lambda reports (what a Catch puts in `Cause`), `cause` = the error the handler threw.
 */
export class LambdaFunctionError extends PipelineError {
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
    readonly trace: string[],
    options?: { cause?: unknown },
  ) {
    // As the Node.js runtime writes its error document: errorType, errorMessage, trace, in that order.
    super(errorType, JSON.stringify({ errorType, errorMessage, trace }), options);
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
 * `{"errorType","errorMessage","trace"}` (the Catch's Cause).
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
      throw new LambdaFunctionError(errorType, e.message, trace, { cause: err });
    }
    const Payload = result === undefined ? null : JSON.parse(JSON.stringify(result));
    return { ExecutedVersion: "$LATEST", Payload, StatusCode: 200 };
  };
}

/** Names of every Task state of a rendered definition, nested ones included. */
export function taskNames(definition: Json): string[] {
  return walkDefinition(definition)
    .filter((s) => s.state.Type === "Task")
    .map((s) => s.name);
}
