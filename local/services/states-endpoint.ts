/**
 * The part of the Step Functions API the functions call (DescribeExecution), answered from the local executions
 * (./executions) as awsJson1_0 behind the loopback AWS endpoint, each call authorized against the calling function's
 * role as IAM would.
 */
import type { ServerResponse } from "node:http";
import { localExecutions } from "./executions";

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
