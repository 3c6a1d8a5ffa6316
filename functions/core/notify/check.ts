import {
  type CheckInput,
  type CheckOutput,
  DEFAULT_FEED,
  DEFAULT_OUTCOME_SETTINGS,
  OUTCOME_KEYS,
  type OutcomeSettings,
} from "../../contract";
import { NotificationDeliveryError } from "../errors";
import type { Logger } from "../log";
import { shortCause } from "../records/failure";
import { countsAsFailure, noticeLevel, type RunSummary, summarizeRun } from "../records/summary";
import { boundedReason, notifyChannel } from "./check-channel";
import { checkDataset, type DatasetDeps, recordRunHistory, withDatasetFindings } from "./check-dataset";
import { runLineFields } from "./check-log";
import { publishRunMetrics, type RunMetricValues } from "./check-metrics";
import { type ReportWriter, writeCheckReport } from "./check-report";
import { executionConsoleUrl, logsInsightsUrl, s3FolderConsoleUrl } from "./links";
import {
  AGGREGATION_STEP,
  type AggregationFailure,
  type ErrorExample,
  type NoticeInput,
  type RejectedRows,
} from "./messages";
import type { NotifyPolicy } from "./policy";
import { channelsFor, keyPrefixOf, quietReason } from "./policy-rules";
import type { ChannelOutcome, ChannelSender, RunStorePort } from "./ports";

export type { RunMetricValues } from "./check-metrics";

/** Static configuration of the check (from the environment). */
export interface CheckConfig {
  pipelineName: string;
  policy: NotifyPolicy;
  consoleRegion: string;
  stateMachineArn?: string;
  checkLogGroup?: string;
  /** Where the run's row outcomes are (the rejected folder is linked from notices); default: the contract's. */
  outcomes?: OutcomeSettings;
  /**
   * The feed whose settings these are, as notices and logs name it: a feed's name, or `UNKNOWN_FEED` for a key under
   * no feed's prefix. Unset: `default`.
   */
  feed?: string;
  /** The input prefix of the run's feed (the report names it); unset for a key under no feed's prefix. */
  feedPrefix?: string;
}

/** What the check talks to: clock, store, channels, metrics, log. */
export interface CheckDeps {
  now(): Date;
  store: RunStorePort;
  send: ChannelSender;
  /** Publishes the given values (a subset when a retried check publishes only what is new). */
  putMetrics(values: Partial<RunMetricValues>, now: Date): Promise<void>;
  log: Logger;
  /** The feed history and the error table, for the schema's dataset rules; without them none is evaluated. */
  dataset?: DatasetDeps;
  /** Writes the run's report to the input bucket before the notices, which link it; without it none is written. */
  writeReport?: ReportWriter;
}

export type { ChannelOutcome } from "./ports";

/** Most examples read and shown. */
export const MAX_EXAMPLES = 5;

/**
 * Chunks the check counts (from the runs table) beyond those the aggregation composed into `rows.csv` and
 * `errors.csv`, and their rejected rows: a failed Map is caught at once while other chunks still run, and those that
 * finish after the composition are in the per-chunk parts only. Undefined when none did, or when the check was not
 * told what was composed (the aggregation failed, or the parallel pattern, where the check runs beside it).
 */
export function lateChunksOf(
  summary: RunSummary,
  composed: CheckInput["composed"],
): { chunks: number; rows: number } | undefined {
  if (!composed) return undefined;
  const chunks = summary.chunksReported - composed.chunks;
  if (!(chunks > 0)) return undefined;
  return { chunks, rows: Math.max(summary.rows.invalid - composed.invalid, 0) };
}

/**
 * Up to {@link MAX_EXAMPLES} HIGH/CRITICAL row examples. The run's `DatasetError` records (row 0) sort first within
 * their severity: the notice lists them apart, so as many more are read and they are left out here.
 */
export async function rowExamples(
  executionName: string,
  findings: number,
  store: Pick<RunStorePort, "readExamples">,
): Promise<ErrorExample[]> {
  const read = await store.readExamples(executionName, MAX_EXAMPLES + findings);
  return read.filter((e) => e.errorType !== "DatasetError").slice(0, MAX_EXAMPLES);
}

/** The folder of the chunks' parts, relative to the rejected folder (e.g. `parts/`), as the contract names the keys. */
function partsFolderOf(settings: OutcomeSettings, exec: string): string {
  const part = OUTCOME_KEYS.rowsPart(settings, exec, 1).slice(OUTCOME_KEYS.rejectedFolder(settings, exec).length);
  return part.slice(0, part.lastIndexOf("/") + 1);
}

/**
 * The run's rejected rows and their folder (`rows.csv` + `errors.csv`) in the input bucket, or undefined when no row
 * was rejected — also for a file rejected before any row was read: the notice names what is wrong with the file, and
 * the whole file is what to fix. `composed` (what the aggregation wrote into the files) tells which counted chunks
 * finished after the files were written.
 */
export function rejectedRowsOf(
  summary: RunSummary,
  cfg: CheckConfig,
  composed?: CheckInput["composed"],
): RejectedRows | undefined {
  if (summary.rows.invalid <= 0) return undefined;
  const settings = cfg.outcomes ?? DEFAULT_OUTCOME_SETTINGS;
  const prefix = OUTCOME_KEYS.rejectedFolder(settings, summary.executionName);
  const url = s3FolderConsoleUrl(cfg.consoleRegion, summary.bucket, prefix);
  const late = lateChunksOf(summary, composed);
  return {
    rows: summary.rows.invalid,
    folder: `s3://${summary.bucket}/${prefix}`,
    ...(url ? { url } : {}),
    missingChunks: summary.failedChunks,
    ...(late ? { late: { ...late, parts: partsFolderOf(settings, summary.executionName) } } : {}),
    ...(summary.headerWarnings ? { headerWarnings: summary.headerWarnings } : {}),
  };
}

/**
 * What a notice says about a failed aggregation: the error's name and a short cause (the whole cause goes to the
 * logs only), or undefined when the aggregation did not fail or the check was not told.
 */
export function aggregationFailureOf(input: CheckInput): AggregationFailure | undefined {
  const f = input.aggregationFailure;
  if (!f) return undefined;
  return {
    error: typeof f.Error === "string" && f.Error !== "" ? f.Error : "Error",
    cause: shortCause(f.Cause),
  };
}

/**
 * The whole check for one execution: exact counts from the run summary, examples, escalation streak, then each
 * routed channel concurrently through dedup ledger → quiet hours (defer to digest) → rate limit → delivery. Emits
 * metrics (failure logged, not fatal) and one JSON log line, whose severity a retried check does not log again (see
 * {@link runLineFields}). Throws {@link NotificationDeliveryError} when the run has errors and every channel failed.
 * Warnings alone (header findings that reject no row) are not errors: such a run never throws, pages or escalates.
 */
export async function runCheck(input: CheckInput, cfg: CheckConfig, deps: CheckDeps): Promise<CheckOutput> {
  const now = deps.now();
  const { policy } = cfg;
  const { file, chunks } = await deps.store.readRun(input.executionName);
  const aggregation = aggregationFailureOf(input);
  // A failed aggregation fails the run like any failed step: the rejected files the notice points users to and the
  // manifest the run promises may be missing, and only on-call can compose them again. So the notice is CRITICAL
  // (on-call paged, never held back by quiet hours or the rate limit), the execution fails (RunOutcome) and the
  // ExecutionsFailed alarm counts it. The counts stay: they come from the runs table, not from the aggregation.
  const runSummary = summarizeRun(input, file, chunks);
  // The file's own rules (row count, completeness, history): their findings are written before anything is counted.
  const feed = file?.feed ?? cfg.feed ?? DEFAULT_FEED;
  const dataset = deps.dataset && (await checkDataset(input, file, chunks, runSummary, feed, deps.dataset));
  const counted = withDatasetFindings(runSummary, dataset);
  const summary: RunSummary = aggregation ? { ...counted, runFailed: true } : counted;
  const failureReasons = [...summary.failureReasons, ...(aggregation ? ["aggregation-failed"] : [])];
  if (input.failure && summary.failure) {
    // Notices carry a short cause; the whole one (a Lambda error's trace included) goes to the logs only. No
    // `severity` field: the metric filter counts one line per run.
    deps.log.error("state failed", {
      executionName: input.executionName,
      step: summary.failure.step,
      error: input.failure.Error,
      cause: input.failure.Cause,
    });
  }
  if (input.aggregationFailure && aggregation) {
    deps.log.error("state failed", {
      executionName: input.executionName,
      step: AGGREGATION_STEP,
      error: input.aggregationFailure.Error,
      cause: input.aggregationFailure.Cause,
    });
  }
  const hasErrors = summary.errorCount > 0 || summary.runFailed;

  const prefix = keyPrefixOf(input.key);
  // Independent reads/writes: one round trip instead of two.
  const [examples, streak]: [ErrorExample[], number] = await Promise.all([
    summary.criticalCount > 0
      ? rowExamples(input.executionName, dataset?.evaluation.findings.length ?? 0, deps.store)
      : [],
    deps.store.recordStreak(prefix, input.executionName, countsAsFailure(summary), now),
  ]);
  const escalated = countsAsFailure(summary) && streak >= policy.escalation.consecutiveFailures;
  const level = noticeLevel(summary, escalated);
  const quiet = quietReason(now, policy);

  const notice: NoticeInput = {
    summary,
    feed: cfg.feed,
    level,
    examples,
    ...(dataset?.evaluation.findings.length ? { dataset: dataset.evaluation.findings } : {}),
    locale: policy.locale,
    timeZone: policy.timeZone,
    links: {
      execution: executionConsoleUrl(cfg.consoleRegion, cfg.stateMachineArn, input.executionName),
      logs: logsInsightsUrl(cfg.consoleRegion, cfg.checkLogGroup, input.executionName),
    },
    // In the parallel pattern the check runs beside the aggregation and is told neither of its failure nor of what it
    // composed: there the notice links the rejected folder as if rows.csv and errors.csv were written and held every
    // chunk counted (RunOutcome fails a run whose aggregation failed; chunks that finished after the composition
    // cannot be told apart there).
    rejected: rejectedRowsOf(summary, cfg, input.composed),
    aggregationFailure: aggregation,
    escalation: escalated ? { count: streak, prefix } : undefined,
  };

  // The report first, so that the notices can link it: one bounded attempt, and the notices go without it if it fails.
  const report =
    deps.writeReport &&
    (await writeCheckReport(
      {
        summary,
        notice,
        feed: { name: cfg.feed, prefix: cfg.feedPrefix },
        dataset: dataset?.output,
        outcomes: cfg.outcomes,
        consoleRegion: cfg.consoleRegion,
      },
      deps.writeReport,
      policy.delivery.timeoutMs,
      deps.log,
    ));
  if (report?.url) notice.links.report = report.url;

  const channels = channelsFor(level, policy);
  const outcomes = await Promise.all(
    channels.map((channel) =>
      notifyChannel(channel, { input, summary, level, quiet, notice, now }, cfg, deps).catch(
        (err): ChannelOutcome => ({
          channel,
          status: "failed",
          reason: boundedReason(`${(err as Error).name}: ${(err as Error).message}`),
        }),
      ),
    ),
  );

  const metricsOk = await publishRunMetrics(input.executionName, summary, outcomes, now, deps);
  if (deps.dataset) {
    // The run joins its feed's history last, so that a check retried after this point reads the same history.
    await recordRunHistory(summary, file, feed, now, deps.dataset).catch((err: unknown) =>
      deps.log.error("feed history not written", { executionName: input.executionName, feed, error: err }),
    );
  }

  const allFailed = outcomes.length > 0 && outcomes.every((o) => o.status === "failed");
  const output: CheckOutput = {
    hasErrors,
    errorCount: summary.errorCount,
    criticalCount: summary.criticalCount,
    byType: summary.byType,
    bySeverity: summary.bySeverity,
    warningCount: summary.warningCount,
    warningsByType: summary.warningsByType,
    rows: summary.rows,
    runFailed: summary.runFailed,
    notifications: outcomes.map(({ channel, status, reason, attempts }) => ({
      channel,
      status,
      ...(reason ? { reason } : {}),
      ...(attempts !== undefined ? { attempts } : {}),
    })),
    ...(dataset ? { dataset: dataset.output } : {}),
    ...(report ? { report: report.output } : {}),
  };
  const logFields = {
    executionName: input.executionName,
    pipeline: cfg.pipelineName,
    feed: cfg.feed ?? DEFAULT_FEED,
    bucket: input.bucket,
    key: input.key,
    severity: level === "SUCCESS" ? "NONE" : level,
    runFailed: summary.runFailed,
    failureReasons,
    errorCount: summary.errorCount,
    criticalCount: summary.criticalCount,
    byType: summary.byType,
    bySeverity: summary.bySeverity,
    warningCount: summary.warningCount,
    rows: summary.rows,
    failedChunks: summary.failedChunks,
    lateChunks: lateChunksOf(summary, input.composed)?.chunks ?? 0,
    streak,
    escalated,
    quietHours: quiet ?? null,
    notifications: outcomes.map(({ settledEarlier: _, ...o }) => o),
    metricsSent: metricsOk,
    ...(report ? { report: report.output.status } : {}),
  };
  const line = await runLineFields(input.executionName, logFields, now, deps);
  if (hasErrors && allFailed) {
    deps.log.error("check finished: every notification channel failed", line);
    throw new NotificationDeliveryError(
      input.executionName,
      outcomes.map((o) => ({ channel: o.channel, reason: o.reason ?? "failed" })),
    );
  }
  const anyFailed = outcomes.some((o) => o.status === "failed");
  (anyFailed ? deps.log.warn : deps.log.info)("check finished", line);
  return output;
}
