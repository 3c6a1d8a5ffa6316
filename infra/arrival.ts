import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type ArrivalSchedule, arrivalRoleStatements, arrivalSchedules } from "../blueprint/arrival";
import { METRICS } from "../functions/contract";
import type { StackConfig } from "./config";
import { type ArnContext, serviceRole } from "./iam";
import { alarmActions } from "./monitoring/alarms";
import type { Notifications } from "./notifications";
import { lambdaCode, stageHandler } from "./package";
import type { PipelineTables } from "./tables";

/** The arrival check's function: name, entry, memory and timeout. */
export const ARRIVAL_FUNCTION = {
  name: "check-arrival",
  entry: "functions/check-arrival.ts",
  memorySize: 256,
  timeout: 60,
} as const;

/** Arguments of {@link ArrivalChecks}. */
export interface ArrivalChecksArgs {
  namePrefix: string;
  config: StackConfig;
  tables: PipelineTables;
  notifications: Notifications;
  /** The error check: the arrival check reads the same environment (feeds, policies, tables, channels). */
  checkFunction: aws.lambda.Function;
  arns: ArnContext;
}

/**
 * The file that never came: for each feed with an `arrival` rule, an EventBridge Scheduler schedule that invokes the
 * `check-arrival` function at the deadline (cron in the feed's `notifyPolicy.timeZone`), the function with a role
 * granting exactly what it calls, the schedules' role (lambda:InvokeFunction on that function alone) and the
 * `FilesMissing` alarm. Nothing is created when no feed has a rule.
 */
export class ArrivalChecks extends pulumi.ComponentResource {
  readonly schedules: Record<string, aws.scheduler.Schedule> = {};
  readonly fn?: aws.lambda.CallbackFunction<unknown, unknown>;
  readonly alarm?: aws.cloudwatch.MetricAlarm;
  readonly plan: ArrivalSchedule[];

  constructor(name: string, args: ArrivalChecksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("csv-pipeline:index:ArrivalChecks", name, {}, opts);
    const { config, notifications, arns } = args;
    this.plan = arrivalSchedules(config.feeds);
    if (this.plan.length === 0) {
      this.registerOutputs({});
      return;
    }
    const functionName = `${args.namePrefix}-${ARRIVAL_FUNCTION.name}`;
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/lambda/${functionName}`, retentionInDays: config.logRetentionDays },
      { parent: this },
    );
    const statements = arrivalRoleStatements<pulumi.Input<string>>(
      {
        runsTableArn: args.tables.runsTable.arn,
        alertTopicArn: notifications.topic.arn,
        keyArn: notifications.key.arn,
        webhookParameterArns: notifications.webhookParametersInUse().map((p) => p.arn),
        logGroupArn: logGroup.arn,
        ...arns,
      },
      {
        emailFrom: config.emailFrom,
        emailTo: [...new Set([...config.emailTo, ...config.feeds.flatMap((f) => f.emailTo)])],
      },
      (...parts) => pulumi.concat(...parts),
    );
    const { role, policy } = serviceRole(`${name}-role`, "lambda.amazonaws.com", statements, this);
    const code = lambdaCode(stageHandler(ARRIVAL_FUNCTION.name, ARRIVAL_FUNCTION.entry));
    const fn = new aws.lambda.CallbackFunction<unknown, unknown>(
      `${name}-fn`,
      {
        callbackFactory: code.callbackFactory,
        codePathOptions: code.codePathOptions,
        role,
        runtime: aws.lambda.Runtime.NodeJS22dX,
        architectures: ["arm64"],
        memorySize: ARRIVAL_FUNCTION.memorySize,
        timeout: ARRIVAL_FUNCTION.timeout,
        // The error check's variables: the same feeds, policies, tables and channels.
        environment: { variables: args.checkFunction.environment.apply((e) => e?.variables ?? {}) },
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        description: `${config.pipelineName}: ${ARRIVAL_FUNCTION.name}`,
      },
      { parent: this, dependsOn: [policy, logGroup] },
    );
    this.fn = fn;

    // EventBridge Scheduler assumes this role to invoke the function (asynchronously), and may invoke nothing else.
    const schedulerRole = new aws.iam.Role(
      `${name}-scheduler-role`,
      {
        assumeRolePolicy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "scheduler.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "aws:SourceAccount": arns.account } },
            },
          ],
        }),
      },
      { parent: this },
    );
    const invoke = new aws.iam.RolePolicy(
      `${name}-scheduler-invoke`,
      {
        role: schedulerRole.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "InvokeArrivalCheck", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [fn.arn] },
          ],
        }),
      },
      { parent: this },
    );
    for (const schedule of this.plan) {
      this.schedules[schedule.feed] = new aws.scheduler.Schedule(
        `${name}-${schedule.feed}`,
        {
          name: `${args.namePrefix}-arrival-${schedule.feed}`,
          description: `Has feed ${schedule.feed}'s file arrived? ${schedule.expression} ${schedule.timeZone}`,
          scheduleExpression: schedule.expression,
          scheduleExpressionTimezone: schedule.timeZone,
          flexibleTimeWindow: { mode: "OFF" },
          target: {
            arn: fn.arn,
            roleArn: schedulerRole.arn,
            input: JSON.stringify(schedule.input),
            retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
          },
        },
        { parent: this, dependsOn: [invoke] },
      );
    }

    // The notice pages on-call at the rule's severity; the alarm keeps the miss visible and informs the team once
    // more, without paging twice.
    this.alarm = new aws.cloudwatch.MetricAlarm(
      `${name}-files-missing`,
      {
        name: `${args.namePrefix}-files-missing-warning`,
        alarmDescription: "[Warning] A feed's file had not arrived by its arrival deadline",
        namespace: METRICS.namespace,
        metricName: METRICS.filesMissing,
        dimensions: { [METRICS.dimension]: args.namePrefix },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        ...alarmActions("Warning", {
          alarmTopicArn: notifications.alarmTopic.arn,
          teamTopicArn: notifications.teamTopic.arn,
          onCallTopicArn: config.onCallTopicArn,
        }),
      },
      { parent: this },
    );
    this.registerOutputs({ schedules: Object.keys(this.schedules), functionArn: fn.arn });
  }
}
