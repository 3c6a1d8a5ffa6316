/**
 * Every execution the local runner starts in this process, with its status as Step Functions reports one
 * (DescribeExecution, ListExecutions, GetExecutionHistory): the local Step Functions endpoint answers from here.
 * A local stack keeps the registry in a file of its state directory (`persistIn`), so a restart keeps the runs.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

/** The state machine of local runs (a deploy's is named by the stack). */
export const LOCAL_STATE_MACHINE_ARN = "arn:aws:states:ap-northeast-1:123456789012:stateMachine:csv-pipeline";

/** The statuses an execution of a Standard workflow can have. */
export type LocalExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** One state entered by an execution, as the local engine records it (times: ms after `originMs`). */
export interface LocalStateStep {
  state: string;
  /** The state's Type (Task, Map, …). */
  type: string;
  /** Map iteration index, for states inside a Map's processor. */
  index?: number;
  startMs: number;
  endMs?: number;
  /** `caught`: the state failed and one of its Catch rules took over. */
  outcome: "succeeded" | "failed" | "caught" | "running";
  /** The last error the state raised (also when a retry then succeeded). */
  error?: string;
}

/** One execution as DescribeExecution describes it, with the steps its history is read from. */
export interface LocalExecutionRecord {
  name: string;
  stateMachineArn: string;
  status: LocalExecutionStatus;
  startDate: string;
  stopDate?: string;
  input: string;
  /** The execution's output (JSON text), once it succeeded. */
  output?: string;
  /** `{ error, cause }` once it failed or was stopped with them. */
  error?: string;
  cause?: string;
  /** The states entered so far (the live list while it runs), and the instant their times count from. */
  steps?: LocalStateStep[];
  originMs?: number;
}

/** What a caller that runs executions is told when the Step Functions API started one (StartExecution). */
export type StartListener = (record: LocalExecutionRecord) => void;

const executions = new Map<string, LocalExecutionRecord>();
const aborts = new Map<string, () => void>();
let startListener: StartListener | undefined;
let file: string | undefined;

/** Writes the registry to its file (when it has one): whole, through a temporary file, so a crash leaves either. */
function save(): void {
  if (file === undefined) return;
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify([...executions.values()])}\n`);
  renameSync(temporary, file);
}

/** The registry of local executions, by name (one state machine per local run). */
export const localExecutions = {
  /** An execution started (a name started again replaces the earlier record). */
  started(name: string, stateMachineArn: string, input: unknown, startDate: string): void {
    executions.set(name, { name, stateMachineArn, status: "RUNNING", startDate, input: JSON.stringify(input) });
    save();
  },
  /** The steps of a running execution: the list the engine appends to (read live by GetExecutionHistory). */
  track(name: string, steps: LocalStateStep[], originMs: number): void {
    const record = executions.get(name);
    if (record === undefined) return;
    record.steps = steps;
    record.originMs = originMs;
  },
  /** An execution ended with `status` (and its output, or the error that ended it). */
  ended(
    name: string,
    status: Exclude<LocalExecutionStatus, "RUNNING">,
    details: { output?: unknown; error?: string; cause?: string } = {},
  ): void {
    const record = executions.get(name);
    aborts.delete(name);
    if (record !== undefined && record.status === "RUNNING") {
      record.status = status;
      record.stopDate = new Date().toISOString();
      if (details.output !== undefined) record.output = JSON.stringify(details.output);
      if (details.error !== undefined) record.error = details.error;
      if (details.cause !== undefined) record.cause = details.cause;
      save();
    }
  },
  get(name: string): LocalExecutionRecord | undefined {
    return executions.get(name);
  },
  /** Every execution of `stateMachineArn`, newest first (by start, then by name). */
  list(stateMachineArn: string): LocalExecutionRecord[] {
    return [...executions.values()]
      .filter((r) => r.stateMachineArn === stateMachineArn)
      .sort((a, b) => b.startDate.localeCompare(a.startDate) || b.name.localeCompare(a.name));
  },
  /** How to stop a running execution (StopExecution); forgotten when it ends. */
  onAbort(name: string, abort: () => void): void {
    aborts.set(name, abort);
  },
  /**
   * Stops a running execution: ABORTED with the given error and cause, and what runs it is told to stop. Returns
   * false when it is not running.
   */
  stop(name: string, details: { error?: string; cause?: string } = {}): boolean {
    const record = executions.get(name);
    if (record === undefined || record.status !== "RUNNING") return false;
    const abort = aborts.get(name);
    localExecutions.ended(name, "ABORTED", details);
    abort?.();
    return true;
  },
  /** Who runs an execution StartExecution started (a local stack); without one it stays RUNNING until told. */
  setStartListener(listener: StartListener | undefined): void {
    startListener = listener;
  },
  /** Tells the start listener (if any) that the API started `name`. */
  announceStart(name: string): void {
    const record = executions.get(name);
    if (record !== undefined) startListener?.(record);
  },
  /**
   * Keeps the registry in `path` from now on: the executions already there are read first, and one still RUNNING
   * there (its runner stopped with it) is ABORTED, as nothing runs it any more.
   */
  persistIn(path: string): void {
    file = path;
    if (existsSync(path)) {
      const kept = JSON.parse(readFileSync(path, "utf8")) as LocalExecutionRecord[];
      for (const record of kept) {
        if (record.status === "RUNNING") {
          record.status = "ABORTED";
          record.stopDate = new Date().toISOString();
          record.error = "States.Runtime";
          record.cause = "The local stack stopped while this execution was running.";
          for (const step of record.steps ?? []) if (step.outcome === "running") step.outcome = "failed";
        }
        executions.set(record.name, record);
      }
    }
    save();
  },
  /** Forgets every execution (a new local run) and stops keeping them in a file. */
  clear(): void {
    executions.clear();
    aborts.clear();
    file = undefined;
  },
};
