import { randomBytes } from "node:crypto";
import { createReadStream, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, extname } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { StateMachine } from "aws-local-stepfunctions";
import { clients } from "../functions/adapters/clients";
import { NOTIFY_NOW_ENV } from "../functions/check-errors-and-notify";
import {
  type CheckInput,
  type CheckOutput,
  type ChunkSummaryItem,
  ENV,
  type FileSummaryItem,
  PREFIXES,
  RUN_KEYS,
  type SplitResult,
} from "../functions/contract";
import { parseSchema } from "../functions/core/csv/schema";
import { setLogSink } from "../functions/core/log";
import { summarizeRun } from "../functions/core/records/summary";
import type { RunArgs } from "./args";
import { startAwsRecorder } from "./aws-recorder";
import { loadConfig } from "./config";
import { collectMetrics, collectNotices, type DeliveredNotice, noticeEntry, type RunDocument } from "./document";
import { startDynamoThrottle } from "./dynamo-throttle";
import { type FaultPlan, fire, UsageError } from "./faults";
import { type LambdaHandler, type LoadedPipeline, loadPipeline } from "./pipeline-source";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./services";
import { type ServicesProcess, startServicesProcess } from "./services-process";
import { startSlackReceiver } from "./slack-receiver";

/** Access key the state machine's own integrations sign with (the functions use the local services' key). */
export const STATE_MACHINE_ACCESS_KEY = "LOCALSTATESROLE";
/** SSM parameter holding the Slack webhook URL in a local run. */
export const LOCAL_SLACK_PARAMETER = "/csv-pipeline/local/slack-webhook-url";
/** How long a Retry waits locally (AWS waits IntervalSeconds × BackoffRate^n). */
export const LOCAL_RETRY_INTERVAL_MS = 50;

/** Map iterations per CPU a local run allows at once (the deployed MaxConcurrency is for Lambda's scale). */
export const LOCAL_CHUNKS_PER_CPU = 2;

/**
 * The Map's MaxConcurrency in a local run: the configured value, capped at `LOCAL_CHUNKS_PER_CPU` per CPU of this
 * machine. Every chunk runs in this one process against services in one other, so more at once only adds memory and
 * queues requests until the local services drop connections; the rest of the definition stays as deployed.
 */
export function localMapConcurrency(configured: number, cpus: number = availableParallelism()): number {
  return Math.max(1, Math.min(configured, LOCAL_CHUNKS_PER_CPU * Math.max(1, cpus)));
}

/** An event of aws-local-stepfunctions' log (the package does not export the type). */
type EventLog = ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

/** One state entered, for the timeline. */
export interface TimelineEntry {
  state: string;
  /** Map iteration index, for states inside the Map's processor. */
  index?: number;
  startMs: number;
  endMs?: number;
  outcome: "succeeded" | "failed" | "caught" | "running";
  error?: string;
  retries: number;
}

/** Everything a run produced: the DESIGN.md document plus what the human output and `--out` show. */
export interface RunReport {
  document: RunDocument;
  notices: DeliveredNotice[];
  timeline: TimelineEntry[];
  definition: unknown;
  /** Mermaid flowchart of the definition with the states entered highlighted. */
  renderMermaid(): string;
  input: { bucket: string; key: string; bytes: number; csvPath: string; schemaPath: string };
  pattern: RunArgs["pattern"];
  startTime: string;
  durationMs: number;
  /** The execution's error when it failed. */
  failure?: { error: string; cause: string };
  injected: string[];
  /** The Map's MaxConcurrency: as configured (and deployed) and as run here, capped to this machine's CPUs. */
  mapConcurrency: { configured: number; local: number; cpus: number; perCpu: number };
  /** Peak resident set size of the process that hosted the local services, bytes (when it reported one). */
  servicesPeakRssBytes?: number;
  throttledBatches: number;
  logs: string[];
}

/** Hooks for what the CLI shows while a run is in progress. */
export interface RunHooks {
  /** Chunks finished so far out of the total (called as Map iterations end). */
  onProgress?(done: number, total: number): void;
  /** A state was entered (`index`: its Map iteration), `ms` after the run began. */
  onState?(name: string, ms: number, index?: number): void;
  /** A handler's JSON log line. */
  onLog?(line: string): void;
  /** Registers a cleanup to run on exit, Ctrl-C or error (returns a function that unregisters it). */
  onCleanup?(cleanup: () => Promise<void>): () => void;
}

/** A name like AWS gives executions: unique, ≤ 80 characters, from the start time. */
export function executionNameFor(startTime: string): string {
  const stamp = startTime
    .replace(/[-:]/g, "")
    .replace(/\.\d+/, "")
    .replace(/(Z|[+-]\d{4})$/, "");
  return `local-${stamp}-${randomBytes(3).toString("hex")}`;
}

/**
 * Runs `fn` with `new Date()` (no arguments) pinned to `iso`. aws-local-stepfunctions 3 stamps
 * `$$.Execution.StartTime` with `new Date()` synchronously when a run starts, overriding the context we pass; pinning
 * the clock for that synchronous call gives the execution the start time AWS would have given it.
 */
function withStartTime<T>(iso: string, fn: () => T): T {
  const RealDate = Date;
  const fixed = RealDate.parse(iso);
  class PinnedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(fixed);
      else super(...(args as [string]));
    }
  }
  globalThis.Date = PinnedDate as DateConstructor;
  try {
    return fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

function retryableStates(definition: unknown, into: string[] = []): string[] {
  const states = (definition as { States?: Record<string, Record<string, unknown>> }).States ?? {};
  for (const [name, state] of Object.entries(states)) {
    if (Array.isArray(state.Retry) && state.Retry.length > 0) into.push(name);
    for (const branch of (state.Branches as unknown[] | undefined) ?? []) retryableStates(branch, into);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) retryableStates(processor, into);
  }
  return into;
}

function lambdaError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/** Wraps the chunk handler so `chunk-crash` crashes the first chunk it sees, on every attempt. */
function withChunkCrash(handler: LambdaHandler, faults: FaultPlan): LambdaHandler {
  let victim: number | undefined;
  return async (event, context) => {
    const id = (event as { chunk?: { id?: number } }).chunk?.id;
    if (victim === undefined && (faults["chunk-crash"] ?? 0) > 0) victim = id;
    if (id === victim && fire(faults, "chunk-crash")) {
      throw lambdaError("Runtime.ExitError", `Injected fault: the process handling chunk ${id} exited with status 1`);
    }
    return handler(event, context);
  };
}

/** Wraps a handler to keep its last result; with `check-crash`, the invocation fails after the handler ran. */
function capture<T>(handler: LambdaHandler, keep: (out: T) => void, faults?: FaultPlan): LambdaHandler {
  return async (event, context) => {
    const out = (await handler(event, context)) as T;
    if (faults && fire(faults, "check-crash")) {
      throw lambdaError(
        "Lambda.ServiceException",
        "Injected fault: the invocation's response was lost after the check ran",
      );
    }
    keep(out);
    return out;
  };
}

function snsIntegration(topicArnFallback: string) {
  const sns = new SNSClient({
    region: LOCAL_REGION,
    endpoint: process.env.AWS_ENDPOINT_URL_SNS,
    credentials: { accessKeyId: STATE_MACHINE_ACCESS_KEY, secretAccessKey: "local" },
    maxAttempts: 1,
  });
  return {
    client: sns,
    /** `arn:aws:states:::sns:publish`: the state's Parameters are the Publish request; the result is `{ MessageId }`. */
    handler: async (input: unknown) => {
      const p = input as {
        TopicArn?: string;
        Subject?: string;
        Message?: string;
        MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
      };
      try {
        const out = await sns.send(
          new PublishCommand({
            TopicArn: p.TopicArn ?? topicArnFallback,
            Subject: p.Subject,
            Message: p.Message ?? "",
            MessageAttributes: p.MessageAttributes,
          }),
        );
        return { MessageId: out.MessageId ?? "" };
      } catch (err) {
        throw lambdaError(`SNS.${(err as Error).name}`, (err as Error).message);
      }
    },
  };
}

async function readSummary(table: string, input: CheckInput): Promise<ReturnType<typeof summarizeRun>> {
  const doc = DynamoDBDocumentClient.from(clients.dynamo());
  let file: FileSummaryItem | undefined;
  const chunks: ChunkSummaryItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": RUN_KEYS.execution(input.executionName) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.sk === RUN_KEYS.file) file = item as FileSummaryItem;
      else if (String(item.sk).startsWith(RUN_KEYS.chunkPrefix)) chunks.push(item as ChunkSummaryItem);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return summarizeRun(input, file, chunks);
}

/**
 * Runs one CSV file through the real pipeline on this machine and returns what happened. Everything it starts is
 * stopped, and the environment it changed restored, before it returns or throws.
 */
export async function runLocal(args: RunArgs, hooks: RunHooks = {}): Promise<RunReport> {
  const config = loadConfig(args.configPath);
  const schemaText = readFileSync(args.schemaPath, "utf8");
  try {
    parseSchema(schemaText, args.schemaPath);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const cpus = availableParallelism();
  const mapConcurrency = {
    configured: config.mapConcurrency,
    local: localMapConcurrency(config.mapConcurrency, cpus),
    cpus,
    perCpu: LOCAL_CHUNKS_PER_CPU,
  };
  const pipeline: LoadedPipeline = loadPipeline(args.pattern, { mapConcurrency: mapConcurrency.local });
  const faults: FaultPlan = { ...args.faults };
  const startTime = new Date(args.now ? Date.parse(args.now) : Date.now()).toISOString();
  const executionName = executionNameFor(startTime);
  const bytes = statSync(args.csvPath).size;
  const key = `${PREFIXES.input}${basename(args.csvPath)}`;

  const cleanups: (() => Promise<void>)[] = [];
  const savedEnv = { ...process.env };
  const logs: string[] = [];
  const previousSink = setLogSink((line) => {
    logs.push(line);
    hooks.onLog?.(line);
  });
  const unregister = hooks.onCleanup?.(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  const began = Date.now();
  let servicesProcess: ServicesProcess | undefined;
  try {
    const services = await startServicesProcess();
    servicesProcess = services;
    cleanups.push(() => services.stop());
    const slack = await startSlackReceiver(faults);
    cleanups.push(() => slack.stop());
    const aws = await startAwsRecorder({
      parameters: { [LOCAL_SLACK_PARAMETER]: slack.webhookUrl },
      faults,
      snsFailureExemptKeys: [STATE_MACHINE_ACCESS_KEY],
    });
    cleanups.push(() => aws.stop());
    let dynamoEndpoint = services.dynamoEndpoint;
    let throttle: Awaited<ReturnType<typeof startDynamoThrottle>> | undefined;
    if ((faults["dynamodb-throttle"] ?? 0) > 0) {
      throttle = await startDynamoThrottle(services.dynamoEndpoint, faults);
      cleanups.push(() => (throttle as NonNullable<typeof throttle>).stop());
      dynamoEndpoint = throttle.endpoint;
    }

    const schemaKey = `${PREFIXES.config}schema${extname(args.schemaPath) || ".yaml"}`;
    await services.s3.send(new PutObjectCommand({ Bucket: services.bucket, Key: schemaKey, Body: schemaText }));
    // Streamed upload without a flexible checksum: with one, the SDK sends an aws-chunked body that s3rver stores as is.
    const uploader = new S3Client({
      endpoint: services.s3Endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    cleanups.push(async () => uploader.destroy());
    await uploader.send(
      new PutObjectCommand({
        Bucket: services.bucket,
        Key: key,
        Body: createReadStream(args.csvPath),
        ContentLength: bytes,
      }),
    );

    const env: Record<string, string | undefined> = {
      ...services.env,
      ...aws.env,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      [ENV.schemaLocation]: `s3://${services.bucket}/${schemaKey}`,
      [ENV.chunkRows]: config.chunkRows?.toString(),
      [ENV.chunkBytes]: config.chunkBytes?.toString(),
      [ENV.resultsBucket]: services.bucket,
      [ENV.resultsPrefix]: PREFIXES.results,
      [ENV.errorRetentionDays]: String(config.errorRetentionDays),
      [ENV.pipelineName]: config.pipelineName,
      [ENV.alertTopicArn]: pipeline.resources.alertTopic,
      [ENV.slackWebhookParameter]: LOCAL_SLACK_PARAMETER,
      [ENV.emailFrom]: config.emailFrom,
      [ENV.emailTo]: config.emailTo.join(","),
      [ENV.notifyPolicy]: JSON.stringify(config.notify),
      [ENV.consoleRegion]: LOCAL_REGION,
      [ENV.stateMachineArn]: pipeline.stateMachineArn,
      [ENV.checkLogGroup]: "/aws/lambda/csv-pipeline-check-errors-and-notify",
      [NOTIFY_NOW_ENV]: args.now,
    };
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    clients.reset();

    const handlers = pipeline.loadHandlers();
    let split: SplitResult | undefined;
    let check: CheckOutput | undefined;
    const alert = snsIntegration(pipeline.resources.alertTopic);
    cleanups.push(async () => alert.client.destroy());
    const taskHandlers = pipeline.taskHandlers({
      splitCsv: capture<SplitResult>(handlers.splitCsv, (out) => {
        split = out;
      }),
      processChunk: withChunkCrash(handlers.processChunk, faults),
      aggregateResults: handlers.aggregateResults,
      checkErrors: capture<CheckOutput>(
        handlers.checkErrors,
        (out) => {
          check = out;
        },
        faults,
      ),
      notifyCheckFailure: alert.handler,
    });

    const retryIntervalOverrides: Record<string, number> = {};
    for (const name of retryableStates(pipeline.definition)) retryIntervalOverrides[name] = LOCAL_RETRY_INTERVAL_MS;
    const machine = new StateMachine(pipeline.definition as ConstructorParameters<typeof StateMachine>[0], {
      validationOptions: { checkArn: false },
    });
    const context = {
      Execution: {
        Id: `${pipeline.stateMachineArn.replace(":stateMachine:", ":execution:")}:${executionName}`,
        Name: executionName,
        RoleArn: "arn:aws:iam::123456789012:role/csv-pipeline-local-states",
        StartTime: startTime,
      },
      StateMachine: { Id: pipeline.stateMachineArn, Name: pipeline.stateMachineArn.split(":").pop() },
    };
    const execution = withStartTime(startTime, () =>
      machine.run(
        { bucket: services.bucket, key },
        {
          overrides: {
            // biome-ignore lint/suspicious/noExplicitAny: JSON in, JSON out
            taskResourceLocalHandlers: taskHandlers as Record<string, (input: any) => any>,
            retryIntervalOverrides,
          },
          context,
        },
      ),
    );
    cleanups.push(async () => execution.abort());

    const timeline: TimelineEntry[] = [];
    const states: string[] = [];
    const open = new Map<string, TimelineEntry>();
    let chunksDone = 0;
    const events = (async () => {
      for await (const event of execution.eventLogs as AsyncGenerator<EventLog>) {
        const at = event.timestamp - began;
        if (event.type === "StateEntered") {
          const entry: TimelineEntry = {
            state: event.state.name,
            index: event.index,
            startMs: at,
            outcome: "running",
            retries: 0,
          };
          if (!states.includes(event.state.name)) states.push(event.state.name);
          hooks.onState?.(event.state.name, at, event.index);
          timeline.push(entry);
          open.set(`${event.state.name}#${event.index ?? ""}`, entry);
        } else if (event.type === "StateExited" || event.type === "StateFailed" || event.type === "StateCaught") {
          const entry = open.get(`${event.state.name}#${event.index ?? ""}`);
          if (!entry) continue;
          entry.endMs = at;
          if (event.type === "StateExited") entry.outcome = "succeeded";
          else if (event.type === "StateCaught") entry.outcome = "caught";
          else {
            entry.outcome = "failed";
            entry.error = event.Error;
          }
        } else if (event.type === "StateRetried") {
          const entry = open.get(`${event.state.name}#${event.index ?? ""}`);
          if (entry) entry.retries++;
        } else if (event.type === "MapIterationSucceeded" || event.type === "MapIterationFailed") {
          chunksDone++;
          hooks.onProgress?.(chunksDone, split?.chunkCount ?? chunksDone);
        }
      }
    })();

    let status: RunDocument["status"] = "SUCCEEDED";
    let failure: RunReport["failure"];
    try {
      await execution.result;
    } catch (err) {
      status = "FAILED";
      const cause = (err as { cause?: { name?: string; message?: string } }).cause;
      failure = { error: cause?.name ?? (err as Error).name, cause: cause?.message ?? (err as Error).message };
    }
    await events;
    for (const entry of timeline) if (entry.outcome === "running" && status === "FAILED") entry.outcome = "failed";

    const checkOutput = check as CheckOutput | undefined;
    const splitOutput = split as SplitResult | undefined;
    const counts = checkOutput
      ? {
          rows: checkOutput.rows,
          errors: {
            total: checkOutput.errorCount,
            critical: checkOutput.criticalCount,
            byType: { ...checkOutput.byType } as Record<string, number>,
            bySeverity: { ...checkOutput.bySeverity },
          },
        }
      : await readSummary(services.runsTable, {
          executionName,
          startTime,
          bucket: services.bucket,
          key,
          chunkCount: splitOutput?.chunkCount ?? 0,
          splitStatus: splitOutput?.status ?? "NOT_RUN",
          failure: null,
        }).then((s) => ({
          rows: s.rows,
          errors: {
            total: s.errorCount,
            critical: s.criticalCount,
            byType: { ...s.byType } as Record<string, number>,
            bySeverity: { ...s.bySeverity },
          },
        }));

    const notices = collectNotices(checkOutput, aws.calls, slack.deliveries, STATE_MACHINE_ACCESS_KEY);
    const document: RunDocument = {
      executionName,
      status,
      states,
      rows: counts.rows,
      errors: counts.errors,
      notifications: notices.map(noticeEntry),
      metrics: collectMetrics(aws.calls),
    };
    return {
      document,
      notices,
      timeline,
      definition: pipeline.definition,
      renderMermaid: () => pipeline.mermaid(new Set(states)),
      input: { bucket: services.bucket, key, bytes, csvPath: args.csvPath, schemaPath: args.schemaPath },
      pattern: args.pattern,
      startTime,
      durationMs: Date.now() - began,
      failure,
      injected: args.injected,
      mapConcurrency,
      get servicesPeakRssBytes() {
        return servicesProcess?.peakRssBytes();
      },
      throttledBatches: throttle?.throttled ?? 0,
      logs,
    };
  } finally {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    unregister?.();
    setLogSink(previousSink);
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    clients.reset();
  }
}
