import {
  type CheckOutput,
  DEFAULT_FEED,
  DEFAULT_OUTCOME_SETTINGS,
  OUTCOME_KEYS,
  type OutcomeSettings,
} from "../../contract";
import type { Logger } from "../log";
import type { RunSummary } from "../records/summary";
import { type RunReportView, renderRunReport, reportOutcomeKeys } from "../report/run-report";
import { s3ObjectConsoleUrl } from "./links";
import type { NoticeInput } from "./messages";
import { failureLines } from "./messages/parts";

/** Writes a run's report into the input bucket: one attempt, bounded by `timeoutMs`. */
export type ReportWriter = (bucket: string, key: string, html: string, timeoutMs: number) => Promise<void>;

/** What the check knows of the report's place and of the run beyond its notice. */
export interface ReportContext {
  summary: RunSummary;
  notice: NoticeInput;
  /** The run's feed and the input prefix it owns, when the key is under one. */
  feed: { name?: string; prefix?: string };
  dataset?: CheckOutput["dataset"];
  /** Where the row outcomes and the report go (default: the contract's). */
  outcomes?: OutcomeSettings;
  consoleRegion: string;
}

/** The report's view of a run, from what the check gathered for its notice (in English, as the local report). */
export function checkReportView(ctx: ReportContext): RunReportView {
  const { summary: s, notice } = ctx;
  return {
    executionName: s.executionName,
    status: s.runFailed ? "FAILED" : "SUCCEEDED",
    feed: {
      name: ctx.feed.name ?? DEFAULT_FEED,
      ...(ctx.feed.prefix !== undefined ? { prefix: ctx.feed.prefix } : {}),
    },
    file: { bucket: s.bucket, key: s.key },
    startTime: s.startTime,
    failure: s.runFailed ? failureLines({ ...notice, locale: "en" }) : [],
    rows: s.rows,
    errors: {
      total: s.errorCount,
      critical: s.criticalCount,
      byType: { ...s.byType } as Record<string, number>,
      bySeverity: s.bySeverity,
    },
    warnings: { total: s.warningCount, byType: { ...s.warningsByType } as Record<string, number> },
    ...(ctx.dataset ? { dataset: ctx.dataset } : {}),
    examples: notice.examples,
    outcomes: reportOutcomeKeys(ctx.outcomes ?? DEFAULT_OUTCOME_SETTINGS, s.executionName),
    consoleRegion: ctx.consoleRegion,
    links: notice.links,
  };
}

/**
 * Renders the run's report and writes it to `<resultsPrefix><exec>.html`, once: a failed write is logged and
 * returned as `failed`, never thrown, so the notices go at once, without the link. Returns the report's place, and
 * its S3 console link when it was written.
 */
export async function writeCheckReport(
  ctx: ReportContext,
  write: ReportWriter,
  timeoutMs: number,
  log: Logger,
): Promise<{ output: NonNullable<CheckOutput["report"]>; url?: string }> {
  const { bucket, executionName } = ctx.summary;
  const key = OUTCOME_KEYS.report(ctx.outcomes ?? DEFAULT_OUTCOME_SETTINGS, executionName);
  try {
    await write(bucket, key, renderRunReport(checkReportView(ctx)), timeoutMs);
  } catch (err) {
    const e = err as Error;
    const reason = `${e.name}: ${e.message}`.slice(0, 300);
    log.error("report not written", { executionName, bucket, key, error: reason });
    return { output: { key, status: "failed", reason } };
  }
  const url = s3ObjectConsoleUrl(ctx.consoleRegion, bucket, key);
  return { output: { key, status: "written" }, ...(url ? { url } : {}) };
}
