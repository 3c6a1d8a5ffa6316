import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { stackNamePrefix } from "./blueprint/naming";
import { ArrivalChecks } from "./infra/arrival";
import { loadStackConfig } from "./infra/config";
import { Monitoring } from "./infra/monitoring";
import { monitoringThresholds } from "./infra/monitoring/thresholds";
import { Notifications } from "./infra/notifications";
import { Pipeline } from "./infra/pipeline";
import { PipelineTables } from "./infra/tables";

/**
 * The Pulumi program: reads the stack's configuration once, composes the components and exports what a user needs
 * (where to upload, what runs, where to look).
 */
const config = loadStackConfig();
const namePrefix = stackNamePrefix(config.pipelineName, pulumi.getStack());
const arns = {
  partition: aws.getPartitionOutput().partition,
  region: aws.getRegionOutput().region,
  account: aws.getCallerIdentityOutput().accountId,
};

const tables = new PipelineTables("errors", { namePrefix });
const notifications = new Notifications("notify", {
  namePrefix,
  slackWebhookUrl: config.slackWebhookUrl,
  onCallEmail: config.onCallEmail,
  emailTo: config.emailTo,
  feeds: config.feeds,
});
const pipeline = new Pipeline("pipeline", { namePrefix, config, tables, notifications, arns });
// A schedule per feed with an `arrival` rule: a file that has not come by its deadline is announced.
const arrival = new ArrivalChecks("arrival", {
  namePrefix,
  config,
  tables,
  notifications,
  checkFunction: pipeline.functions.functions.checkErrors.fn,
  arns,
});
const monitoring = new Monitoring("monitoring", {
  // The `Pipeline` dimension the functions emit (their PIPELINE_NAME): the stack-qualified name.
  pipelineName: namePrefix,
  namePrefix,
  thresholds: monitoringThresholds(config.alarms),
  functions: pipeline.functions,
  stateMachine: pipeline.stateMachine,
  tables: tables.tables,
  alarmTopic: notifications.alarmTopic,
  feedAlarmTopics: notifications.feedAlarmTopics,
  teamTopic: notifications.teamTopic,
  onCallTopicArn: config.onCallTopicArn,
  deadLetterQueue: pipeline.deadLetterQueue,
  feeds: config.feeds,
});

export const bucketName = pipeline.bucket.bucket;
/** An upload that starts a run of the first feed. */
export const uploadCommand = pulumi.interpolate`aws s3 cp samples/orders.csv s3://${pipeline.bucket.bucket}/${config.feeds[0].prefix}orders.csv`;
/** Where each feed's files go: feed name → `s3://bucket/prefix`. */
export const uploadPrefixes = pipeline.bucket.bucket.apply((bucket) =>
  Object.fromEntries(config.feeds.map((feed) => [feed.name, `s3://${bucket}/${feed.prefix}`])),
);
export const stateMachineArn = pipeline.stateMachine.arn;
export const alertTopicArn = notifications.topic.arn;
export const alarmTopicArn = notifications.alarmTopic.arn;
export const teamTopicArn = notifications.teamTopic.arn;
export const onCallTopicArn = config.onCallTopicArn;
export const errorTableName = tables.table.name;
export const runsTableName = tables.runsTable.name;
/** Where the run manifests and reports are (`<resultsPrefix><exec>.json` and `.html`): the operator's CLI reads it. */
export const resultsPrefix = config.outputs.resultsPrefix;
/** The stack's Slack webhook parameter; undefined when the stack sets no webhook (every feed has its own). */
export const slackWebhookParameter = notifications.webhookParameter?.name;
export const dashboardUrl = monitoring.dashboard.url;
/** Upload events EventBridge could not deliver (their runs never started): each one pages on-call. */
export const deadLetterQueueUrl = pipeline.deadLetterQueue.url;
export const deadLetterQueueArn = pipeline.deadLetterQueue.arn;
/** Each feed with an `arrival` rule: the schedule that checks its file at the deadline. */
export const arrivalSchedules = arrival.plan.map((s) => `${s.feed}: ${s.expression} ${s.timeZone}`);
