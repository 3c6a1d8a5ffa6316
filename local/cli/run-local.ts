import { readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseSchema } from "../../functions/core/csv/schema";
import { visible } from "../../functions/core/text";
import { type DuplicateExecution, deliverAgain } from "../engine/duplicate";
import { Cleanups, openEnvironment } from "../engine/environment";
import type { ConcurrencyQuota } from "../engine/lambda-concurrency";
import { loadPipeline } from "../engine/pipeline-source";
import { executionNameFor, startInputFor, startPipelineExecution } from "../engine/run-execution";
import { bindPipelineTasks, type TaskWrapper } from "../engine/tasks";
import type { EarlierExecution } from "../report/document";
import { copyOutcomeFiles, type OutcomeFiles, OutcomeReader, outcomeKeys, readLateChunks } from "../report/outcomes";
import { buildReport, type RunReport } from "../report/report";
import { type FaultPlan, fire } from "../services/faults";
import type { FunctionStatements } from "../services/function-roles";
import type { S3AccessRecord } from "../services/s3-strict";
import { UsageError } from "../usage-error";
import type { RunArgs } from "./args";
import { pickFeed } from "./feed-choice";
import { loadConfig } from "./run-config";

/**
 * Map iterations per CPU a local run allows at once (the deployed MaxConcurrency is for Lambda's scale). One per CPU
 * keeps both cores busy (the chunks here, the services in their own process) while each chunk in flight holds its
 * parts until they are written (up to a chunk's bytes, 4 MiB by default): at 1,000,000 rows two per CPU held about
 * 40 MB more at its peak and finished no sooner.
 */
export const LOCAL_CHUNKS_PER_CPU = 1;

/**
 * The Map's MaxConcurrency in a local run: the configured value, capped at `LOCAL_CHUNKS_PER_CPU` per CPU of this
 * machine. Every chunk runs in this one process against services in one other, so more at once only adds memory and
 * queues requests until the local services drop connections; the rest of the definition stays as deployed.
 */
export function localMapConcurrency(configured: number, cpus: number = availableParallelism()): number {
  return Math.max(1, Math.min(configured, LOCAL_CHUNKS_PER_CPU * Math.max(1, cpus)));
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
  /** The local S3 allowed or denied a request a function signed (with the role and the statements that decided). */
  onS3Access?(record: S3AccessRecord): void;
}

/** What a run changes from the deployed setup (tests). */
export interface RunOptions {
  /** Replaces the functions' role statements built for the run, e.g. to take a grant away. */
  functionStatements?(built: FunctionStatements): FunctionStatements;
  /** Wraps a function's handler, outside the faults (to order invocations that race, e.g. chunks and the aggregation). */
  wrapTask?: TaskWrapper;
  /** The account's Lambda concurrency quota: invocations above it are refused as Lambda refuses them (default: none). */
  lambdaConcurrency?: ConcurrencyQuota;
}

/**
 * Runs one CSV file through the real pipeline on this machine and returns what happened: the environment is
 * opened (./environment), the deployed definition executes against it with the real handlers (./tasks,
 * ./execution), and the report is read while it is still up (../report/report). Everything it starts is stopped, and the
 * environment it changed restored, before it returns or throws.
 */
export async function runLocal(args: RunArgs, hooks: RunHooks = {}, options: RunOptions = {}): Promise<RunReport> {
  const config = loadConfig(args.configPath);
  // The schema chosen for the file: the feed's own unless --schema replaces it (always, without feeds).
  const schema =
    !config.feeds?.length || args.schemaGiven
      ? { path: args.schemaPath, text: readFileSync(args.schemaPath, "utf8") }
      : undefined;
  const { feeds, feed, key } = pickFeed(config, {
    feed: args.feed,
    key: args.key,
    csvPath: args.csvPath,
    schema,
  });
  if (schema) {
    try {
      parseSchema(schema.text, schema.path);
    } catch (err) {
      throw new UsageError((err as Error).message, { cause: err });
    }
  }
  const cpus = availableParallelism();
  const mapConcurrency = {
    configured: config.mapConcurrency,
    local: localMapConcurrency(config.mapConcurrency, cpus),
    cpus,
    perCpu: LOCAL_CHUNKS_PER_CPU,
  };
  const pipeline = loadPipeline(args.pattern, { mapConcurrency: mapConcurrency.local });
  const faults: FaultPlan = { ...args.faults };
  const startTime = new Date(args.now ? Date.parse(args.now) : Date.now()).toISOString();
  let executionName = executionNameFor(startTime);
  const bytes = statSync(args.csvPath).size;

  const cleanups = new Cleanups();
  const unregister = hooks.onCleanup?.(() => cleanups.run());
  const began = Date.now();
  try {
    const env = await openEnvironment(
      {
        csvPath: args.csvPath,
        bytes,
        feeds,
        key,
        config,
        pipeline,
        faults,
        now: args.now,
        onLog: hooks.onLog,
        onS3Access: hooks.onS3Access,
        functionStatements: options.functionStatements,
        stateDir: args.stateDir,
      },
      cleanups,
    );
    const tasks = bindPipelineTasks(pipeline, faults, options.wrapTask, options.lambdaConcurrency);
    cleanups.add(() => tasks.close());

    if (env.upload === undefined) throw new Error("the local environment did not upload the CSV");
    // Every execution starts as the deployed rule starts it: from the upload's "Object Created" event, through the
    // rule's own input transformer (the object's ETag, size, sequencer: the claim and the conditional reads).
    const input = startInputFor(env.upload, {
      time: startTime,
      keyForm: fire(faults, "encoded-event-key") ? "url-encoded" : "raw",
    });
    const rerun = fire(faults, "rerun-after-failure");
    if (rerun) faults["chunk-crash"] = (faults["chunk-crash"] ?? 0) + 1;
    const execute = async (name: string) => {
      const execution = startPipelineExecution({
        pipeline,
        handlers: tasks.handlers,
        executionName: name,
        input,
        startTime,
        origin: began,
        onState: hooks.onState,
        onIterationEnd: (done) => hooks.onProgress?.(done, tasks.split()?.chunkCount ?? done),
        limits: env.limits,
      });
      const stop = cleanups.add(() => execution.abort());
      const ended = await execution.done;
      stop();
      return ended;
    };
    let outcome = await execute(executionName);
    const earlierExecutions: EarlierExecution[] = [];
    if (rerun) {
      // The upload's event delivered again once the first execution failed: the report describes the second
      // execution, which takes the failed one's claim over; the first one's notices and metrics stay out of it.
      earlierExecutions.push({ executionName, status: outcome.status });
      env.aws.calls.length = 0;
      env.slack.deliveries.length = 0;
      executionName = executionNameFor(startTime);
      outcome = await execute(executionName);
    }
    const split = tasks.split();
    const check = tasks.check();
    const duplicates: DuplicateExecution[] = [];
    if (fire(faults, "duplicate-event")) {
      // The same event delivered again. The report stays this execution's: what the second one sent is left out.
      const marks = { aws: env.aws.calls.length, slack: env.slack.deliveries.length };
      duplicates.push(
        await deliverAgain({
          pipeline,
          handlers: tasks.handlers,
          input,
          executionName: executionNameFor(startTime),
          startTime,
        }),
      );
      env.aws.calls.length = marks.aws;
      env.slack.deliveries.length = marks.slack;
    }

    // Read while the local S3 is up: the manifest, and with --out a copy of every outcome file.
    const s3Endpoint = process.env.AWS_ENDPOINT_URL_S3;
    if (!s3Endpoint) throw new Error("the local S3 endpoint (AWS_ENDPOINT_URL_S3) is not set for the run");
    const keys = outcomeKeys(config.outputs, executionName);
    const reader = new OutcomeReader(s3Endpoint, env.bucket);
    cleanups.add(() => reader.close());
    const manifest = await reader.manifest(keys.manifest);
    const late = await readLateChunks(env.runsTable, config.outputs, manifest);
    let outcomeFiles: OutcomeFiles | undefined;
    let outcomeFilesError: string | undefined;
    if (args.outDir) {
      try {
        outcomeFiles = await copyOutcomeFiles(reader, keys, manifest, args.outDir, late);
      } catch (err) {
        // Reported after the summary, as when the other --out files cannot be written.
        outcomeFilesError = err instanceof Error ? err.message : String(err);
      }
    }

    const report = await buildReport(env, outcome, {
      executionName,
      began,
      definition: pipeline.definition,
      renderMermaid: () => pipeline.mermaid(new Set(outcome.timeline.map((e) => e.state))),
      // As shown (terminal, report): a file name's control characters made visible, like the file's own text.
      input: {
        bucket: env.bucket,
        key: visible(key),
        bytes,
        csvPath: visible(args.csvPath),
        schemaPath: visible(feed.schemaPath ?? `inline in ${args.configPath ?? "the config"} (feed ${feed.name})`),
      },
      feed: { name: feed.name, prefix: visible(feed.prefix) },
      pattern: args.pattern,
      startTime,
      injected: args.injected,
      mapConcurrency,
      split,
      check,
      outcomes: { keys, manifest, late, files: outcomeFiles, filesError: outcomeFilesError },
    });
    if (duplicates.length > 0) report.document.duplicateExecutions = duplicates;
    if (earlierExecutions.length > 0) report.document.earlierExecutions = earlierExecutions;
    return report;
  } finally {
    await cleanups.run();
    unregister?.();
  }
}
