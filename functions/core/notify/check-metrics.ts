import type { NotificationStatus } from "../../contract";
import type { Logger } from "../log";
import type { RunSummary } from "../records/summary";
import type { ChannelOutcome, RunStorePort } from "./ports";

/**
 * The metric values of one run (see the metrics adapter). A check attempt publishes the subset it has not published
 * before (see {@link publishRunMetrics}).
 */
export interface RunMetricValues {
  errorCount: number;
  criticalErrorCount: number;
  /** Findings that reject no row (header warnings): never part of `errorCount`, so no paging alarm counts them. */
  warningCount: number;
  rowsProcessed: number;
  notificationsSent: number;
  notificationsSuppressed: number;
  notificationsFailed: number;
}

/**
 * Publishes the run's metrics so that retrying the check never counts anything twice. The run's own values
 * (ErrorCount, CriticalErrorCount, WarningCount, RowsProcessed) go out once per execution: only the check attempt that claims
 * them in the ledger publishes them, and a failed publication releases them to the next attempt. The notification
 * counts are those of the notices this attempt decided (a notice settled by an earlier attempt is not counted
 * again); an attempt that publishes no run values leaves out zero counts, and sends nothing when all are zero.
 * Returns false when publishing failed (logged; never fatal).
 */
export async function publishRunMetrics(
  executionName: string,
  summary: RunSummary,
  outcomes: readonly ChannelOutcome[],
  now: Date,
  deps: {
    store: RunStorePort;
    putMetrics(values: Partial<RunMetricValues>, now: Date): Promise<void>;
    log: Logger;
  },
): Promise<boolean> {
  const decided = outcomes.filter((o) => !o.settledEarlier);
  const count = (s: NotificationStatus) => decided.filter((o) => o.status === s).length;
  const notices = {
    notificationsSent: count("sent"),
    notificationsSuppressed: count("suppressed"),
    notificationsFailed: count("failed"),
  };
  let claimed: boolean;
  try {
    claimed = (await deps.store.claimRunMetrics(executionName, now)).claimed;
  } catch (err) {
    deps.log.warn("metrics not sent", { executionName, error: err });
    return false;
  }
  const values: Partial<RunMetricValues> = claimed
    ? {
        errorCount: summary.errorCount,
        criticalErrorCount: summary.criticalCount,
        warningCount: summary.warningCount,
        rowsProcessed: summary.rows.total,
        ...notices,
      }
    : Object.fromEntries(Object.entries(notices).filter(([, n]) => n > 0));
  if (Object.keys(values).length === 0) return true;
  try {
    await deps.putMetrics(values, now);
  } catch (err) {
    if (claimed) await deps.store.completeRunMetrics(executionName, "failed", now).catch(() => undefined);
    deps.log.warn("metrics not sent", { executionName, error: err });
    return false;
  }
  if (claimed) {
    await deps.store.completeRunMetrics(executionName, "published", now).catch((err) => {
      deps.log.warn("metrics publication not recorded", { executionName, error: err });
    });
  }
  return true;
}
