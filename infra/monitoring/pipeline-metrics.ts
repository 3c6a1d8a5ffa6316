import * as awsx from "@pulumi/awsx";
import { METRICS } from "../../functions/contract";
import type { Metric, Monitor } from "./model";
import type { MonitoringThresholds } from "./thresholds";

/**
 * The metric factory of the pipeline's own metrics (namespace, names and dimensions from the contract module, which
 * the check emits by): one metric by name, summed over `period`, on the given dimensions — `{Pipeline}` for the
 * stack, `{Pipeline, Feed}` for one feed.
 */
export function pipelineMetricFactory(
  dimensions: Record<string, string>,
  period: number,
): (metricName: string) => Metric {
  return (metricName) =>
    new awsx.classic.cloudwatch.Metric({
      namespace: METRICS.namespace,
      name: metricName,
      dimensions,
      period,
      statistic: "Sum",
    });
}

/**
 * The metrics of a "row errors" graph. WarningCount is graphed beside the errors only: no alarm watches it (a
 * header warning rejects no row).
 */
export const ROW_METRICS: readonly string[] = [
  METRICS.errorCount,
  METRICS.criticalErrorCount,
  METRICS.warningCount,
  METRICS.rowsProcessed,
];

/** The metrics of a "notifications" graph: what the check sent, held back, or failed to send. */
export const NOTIFICATION_METRICS: readonly string[] = [
  METRICS.notificationsSent,
  METRICS.notificationsSuppressed,
  METRICS.notificationsFailed,
];

/**
 * The critical-row metric of the check log's metric filter (`./logs.ts`), which carries no dimension.
 */
export function criticalErrorDetectedMetric(period: number): Metric {
  return new awsx.classic.cloudwatch.Metric({
    namespace: METRICS.namespace,
    name: METRICS.criticalErrorDetected,
    period,
    statistic: "Sum",
  });
}

/** The pipeline's own metrics (emitted by the check, with the single `Pipeline` dimension). */
export function pipelineMonitor(pipelineName: string, t: MonitoringThresholds["pipeline"], period: number): Monitor {
  const custom = pipelineMetricFactory({ [METRICS.dimension]: pipelineName }, period);
  return {
    id: "pipeline",
    kind: "pipeline",
    alarms: [
      {
        id: "error-count",
        metric: custom(METRICS.errorCount),
        thresholds: t.errorCount,
        comparison: "GreaterThanThreshold",
        describe: (n) => `More than ${n} row errors in ${period} s (CSV処理でエラーが${n}件を超えた場合)`,
      },
      {
        id: "critical-error-count",
        metric: custom(METRICS.criticalErrorCount),
        thresholds: t.criticalErrorCount,
        comparison: "GreaterThanOrEqualToThreshold",
        describe: (n) => `At least ${n} HIGH/CRITICAL row errors in ${period} s`,
      },
    ],
    graphs: [
      { title: "Row errors", metrics: ROW_METRICS.map(custom) },
      { title: "Notifications", metrics: [...NOTIFICATION_METRICS.map(custom), criticalErrorDetectedMetric(period)] },
    ],
  };
}
