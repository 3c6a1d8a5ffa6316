import { type Dimension, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { METRICS } from "../contract";
import type { RunMetricValues } from "../core/notify/check-metrics";
import { clients } from "./clients";

/** The values one check attempt emits: all seven on the first publication, a subset when a retry adds to it. */
export type RunMetrics = Partial<RunMetricValues>;

const NAMES: Record<keyof RunMetricValues, string> = {
  errorCount: METRICS.errorCount,
  criticalErrorCount: METRICS.criticalErrorCount,
  warningCount: METRICS.warningCount,
  rowsProcessed: METRICS.rowsProcessed,
  notificationsSent: METRICS.notificationsSent,
  notificationsSuppressed: METRICS.notificationsSuppressed,
  notificationsFailed: METRICS.notificationsFailed,
};

/**
 * The metric data of one check attempt (the values given, in a fixed order), all in `CSV/Processing`: each value
 * with `{Pipeline}` and, when the run's feed is known, again with `{Pipeline, Feed}` (all `{Pipeline}` data first).
 *
 * Why PutMetricData rather than Embedded Metric Format: the check emits seven values once per run, so one API call is
 * cheap, and it lets the check observe the outcome (a failure is logged as such, and the local runner and tests can
 * assert exactly what was sent). EMF would tie metric creation to the log pipeline, and the per-run JSON line would
 * have to carry the metric directive beside the fields the log metric filter and Logs Insights read.
 *
 * Why these dimensions: alarms watch the metric with exactly these dimensions — the stack's on `{Pipeline}`, a feed's
 * on `{Pipeline, Feed}` — and both are bounded (one pipeline, at most `MAX_FEEDS` feeds); a per-execution dimension
 * would make every run a new metric (billed, and invisible to an alarm without that dimension). A key under no feed
 * adds no `Feed` value (it would be a metric no alarm or dashboard watches). Per-execution detail goes to the
 * structured log line instead.
 *
 * @example runMetricData("csv-pipeline", { errorCount: 3 }, now, "orders") // ErrorCount on {Pipeline} and {Pipeline, Feed}
 */
export function runMetricData(pipelineName: string, m: RunMetrics, timestamp: Date, feed?: string): MetricDatum[] {
  const pipeline: Dimension = { Name: METRICS.dimension, Value: pipelineName };
  const dimensionSets: Dimension[][] = [[pipeline]];
  if (feed !== undefined) dimensionSets.push([pipeline, { Name: METRICS.feedDimension, Value: feed }]);
  const data: MetricDatum[] = [];
  for (const Dimensions of dimensionSets) {
    for (const key of Object.keys(NAMES) as (keyof RunMetricValues)[]) {
      const Value = m[key];
      if (Value !== undefined)
        data.push({ MetricName: NAMES[key], Value, Unit: "Count", Dimensions, Timestamp: timestamp });
    }
  }
  return data;
}

/** Sends the given metrics in one PutMetricData call (with the feed's dimension set too, when `feed` is given). */
export async function putRunMetrics(
  pipelineName: string,
  m: RunMetrics,
  timestamp: Date,
  feed?: string,
): Promise<void> {
  await clients.cloudwatch().send(
    new PutMetricDataCommand({
      Namespace: METRICS.namespace,
      MetricData: runMetricData(pipelineName, m, timestamp, feed),
    }),
  );
}
