/**
 * A local stack: the environment of a local run (./environment) kept open, with one AWS endpoint for every service
 * (../services/aws-endpoint), running an execution for each upload the deployed rule would start one for and for
 * each StartExecution, until it is stopped.
 *
 * Executions run one at a time, in the order they were started (the others wait, RUNNING, as they would wait for a
 * Lambda concurrency slot): every execution runs in this one process against one services process, the handlers
 * share this process's environment and module caches, and the Map's concurrency is already sized to the machine's
 * CPUs for one run (`localMapConcurrency`). Two at once would only compete for the same cores.
 */
import { join } from "node:path";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { CheckOutput } from "../../functions/contract";
import type { LocalConfig, LocalFeed } from "../cli/run-config";
import { startAwsEndpoint } from "../services/aws-endpoint";
import { LOCAL_STATE_MACHINE_ARN, type LocalExecutionStatus, localExecutions } from "../services/executions";
import { type FaultPlan, fire } from "../services/faults";
import type { LoopbackServer } from "../services/http";
import { LOCAL_CREDENTIALS, LOCAL_REGION, type ObjectCreated } from "../services/services";
import {
  type ArrivedNotice,
  type Cleanups,
  type LocalEnvironment,
  type LocalPrincipal,
  openEnvironment,
} from "./environment";
import type { Json } from "./invoke";
import type { LoadedPipeline } from "./pipeline-source";
import { matchingFeed } from "./rule-match";
import {
  type CreatedReason,
  executionNameFor,
  startEventFor,
  startInputOf,
  startPipelineExecution,
} from "./run-execution";
import type { PutObjectVersion } from "./start-event";
import { bindPipelineTasks } from "./tasks";

/** The file of a stack's state directory that keeps its executions (DynamoDB and S3 keep their own). */
export const EXECUTIONS_FILE = "executions.json";

/** How one execution of the stack ended, for its one-line summary. */
export interface RunSummary {
  executionName: string;
  status: Exclude<LocalExecutionStatus, "RUNNING">;
  /** The check's counts, when the check ran. */
  check?: Pick<CheckOutput, "rows" | "errorCount" | "criticalCount">;
  /** `Error: Cause` of a failed or aborted execution. */
  error?: string;
}

/** What a stack is opened with. */
export interface StackSpec {
  config: LocalConfig;
  feeds: readonly LocalFeed[];
  pipeline: LoadedPipeline;
  /** Shared by every run: a fault's count is consumed across runs. */
  faults: FaultPlan;
  /** Where DynamoDB, S3 and the executions are kept. */
  stateDir: string;
  /** `--port`. */
  port?: number;
  /** The operator: its key is authorized against its policy by S3, DynamoDB and Step Functions. */
  operator: LocalPrincipal;
  onLog?(line: string): void;
  onNotice?(notice: ArrivedNotice): void;
  /** An execution started (by an upload or StartExecution); `key` when an upload started it. */
  onRunStarted?(executionName: string, key?: string): void;
  onRunEnded?(summary: RunSummary): void;
  /** An upload or a StartExecution could not be turned into an execution (e.g. the object was gone). */
  onProblem?(message: string): void;
}

/** A stack that is up. */
export interface LocalStack {
  /** The one AWS endpoint (`AWS_ENDPOINT_URL`). */
  endpoint: string;
  env: LocalEnvironment;
  /** Resolves once no execution runs or waits. */
  idle(): Promise<void>;
}

/** The event's `reason` for the way s3rver names what created the object. */
const REASONS: Record<string, CreatedReason> = {
  "ObjectCreated:Put": "PutObject",
  "ObjectCreated:Copy": "CopyObject",
  "ObjectCreated:Post": "CompleteMultipartUpload",
};

/**
 * Opens the stack: the executions registry kept in `stateDir`, the environment with the operator as a principal,
 * the one endpoint, and the start listeners. Everything to undo is added to `cleanups` (the running execution is
 * aborted first).
 */
export async function openStack(spec: StackSpec, cleanups: Cleanups): Promise<LocalStack> {
  localExecutions.clear();
  localExecutions.persistIn(join(spec.stateDir, EXECUTIONS_FILE));
  cleanups.add(() => localExecutions.clear());

  let queue: Promise<void> = Promise.resolve();
  let running: { abort(): void } | undefined;
  let stopping = false;
  /** Queues an execution; `redeliver`: the upload's event is delivered again if it fails (`rerun-after-failure`). */
  const enqueue = (name: string, input: Json, startTime: string, redeliver = false) => {
    queue = queue.then(async () => {
      if (stopping) return;
      const status = await runOne(name, input, startTime);
      if (redeliver && status === "FAILED" && !stopping) deliver(input, new Date().toISOString());
    });
  };
  /** A delivery of the upload rule's event: a new execution of `input`. */
  const deliver = (input: Json, time: string, key?: string, redeliver = false) => {
    const name = executionNameFor(time);
    localExecutions.started(name, LOCAL_STATE_MACHINE_ARN, input, time);
    spec.onRunStarted?.(name, key ?? String((input as { key?: unknown }).key));
    enqueue(name, input, time, redeliver);
  };

  const runOne = async (name: string, input: Json, startTime: string): Promise<LocalExecutionStatus | undefined> => {
    // A StopExecution while it waited: it never starts.
    const waited = localExecutions.get(name);
    if (waited === undefined) return undefined;
    if (waited.status !== "RUNNING") {
      spec.onRunEnded?.({ executionName: name, status: waited.status, error: "stopped before it started" });
      return waited.status;
    }
    const tasks = bindPipelineTasks(spec.pipeline, spec.faults);
    try {
      const execution = startPipelineExecution({
        pipeline: spec.pipeline,
        handlers: tasks.handlers,
        executionName: name,
        input,
        startTime,
        limits: env.limits,
      });
      running = execution;
      const outcome = await execution.done;
      running = undefined;
      const record = localExecutions.get(name);
      const status = record?.status === "RUNNING" || record === undefined ? outcome.status : record.status;
      const check = tasks.check();
      const error = outcome.error ?? (record?.error ? { Error: record.error, Cause: record.cause ?? "" } : undefined);
      spec.onRunEnded?.({
        executionName: name,
        status,
        ...(check
          ? { check: { rows: check.rows, errorCount: check.errorCount, criticalCount: check.criticalCount } }
          : {}),
        ...(status !== "SUCCEEDED" && error ? { error: `${error.Error}: ${error.Cause}` } : {}),
      });
      return status;
    } catch (err) {
      running = undefined;
      localExecutions.ended(name, "FAILED", { error: "States.Runtime", cause: (err as Error).message });
      spec.onProblem?.(`execution ${name} could not run: ${(err as Error).message}`);
      return "FAILED";
    } finally {
      tasks.close();
      // What the environment records for one run's report: a stack reports each notice as it arrives instead, and
      // keeps none of it, so a stack that runs for days does not grow with its runs.
      env.logs.length = 0;
      env.aws.calls.length = 0;
      env.slack.deliveries.length = 0;
    }
  };

  const uploads: Promise<void>[] = [];
  // Objects created while the stack opens are its own (each feed's schema under `_config/`): no upload starts a run
  // before the endpoint is up.
  let open = false;
  const onObjectCreated = (created: ObjectCreated) => {
    if (!open) return;
    const work = startForUpload(created).catch((err: unknown) =>
      spec.onProblem?.(`upload ${created.key}: ${(err as Error).message}`),
    );
    uploads.push(work);
    void work.finally(() => uploads.splice(uploads.indexOf(work), 1));
  };

  const env = await openEnvironment(
    {
      feeds: spec.feeds,
      config: spec.config,
      pipeline: spec.pipeline,
      faults: spec.faults,
      onLog: spec.onLog,
      stateDir: spec.stateDir,
      principals: [spec.operator],
      onObjectCreated,
      onNotice: spec.onNotice,
    },
    cleanups,
  );
  // The runner's own key: reads what was stored, as the event's fields come from S3 itself.
  const s3 = new S3Client({
    endpoint: env.s3Endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  cleanups.add(() => s3.destroy());

  /** The deployed rule's view of an upload: when its event matches a feed's pattern, an execution starts. */
  async function startForUpload(created: ObjectCreated): Promise<void> {
    const time = new Date().toISOString();
    const reason = REASONS[created.eventName] ?? "PutObject";
    const head = await s3.send(new HeadObjectCommand({ Bucket: created.bucket, Key: created.key }));
    const upload: PutObjectVersion = {
      bucket: created.bucket,
      key: created.key,
      size: head.ContentLength ?? 0,
      etag: head.ETag ?? "",
      ...(head.VersionId ? { versionId: head.VersionId } : {}),
    };
    const keyForm = (spec.faults["encoded-event-key"] ?? 0) > 0 ? "url-encoded" : "raw";
    const event = startEventFor(upload, { time, reason, keyForm });
    if (matchingFeed(spec.feeds, env.bucket, event) === undefined) return;
    if (keyForm === "url-encoded") fire(spec.faults, "encoded-event-key");
    const input = startInputOf(event);
    // The faults of the event's delivery, as a one-file run has them: a failed run's event delivered again (with a
    // crash that fails the first), and the same event delivered twice.
    const redeliver = fire(spec.faults, "rerun-after-failure");
    if (redeliver) spec.faults["chunk-crash"] = (spec.faults["chunk-crash"] ?? 0) + 1;
    deliver(input, time, created.key, redeliver);
    if (fire(spec.faults, "duplicate-event")) deliver(input, new Date().toISOString(), created.key);
  }

  localExecutions.setStartListener((record) => {
    spec.onRunStarted?.(record.name);
    enqueue(record.name, JSON.parse(record.input) as Json, record.startDate);
  });
  cleanups.add(() => localExecutions.setStartListener(undefined));

  let server: LoopbackServer;
  try {
    server = await startAwsEndpoint({
      port: spec.port,
      s3Endpoint: env.s3Endpoint,
      dynamoEndpoint: env.dynamoEndpoint,
      recorder: env.aws.handle,
      roles: { [spec.operator.accessKeyId]: spec.operator.role },
      region: LOCAL_REGION,
      account: LOCAL_STATE_MACHINE_ARN.split(":")[4],
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new Error(`port ${spec.port} is in use: give another --port, or none`);
    throw err;
  }
  cleanups.add(() => server.close());
  // Added last, so it runs first: nothing new starts, and the execution in progress stops.
  cleanups.add(() => {
    stopping = true;
    running?.abort();
  });

  open = true;
  return {
    endpoint: server.url,
    env,
    idle: async () => {
      let seen: Promise<void> | undefined;
      while (seen !== queue || uploads.length > 0) {
        await Promise.all(uploads);
        seen = queue;
        await queue;
      }
    },
  };
}
