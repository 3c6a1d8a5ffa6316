import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  checkEnvironmentSize,
  type FeedEnvSettings,
  feedEnvironment,
  outcomeEnvironment,
} from "../blueprint/function-env";
import { FUNCTION_KEYS, FUNCTION_SPECS, type FunctionKey } from "../blueprint/function-specs";
import { roleStatements } from "../blueprint/role-statements";
import { ENV, feedSchemaKey } from "../functions/contract";
import type { StackConfig } from "./config";
import { type ArnContext, type PolicyStatement, serviceRole } from "./iam";
import type { Notifications } from "./notifications";
import { type HandlerBundle, lambdaCode, stageHandler } from "./package";
import type { PipelineTables } from "./tables";

export { FUNCTION_KEYS, FUNCTION_SPECS, type FunctionKey } from "../blueprint/function-specs";

/**
 * How much longer a Task state waits than its function may run: the function's own timeout ends the invocation
 * first and reaches the state machine as the function's error (retried or caught as such), not as `States.Timeout`.
 */
export const TASK_TIMEOUT_MARGIN_SECONDS = 60;

/** `TimeoutSeconds` of the Task state that invokes a function: its timeout plus the margin. */
export function taskTimeoutSeconds(key: FunctionKey): number {
  return FUNCTION_SPECS[key].timeout + TASK_TIMEOUT_MARGIN_SECONDS;
}

/** Arguments of {@link Functions}. */
export interface FunctionsArgs {
  /** Prefix of physical names (`stackNamePrefix`); also the functions' PIPELINE_NAME, the `Pipeline` dimension. */
  namePrefix: string;
  config: StackConfig;
  tables: PipelineTables;
  notifications: Notifications;
  bucket: aws.s3.Bucket;
  /** ARN of the state machine (known before it exists: its name is fixed), shown in console links. */
  stateMachineArn: pulumi.Input<string>;
  arns: ArnContext;
}

/** One deployed handler with its role, policy and log group. */
export interface DeployedFunction {
  key: FunctionKey;
  bundle: HandlerBundle;
  fn: aws.lambda.CallbackFunction<unknown, unknown>;
  role: aws.iam.Role;
  policy: aws.iam.RolePolicy;
  statements: PolicyStatement[];
  logGroup: aws.cloudwatch.LogGroup;
}

/**
 * The five Lambda handlers as `aws.lambda.CallbackFunction`s (nodejs22.x, arm64), each with its own role granting
 * exactly the actions its code calls on exact ARNs, a log group with retention, and its environment from the
 * contract module's `ENV` names: its own variables hold the first feed's settings and `FEEDS` every feed's (see
 * `feedEnvironment`).
 */
export class Functions extends pulumi.ComponentResource {
  readonly functions: Record<FunctionKey, DeployedFunction>;

  constructor(name: string, args: FunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("csv-pipeline:index:Functions", name, {}, opts);
    const { config, tables, notifications, bucket, arns } = args;
    const logGroups = {} as Record<FunctionKey, aws.cloudwatch.LogGroup>;
    for (const key of FUNCTION_KEYS) {
      logGroups[key] = new aws.cloudwatch.LogGroup(
        `${name}-${FUNCTION_SPECS[key].name}-logs`,
        {
          name: `/aws/lambda/${args.namePrefix}-${FUNCTION_SPECS[key].name}`,
          retentionInDays: config.logRetentionDays,
        },
        { parent: this },
      );
    }

    // Every webhook parameter some feed reads, and nothing else: the check may read exactly these.
    const webhookParameters = notifications.webhookParametersInUse();
    const statements: Record<FunctionKey, PolicyStatement[]> = roleStatements<pulumi.Input<string>>(
      {
        bucketArn: bucket.arn,
        errorTableArn: tables.table.arn,
        runsTableArn: tables.runsTable.arn,
        executionIndexArn: tables.executionIndexArn,
        alertTopicArn: notifications.topic.arn,
        keyArn: notifications.key.arn,
        webhookParameterArns: webhookParameters.map((p) => p.arn),
        logGroupArns: Object.fromEntries(FUNCTION_KEYS.map((k) => [k, logGroups[k].arn])) as Record<
          FunctionKey,
          pulumi.Output<string>
        >,
        executionArns: pulumi
          .output(args.stateMachineArn)
          .apply((arn) => `${arn.replace(":stateMachine:", ":execution:")}:*`),
        ...arns,
      },
      {
        feeds: config.feeds.map((f) => ({ prefix: f.prefix, schemaKey: feedSchemaKey(f.name) })),
        outputs: config.outputs,
        emailFrom: config.emailFrom,
        // SES in its sandbox authorizes each recipient: the stack's and every feed's.
        emailTo: [...new Set([...config.emailTo, ...config.feeds.flatMap((f) => f.emailTo)])],
      },
      (...parts) => pulumi.concat(...parts),
    );

    const common = {
      [ENV.errorTable]: tables.table.name,
      [ENV.runsTable]: tables.runsTable.name,
      // The stack-qualified name: two stacks of one pipeline in an account keep their metrics (and alarms) apart.
      [ENV.pipelineName]: args.namePrefix,
      [ENV.errorRetentionDays]: String(config.errorRetentionDays),
    };
    const [first] = config.feeds;
    const outcomes = outcomeEnvironment(config.outputs, first.policy.locale);
    const own: Record<FunctionKey, Record<string, pulumi.Input<string>>> = {
      splitCsv: {
        ...common,
        ...outcomes.splitCsv,
        // The upload claim asks Step Functions whether the execution holding it is still running.
        [ENV.stateMachineArn]: args.stateMachineArn,
        [ENV.chunkRows]: String(config.chunkRows),
        [ENV.chunkBytes]: String(config.chunkBytes),
      },
      processChunk: { ...common, ...outcomes.processChunk },
      aggregateResults: { ...common, ...outcomes.aggregateResults, [ENV.resultsBucket]: bucket.bucket },
      findDuplicates: { [ENV.pipelineName]: args.namePrefix, ...outcomes.findDuplicates },
      checkErrors: {
        ...common,
        ...outcomes.checkErrors,
        [ENV.alertTopicArn]: notifications.topic.arn,
        // The first feed's parameter, when it posts to Slack, replaces the stack's (see feedEnvironment); a stack
        // without a webhook of its own names only its feeds'.
        ...(notifications.webhookParameter ? { [ENV.slackWebhookParameter]: notifications.webhookParameter.name } : {}),
        ...(config.emailFrom ? { [ENV.emailFrom]: config.emailFrom } : {}),
        [ENV.consoleRegion]: arns.region,
        [ENV.stateMachineArn]: args.stateMachineArn,
        [ENV.checkLogGroup]: logGroups.checkErrors.name,
      },
    };
    // The schema locations name the bucket and the webhook parameters are resources: the feed variables are known
    // once both are.
    const feedVariables = pulumi
      .all([
        bucket.bucket,
        pulumi.all(config.feeds.map((f) => notifications.webhookParameterOf(f.name)?.name ?? pulumi.output(""))),
      ])
      .apply(([bucketName, parameterNames]) =>
        feedEnvironment(
          config.feeds.map(
            (f, i): FeedEnvSettings => ({
              name: f.name,
              prefix: f.prefix,
              schemaKey: feedSchemaKey(f.name),
              locale: f.policy.locale,
              notifyPolicy: f.policy,
              emailTo: f.emailTo,
              slackWebhookParameter: parameterNames[i] || undefined,
            }),
          ),
          bucketName,
        ),
      );
    const environment = {} as Record<FunctionKey, pulumi.Output<Record<string, string>>>;
    for (const key of FUNCTION_KEYS) {
      environment[key] = pulumi.all([pulumi.all(own[key]), feedVariables]).apply(([variables, feeds]) => {
        const merged = { ...variables, ...feeds[key] };
        // Here every value is known: a function AWS would refuse fails the program, naming what makes it large.
        checkEnvironmentSize(FUNCTION_SPECS[key].name, merged);
        return merged;
      });
    }

    const deployed = {} as Record<FunctionKey, DeployedFunction>;
    for (const key of FUNCTION_KEYS) {
      const spec = FUNCTION_SPECS[key];
      const bundle = stageHandler(spec.name, spec.entry);
      const { role, policy } = serviceRole(`${name}-${spec.name}-role`, "lambda.amazonaws.com", statements[key], this);
      const code = lambdaCode(bundle);
      const fn = new aws.lambda.CallbackFunction<unknown, unknown>(
        `${name}-${spec.name}`,
        {
          callbackFactory: code.callbackFactory,
          codePathOptions: code.codePathOptions,
          role,
          runtime: aws.lambda.Runtime.NodeJS22dX,
          architectures: ["arm64"],
          memorySize: spec.memorySize,
          timeout: spec.timeout,
          environment: { variables: environment[key] },
          loggingConfig: { logFormat: "Text", logGroup: logGroups[key].name },
          description: `${config.pipelineName}: ${spec.name}`,
        },
        { parent: this, dependsOn: [policy, logGroups[key]] },
      );
      deployed[key] = { key, bundle, fn, role, policy, statements: statements[key], logGroup: logGroups[key] };
    }
    this.functions = deployed;
    this.registerOutputs(Object.fromEntries(FUNCTION_KEYS.map((k) => [k, deployed[k].fn.arn])));
  }
}
