/**
 * The part of the Step Functions API the functions, the operator's CLI and `aws stepfunctions` call
 * (StartExecution, DescribeExecution, ListExecutions, StopExecution, GetExecutionHistory), answered from the local
 * executions (./executions) as awsJson1_0 behind the loopback AWS endpoint, each call authorized against the
 * caller's role as IAM would. A local StartExecution registers the execution as RUNNING and tells the registry's
 * start listener (a local stack runs it); what runs it reports its end to the registry.
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { executionHistory } from "./execution-history";
import { LOCAL_STATE_MACHINE_ARN, type LocalExecutionRecord, localExecutions } from "./executions";

/** Decides whether the caller (by access key) may perform `action` on `resource`; undefined: anyone may. */
export type StatesAuthorizer = (accessKeyId: string, action: string, resource: string) => boolean;

/** The statuses ListExecutions' `statusFilter` takes (PENDING_REDRIVE is for redriven executions, none here). */
const STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"];

/** A refusal the handler answers: Step Functions' error name and message (always HTTP 400). */
class StatesRefusal extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

function answer(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const headers: Record<string, string> = { "content-type": "application/x-amz-json-1.0" };
  if (errorType !== undefined) headers["x-amzn-errortype"] = errorType;
  res.writeHead(status, headers);
  res.end(JSON.stringify(errorType === undefined ? body : { __type: errorType, ...(body as object) }));
}

/** The execution name of an execution ARN (`arn:aws:states:<region>:<account>:execution:<machine>:<name>`). */
export function executionNameOfArn(arn: string): string | undefined {
  const m = /^arn:[^:]+:states:[^:]*:[^:]*:execution:[^:]+:([^:]+)$/.exec(arn);
  return m?.[1];
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** The caller may do `action` on `resource`, or the call is refused as IAM refuses it. */
function authorized(authorize: StatesAuthorizer | undefined, accessKeyId: string, action: string, resource: string) {
  if (authorize !== undefined && !authorize(accessKeyId, `states:${action}`, resource)) {
    throw new StatesRefusal(
      "AccessDeniedException",
      `User: ${accessKeyId} is not authorized to perform: states:${action} on resource: ${resource}`,
    );
  }
}

/** The execution an `executionArn` parameter names, checked and authorized. */
function namedExecution(
  params: Record<string, unknown>,
  action: string,
  accessKeyId: string,
  authorize?: StatesAuthorizer,
): { arn: string; record: LocalExecutionRecord } {
  const arn = String(params.executionArn ?? "");
  const name = executionNameOfArn(arn);
  if (name === undefined) throw new StatesRefusal("InvalidArn", `Invalid Arn: '${arn}'`);
  authorized(authorize, accessKeyId, action, arn);
  const record = localExecutions.get(name);
  const machine = arn.replace(":execution:", ":stateMachine:").replace(/:[^:]+$/, "");
  if (record === undefined || record.stateMachineArn !== machine)
    throw new StatesRefusal("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
  return { arn, record };
}

/** A page size: unset or 0 is the default of 100; at most 1000. */
function pageSize(value: unknown): number {
  const n = value === undefined ? 0 : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1000)
    throw new StatesRefusal(
      "ValidationException",
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  return n === 0 ? 100 : n;
}

/** A page of `items` from `nextToken` (an opaque offset this endpoint handed out with the same `scope`). */
function page<T>(items: T[], params: Record<string, unknown>, scope: string): { items: T[]; nextToken?: string } {
  const size = pageSize(params.maxResults);
  let from = 0;
  if (params.nextToken !== undefined) {
    let token: { scope?: unknown; from?: unknown };
    try {
      token = JSON.parse(Buffer.from(String(params.nextToken), "base64url").toString("utf8"));
    } catch {
      token = {};
    }
    if (token.scope !== scope || !Number.isInteger(token.from))
      throw new StatesRefusal("InvalidToken", `Invalid Token: '${String(params.nextToken)}'`);
    from = token.from as number;
  }
  const next = from + size;
  return {
    items: items.slice(from, next),
    ...(next < items.length
      ? { nextToken: Buffer.from(JSON.stringify({ scope, from: next })).toString("base64url") }
      : {}),
  };
}

function describeExecution(params: Record<string, unknown>, key: string, authorize?: StatesAuthorizer): unknown {
  const { arn, record } = namedExecution(params, "DescribeExecution", key, authorize);
  return {
    executionArn: arn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startDate),
    ...(record.stopDate !== undefined ? { stopDate: seconds(record.stopDate) } : {}),
    input: record.input,
    ...(record.output !== undefined ? { output: record.output } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
  };
}

/** ListExecutions: a state machine's executions, newest first, filtered by status, a page at a time. */
function listExecutions(params: Record<string, unknown>, key: string, authorize?: StatesAuthorizer): unknown {
  const machine = String(params.stateMachineArn ?? "");
  if (!/^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(machine))
    throw new StatesRefusal("InvalidArn", `Invalid Arn: '${machine}'`);
  authorized(authorize, key, "ListExecutions", machine);
  if (machine !== LOCAL_STATE_MACHINE_ARN)
    throw new StatesRefusal("StateMachineDoesNotExist", `State Machine Does Not Exist: '${machine}'`);
  const filter = params.statusFilter === undefined ? undefined : String(params.statusFilter);
  if (filter !== undefined && !STATUSES.includes(filter))
    throw new StatesRefusal(
      "ValidationException",
      `1 validation error detected: Value '${filter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(", ")}]`,
    );
  const all = localExecutions.list(machine).filter((r) => filter === undefined || r.status === filter);
  const { items, nextToken } = page(all, params, `list:${machine}:${filter ?? ""}`);
  return {
    executions: items.map((r) => ({
      executionArn: `${machine.replace(":stateMachine:", ":execution:")}:${r.name}`,
      stateMachineArn: machine,
      name: r.name,
      status: r.status,
      startDate: seconds(r.startDate),
      ...(r.stopDate !== undefined ? { stopDate: seconds(r.stopDate) } : {}),
    })),
    ...(nextToken !== undefined ? { nextToken } : {}),
  };
}

/** StopExecution: a running execution is aborted (its runner told to stop); a finished one keeps its end. */
function stopExecution(params: Record<string, unknown>, key: string, authorize?: StatesAuthorizer): unknown {
  const { record } = namedExecution(params, "StopExecution", key, authorize);
  localExecutions.stop(record.name, {
    ...(params.error !== undefined ? { error: String(params.error) } : {}),
    ...(params.cause !== undefined ? { cause: String(params.cause) } : {}),
  });
  return { stopDate: seconds(record.stopDate ?? new Date().toISOString()) };
}

/** GetExecutionHistory: the execution's events (./execution-history), oldest first unless `reverseOrder`. */
function getExecutionHistory(params: Record<string, unknown>, key: string, authorize?: StatesAuthorizer): unknown {
  const { arn, record } = namedExecution(params, "GetExecutionHistory", key, authorize);
  const events = executionHistory(record);
  if (params.reverseOrder === true) events.reverse();
  if (params.includeExecutionData === false) {
    for (const e of events) for (const details of Object.values(e)) stripData(details);
  }
  const { items, nextToken } = page(events, params, `history:${arn}:${params.reverseOrder === true}`);
  return { events: items, ...(nextToken !== undefined ? { nextToken } : {}) };
}

/** Drops an event's input and output (GetExecutionHistory with `includeExecutionData: false`). */
function stripData(details: unknown): void {
  if (typeof details !== "object" || details === null) return;
  const d = details as Record<string, unknown>;
  delete d.input;
  delete d.output;
}

/**
 * Handles one Step Functions request (`X-Amz-Target: AWSStepFunctions.<Action>`); returns the HTTP status sent.
 */
export function handleStatesRequest(
  res: ServerResponse,
  action: string,
  params: Record<string, unknown>,
  accessKeyId: string,
  authorize?: StatesAuthorizer,
): number {
  const handlers: Record<string, typeof describeExecution> = {
    StartExecution: startExecution,
    DescribeExecution: describeExecution,
    ListExecutions: listExecutions,
    StopExecution: stopExecution,
    GetExecutionHistory: getExecutionHistory,
  };
  const handler = Object.hasOwn(handlers, action) ? handlers[action] : undefined;
  if (handler === undefined) {
    answer(res, 400, { message: `The local endpoint does not implement ${action}.` }, "UnknownOperationException");
    return 400;
  }
  try {
    answer(res, 200, handler(params, accessKeyId, authorize));
    return 200;
  } catch (err) {
    if (!(err instanceof StatesRefusal)) throw err;
    answer(res, 400, { message: err.message }, err.errorType);
    return 400;
  }
}

/** What Step Functions refuses in an execution name: whitespace, brackets, wildcards, specials, control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters in a name is the point
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

/** StartExecution's length constraints: a name of at most 80 characters, an input of at most 256 KiB in UTF-8. */
export const MAX_NAME_LENGTH = 80;
export const MAX_INPUT_BYTES = 262_144;

/** The API's answer to a member past its length constraint (the value is quoted only when short, as AWS does). */
function tooLong(member: string, max: number, value?: string): StatesRefusal {
  const quoted = value === undefined ? "" : ` '${value}'`;
  return new StatesRefusal(
    "ValidationException",
    `1 validation error detected: Value${quoted} at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
  );
}

/**
 * StartExecution: a name used before answers ExecutionAlreadyExists (unless the execution is still open with the same
 * input, which Step Functions treats as the same request); an unknown state machine StateMachineDoesNotExist.
 */
function startExecution(params: Record<string, unknown>, accessKeyId: string, authorize?: StatesAuthorizer): unknown {
  const machine = String(params.stateMachineArn ?? "");
  if (!/^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(machine))
    throw new StatesRefusal("InvalidArn", `Invalid Arn: '${machine}'`);
  authorized(authorize, accessKeyId, "StartExecution", machine);
  if (machine !== LOCAL_STATE_MACHINE_ARN)
    throw new StatesRefusal("StateMachineDoesNotExist", `State Machine Does Not Exist: '${machine}'`);
  const name = params.name === undefined ? randomUUID() : String(params.name);
  // Past a member's length constraint the API's validation answers before the service looks at the value.
  if (name.length > MAX_NAME_LENGTH) throw tooLong("name", MAX_NAME_LENGTH, name);
  if (name.length === 0 || INVALID_NAME.test(name)) throw new StatesRefusal("InvalidName", `Invalid Name: '${name}'`);
  const input = params.input === undefined ? "{}" : String(params.input);
  if (Buffer.byteLength(input, "utf8") > MAX_INPUT_BYTES) throw tooLong("input", MAX_INPUT_BYTES);
  try {
    JSON.parse(input);
  } catch {
    throw new StatesRefusal("InvalidExecutionInput", "Invalid State Machine Execution Input");
  }
  const executionArn = `${machine.replace(":stateMachine:", ":execution:")}:${name}`;
  const earlier = localExecutions.get(name);
  if (earlier !== undefined && (earlier.status !== "RUNNING" || earlier.input !== input))
    throw new StatesRefusal("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
  const startDate = earlier?.startDate ?? new Date().toISOString();
  if (earlier === undefined) {
    localExecutions.started(name, machine, JSON.parse(input), startDate);
    localExecutions.announceStart(name);
  }
  return { executionArn, startDate: seconds(startDate) };
}
