import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import { ENV } from "../contract";
import { requireEnv } from "../core/env";
import { clients } from "./clients";

/** An execution's status as Step Functions reports it, or `MISSING` when it has no such execution. */
export type ExecutionStatus =
  | "RUNNING"
  | "SUCCEEDED"
  | "FAILED"
  | "TIMED_OUT"
  | "ABORTED"
  | "PENDING_REDRIVE"
  | "MISSING";

/** Statuses of an execution that ended without succeeding: its claim on an upload may be taken over. */
export const ENDED_UNSUCCESSFULLY: ReadonlySet<ExecutionStatus> = new Set([
  "FAILED",
  "TIMED_OUT",
  "ABORTED",
  "MISSING",
]);

/** The ARN of an execution of this pipeline's state machine (`STATE_MACHINE_ARN`), by name. */
export function executionArnOf(executionName: string, stateMachineArn = requireEnv(ENV.stateMachineArn)): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${executionName}`;
}

/**
 * How an execution of this pipeline stands now (`states:DescribeExecution`, strongly consistent for a Standard
 * workflow). An execution Step Functions does not know — its history expired, or another state machine's — is
 * `MISSING`: it cannot be running.
 */
export async function executionStatus(executionName: string): Promise<ExecutionStatus> {
  try {
    const out = await clients.sfn().send(new DescribeExecutionCommand({ executionArn: executionArnOf(executionName) }));
    return (out.status ?? "RUNNING") as ExecutionStatus;
  } catch (err) {
    if ((err as Error)?.name === "ExecutionDoesNotExist") return "MISSING";
    throw err;
  }
}
