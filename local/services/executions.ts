/**
 * Every execution the local runner starts in this process, with its status as Step Functions reports one
 * (DescribeExecution): the local Step Functions endpoint answers from here.
 */

/** The state machine of local runs (a deploy's is named by the stack). */
export const LOCAL_STATE_MACHINE_ARN = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:csv-pipeline";

/** The statuses an execution of a Standard workflow can have. */
export type LocalExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** One execution as DescribeExecution describes it. */
export interface LocalExecutionRecord {
  name: string;
  stateMachineArn: string;
  status: LocalExecutionStatus;
  startDate: string;
  stopDate?: string;
  input: string;
}

const executions = new Map<string, LocalExecutionRecord>();

/** The registry of local executions, by name (one state machine per local run). */
export const localExecutions = {
  /** An execution started (a name started again replaces the earlier record). */
  started(name: string, stateMachineArn: string, input: unknown, startDate: string): void {
    executions.set(name, { name, stateMachineArn, status: "RUNNING", startDate, input: JSON.stringify(input) });
  },
  /** An execution ended with `status`. */
  ended(name: string, status: Exclude<LocalExecutionStatus, "RUNNING">): void {
    const record = executions.get(name);
    if (record !== undefined && record.status === "RUNNING") {
      record.status = status;
      record.stopDate = new Date().toISOString();
    }
  },
  get(name: string): LocalExecutionRecord | undefined {
    return executions.get(name);
  },
  /** Forgets every execution (a new local run). */
  clear(): void {
    executions.clear();
  },
};
