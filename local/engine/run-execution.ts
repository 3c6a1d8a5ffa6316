/**
 * One execution of the pipeline in an open environment (./environment), as a deployed stack runs one: its input
 * from the upload's "Object Created" event through the start rule's own input transformer (blueprint/start-rule),
 * then the deployed definition with the local functions (./tasks) under an execution name like AWS gives one. The
 * one-file run (`npm start`) and the local stack (`npm run local:stack`) both start executions here.
 */
import { randomBytes } from "node:crypto";
import { START_INPUT_TRANSFORMER } from "../../blueprint/start-rule";
import type { LimitLedger } from "../services/aws-limits";
import { LOCAL_STATE_MACHINE_ARN } from "../services/executions";
import { LOCAL_REGION } from "../services/services";
import { type LocalExecution, startExecution } from "./execution";
import type { Json, TaskHandler } from "./invoke";
import type { LoadedPipeline } from "./pipeline-source";
import { type EventKeyForm, objectCreatedEvent, type PutObjectVersion, transformInput } from "./start-event";

/** How long a Retry waits locally (AWS waits IntervalSeconds × BackoffRate^n). */
export const LOCAL_RETRY_INTERVAL_MS = 50;

/** The role the local state machine runs as (the context object's `Execution.RoleArn`). */
const STATES_ROLE_ARN = "arn:aws:iam::123456789012:role/csv-pipeline-local-states";

/** A name like AWS gives executions: unique, ≤ 80 characters, from the start time. */
export function executionNameFor(startTime: string): string {
  const stamp = startTime
    .replace(/[-:]/g, "")
    .replace(/\.\d+/, "")
    .replace(/(Z|[+-]\d{4})$/, "");
  return `local-${stamp}-${randomBytes(3).toString("hex")}`;
}

/** What S3 did to create the object (the event's `detail.reason`). */
export type CreatedReason = "PutObject" | "CopyObject" | "CompleteMultipartUpload" | "POST Object";

/** The "Object Created" event EventBridge delivers for an object version (the local account and region). */
export function startEventFor(
  upload: PutObjectVersion,
  opts: { time: string; keyForm?: EventKeyForm; reason?: CreatedReason },
): Json {
  return objectCreatedEvent(upload, {
    region: LOCAL_REGION,
    account: LOCAL_STATE_MACHINE_ARN.split(":")[4],
    time: opts.time,
    keyForm: opts.keyForm,
    reason: opts.reason,
  });
}

/** The execution input the deployed start rule gives for an event: the event through the rule's input transformer. */
export function startInputOf(event: Json): Json {
  return transformInput(START_INPUT_TRANSFORMER, event);
}

/** The execution input the deployed start rule gives for an object version ({@link startEventFor}, then the transformer). */
export function startInputFor(
  upload: PutObjectVersion,
  opts: { time: string; keyForm?: EventKeyForm; reason?: CreatedReason },
): Json {
  return startInputOf(startEventFor(upload, opts));
}

/** How one execution runs: what it runs with and what is told as it goes. */
export interface PipelineExecutionOptions {
  pipeline: LoadedPipeline;
  /** The Task states' local functions (./tasks `bindPipelineTasks`). */
  handlers: Record<string, TaskHandler>;
  executionName: string;
  input: Json;
  /** `$$.Execution.StartTime` (ISO-8601). */
  startTime: string;
  /** Timeline times count from this instant (epoch ms; default: when it starts). */
  origin?: number;
  onState?(name: string, ms: number, index?: number): void;
  onIterationEnd?(count: number): void;
  limits?: LimitLedger;
}

/**
 * Starts one execution of the deployed definition: registered with the local Step Functions endpoint under its
 * name (DescribeExecution, ListExecutions, StopExecution), retries waiting {@link LOCAL_RETRY_INTERVAL_MS}.
 * @example await startPipelineExecution({ pipeline, handlers: tasks.handlers, executionName, input, startTime }).done
 */
export function startPipelineExecution(opts: PipelineExecutionOptions): LocalExecution {
  const { pipeline, executionName: name } = opts;
  return startExecution(pipeline.definition as object, opts.input, {
    handlers: opts.handlers,
    context: {
      Execution: {
        Id: `${pipeline.stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`,
        Name: name,
        RoleArn: STATES_ROLE_ARN,
        StartTime: opts.startTime,
      },
      StateMachine: { Id: pipeline.stateMachineArn, Name: pipeline.stateMachineArn.split(":").pop() },
    },
    retryIntervalMs: LOCAL_RETRY_INTERVAL_MS,
    origin: opts.origin,
    onState: opts.onState,
    onIterationEnd: opts.onIterationEnd,
    limits: opts.limits,
  });
}
