/**
 * The part of the Step Functions API the functions and the operator's CLI call (DescribeExecution, StartExecution),
 * answered from the local executions (./executions) as awsJson1_0 behind the loopback AWS endpoint, each call
 * authorized against the caller's role as IAM would. A local StartExecution registers the execution as RUNNING;
 * what runs it (the local engine, or a test) reports its end to the registry.
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { LOCAL_STATE_MACHINE_ARN, localExecutions } from "./executions";

/** Decides whether the caller (by access key) may perform `action` on `resource`; undefined: anyone may. */
export type StatesAuthorizer = (accessKeyId: string, action: string, resource: string) => boolean;

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
  if (action === "StartExecution") return startExecution(res, params, accessKeyId, authorize);
  if (action !== "DescribeExecution") {
    answer(res, 400, { message: `The local endpoint does not implement ${action}.` }, "UnknownOperationException");
    return 400;
  }
  const arn = String(params.executionArn ?? "");
  const name = executionNameOfArn(arn);
  if (name === undefined) {
    answer(res, 400, { message: `Invalid Arn: '${arn}'` }, "InvalidArn");
    return 400;
  }
  if (authorize !== undefined && !authorize(accessKeyId, `states:${action}`, arn)) {
    answer(
      res,
      400,
      { message: `User: ${accessKeyId} is not authorized to perform: states:${action} on resource: ${arn}` },
      "AccessDeniedException",
    );
    return 400;
  }
  const record = localExecutions.get(name);
  const machine = arn.replace(":execution:", ":stateMachine:").replace(/:[^:]+$/, "");
  if (record === undefined || record.stateMachineArn !== machine) {
    answer(res, 400, { message: `Execution Does Not Exist: '${arn}'` }, "ExecutionDoesNotExist");
    return 400;
  }
  answer(res, 200, {
    executionArn: arn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: Date.parse(record.startDate) / 1000,
    ...(record.stopDate !== undefined ? { stopDate: Date.parse(record.stopDate) / 1000 } : {}),
    input: record.input,
  });
  return 200;
}

/** What Step Functions refuses in an execution name: whitespace, brackets, wildcards, specials, control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters in a name is the point
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

/**
 * StartExecution: a name used before answers ExecutionAlreadyExists (unless the execution is still open with the same
 * input, which Step Functions treats as the same request); an unknown state machine StateMachineDoesNotExist.
 */
function startExecution(
  res: ServerResponse,
  params: Record<string, unknown>,
  accessKeyId: string,
  authorize?: StatesAuthorizer,
): number {
  const machine = String(params.stateMachineArn ?? "");
  if (!/^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(machine)) {
    answer(res, 400, { message: `Invalid Arn: '${machine}'` }, "InvalidArn");
    return 400;
  }
  if (authorize !== undefined && !authorize(accessKeyId, "states:StartExecution", machine)) {
    answer(
      res,
      400,
      { message: `User: ${accessKeyId} is not authorized to perform: states:StartExecution on resource: ${machine}` },
      "AccessDeniedException",
    );
    return 400;
  }
  if (machine !== LOCAL_STATE_MACHINE_ARN) {
    answer(res, 400, { message: `State Machine Does Not Exist: '${machine}'` }, "StateMachineDoesNotExist");
    return 400;
  }
  const name = params.name === undefined ? randomUUID() : String(params.name);
  if (name.length === 0 || name.length > 80 || INVALID_NAME.test(name)) {
    answer(res, 400, { message: `Invalid Name: '${name}'` }, "InvalidName");
    return 400;
  }
  const input = params.input === undefined ? "{}" : String(params.input);
  try {
    JSON.parse(input);
  } catch {
    answer(res, 400, { message: "Invalid State Machine Execution Input" }, "InvalidExecutionInput");
    return 400;
  }
  const executionArn = `${machine.replace(":stateMachine:", ":execution:")}:${name}`;
  const earlier = localExecutions.get(name);
  if (earlier !== undefined && (earlier.status !== "RUNNING" || earlier.input !== input)) {
    answer(res, 400, { message: `Execution Already Exists: '${executionArn}'` }, "ExecutionAlreadyExists");
    return 400;
  }
  const startDate = earlier?.startDate ?? new Date().toISOString();
  if (earlier === undefined) localExecutions.started(name, machine, JSON.parse(input), startDate);
  answer(res, 200, { executionArn, startDate: Date.parse(startDate) / 1000 });
  return 200;
}
