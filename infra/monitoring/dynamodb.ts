import type * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import { tableOperations } from "../../blueprint/table-operations";
import type { TableKey } from "../../functions/contract";
import type { Metric, Monitor } from "./model";
import type { MonitoringThresholds } from "./thresholds";

/** DynamoDB operations watched for throttling on each table: every operation the functions call on it. */
export const TABLE_OPERATIONS: Record<TableKey, readonly string[]> = tableOperations();
const TABLE_LABELS: Record<TableKey, string> = { errors: "error", runs: "run-state" };

/** The metric factory of one DynamoDB table: its throttled requests of one operation, summed over `period`. */
export function throttledRequestsMetric(table: aws.dynamodb.Table, operation: string, period: number): Metric {
  return awsx.classic.dynamodb.metrics.throttledRequests({
    table,
    // awsx's type of `operation` lists fewer operations than DynamoDB reports by (TransactWriteItems, …).
    operation: operation as "PutItem",
    period,
    statistic: "Sum",
  });
}

/** One table's throttled requests, per operation the handlers call. */
export function tableMonitor(
  key: TableKey,
  table: aws.dynamodb.Table,
  t: MonitoringThresholds["tables"],
  period: number,
): Monitor {
  const metrics = TABLE_OPERATIONS[key].map((operation) => ({
    operation,
    metric: throttledRequestsMetric(table, operation, period),
  }));
  return {
    id: `${key}-table`,
    kind: "table",
    alarms: metrics.map(({ operation, metric }) => ({
      id: `${operation.toLowerCase()}-throttled`,
      metric,
      thresholds: t.throttledRequests,
      comparison: "GreaterThanOrEqualToThreshold",
      describe: (n) => `DynamoDB throttled at least ${n} ${operation} requests on the ${TABLE_LABELS[key]} table`,
    })),
    graphs: [{ title: "DynamoDB throttled requests", metrics: metrics.map((m) => m.metric) }],
  };
}
