import { METRICS } from "../../functions/contract";
import type { AlarmThresholds } from "../config";
import type { Monitor, SeverityThresholds } from "./model";
import { NOTIFICATION_METRICS, pipelineMetricFactory, ROW_METRICS } from "./pipeline-metrics";

/** What monitoring needs of one feed. */
export interface MonitoredFeed {
  name: string;
  prefix: string;
  /** Alarms on the feed's own metrics (`{Pipeline, Feed}`); unset: the feed has none of its own. */
  alarms?: AlarmThresholds;
}

/** The monitor id of a feed: the middle of its alarms' names (`<prefix>-feed-<name>-error-count-critical`). */
export function feedMonitorId(feed: string): string {
  return `feed-${feed}`;
}

/**
 * One feed's own metrics, on `{Pipeline, Feed}`: alarms at the feed's `alarms` thresholds (none when it sets none)
 * and the graphs of its dashboard row.
 */
export function feedMonitor(pipelineName: string, feed: MonitoredFeed, dashboardPeriod: number): Monitor {
  const period = feed.alarms?.periodSeconds ?? dashboardPeriod;
  const custom = pipelineMetricFactory(
    { [METRICS.dimension]: pipelineName, [METRICS.feedDimension]: feed.name },
    period,
  );
  const thresholds = (value: number | undefined): SeverityThresholds =>
    value === undefined ? {} : { Critical: value };
  return {
    id: feedMonitorId(feed.name),
    kind: "feed",
    alarms: [
      {
        id: "error-count",
        metric: custom(METRICS.errorCount),
        thresholds: thresholds(feed.alarms?.errorCount),
        comparison: "GreaterThanThreshold",
        describe: (n) => `Feed ${feed.name}: more than ${n} row errors in ${period} s`,
      },
      {
        id: "critical-error-count",
        metric: custom(METRICS.criticalErrorCount),
        thresholds: thresholds(feed.alarms?.criticalErrorCount),
        comparison: "GreaterThanOrEqualToThreshold",
        describe: (n) => `Feed ${feed.name}: at least ${n} HIGH/CRITICAL row errors in ${period} s`,
      },
    ],
    graphs: [
      { title: `${feed.name}: row errors`, metrics: ROW_METRICS.map(custom) },
      { title: `${feed.name}: notifications`, metrics: NOTIFICATION_METRICS.map(custom) },
    ],
  };
}
