import type * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import type { TableKey } from "../../functions/contract";
import { FUNCTION_KEYS, type Functions } from "../functions";
import { type AlarmSpec, type AlarmTargets, alarmActions, alarmSpecs } from "./alarms";
import { dashboardRows } from "./dashboard";
import { deadLetterMonitor } from "./dead-letter";
import { TABLE_OPERATIONS, tableMonitor } from "./dynamodb";
import { feedMonitor, feedMonitorId, type MonitoredFeed } from "./feed";
import { functionMonitor } from "./lambda";
import { checkLogResources } from "./logs";
import type { Monitor } from "./model";
import { pipelineMonitor } from "./pipeline-metrics";
import { stateMachineMonitor } from "./state-machine";
import type { MonitoringThresholds } from "./thresholds";

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

/**
 * Monitoring in the manner of cdk-monitoring-constructs: one monitor per thing watched, each in its own file with
 * its metric factory — the pipeline's own metrics (`./pipeline-metrics.ts`) and each feed's (`./feed.ts`), the state
 * machine, each function (`./lambda.ts`), each table (`./dynamodb.ts`), the upload events' dead-letter queue — each
 * declaring its alarms with thresholds by severity (`./thresholds.ts`) and its graphs; one naming scheme and one
 * action helper for every alarm (`./alarms.ts`); the check log's metric filter and saved query (`./logs.ts`); a
 * dashboard laid out by monitor kind, with the alarms and the saved query, and one row per feed (`./dashboard.ts`).
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
    const t = args.thresholds;
    const period = t.periodSeconds;
    const fns = args.functions.functions;

    this.monitors = [
      pipelineMonitor(args.pipelineName, t.pipeline, period),
      stateMachineMonitor(args.stateMachine, t.stateMachine, period),
      ...FUNCTION_KEYS.map((key) => functionMonitor(key, fns[key].fn, t.functions, period)),
      ...(Object.keys(TABLE_OPERATIONS) as TableKey[]).map((key) =>
        tableMonitor(key, args.tables[key], t.tables, period),
      ),
      ...args.feeds.map((feed) => feedMonitor(args.pipelineName, feed, period)),
      ...(args.deadLetterQueue ? [deadLetterMonitor(args.deadLetterQueue, t.deadLetters.messagesVisible, period)] : []),
    ];
    this.specs = alarmSpecs(this.monitors);

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
    ({ criticalFilter: this.criticalFilter, query: this.query } = checkLogResources(
      name,
      args.namePrefix,
      checkLogGroup,
      this,
    ));

    const widgets = dashboardRows({
      pipelineName: args.pipelineName,
      monitors: this.monitors,
      specs: this.specs,
      alarmArns: Object.values(this.alarms).map((a) => a.arn),
      feeds: args.feeds,
      checkLogGroupName: checkLogGroup.name,
    });
    this.dashboard = new awsx.classic.cloudwatch.Dashboard(
      `${name}-dashboard`,
      { name: args.namePrefix, widgets },
      { parent: this },
    );
    this.registerOutputs({ dashboardUrl: this.dashboard.url });
  }
}
