import { type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { METRICS } from "../contract";
import type { RunMetricValues } from "../core/notify/run";
import { clients } from "./clients";

/** The values one check attempt emits: all six on the first publication, a subset when a retry adds to it. */
export type RunMetrics = Partial<RunMetricValues>;

const NAMES: Record<keyof RunMetricValues, string> = {
  errorCount: METRICS.errorCount,
  criticalErrorCount: METRICS.criticalErrorCount,
  rowsProcessed: METRICS.rowsProcessed,
  notificationsSent: METRICS.notificationsSent,
  notificationsSuppressed: METRICS.notificationsSuppressed,
  notificationsFailed: METRICS.notificationsFailed,
};

/**
 * The metric data of one check attempt (the values given, in a fixed order), all in `CSV/Processing` with the
 * single dimension `Pipeline`.
 *
 * Why PutMetricData rather than Embedded Metric Format: the check emits six values once per run, so one API call is
 * cheap, and it lets the check observe the outcome (a failure is logged as such, and the local runner and tests can
 * assert exactly what was sent). EMF would tie metric creation to the log pipeline, and the per-run JSON line would
 * have to carry the metric directive beside the fields the log metric filter and Logs Insights read.
 *
 * Why only `Pipeline`: alarms watch the metric with exactly these dimensions; a per-execution dimension would make
 * every run a new metric (billed, and invisible to an alarm without that dimension). Per-execution detail goes to
 * the structured log line instead.
 */
export function runMetricData(pipelineName: string, m: RunMetrics, timestamp: Date): MetricDatum[] {
  const dims = [{ Name: METRICS.dimension, Value: pipelineName }];
  const datum = (MetricName: string, Value: number): MetricDatum => ({
    MetricName,
    Value,
    Unit: "Count",
    Dimensions: dims,
    Timestamp: timestamp,
  });
  const data: MetricDatum[] = [];
  for (const key of Object.keys(NAMES) as (keyof RunMetricValues)[]) {
    const value = m[key];
    if (value !== undefined) data.push(datum(NAMES[key], value));
  }
  return data;
}

/** Sends the given metrics in one PutMetricData call. */
export async function putRunMetrics(pipelineName: string, m: RunMetrics, timestamp: Date): Promise<void> {
  await clients
    .cloudwatch()
    .send(
      new PutMetricDataCommand({ Namespace: METRICS.namespace, MetricData: runMetricData(pipelineName, m, timestamp) }),
    );
}
