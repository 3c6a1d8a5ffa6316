import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { METRICS } from "../functions/contract";
import type { AlarmThresholds } from "./config";
import { FUNCTION_KEYS, FUNCTION_SPECS, type Functions } from "./functions";

const cw = awsx.classic.cloudwatch;
type Metric = awsx.classic.cloudwatch.Metric;

/** Who hears an alarm: Critical pages on-call, Warning informs the team. */
export type AlarmSeverity = "Critical" | "Warning";

/** Arguments of {@link Monitoring}. */
export interface MonitoringArgs {
  pipelineName: string;
  thresholds: AlarmThresholds;
  functions: Functions;
  stateMachine: aws.sfn.StateMachine;
  tables: aws.dynamodb.Table[];
  alertTopic: aws.sns.Topic;
  /** Warning alarms go here (the team), not to on-call. */
  teamTopic: aws.sns.Topic;
  /** Existing on-call topic (PagerDuty/Opsgenie) that Critical alarms also notify. */
  onCallTopicArn?: string;
}

/** One alarm as declared: what it watches and how it is judged. */
export interface AlarmSpec {
  id: string;
  severity: AlarmSeverity;
  metric: Metric;
  threshold: number;
  comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";
  description: string;
}

/** The Logs Insights query of the original design, adapted to the check function's JSON log fields. */
export const CHECK_RUNS_QUERY = [
  "fields @timestamp, executionName, severity, level, errorCount, criticalCount, message",
  "| filter ispresent(severity)",
  "| stats count() as runs, sum(errorCount) as errors, sum(criticalCount) as critical by severity, level",
  "| sort runs desc",
].join("\n");

/** Metric filter pattern over the check function's one-JSON-line-per-run log. */
export const CRITICAL_FILTER_PATTERN = '{ $.severity = "CRITICAL" }';

/**
 * Monitoring in the manner of cdk-monitoring-constructs: one place builds every metric (custom metrics from the
 * contract's names with the single `Pipeline` dimension; AWS metrics through awsx's per-service helpers), alarms are
 * declared by severity with one naming scheme (`<pipeline>-<id>`) and one action helper, and the dashboard shows the
 * metrics, the alarms and the saved query with the stack's region.
 */
export class Monitoring extends pulumi.ComponentResource {
  readonly alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};
  readonly specs: AlarmSpec[];
  readonly dashboard: awsx.classic.cloudwatch.Dashboard;
  readonly criticalFilter: aws.cloudwatch.LogMetricFilter;
  readonly query: aws.cloudwatch.QueryDefinition;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("csv-pipeline:index:Monitoring", name, {}, opts);
    const t = args.thresholds;
    const period = t.periodSeconds;
    const fns = args.functions.functions;

    const custom = (metricName: string) =>
      new cw.Metric({
        namespace: METRICS.namespace,
        name: metricName,
        dimensions: { [METRICS.dimension]: args.pipelineName },
        period,
        statistic: "Sum",
      });
    const states = (metricName: string) =>
      new cw.Metric({
        namespace: "AWS/States",
        name: metricName,
        dimensions: { StateMachineArn: args.stateMachine.arn },
        period,
        statistic: "Sum",
      });
    const lambdaErrors = (k: (typeof FUNCTION_KEYS)[number]) =>
      awsx.classic.lambda.metrics.errors({ function: fns[k].fn, period, statistic: "Sum" });
    const lambdaThrottles = (k: (typeof FUNCTION_KEYS)[number]) =>
      awsx.classic.lambda.metrics.throttles({ function: fns[k].fn, period, statistic: "Sum" });
    const dynamoThrottles = (table: aws.dynamodb.Table, operation: "BatchWriteItem" | "PutItem" | "Query") =>
      awsx.classic.dynamodb.metrics.throttledRequests({ table, operation, period, statistic: "Sum" });

    this.specs = [
      {
        id: "error-count",
        severity: "Critical",
        metric: custom(METRICS.errorCount),
        threshold: t.errorCount,
        comparison: "GreaterThanThreshold",
        description: `More than ${t.errorCount} row errors in ${period} s (CSV処理でエラーが${t.errorCount}件を超えた場合)`,
      },
      {
        id: "critical-error-count",
        severity: "Critical",
        metric: custom(METRICS.criticalErrorCount),
        threshold: t.criticalErrorCount,
        comparison: "GreaterThanOrEqualToThreshold",
        description: `At least ${t.criticalErrorCount} HIGH/CRITICAL row errors in ${period} s`,
      },
      ...(["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"] as const).map(
        (m): AlarmSpec => ({
          id: `sfn-${m.replace("Executions", "executions-").toLowerCase()}`,
          severity: "Critical",
          metric: states(m),
          threshold: 1,
          comparison: "GreaterThanOrEqualToThreshold",
          description: `State machine ${m} ≥ 1 in ${period} s`,
        }),
      ),
      ...FUNCTION_KEYS.flatMap((k): AlarmSpec[] => [
        {
          id: `${FUNCTION_SPECS[k].name}-errors`,
          severity: "Warning",
          metric: lambdaErrors(k),
          threshold: 1,
          comparison: "GreaterThanOrEqualToThreshold",
          description: `${FUNCTION_SPECS[k].name} invocation errors (retried by the state machine)`,
        },
        {
          id: `${FUNCTION_SPECS[k].name}-throttles`,
          severity: "Warning",
          metric: lambdaThrottles(k),
          threshold: 1,
          comparison: "GreaterThanOrEqualToThreshold",
          description: `${FUNCTION_SPECS[k].name} throttled invocations`,
        },
      ]),
      ...args.tables.flatMap((table, i): AlarmSpec[] =>
        (i === 0 ? (["BatchWriteItem", "Query"] as const) : (["PutItem", "Query"] as const)).map((op) => ({
          id: `${i === 0 ? "errors" : "runs"}-table-${op.toLowerCase()}-throttled`,
          severity: "Warning" as const,
          metric: dynamoThrottles(table, op),
          threshold: 1,
          comparison: "GreaterThanOrEqualToThreshold" as const,
          description: `DynamoDB throttled ${op} requests on the ${i === 0 ? "error" : "run-state"} table`,
        })),
      ),
    ];

    for (const spec of this.specs) {
      this.alarms[spec.id] = spec.metric.createAlarm(
        `${name}-${spec.id}`,
        {
          name: `${args.pipelineName}-${spec.id}`,
          alarmDescription: `[${spec.severity}] ${spec.description}`,
          threshold: spec.threshold,
          comparisonOperator: spec.comparison,
          evaluationPeriods: 1,
          treatMissingData: "notBreaching",
          alarmActions: this.actions(spec.severity, args),
          okActions: spec.severity === "Critical" ? [args.alertTopic.arn] : [],
        },
        { parent: this },
      );
    }

    const checkLogGroup = fns.checkErrors.logGroup;
    this.criticalFilter = new aws.cloudwatch.LogMetricFilter(
      `${name}-critical-filter`,
      {
        logGroupName: checkLogGroup.name,
        pattern: CRITICAL_FILTER_PATTERN,
        metricTransformation: {
          namespace: METRICS.namespace,
          name: METRICS.criticalErrorDetected,
          value: "1",
          defaultValue: "0",
          unit: "Count",
        },
      },
      { parent: this },
    );
    this.query = new aws.cloudwatch.QueryDefinition(
      `${name}-check-runs-query`,
      {
        name: `${args.pipelineName}/check-runs-by-severity`,
        logGroupNames: [checkLogGroup.name],
        queryString: CHECK_RUNS_QUERY,
      },
      { parent: this },
    );

    const graph = (title: string, metrics: Metric[]) => new cw.LineGraphMetricWidget({ title, metrics, width: 12 });
    const alarmArns = Object.values(this.alarms).map((a) => a.arn);
    this.dashboard = new cw.Dashboard(
      `${name}-dashboard`,
      {
        name: `${args.pipelineName}-${pulumi.getStack()}`,
        widgets: [
          new cw.RowWidget(
            new cw.TextWidget({ markdown: `# ${args.pipelineName}: CSV processing`, width: 24, height: 1 }),
          ),
          new cw.RowWidget(
            graph("Row errors", [
              custom(METRICS.errorCount),
              custom(METRICS.criticalErrorCount),
              custom(METRICS.rowsProcessed),
            ]),
            graph("Notifications", [
              custom(METRICS.notificationsSent),
              custom(METRICS.notificationsSuppressed),
              custom(METRICS.notificationsFailed),
              new cw.Metric({
                namespace: METRICS.namespace,
                name: METRICS.criticalErrorDetected,
                period,
                statistic: "Sum",
              }),
            ]),
          ),
          new cw.RowWidget(
            graph(
              "Executions",
              [
                "ExecutionsStarted",
                "ExecutionsSucceeded",
                "ExecutionsFailed",
                "ExecutionsTimedOut",
                "ExecutionsAborted",
              ].map(states),
            ),
            graph(
              "Lambda errors and throttles",
              FUNCTION_KEYS.flatMap((k) => [lambdaErrors(k), lambdaThrottles(k)]),
            ),
          ),
          new cw.RowWidget(
            graph(
              "DynamoDB throttled requests",
              this.specs.filter((s) => s.id.includes("-table-")).map((s) => s.metric),
            ),
            new cw.AlarmWidget({ title: "Alarms", alarms: alarmArns, width: 12 }),
          ),
          new cw.RowWidget(
            new cw.LogWidget({
              title: "Check runs by severity",
              query: pulumi.interpolate`SOURCE '${checkLogGroup.name}' | ${CHECK_RUNS_QUERY}`,
              width: 24,
            }),
          ),
        ],
      },
      { parent: this },
    );
    this.registerOutputs({ dashboardUrl: this.dashboard.url });
  }

  /** The one place alarm actions are decided. */
  private actions(severity: AlarmSeverity, args: MonitoringArgs): pulumi.Input<string>[] {
    if (severity === "Warning") return [args.teamTopic.arn];
    return [args.alertTopic.arn, ...(args.onCallTopicArn ? [args.onCallTopicArn] : [])];
  }
}
