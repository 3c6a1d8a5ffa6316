import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { LOG_FIELDS, METRICS, type TableKey } from "../functions/contract";
import { tableOperations } from "../blueprint/table-operations";
import type { AlarmThresholds } from "./config";
import { deadLetterMonitor } from "./dead-letter-monitor";
import { FUNCTION_KEYS, FUNCTION_SPECS, type FunctionKey, type Functions } from "./functions";
import { LogTableWidget } from "./log-table-widget";
import {
  ALARM_SEVERITIES,
  type AlarmSeverity,
  type Monitor,
  type MonitorAlarm,
  type MonitorGraph,
  type MonitorKind,
  type SeverityThresholds,
} from "./monitor-model";

const cw = awsx.classic.cloudwatch;
type Metric = awsx.classic.cloudwatch.Metric;

/** Who hears an alarm: Critical pages on-call, Warning informs the team. */

/** What each monitor alarms on, by severity. */
export interface MonitoringThresholds {
  /** Period of every alarm, in seconds (a multiple of 60). */
  periodSeconds: number;
  pipeline: { errorCount: SeverityThresholds; criticalErrorCount: SeverityThresholds };
  stateMachine: {
    executionsFailed: SeverityThresholds;
    executionsTimedOut: SeverityThresholds;
    executionsAborted: SeverityThresholds;
  };
  functions: { errors: SeverityThresholds; throttles: SeverityThresholds };
  tables: { throttledRequests: SeverityThresholds };
  /** Messages waiting in the upload rules' dead-letter queue. */
  deadLetters: { messagesVisible: SeverityThresholds };
}

/**
 * The thresholds of every monitor from the stack's `alarms` configuration: row errors page on-call at the
 * configured counts; a failed, timed-out or aborted execution pages on-call, and so does an upload event in the
 * dead-letter queue (a run that never started); function errors and throttles and table throttling inform the team.
 */
export function monitoringThresholds(alarms: AlarmThresholds): MonitoringThresholds {
  return {
    periodSeconds: alarms.periodSeconds,
    pipeline: {
      errorCount: { Critical: alarms.errorCount },
      criticalErrorCount: { Critical: alarms.criticalErrorCount },
    },
    stateMachine: {
      executionsFailed: { Critical: 1 },
      executionsTimedOut: { Critical: 1 },
      executionsAborted: { Critical: 1 },
    },
    functions: { errors: { Warning: 1 }, throttles: { Warning: 1 } },
    tables: { throttledRequests: { Warning: 1 } },
    deadLetters: { messagesVisible: { Critical: 0 } },
  };
}

/** One alarm as created: which monitor, which metric, which severity. */
export interface AlarmSpec {
  /** `<monitor>-<alarm>-<severity>`: the alarm's name after the name prefix, and its key in `Monitoring.alarms`. */
  id: string;
  monitor: string;
  kind: MonitorKind;
  severity: AlarmSeverity;
  metric: Metric;
  threshold: number;
  comparison: MonitorAlarm["comparison"];
  description: string;
}

/** The one alarm naming scheme: `<prefix>-<monitor>-<alarm>-<severity>`, all lower case. */
export function alarmId(monitor: string, alarm: string, severity: AlarmSeverity): string {
  return `${monitor}-${alarm}-${severity.toLowerCase()}`;
}

/** Who is notified when an alarm of a severity fires and when it recovers. */
export interface AlarmTargets {
  /** Critical alarms: the alarm topic (the on-call e-mail is subscribed to it without a filter). */
  alarmTopicArn: pulumi.Input<string>;
  /** Warning alarms: the team. */
  teamTopicArn: pulumi.Input<string>;
  /** Existing on-call topic (PagerDuty/Opsgenie) that Critical alarms also notify. */
  onCallTopicArn?: string;
}

/** The one place alarm actions are decided: Warning informs the team; Critical pages on-call and reports recovery. */
export function alarmActions(
  severity: AlarmSeverity,
  targets: AlarmTargets,
): { alarmActions: pulumi.Input<string>[]; okActions: pulumi.Input<string>[] } {
  if (severity === "Warning") return { alarmActions: [targets.teamTopicArn], okActions: [] };
  return {
    alarmActions: [targets.alarmTopicArn, ...(targets.onCallTopicArn ? [targets.onCallTopicArn] : [])],
    okActions: [targets.alarmTopicArn],
  };
}

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

/** DynamoDB operations watched for throttling on each table: every operation the functions call on it. */
export const TABLE_OPERATIONS: Record<TableKey, readonly string[]> = tableOperations();
const TABLE_LABELS: Record<TableKey, string> = { errors: "error", runs: "run-state" };

const STATE_MACHINE_ALARMS = [
  { metric: "ExecutionsFailed", key: "executionsFailed", id: "executions-failed" },
  { metric: "ExecutionsTimedOut", key: "executionsTimedOut", id: "executions-timedout" },
  { metric: "ExecutionsAborted", key: "executionsAborted", id: "executions-aborted" },
] as const;

/** Arguments of {@link Monitoring}. */
export interface MonitoringArgs {
  /** Value of the `Pipeline` dimension of the custom metrics. */
  pipelineName: string;
  /** Prefix of the physical names (alarms, saved query, dashboard). */
  namePrefix: string;
  thresholds: MonitoringThresholds;
  functions: Functions;
  stateMachine: aws.sfn.StateMachine;
  /** The pipeline's tables by the contract's key. */
  tables: Record<TableKey, aws.dynamodb.Table>;
  /** Critical alarms go here (on-call, unfiltered). */
  alarmTopic: aws.sns.Topic;
  /**
   * The alarm topic of each feed that pages an on-call of its own (by feed name): that feed's Critical alarms go there
   * instead of to `alarmTopic`.
   */
  feedAlarmTopics?: Readonly<Record<string, aws.sns.Topic>>;
  /** Warning alarms go here (the team), not to on-call. */
  teamTopic: aws.sns.Topic;
  /** Existing on-call topic (PagerDuty/Opsgenie) that Critical alarms also notify. */
  onCallTopicArn?: string;
  /** The dead-letter queue of the upload rules' targets (its messages page on-call). */
  deadLetterQueue?: aws.sqs.Queue;
  /** The stack's feeds, in configuration order: each gets a dashboard row, and alarms when it sets `alarms`. */
  feeds: readonly MonitoredFeed[];
}

/** What monitoring needs of one feed. */
export interface MonitoredFeed {
  name: string;
  prefix: string;
  /** Alarms on the feed's own metrics (`{Pipeline, Feed}`); unset: the feed has none of its own. */
  alarms?: AlarmThresholds;
}

/**
 * Monitoring in the manner of cdk-monitoring-constructs: one monitor per thing watched (the pipeline's own
 * metrics, the state machine, each function, each table), each declaring its alarms with thresholds by severity
 * and its graphs; one naming scheme ({@link alarmId}) and one action helper ({@link alarmActions}) for every alarm;
 * a dashboard laid out by monitor kind, with the alarms and the saved query, and one row per feed.
 */
export class Monitoring extends pulumi.ComponentResource {
  readonly monitors: Monitor[];
  readonly alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};
  readonly specs: AlarmSpec[];
  readonly dashboard: awsx.classic.cloudwatch.Dashboard;
  readonly criticalFilter: aws.cloudwatch.LogMetricFilter;
  readonly query: aws.cloudwatch.QueryDefinition;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("csv-pipeline:index:Monitoring", name, {}, opts);
    const period = args.thresholds.periodSeconds;
    const fns = args.functions.functions;

    this.monitors = [
      pipelineMonitor(args.pipelineName, args.thresholds, period),
      stateMachineMonitor(args.stateMachine, args.thresholds, period),
      ...FUNCTION_KEYS.map((key) => functionMonitor(key, fns[key].fn, args.thresholds, period)),
      ...(Object.keys(TABLE_OPERATIONS) as TableKey[]).map((key) =>
        tableMonitor(key, args.tables[key], args.thresholds, period),
      ),
      ...args.feeds.map((feed) => feedMonitor(args.pipelineName, feed, period)),
      ...(args.deadLetterQueue
        ? [deadLetterMonitor(args.deadLetterQueue, args.thresholds.deadLetters.messagesVisible, period)]
        : []),
    ];
    this.specs = this.monitors.flatMap((monitor) =>
      monitor.alarms.flatMap((alarm) =>
        ALARM_SEVERITIES.flatMap((severity): AlarmSpec[] => {
          const threshold = alarm.thresholds[severity];
          if (threshold === undefined) return [];
          return [
            {
              id: alarmId(monitor.id, alarm.id, severity),
              monitor: monitor.id,
              kind: monitor.kind,
              severity,
              metric: alarm.metric,
              threshold,
              comparison: alarm.comparison,
              description: alarm.describe(threshold),
            },
          ];
        }),
      ),
    );

    const targets: AlarmTargets = {
      alarmTopicArn: args.alarmTopic.arn,
      teamTopicArn: args.teamTopic.arn,
      onCallTopicArn: args.onCallTopicArn,
    };
    const feedOfMonitor = new Map(args.feeds.map((feed) => [feedMonitorId(feed.name), feed.name]));
    /** A feed with its own on-call is paged for its own alarms, as for its own CRITICAL notices. */
    const targetsOf = (spec: AlarmSpec): AlarmTargets => {
      const feed = feedOfMonitor.get(spec.monitor);
      const own = feed === undefined ? undefined : args.feedAlarmTopics?.[feed];
      return own ? { ...targets, alarmTopicArn: own.arn } : targets;
    };
    for (const spec of this.specs) {
      this.alarms[spec.id] = spec.metric.createAlarm(
        `${name}-${spec.id}`,
        {
          name: `${args.namePrefix}-${spec.id}`,
          alarmDescription: `[${spec.severity}] ${spec.description}`,
          threshold: spec.threshold,
          comparisonOperator: spec.comparison,
          evaluationPeriods: 1,
          treatMissingData: "notBreaching",
          ...alarmActions(spec.severity, targetsOf(spec)),
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
        name: `${args.namePrefix}/check-runs-by-severity`,
        logGroupNames: [checkLogGroup.name],
        queryString: CHECK_RUNS_QUERY,
      },
      { parent: this },
    );

    const graphs = dashboardGraphs(this.monitors).map(
      (g) => new cw.LineGraphMetricWidget({ title: g.title, metrics: g.metrics, width: 12 }),
    );
    const halfWidth: awsx.classic.cloudwatch.Widget[] = [
      ...graphs,
      new cw.AlarmWidget({ title: "Alarms", alarms: Object.values(this.alarms).map((a) => a.arn), width: 12 }),
    ];
    const rows: awsx.classic.cloudwatch.Widget[] = [
      new cw.RowWidget(new cw.TextWidget({ markdown: `# ${args.pipelineName}: CSV processing`, width: 24, height: 1 })),
    ];
    for (let i = 0; i < halfWidth.length; i += 2) rows.push(new cw.RowWidget(...halfWidth.slice(i, i + 2)));
    for (const feed of args.feeds) {
      const monitor = this.monitors.find((m) => m.id === feedMonitorId(feed.name))!;
      const alarms = this.specs.filter((spec) => spec.monitor === monitor.id);
      const lines = [
        `### Feed ${feed.name}`,
        `Uploads under \`${feed.prefix}\``,
        alarms.length > 0 ? alarms.map((spec) => `- ${spec.description}`).join("\n") : "No alarms of its own.",
      ];
      rows.push(
        new cw.RowWidget(
          new cw.TextWidget({ markdown: lines.join("\n\n"), width: 6, height: 6 }),
          ...monitor.graphs.map((g) => new cw.LineGraphMetricWidget({ title: g.title, metrics: g.metrics, width: 9 })),
        ),
      );
    }
    rows.push(
      new cw.RowWidget(
        new LogTableWidget({
          title: "Check runs by severity",
          query: pulumi.interpolate`SOURCE '${checkLogGroup.name}' | ${CHECK_RUNS_QUERY}`,
          width: 24,
          height: 6,
        }),
      ),
    );
    this.dashboard = new cw.Dashboard(`${name}-dashboard`, { name: args.namePrefix, widgets: rows }, { parent: this });
    this.registerOutputs({ dashboardUrl: this.dashboard.url });
  }
}

/** The order in which the dashboard shows monitor kinds. */
export const DASHBOARD_KIND_ORDER: readonly MonitorKind[] = ["pipeline", "stateMachine", "function", "table"];

/**
 * The dashboard's graphs: kinds in {@link DASHBOARD_KIND_ORDER}; within a kind, graphs of the same title (one per
 * function, one per table) are merged into one, in monitor order.
 */
export function dashboardGraphs(monitors: readonly Monitor[]): MonitorGraph[] {
  const out: MonitorGraph[] = [];
  for (const kind of DASHBOARD_KIND_ORDER) {
    const byTitle = new Map<string, MonitorGraph>();
    for (const monitor of monitors.filter((m) => m.kind === kind)) {
      for (const graph of monitor.graphs) {
        const merged = byTitle.get(graph.title);
        if (merged) merged.metrics.push(...graph.metrics);
        else {
          const copy = { title: graph.title, metrics: [...graph.metrics] };
          byTitle.set(graph.title, copy);
          out.push(copy);
        }
      }
    }
  }
  return out;
}

/** The pipeline's own metrics (emitted by the check, with the single `Pipeline` dimension). */
function pipelineMonitor(pipelineName: string, t: MonitoringThresholds, period: number): Monitor {
  const custom = (metricName: string) =>
    new cw.Metric({
      namespace: METRICS.namespace,
      name: metricName,
      dimensions: { [METRICS.dimension]: pipelineName },
      period,
      statistic: "Sum",
    });
  return {
    id: "pipeline",
    kind: "pipeline",
    alarms: [
      {
        id: "error-count",
        metric: custom(METRICS.errorCount),
        thresholds: t.pipeline.errorCount,
        comparison: "GreaterThanThreshold",
        describe: (n) => `More than ${n} row errors in ${period} s (CSV処理でエラーが${n}件を超えた場合)`,
      },
      {
        id: "critical-error-count",
        metric: custom(METRICS.criticalErrorCount),
        thresholds: t.pipeline.criticalErrorCount,
        comparison: "GreaterThanOrEqualToThreshold",
        describe: (n) => `At least ${n} HIGH/CRITICAL row errors in ${period} s`,
      },
    ],
    graphs: [
      {
        title: "Row errors",
        // WarningCount beside the errors, graphed only: no alarm watches it (a header warning rejects no row).
        metrics: [METRICS.errorCount, METRICS.criticalErrorCount, METRICS.warningCount, METRICS.rowsProcessed].map(
          custom,
        ),
      },
      {
        title: "Notifications",
        metrics: [
          ...[METRICS.notificationsSent, METRICS.notificationsSuppressed, METRICS.notificationsFailed].map(custom),
          // The log metric filter's metric carries no dimension.
          new cw.Metric({
            namespace: METRICS.namespace,
            name: METRICS.criticalErrorDetected,
            period,
            statistic: "Sum",
          }),
        ],
      },
    ],
  };
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
  const custom = (metricName: string) =>
    new cw.Metric({
      namespace: METRICS.namespace,
      name: metricName,
      dimensions: { [METRICS.dimension]: pipelineName, [METRICS.feedDimension]: feed.name },
      period,
      statistic: "Sum",
    });
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
      {
        title: `${feed.name}: row errors`,
        // WarningCount beside the errors, graphed only: no alarm watches it (a header warning rejects no row).
        metrics: [METRICS.errorCount, METRICS.criticalErrorCount, METRICS.warningCount, METRICS.rowsProcessed].map(
          custom,
        ),
      },
      {
        title: `${feed.name}: notifications`,
        metrics: [METRICS.notificationsSent, METRICS.notificationsSuppressed, METRICS.notificationsFailed].map(custom),
      },
    ],
  };
}

/** The state machine's executions. */
function stateMachineMonitor(stateMachine: aws.sfn.StateMachine, t: MonitoringThresholds, period: number): Monitor {
  const states = (metricName: string) =>
    new cw.Metric({
      namespace: "AWS/States",
      name: metricName,
      dimensions: { StateMachineArn: stateMachine.arn },
      period,
      statistic: "Sum",
    });
  return {
    id: "sfn",
    kind: "stateMachine",
    alarms: STATE_MACHINE_ALARMS.map((a) => ({
      id: a.id,
      metric: states(a.metric),
      thresholds: t.stateMachine[a.key],
      comparison: "GreaterThanOrEqualToThreshold",
      describe: (n) => `State machine ${a.metric} ≥ ${n} in ${period} s`,
    })),
    graphs: [
      {
        title: "Executions",
        metrics: [
          "ExecutionsStarted",
          "ExecutionsSucceeded",
          "ExecutionsFailed",
          "ExecutionsTimedOut",
          "ExecutionsAborted",
        ].map(states),
      },
    ],
  };
}

/** One Lambda function's errors and throttles. */
function functionMonitor(key: FunctionKey, fn: aws.lambda.Function, t: MonitoringThresholds, period: number): Monitor {
  const fnName = FUNCTION_SPECS[key].name;
  const errors = awsx.classic.lambda.metrics.errors({ function: fn, period, statistic: "Sum" });
  const throttles = awsx.classic.lambda.metrics.throttles({ function: fn, period, statistic: "Sum" });
  return {
    id: fnName,
    kind: "function",
    alarms: [
      {
        id: "errors",
        metric: errors,
        thresholds: t.functions.errors,
        comparison: "GreaterThanOrEqualToThreshold",
        describe: (n) => `${fnName}: at least ${n} invocation errors in ${period} s (retried by the state machine)`,
      },
      {
        id: "throttles",
        metric: throttles,
        thresholds: t.functions.throttles,
        comparison: "GreaterThanOrEqualToThreshold",
        describe: (n) => `${fnName}: at least ${n} throttled invocations in ${period} s`,
      },
    ],
    graphs: [{ title: "Lambda errors and throttles", metrics: [errors, throttles] }],
  };
}

/** One table's throttled requests, per operation the handlers call. */
function tableMonitor(key: TableKey, table: aws.dynamodb.Table, t: MonitoringThresholds, period: number): Monitor {
  const metrics = TABLE_OPERATIONS[key].map((operation) => ({
    operation,
    // awsx's type of `operation` lists fewer operations than DynamoDB reports by (TransactWriteItems, …).
    metric: awsx.classic.dynamodb.metrics.throttledRequests({
      table,
      operation: operation as "PutItem",
      period,
      statistic: "Sum",
    }),
  }));
  return {
    id: `${key}-table`,
    kind: "table",
    alarms: metrics.map(({ operation, metric }) => ({
      id: `${operation.toLowerCase()}-throttled`,
      metric,
      thresholds: t.tables.throttledRequests,
      comparison: "GreaterThanOrEqualToThreshold",
      describe: (n) => `DynamoDB throttled at least ${n} ${operation} requests on the ${TABLE_LABELS[key]} table`,
    })),
    graphs: [{ title: "DynamoDB throttled requests", metrics: metrics.map((m) => m.metric) }],
  };
}
