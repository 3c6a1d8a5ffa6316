import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, METRICS, PREFIXES, SCHEMA_OBJECT_KEY } from "../functions/contract";
import type { StackConfig } from "./config";
import { type ArnContext, type PolicyStatement, serviceRole } from "./iam";
import type { Notifications } from "./notifications";
import { type HandlerBundle, lambdaCode, stageHandler } from "./package";
import type { ErrorTable } from "./table";

/** The four handlers: module, memory and timeout. Keys match `workflow/pipeline.ts` resource names. */
export const FUNCTION_SPECS = {
  splitCsv: { name: "split-csv", entry: "functions/split-csv.ts", memorySize: 512, timeout: 900 },
  processChunk: { name: "process-chunk", entry: "functions/process-chunk.ts", memorySize: 1024, timeout: 900 },
  aggregateResults: {
    name: "aggregate-results",
    entry: "functions/aggregate-results.ts",
    memorySize: 256,
    timeout: 120,
  },
  checkErrors: {
    name: "check-errors-and-notify",
    entry: "functions/check-errors-and-notify.ts",
    memorySize: 256,
    timeout: 300,
  },
} as const;
export type FunctionKey = keyof typeof FUNCTION_SPECS;
export const FUNCTION_KEYS = Object.keys(FUNCTION_SPECS) as FunctionKey[];

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
  namePrefix: string;
  config: StackConfig;
  tables: ErrorTable;
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
 * The four Lambda handlers as `aws.lambda.CallbackFunction`s (nodejs22.x, arm64), each with its own role granting
 * exactly the actions its code calls on exact ARNs, a log group with retention, and its environment from the
 * contract module's `ENV` names.
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

    const objects = (prefix: string) => pulumi.interpolate`${bucket.arn}/${prefix}*`;
    const schemaLocation = pulumi.interpolate`s3://${bucket.bucket}/${SCHEMA_OBJECT_KEY}`;
    const logs = (key: FunctionKey): PolicyStatement => ({
      Sid: "WriteOwnLogs",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [pulumi.interpolate`${logGroups[key].arn}:*`],
    });
    const readInput: PolicyStatement = {
      Sid: "ReadInputAndSchema",
      Action: ["s3:GetObject"],
      Resource: [objects(config.inputPrefix), pulumi.interpolate`${bucket.arn}/${SCHEMA_OBJECT_KEY}`],
    };
    const writeErrors: PolicyStatement = {
      Sid: "WriteErrorRecords",
      Action: ["dynamodb:BatchWriteItem", "dynamodb:PutItem"],
      Resource: [tables.table.arn],
    };
    const writeSummary: PolicyStatement = {
      Sid: "WriteRunSummary",
      Action: ["dynamodb:PutItem"],
      Resource: [tables.runsTable.arn],
    };
    const viaService = (service: string) => ({
      StringEquals: { "kms:ViaService": pulumi.interpolate`${service}.${arns.region}.amazonaws.com` },
    });
    // SES authorizes SendEmail against the sender's identity and, while the account is in the SES sandbox, against
    // each recipient's identity too: each address and its domain (whichever of the two is the verified identity).
    const sesIdentities = (addresses: readonly string[]) =>
      [...new Set(addresses.flatMap((a) => [a, a.split("@")[1]]))].map(
        (identity) => pulumi.interpolate`arn:${arns.partition}:ses:${arns.region}:${arns.account}:identity/${identity}`,
      );

    const statements: Record<FunctionKey, PolicyStatement[]> = {
      splitCsv: [logs("splitCsv"), readInput, writeErrors, writeSummary],
      processChunk: [logs("processChunk"), readInput, writeErrors, writeSummary],
      aggregateResults: [
        logs("aggregateResults"),
        { Sid: "WriteResults", Action: ["s3:PutObject"], Resource: [objects(PREFIXES.results)] },
      ],
      checkErrors: [
        logs("checkErrors"),
        {
          Sid: "ReadErrorExamples",
          Action: ["dynamodb:Query"],
          Resource: [tables.executionIndexArn],
        },
        {
          Sid: "RunStateLedger",
          Action: [
            "dynamodb:Query",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
          ],
          Resource: [tables.runsTable.arn],
        },
        { Sid: "PublishAlerts", Action: ["sns:Publish"], Resource: [notifications.topic.arn] },
        {
          Sid: "EncryptForAlertTopic",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: [notifications.key.arn],
          Condition: viaService("sns"),
        },
        { Sid: "ReadWebhookParameter", Action: ["ssm:GetParameter"], Resource: [notifications.webhookParameter.arn] },
        {
          Sid: "DecryptWebhookParameter",
          Action: ["kms:Decrypt"],
          Resource: [notifications.key.arn],
          Condition: viaService("ssm"),
        },
        {
          Sid: "PutPipelineMetrics",
          Action: ["cloudwatch:PutMetricData"],
          // PutMetricData has no resource type: "*" is the only value AWS accepts; the namespace condition narrows it.
          Resource: ["*"],
          Condition: { StringEquals: { "cloudwatch:namespace": METRICS.namespace } },
        },
        ...(config.emailFrom
          ? [
              {
                Sid: "SendEmail",
                Action: ["ses:SendEmail"],
                Resource: sesIdentities([config.emailFrom, ...(config.emailTo ?? [])]),
                Condition: { StringEquals: { "ses:FromAddress": config.emailFrom } },
              },
            ]
          : []),
      ],
    };

    const common = {
      [ENV.errorTable]: tables.table.name,
      [ENV.runsTable]: tables.runsTable.name,
      [ENV.pipelineName]: config.pipelineName,
      [ENV.errorRetentionDays]: String(config.errorRetentionDays),
    };
    const environment: Record<FunctionKey, Record<string, pulumi.Input<string>>> = {
      splitCsv: {
        ...common,
        [ENV.schemaLocation]: schemaLocation,
        [ENV.chunkRows]: String(config.chunkRows),
        [ENV.chunkBytes]: String(config.chunkBytes),
      },
      processChunk: { ...common, [ENV.schemaLocation]: schemaLocation },
      aggregateResults: { ...common, [ENV.resultsBucket]: bucket.bucket, [ENV.resultsPrefix]: PREFIXES.results },
      checkErrors: {
        ...common,
        [ENV.alertTopicArn]: notifications.topic.arn,
        [ENV.slackWebhookParameter]: notifications.webhookParameter.name,
        ...(config.emailFrom ? { [ENV.emailFrom]: config.emailFrom, [ENV.emailTo]: config.emailTo.join(",") } : {}),
        [ENV.notifyPolicy]: JSON.stringify(config.policy),
        [ENV.consoleRegion]: arns.region,
        [ENV.stateMachineArn]: args.stateMachineArn,
        [ENV.checkLogGroup]: logGroups.checkErrors.name,
      },
    };

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
