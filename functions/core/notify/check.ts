import {
  type CheckInput,
  type CheckOutput,
  DEFAULT_FEED,
  DEFAULT_OUTCOME_SETTINGS,
  NOTIFICATION_CHANNELS,
  type NotificationChannel,
  OUTCOME_KEYS,
  type OutcomeSettings,
  SEVERITY_RANK,
  type Severity,
} from "../../contract";
import { NotificationDeliveryError } from "../errors";
import type { Logger } from "../log";
import { shortCause } from "../records/failure";
import { countsAsFailure, noticeLevel, type RunSummary, summarizeRun } from "../records/summary";
import { runLineFields } from "./check-log";
import { publishRunMetrics, type RunMetricValues } from "./check-metrics";
import { buildDigest, type DigestEntry } from "./digest";
import { executionConsoleUrl, logsInsightsUrl, s3FolderConsoleUrl } from "./links";
import {
  AGGREGATION_STEP,
  type AggregationFailure,
  buildEmailNotice,
  buildSlackNotice,
  buildSnsNotice,
  type ErrorExample,
  type NoticeInput,
  type RejectedRows,
} from "./messages";
import type { NotifyPolicy } from "./policy";
import { channelsFor, keyPrefixOf, type NoticeLevel, quietReason, rateWindowStart } from "./policy-rules";
import type { ChannelMessage, ChannelOutcome, ChannelSender, RunStorePort } from "./ports";

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
}

/** What the check talks to: clock, store, channels, metrics, log. */
export interface CheckDeps {
  now(): Date;
  store: RunStorePort;
  send: ChannelSender;
  /** Publishes the given values (a subset when a retried check publishes only what is new). */
  putMetrics(values: Partial<RunMetricValues>, now: Date): Promise<void>;
  log: Logger;
}

export type { ChannelOutcome } from "./ports";

/** Most examples read and shown. */
export const MAX_EXAMPLES = 5;
const MAX_REASON = 200;

const bounded = (s: string) => (s.length > MAX_REASON ? `${s.slice(0, MAX_REASON - 1)}…` : s);

function renderFor(channel: NotificationChannel, notice: NoticeInput): ChannelMessage {
  if (channel === "slack") return { channel, payload: buildSlackNotice(notice) };
  if (channel === "sns") return { channel, notice: buildSnsNotice(notice) };
  return { channel, notice: buildEmailNotice(notice) };
}

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
  const summary: RunSummary = aggregation ? { ...runSummary, runFailed: true } : runSummary;
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
    summary.criticalCount > 0 ? deps.store.readExamples(input.executionName, MAX_EXAMPLES) : [],
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

  const channels = channelsFor(level, policy);
  const outcomes = await Promise.all(
    channels.map((channel) =>
      notifyChannel(channel, { input, summary, level, quiet, notice, now }, cfg, deps).catch(
        (err): ChannelOutcome => ({
          channel,
          status: "failed",
          reason: bounded(`${(err as Error).name}: ${(err as Error).message}`),
        }),
      ),
    ),
  );

  const metricsOk = await publishRunMetrics(input.executionName, summary, outcomes, now, deps);

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

interface ChannelContext {
  input: CheckInput;
  summary: RunSummary;
  level: NoticeLevel;
  quiet: ReturnType<typeof quietReason>;
  notice: NoticeInput;
  now: Date;
}

async function notifyChannel(
  channel: NotificationChannel,
  ctx: ChannelContext,
  cfg: CheckConfig,
  deps: CheckDeps,
): Promise<ChannelOutcome> {
  const { store } = deps;
  const exec = ctx.input.executionName;
  const claim = await store.claimNotification(exec, channel, ctx.now);
  if (!claim.claimed) {
    if (claim.status === "sent") {
      const reason = "delivered by an earlier attempt";
      return { channel, status: "sent", reason, attempts: claim.attempts, settledEarlier: true };
    }
    const reason =
      claim.status === "pending"
        ? "duplicate: another check is sending it now"
        : `duplicate: already ${claim.status}${claim.updatedAt ? ` at ${claim.updatedAt}` : ""}`;
    return { channel, status: "suppressed", reason, settledEarlier: true };
  }
  // The attempts budget is per notice: a notice an earlier check attempt failed continues with what is left.
  const budget = cfg.policy.delivery.attempts - claim.attempts;
  if (budget <= 0) {
    const reason = `not retried: earlier check attempts made all ${claim.attempts} HTTP attempts`;
    await store.completeNotification(exec, channel, "failed", ctx.now, { reason, attempts: claim.attempts });
    return { channel, status: "failed", reason, attempts: claim.attempts, settledEarlier: true };
  }
  const critical = ctx.level === "CRITICAL";

  if (!critical && ctx.quiet) {
    const entry: DigestEntry = {
      executionName: exec,
      bucket: ctx.summary.bucket,
      key: ctx.summary.key,
      level: ctx.level,
      errorCount: ctx.summary.errorCount,
      criticalCount: ctx.summary.criticalCount,
      startTime: ctx.summary.startTime,
      deferredAt: ctx.now.toISOString(),
      quietReason: ctx.quiet,
      ...(ctx.summary.warningCount > 0 ? { warningCount: ctx.summary.warningCount } : {}),
      ...(ctx.notice.rejected
        ? {
            rejected: {
              rows: ctx.notice.rejected.rows,
              ...(ctx.notice.rejected.url ? { url: ctx.notice.rejected.url } : {}),
            },
          }
        : {}),
    };
    await store.putDigestEntry(channel, entry, ctx.now);
    const reason = `deferred: quiet hours (${ctx.quiet}); sent in the next digest`;
    await store.completeNotification(exec, channel, "deferred", ctx.now, { reason });
    return { channel, status: "suppressed", reason };
  }

  let suppressedBefore: { count: number; since: string } | undefined;
  if (critical) {
    suppressedBefore = await store.takeSuppressed(channel);
  } else {
    const rate = await store.acquireRateSlot(
      channel,
      rateWindowStart(ctx.now, cfg.policy),
      cfg.policy.rateLimit.max,
      ctx.now,
    );
    if (!rate.allowed) {
      const reason = `rate limited: more than ${cfg.policy.rateLimit.max} notices in ${cfg.policy.rateLimit.windowMinutes} min`;
      await store.completeNotification(exec, channel, "suppressed", ctx.now, { reason });
      return { channel, status: "suppressed", reason };
    }
    suppressedBefore = rate.suppressedBefore;
  }

  const message = renderFor(channel, { ...ctx.notice, suppressed: suppressedBefore });
  try {
    const sent = await deps.send({ ...message, attempts: budget });
    const attempts = claim.attempts + sent.attempts;
    await store.completeNotification(exec, channel, "sent", ctx.now, { attempts });
    return { channel, status: "sent", attempts };
  } catch (err) {
    const reason = bounded(`${(err as Error).message}`);
    const attempts = claim.attempts + ((err as { attempts?: number }).attempts ?? 0);
    if (suppressedBefore) await store.restoreSuppressed(channel, suppressedBefore).catch(() => undefined);
    await store.completeNotification(exec, channel, "failed", ctx.now, { reason, attempts }).catch(() => undefined);
    return { channel, status: "failed", reason, attempts };
  }
}

/** Outcome of one channel's digest flush. */
export interface DigestOutcome {
  channel: NotificationChannel;
  status: "sent" | "empty" | "skipped" | "failed";
  runs: number;
  reason?: string;
}

/**
 * Delivers the notices deferred during quiet hours, one digest per channel, once the quiet period is over. Runs
 * from a schedule (`{ "digest": "flush" }`). A lease per channel keeps two flushes from sending the same digest;
 * entries are deleted only after their digest was delivered, so a failed flush is retried by the next one.
 */
export async function flushDigests(cfg: CheckConfig, deps: CheckDeps): Promise<DigestOutcome[]> {
  const now = deps.now();
  const quiet = quietReason(now, cfg.policy);
  if (quiet) {
    const out = NOTIFICATION_CHANNELS.map((channel) => ({
      channel,
      status: "skipped" as const,
      runs: 0,
      reason: `quiet hours (${quiet})`,
    }));
    deps.log.info("digest flush skipped", { reason: quiet, severity: "NONE" });
    return out;
  }
  const outcomes = await Promise.all(
    NOTIFICATION_CHANNELS.map(async (channel): Promise<DigestOutcome> => {
      if (!(await deps.store.claimDigestFlush(channel, now))) {
        return { channel, status: "skipped", runs: 0, reason: "another flush is running" };
      }
      try {
        const entries = await deps.store.readDigestEntries(channel);
        if (!entries.length) return { channel, status: "empty", runs: 0 };
        const digest = buildDigest(entries, cfg.policy.locale, cfg.policy.timeZone, cfg.feed);
        const top = entries.reduce<Severity>(
          (acc, e) =>
            e.level !== "SUCCESS" && e.level !== "WARNING" && SEVERITY_RANK[e.level] < SEVERITY_RANK[acc]
              ? e.level
              : acc,
          "LOW",
        );
        const message: ChannelMessage =
          channel === "slack"
            ? { channel, payload: digest.slack }
            : channel === "sns"
              ? {
                  channel,
                  notice: {
                    subject: digest.subject,
                    message: digest.text,
                    severity: top,
                    executionName: "digest",
                    feed: cfg.feed ?? DEFAULT_FEED,
                    truncated: false,
                  },
                }
              : { channel, notice: { subject: digest.subject, text: digest.text, html: digest.html } };
        try {
          await deps.send(message);
        } catch (err) {
          return { channel, status: "failed", runs: entries.length, reason: bounded((err as Error).message) };
        }
        await deps.store.deleteDigestEntries(
          channel,
          entries.map((e) => e.executionName),
        );
        return { channel, status: "sent", runs: entries.length };
      } finally {
        await deps.store.releaseDigestFlush(channel).catch(() => undefined);
      }
    }),
  );
  const failed = outcomes.some((o) => o.status === "failed");
  (failed ? deps.log.warn : deps.log.info)("digest flush finished", { digests: outcomes, severity: "NONE" });
  return outcomes;
}
