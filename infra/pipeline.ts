import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { feedResourceName } from "../blueprint/naming";
import { START_INPUT_TRANSFORMER, startRulePattern } from "../blueprint/start-rule";
import {
  DEFAULT_FEED,
  DIGEST_FLUSH_EVENT,
  feedSchemaKey,
  type OutcomeSettings,
  WORK_PREFIX,
} from "../functions/contract";
import { buildPipeline } from "../workflow/pipeline";
import { renderOnArns } from "../workflow/pulumi";
import type { StackConfig } from "./config";
import { allowRulesToDeadLetter, eventDeadLetterQueue, RULE_TARGET_RETRY } from "./dead-letter";
import { FUNCTION_KEYS, type FunctionKey, Functions, taskTimeoutSeconds } from "./functions";
import { type ArnContext, type PolicyStatement, serviceRole } from "./iam";
import type { Notifications } from "./notifications";
import type { PipelineTables } from "./tables";

/** Arguments of {@link Pipeline}. */
export interface PipelineArgs {
  /** Prefix of physical names, unique per stack (see `stackNamePrefix`). */
  namePrefix: string;
  config: StackConfig;
  tables: PipelineTables;
  notifications: Notifications;
  arns: ArnContext;
}

/** How often deferred digests are flushed. */
export const DIGEST_FLUSH_MINUTES = 15;

export { CSV_EXTENSION, csvKeyPatterns } from "../blueprint/start-rule";

/**
 * Days after which a run's outputs expire: its manifest, processed parts and rejected files alike. They expire
 * together so that a manifest never names files that are gone nor leaves them behind unnamed; and the processed and
 * rejected files are copies of the uploaded rows (e-mail addresses and the like), kept as long as the run's report
 * and no longer. An operator who needs them longer copies them elsewhere; the upload itself does not expire.
 */
export const RESULT_EXPIRY_DAYS = 30;

/**
 * Days after which S3 drops an unfinished multipart upload. The functions stream large outputs as multipart uploads
 * and may not abort them (no `s3:AbortMultipartUpload`: a grant used only when a write fails); the parts of an upload
 * cut short by a failed or timed-out invocation stay invisible but billed until this rule removes them. One day is
 * far longer than any upload of the pipeline or of a file into the input prefix takes.
 */
export const INCOMPLETE_UPLOAD_DAYS = 1;

/**
 * Days after which a run's intermediate objects under `_work/` expire (the chunks' unique-key hashes, the duplicates
 * found): a run reads them only while it runs (hours at most), and a failed run's are left behind. A week keeps
 * them for a look at a run that failed, then drops the copies of key values they are derived from.
 */
export const WORK_EXPIRY_DAYS = 7;

/**
 * The bucket's lifecycle rules: each output prefix expires, the runs' intermediate objects after a week, and
 * unfinished multipart uploads are dropped.
 */
export function lifecycleRules(outputs: OutcomeSettings): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  const expire = (id: string, prefix: string) => ({
    id,
    status: "Enabled",
    filter: { prefix },
    expiration: { days: RESULT_EXPIRY_DAYS },
  });
  return [
    expire("expire-results", outputs.resultsPrefix),
    expire("expire-processed", outputs.processedPrefix),
    expire("expire-rejected", outputs.rejectedPrefix),
    { id: "expire-work", status: "Enabled", filter: { prefix: WORK_PREFIX }, expiration: { days: WORK_EXPIRY_DAYS } },
    {
      id: "abort-incomplete-uploads",
      status: "Enabled",
      filter: { prefix: "" },
      abortIncompleteMultipartUpload: { daysAfterInitiation: INCOMPLETE_UPLOAD_DAYS },
    },
  ];
}

/** What the pipeline deployed for one feed: its schema object and the rule (with its target) that starts its runs. */
export interface DeployedFeed {
  name: string;
  prefix: string;
  schemaObject: aws.s3.BucketObjectv2;
  rule: aws.cloudwatch.EventRule;
  target: aws.cloudwatch.EventTarget;
}

/**
 * The input bucket (EventBridge notifications on, public access blocked, encrypted, lifecycle on the outputs), the
 * five functions, the Standard state machine (definition from `workflow/` on real ARNs, its role derived from the
 * graph, logging to a log group) and, per feed, its row schema object and the EventBridge rule that starts the state
 * machine for each `.csv` under the feed's prefix. The `default` feed's resources keep the names a single-feed stack
 * has always had; other feeds' names end in `-<feed>`.
 */
export class Pipeline extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  /** The first feed's schema object. */
  readonly schemaObject: aws.s3.BucketObjectv2;
  /** Each feed's schema object and rule, in configuration order. */
  readonly feeds: DeployedFeed[] = [];
  readonly functions: Functions;
  readonly stateMachineName: string;
  readonly stateMachineArn: pulumi.Output<string>;
  readonly stateMachine: aws.sfn.StateMachine;
  readonly stateMachineRole: aws.iam.Role;
  readonly stateMachineStatements: PolicyStatement[];
  readonly stateMachineLogGroup: aws.cloudwatch.LogGroup;
  /** The first feed's rule. */
  readonly rule: aws.cloudwatch.EventRule;
  readonly ruleRole: aws.iam.Role;
  readonly ruleStatements: PolicyStatement[];
  /** Upload events EventBridge could not deliver to the state machine (after {@link RULE_TARGET_RETRY}). */
  readonly deadLetterQueue: aws.sqs.Queue;
  readonly digestSchedule: aws.cloudwatch.EventRule;
  /** The state machine definition as deployed. */
  readonly definition: pulumi.Output<string>;

  constructor(name: string, args: PipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("csv-pipeline:index:Pipeline", name, {}, opts);
    const { config, arns } = args;

    this.bucket = new aws.s3.Bucket(`${name}-input`, { forceDestroy: false }, { parent: this });
    new aws.s3.BucketPublicAccessBlock(
      `${name}-input-public-access`,
      {
        bucket: this.bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-input-encryption`,
      {
        bucket: this.bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
      },
      { parent: this },
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-input-ownership`,
      { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent: this },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-input-lifecycle`,
      { bucket: this.bucket.id, rules: lifecycleRules(config.outputs) },
      { parent: this },
    );
    const notification = new aws.s3.BucketNotification(
      `${name}-input-events`,
      { bucket: this.bucket.id, eventbridge: true },
      { parent: this },
    );
    const schemaObjects = config.feeds.map(
      (feed) =>
        new aws.s3.BucketObjectv2(
          feedResourceName(`${name}-schema`, feed.name),
          {
            bucket: this.bucket.id,
            key: feedSchemaKey(feed.name),
            content: feed.schemaJson,
            contentType: "application/json",
          },
          { parent: this },
        ),
    );
    this.schemaObject = schemaObjects[0];

    this.stateMachineName = args.namePrefix.slice(0, 80);
    this.stateMachineArn = pulumi.interpolate`arn:${arns.partition}:states:${arns.region}:${arns.account}:stateMachine:${this.stateMachineName}`;

    this.functions = new Functions(
      `${name}-fn`,
      {
        namePrefix: args.namePrefix,
        config,
        tables: args.tables,
        notifications: args.notifications,
        bucket: this.bucket,
        stateMachineArn: this.stateMachineArn,
        arns,
      },
      { parent: this },
    );
    const fns = this.functions.functions;
    const resources = {
      ...(Object.fromEntries(FUNCTION_KEYS.map((k) => [k, fns[k].fn.arn])) as Record<
        FunctionKey,
        pulumi.Output<string>
      >),
      alertTopic: args.notifications.topic.arn,
    };
    const rendered = renderOnArns(resources, (arnsOf) =>
      buildPipeline({
        pattern: config.pattern,
        resources: arnsOf,
        options: {
          mapConcurrency: config.mapConcurrency,
          toleratedFailurePercentage: config.toleratedFailurePercentage,
          // The split and chunk tasks share one timeout: the longer of their functions' plus the margin.
          taskTimeoutSeconds: Math.max(...(["splitCsv", "processChunk"] as const).map(taskTimeoutSeconds)),
          aggregateTimeoutSeconds: taskTimeoutSeconds("aggregateResults"),
          checkTimeoutSeconds: taskTimeoutSeconds("checkErrors"),
          findDuplicatesTimeoutSeconds: taskTimeoutSeconds("findDuplicates"),
        },
      }),
    );
    this.definition = rendered.definition;

    this.stateMachineLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-sfn-logs`,
      { name: `/aws/vendedlogs/states/${this.stateMachineName}`, retentionInDays: config.logRetentionDays },
      { parent: this },
    );
    const executions = pulumi.interpolate`arn:${arns.partition}:states:${arns.region}:${arns.account}:execution:${this.stateMachineName}/*`;
    this.stateMachineStatements = [
      { Sid: "InvokePipelineFunctions", Action: ["lambda:InvokeFunction"], Resource: rendered.lambdas },
      { Sid: "PublishCheckFailure", Action: ["sns:Publish"], Resource: rendered.topics },
      {
        Sid: "EncryptForAlertTopic",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: [args.notifications.key.arn],
        Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`sns.${arns.region}.amazonaws.com` } },
      },
      { Sid: "DistributedMapChildren", Action: ["states:StartExecution"], Resource: [this.stateMachineArn] },
      {
        Sid: "DistributedMapChildrenControl",
        Action: ["states:DescribeExecution", "states:StopExecution"],
        Resource: [executions],
      },
      {
        Sid: "DeliverExecutionLogs",
        Action: [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
        ],
        // CloudWatch Logs vended delivery has no resource-level permissions: AWS accepts only "*".
        Resource: ["*"],
      },
    ];
    const sfnRole = serviceRole(`${name}-sfn-role`, "states.amazonaws.com", this.stateMachineStatements, this);
    this.stateMachineRole = sfnRole.role;
    this.stateMachine = new aws.sfn.StateMachine(
      `${name}-sfn`,
      {
        name: this.stateMachineName,
        type: "STANDARD",
        roleArn: sfnRole.role.arn,
        definition: this.definition,
        loggingConfiguration: {
          level: "ERROR",
          includeExecutionData: false,
          logDestination: pulumi.interpolate`${this.stateMachineLogGroup.arn}:*`,
        },
        tracingConfiguration: { enabled: false },
      },
      { parent: this, dependsOn: [sfnRole.policy] },
    );

    this.ruleStatements = [
      { Sid: "StartPipeline", Action: ["states:StartExecution"], Resource: [this.stateMachine.arn] },
    ];
    const ruleRole = serviceRole(`${name}-rule-role`, "events.amazonaws.com", this.ruleStatements, this);
    this.ruleRole = ruleRole.role;
    this.deadLetterQueue = eventDeadLetterQueue(name, args.namePrefix, this);
    for (const [i, feed] of config.feeds.entries()) {
      const ruleName = feedResourceName(`${name}-csv-uploaded`, feed.name);
      const rule = new aws.cloudwatch.EventRule(
        ruleName,
        {
          description: `Start ${this.stateMachineName} for each .csv uploaded under ${feed.prefix}${feed.name === DEFAULT_FEED ? "" : ` (feed ${feed.name})`}`,
          eventPattern: pulumi.jsonStringify(startRulePattern(this.bucket.bucket, feed.prefix)),
        },
        { parent: this, dependsOn: [notification] },
      );
      const target = new aws.cloudwatch.EventTarget(
        `${ruleName}-target`,
        {
          rule: rule.name,
          arn: this.stateMachine.arn,
          roleArn: ruleRole.role.arn,
          inputTransformer: {
            inputPaths: { ...START_INPUT_TRANSFORMER.inputPaths },
            inputTemplate: START_INPUT_TRANSFORMER.inputTemplate,
          },
          retryPolicy: { ...RULE_TARGET_RETRY },
          deadLetterConfig: { arn: this.deadLetterQueue.arn },
        },
        { parent: this, dependsOn: [ruleRole.policy] },
      );
      this.feeds.push({ name: feed.name, prefix: feed.prefix, schemaObject: schemaObjects[i], rule, target });
    }
    this.rule = this.feeds[0].rule;
    allowRulesToDeadLetter(
      name,
      this.deadLetterQueue,
      this.feeds.map((f) => f.rule),
      this,
    );

    // Deferred quiet-hours notices go out as a digest: the check flushes them when this schedule calls it.
    this.digestSchedule = new aws.cloudwatch.EventRule(
      `${name}-digest-flush`,
      {
        description: "Deliver deferred quiet-hours digests",
        scheduleExpression: `rate(${DIGEST_FLUSH_MINUTES} minutes)`,
      },
      { parent: this },
    );
    const check = fns.checkErrors.fn;
    new aws.lambda.Permission(
      `${name}-digest-flush-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: check.name,
        principal: "events.amazonaws.com",
        sourceArn: this.digestSchedule.arn,
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-digest-flush-target`,
      { rule: this.digestSchedule.name, arn: check.arn, input: JSON.stringify(DIGEST_FLUSH_EVENT) },
      { parent: this },
    );

    this.registerOutputs({ bucketName: this.bucket.bucket, stateMachineArn: this.stateMachine.arn });
  }
}
