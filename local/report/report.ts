/**
 * What a local run reports: the run document of DESIGN.md and what the human summary and `--out` show, built from
 * the execution's timeline, the check's result (or, when the check never returned, the run store) and what the
 * loopback endpoints received.
 */

import { readRunSummaries } from "../../functions/adapters/chunk-summaries";
import { dynamoRunStore } from "../../functions/adapters/run-store";
import { type CheckOutput, ENV, type RunManifest, type SplitResult } from "../../functions/contract";
import { rowExamples } from "../../functions/core/notify/check";
import { executionConsoleUrl, logsInsightsUrl } from "../../functions/core/notify/links";
import type { ErrorExample } from "../../functions/core/notify/messages";
import { type HeaderWarningCount, headerWarningsOf, summarizeRun } from "../../functions/core/records/summary";
import type { PipelinePattern as Pattern } from "../../workflow/pipeline";
import type { LocalEnvironment } from "../engine/environment";
import type { ExecutionOutcome, TimelineEntry } from "../engine/execution";
import { STATE_MACHINE_ACCESS_KEY } from "../engine/tasks";
import {
  collectMetrics,
  collectNotices,
  type DeliveredNotice,
  noticeEntry,
  type RunDocument,
  type StateResult,
} from "./document";
import { type LateChunk, type OutcomeFiles, type OutcomeKeys, outcomesOf } from "./outcomes";

/** Everything a run produced: the DESIGN.md document plus what the human output and `--out` show. */
export interface RunReport {
  document: RunDocument;
  notices: DeliveredNotice[];
  timeline: TimelineEntry[];
  /** One line per state entered, in order of first entry (the document's `stateResults`, with more detail). */
  stateSummaries: StateSummary[];
  definition: unknown;
  /** Mermaid flowchart of the definition with the states entered highlighted. */
  renderMermaid(): string;
  input: { bucket: string; key: string; bytes: number; csvPath: string; schemaPath: string };
  /** The feed the file ran under (the document's `feed` is its name) and the prefix it owns. */
  feed: { name: string; prefix: string };
  pattern: Pattern;
  startTime: string;
  durationMs: number;
  /** The execution's error when it failed. */
  failure?: { error: string; cause: string };
  injected: string[];
  /** The Map's MaxConcurrency: as configured (and deployed) and as run here, capped to this machine's CPUs. */
  mapConcurrency: { configured: number; local: number; cpus: number; perCpu: number };
  /** Peak resident set size of the process that hosted the local services, bytes (when it reported one). */
  readonly servicesPeakRssBytes?: number;
  throttledBatches: number;
  logs: string[];
  /** The run's row outcomes: their keys in the input bucket, the manifest, and what `--out` received of them. */
  outcomes: RunOutcomesReport;
  /** Up to five HIGH/CRITICAL errors, read from the error table as the check reads them for its notices. */
  examples: ErrorExample[];
  /** The console region and links the check's notices and report carry. */
  console: { region: string; links: { execution?: string; logs?: string } };
}

/** A run's row outcomes as the report shows them. */
export interface RunOutcomesReport {
  /** Where the outcomes are (or would be) in the input bucket. */
  keys: OutcomeKeys;
  /** `results/<exec>.json`, when it was written. */
  manifest?: RunManifest;
  /** The chunks the manifest names missing that completed after it was composed (see {@link LateChunk}). */
  late: LateChunk[];
  /** With `--out`: the files copied there. */
  files?: OutcomeFiles;
  /** With `--out`: why copying them failed. */
  filesError?: string;
  /** When the file had more header warnings than `errors.csv` lists (the run store's file summary says). */
  headerWarnings?: HeaderWarningCount;
}

/** Every entry of one state (all its Map iterations) taken together. */
export interface StateSummary extends StateResult {
  /** How many times it was entered. */
  entries: number;
  retries: number;
  /** For a state that succeeded after retries: the error it was retried for. */
  retriedError?: string;
}

/**
 * One summary per state, in order of first entry: `failed` if an entry failed uncaught, else `caught` if an entry
 * failed and a Catch took over, else `succeeded`; the duration runs from the first entry to the last exit.
 */
export function summarizeStates(timeline: readonly TimelineEntry[]): StateSummary[] {
  const byState = new Map<string, TimelineEntry[]>();
  for (const t of timeline) {
    const entries = byState.get(t.state);
    if (entries) entries.push(t);
    else byState.set(t.state, [t]);
  }
  return [...byState].map(([name, entries]) => {
    const failed = entries.find((e) => e.outcome === "failed");
    const caught = entries.find((e) => e.outcome === "caught");
    const status: StateResult["status"] = failed ? "failed" : caught ? "caught" : "succeeded";
    const end = entries.reduce((last, e) => Math.max(last, e.endMs ?? e.startMs), entries[0].startMs);
    const error = (failed ?? caught)?.error;
    const retriedError = status === "succeeded" ? entries.find((e) => e.error)?.error : undefined;
    return {
      name,
      status,
      durationMs: end - entries[0].startMs,
      ...(error !== undefined ? { error } : {}),
      entries: entries.length,
      retries: entries.reduce((n, e) => n + e.retries, 0),
      ...(retriedError !== undefined ? { retriedError } : {}),
    };
  });
}

/** The document's view of a state summary. */
function stateResult(s: StateSummary): StateResult {
  return {
    name: s.name,
    status: s.status,
    durationMs: s.durationMs,
    ...(s.error !== undefined ? { error: s.error } : {}),
  };
}

type Counts = Pick<RunDocument, "rows" | "errors" | "warnings">;

function countsOf(
  c: Pick<
    CheckOutput,
    "rows" | "errorCount" | "criticalCount" | "byType" | "bySeverity" | "warningCount" | "warningsByType"
  >,
): Counts {
  return {
    rows: c.rows,
    errors: {
      total: c.errorCount,
      critical: c.criticalCount,
      byType: { ...c.byType } as Record<string, number>,
      bySeverity: { ...c.bySeverity },
    },
    warnings: { total: c.warningCount, byType: { ...c.warningsByType } as Record<string, number> },
  };
}

/** What the run store holds for the execution, summarized as the check would have (for a check that never returned). */
async function storedCounts(
  env: LocalEnvironment,
  run: { executionName: string; startTime: string; key: string },
  split: SplitResult | undefined,
): Promise<Counts> {
  const store = dynamoRunStore({ runsTable: env.runsTable, errorTable: env.errorTable });
  const { file, chunks } = await store.readRun(run.executionName);
  const summary = summarizeRun(
    {
      executionName: run.executionName,
      startTime: run.startTime,
      bucket: env.bucket,
      key: run.key,
      chunkCount: split?.chunkCount ?? 0,
      splitStatus: split?.status ?? "NOT_RUN",
      failure: null,
    },
    file,
    chunks,
  );
  return countsOf(summary);
}

/** What `buildReport` needs besides the environment and the execution's outcome. */
export interface ReportContext
  extends Pick<
    RunReport,
    "definition" | "renderMermaid" | "feed" | "pattern" | "startTime" | "injected" | "mapConcurrency"
  > {
  executionName: string;
  /** When the run began (epoch ms), for its duration. */
  began: number;
  input: RunReport["input"];
  split?: SplitResult;
  check?: CheckOutput;
  outcomes: RunOutcomesReport;
}

/**
 * Builds the report while the environment is still up: counts come from the check's result, or from the run store
 * when the check never returned; notices pair the check's statuses with what each endpoint received.
 */
export async function buildReport(
  env: LocalEnvironment,
  outcome: ExecutionOutcome,
  run: ReportContext,
): Promise<RunReport> {
  const counts = run.check ? countsOf(run.check) : await storedCounts(env, { ...run, key: run.input.key }, run.split);
  const notices = collectNotices(run.check, env.aws.calls, env.slack.deliveries, STATE_MACHINE_ACCESS_KEY);
  const stateSummaries = summarizeStates(outcome.timeline);
  const headerWarnings = headerWarningsOf((await readRunSummaries(env.runsTable, run.executionName)).file);
  const store = dynamoRunStore({ runsTable: env.runsTable, errorTable: env.errorTable });
  const examples =
    counts.errors.critical > 0
      ? await rowExamples(run.executionName, run.check?.dataset?.findings.length ?? 0, store)
      : [];
  // The links as the check built them, from the variables the local run gave the handlers.
  const region = process.env[ENV.consoleRegion] ?? "";
  const execution = executionConsoleUrl(region, process.env[ENV.stateMachineArn], run.executionName);
  const logs = logsInsightsUrl(region, process.env[ENV.checkLogGroup], run.executionName);
  const document: RunDocument = {
    executionName: run.executionName,
    feed: run.feed.name,
    status: outcome.status,
    states: stateSummaries.map((s) => s.name),
    rows: counts.rows,
    errors: counts.errors,
    warnings: counts.warnings,
    notifications: notices.map(noticeEntry),
    metrics: collectMetrics(env.aws.calls),
    stateResults: stateSummaries.map(stateResult),
    outcomes: run.outcomes.manifest
      ? outcomesOf(run.outcomes.manifest, run.outcomes.keys.manifest, run.outcomes.late)
      : null,
    awsLimits: env.limits.entries(),
    ...(run.check?.dataset ? { dataset: run.check.dataset } : {}),
    ...(run.check?.report ? { report: run.check.report } : {}),
  };
  return {
    document,
    notices,
    timeline: outcome.timeline,
    stateSummaries,
    definition: run.definition,
    renderMermaid: run.renderMermaid,
    input: run.input,
    feed: run.feed,
    pattern: run.pattern,
    startTime: run.startTime,
    durationMs: Date.now() - run.began,
    ...(outcome.error ? { failure: { error: outcome.error.Error, cause: outcome.error.Cause } } : {}),
    injected: run.injected,
    mapConcurrency: run.mapConcurrency,
    get servicesPeakRssBytes() {
      return env.servicesPeakRssBytes();
    },
    throttledBatches: env.throttledBatches(),
    logs: env.logs,
    outcomes: headerWarnings ? { ...run.outcomes, headerWarnings } : run.outcomes,
    examples,
    console: { region, links: { ...(execution ? { execution } : {}), ...(logs ? { logs } : {}) } },
  };
}
