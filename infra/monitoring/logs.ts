import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LOG_FIELDS, METRICS } from "../../functions/contract";
import { LogTableWidget } from "./log-table-widget";

/**
 * The check function's log, watched: it writes one JSON line per run (severity, level, counts), so a metric filter
 * counts CRITICAL runs and a saved Logs Insights query sums the runs by severity; the dashboard draws that query as
 * a table.
 */

/** The Logs Insights query of the original design, over the check function's JSON log fields. */
export const CHECK_RUNS_QUERY = [
  `fields @timestamp, ${[
    LOG_FIELDS.executionName,
    LOG_FIELDS.severity,
    LOG_FIELDS.level,
    LOG_FIELDS.errorCount,
    LOG_FIELDS.criticalCount,
    LOG_FIELDS.message,
  ].join(", ")}`,
  `| filter ispresent(${LOG_FIELDS.severity})`,
  `| stats count() as runs, sum(${LOG_FIELDS.errorCount}) as errors, sum(${LOG_FIELDS.criticalCount}) as critical by ${LOG_FIELDS.severity}, ${LOG_FIELDS.level}`,
  "| sort runs desc",
].join("\n");

/** Metric filter pattern over the check function's one-JSON-line-per-run log. */
export const CRITICAL_FILTER_PATTERN = `{ $.${LOG_FIELDS.severity} = "CRITICAL" }`;

/** What is created over the check function's log group. */
export interface CheckLogResources {
  /** Counts CRITICAL runs as the dimensionless `CriticalErrorDetected` metric. */
  criticalFilter: aws.cloudwatch.LogMetricFilter;
  /** The saved {@link CHECK_RUNS_QUERY}, named `<prefix>/check-runs-by-severity`. */
  query: aws.cloudwatch.QueryDefinition;
}

/** The metric filter and the saved query over the check function's log group, children of `parent`. */
export function checkLogResources(
  name: string,
  namePrefix: string,
  logGroup: aws.cloudwatch.LogGroup,
  parent: pulumi.Resource,
): CheckLogResources {
  const criticalFilter = new aws.cloudwatch.LogMetricFilter(
    `${name}-critical-filter`,
    {
      logGroupName: logGroup.name,
      pattern: CRITICAL_FILTER_PATTERN,
      metricTransformation: {
        namespace: METRICS.namespace,
        name: METRICS.criticalErrorDetected,
        value: "1",
        defaultValue: "0",
        unit: "Count",
      },
    },
    { parent },
  );
  const query = new aws.cloudwatch.QueryDefinition(
    `${name}-check-runs-query`,
    {
      name: `${namePrefix}/check-runs-by-severity`,
      logGroupNames: [logGroup.name],
      queryString: CHECK_RUNS_QUERY,
    },
    { parent },
  );
  return { criticalFilter, query };
}

/** The dashboard's full-width table of the check runs by severity, from the check function's log group. */
export function checkRunsWidget(logGroupName: pulumi.Input<string>): LogTableWidget {
  return new LogTableWidget({
    title: "Check runs by severity",
    query: pulumi.interpolate`SOURCE '${logGroupName}' | ${CHECK_RUNS_QUERY}`,
    width: 24,
    height: 6,
  });
}
