import {
  DEFAULT_OUTCOME_SETTINGS,
  METRICS,
  type OutcomeSettings,
  SCHEMA_OBJECT_KEY,
  WORK_PREFIX,
} from "../functions/contract";
import type { FunctionKey } from "./function-specs";

/**
 * One IAM policy statement. `S` is how a resource value is held: `pulumi.Input<string>` in the Pulumi program,
 * `string` where the same statements are evaluated without Pulumi (the local S3 endpoint, tests).
 */
export interface RoleStatement<S> {
  Sid: string;
  Effect?: "Allow";
  Action: string[];
  Resource: S[];
  Condition?: Record<string, Record<string, S | S[]>>;
}

/** The ARNs (and account context) the function roles name. */
export interface RoleRefs<S> {
  bucketArn: S;
  errorTableArn: S;
  runsTableArn: S;
  executionIndexArn: S;
  alertTopicArn: S;
  /** The customer managed key of the alert topic and the webhook parameter. */
  keyArn: S;
  /** The SSM parameters holding Slack webhook URLs some feed reads: the stack's (when it has one), each feed's own. */
  webhookParameterArns: S[];
  logGroupArns: Record<FunctionKey, S>;
  /** The state machine's executions (`arn:…:execution:<state machine name>:*`). */
  executionArns: S;
  partition: S;
  region: S;
  account: S;
}

/** The stack settings the function roles depend on. */
export interface RoleSettings {
  /** Each feed's input prefix and the object key of its row schema. */
  feeds?: readonly RoleFeed[];
  /** A single feed's input prefix, when `feeds` is not given. */
  inputPrefix?: string;
  /** That feed's schema key (default: the key the program uploads it to). */
  schemaKey?: string;
  /** Where row outcomes go and whether processed parts are written (default: the contract's defaults). */
  outputs?: OutcomeSettings;
  emailFrom?: string;
  emailTo?: readonly string[];
}

/** What the function roles need of one feed. */
export interface RoleFeed {
  prefix: string;
  schemaKey: string;
}

/** The feeds of the settings: `feeds`, or the one feed `inputPrefix` and `schemaKey` describe. */
function roleFeeds(settings: RoleSettings): readonly RoleFeed[] {
  if (settings.feeds !== undefined) return settings.feeds;
  if (settings.inputPrefix === undefined) throw new Error("roleStatements: give feeds or inputPrefix");
  return [{ prefix: settings.inputPrefix, schemaKey: settings.schemaKey ?? SCHEMA_OBJECT_KEY }];
}

/** Concatenates resource parts (`pulumi.concat` in the program, `Array.join` without Pulumi). */
export type JoinParts<S> = (...parts: (S | string)[]) => S;

/**
 * The statements of each function's role: exactly the actions its code calls, on exact ARNs. The Pulumi program
 * renders them as each role's inline policy; the local S3 endpoint evaluates the same statements for each
 * function's requests.
 *
 * @example roleStatements(localRefs, { inputPrefix: "incoming/" }, (...p) => p.join(""))
 */
export function roleStatements<S>(
  refs: RoleRefs<S>,
  settings: RoleSettings,
  join: JoinParts<S>,
): Record<FunctionKey, RoleStatement<S>[]> {
  const objects = (prefix: string) => join(refs.bucketArn, `/${prefix}*`);
  const outputs = settings.outputs ?? DEFAULT_OUTCOME_SETTINGS;
  // The keys of OUTCOME_KEYS, with `*` for the execution name (IAM's `*` also matches "/"; the names have none).
  const rejectedParts = join(refs.bucketArn, `/${outputs.rejectedPrefix}*/parts/*`);
  const logs = (key: FunctionKey): RoleStatement<S> => ({
    Sid: "WriteOwnLogs",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: [join(refs.logGroupArns[key], ":*")],
  });
  const feeds = roleFeeds(settings);
  const readInput: RoleStatement<S> = {
    Sid: "ReadInputAndSchema",
    Action: ["s3:GetObject"],
    Resource: [
      ...feeds.map((feed) => objects(feed.prefix)),
      ...[...new Set(feeds.map((feed) => feed.schemaKey))].map((key) => join(refs.bucketArn, `/${key}`)),
    ],
  };
  // An S3 event from a versioned bucket names the upload's version, and the functions read exactly that version:
  // S3 authorizes a GetObject or HeadObject that gives a versionId as s3:GetObjectVersion (s3:GetObject is then
  // neither needed nor enough). Only the uploads are read by version, never the schema.
  const readInputVersions: RoleStatement<S> = {
    Sid: "ReadInputVersions",
    Action: ["s3:GetObjectVersion"],
    Resource: feeds.map((feed) => objects(feed.prefix)),
  };
  // S3 answers a read of a missing key with 403 AccessDenied unless the caller may list the bucket, and with
  // 404 NoSuchKey when it may; it checks the listing grant with the key as `s3:prefix`. split-csv finds the uploaded
  // key by its ETag and size among the event's spellings (raw and URL-decoded) and needs neither answer, but a 404
  // for a key that is not there tells an operator more than a 403: it may list the input prefix, nothing else.
  const listInput: RoleStatement<S> = {
    Sid: "ListInputPrefix",
    Action: ["s3:ListBucket"],
    Resource: [refs.bucketArn],
    Condition: {
      StringLike: {
        "s3:prefix": feeds.length === 1 ? join(`${feeds[0].prefix}*`) : feeds.map((feed) => join(`${feed.prefix}*`)),
      },
    },
  };
  const writeErrors: RoleStatement<S> = {
    Sid: "WriteErrorRecords",
    Action: ["dynamodb:BatchWriteItem", "dynamodb:PutItem"],
    Resource: [refs.errorTableArn],
  };
  const writeSummary: RoleStatement<S> = {
    Sid: "WriteRunSummary",
    Action: ["dynamodb:PutItem"],
    Resource: [refs.runsTableArn],
  };
  // A chunk writes its parts while it reads: the valid rows (when processed parts are on) and its rejected rows and
  // error lines, which AggregateResults composes. Multipart uploads need s3:PutObject only; s3:AbortMultipartUpload
  // is not granted (it is used only when a write fails) and the bucket's lifecycle drops unfinished uploads.
  const writeProcessedParts: RoleStatement<S>[] = outputs.processed
    ? [
        {
          Sid: "WriteProcessedParts",
          Action: ["s3:PutObject"],
          Resource: [join(refs.bucketArn, `/${outputs.processedPrefix}*/part-*.csv`)],
        },
      ]
    : [];

  // Uniqueness across the file (`WORK_KEYS`): each chunk writes its key hashes in its first pass and reads the
  // duplicates found in its second; find-duplicates reads every chunk's key file and writes the duplicates it found.
  // find-duplicates reads the key file of a chunk that failed before writing one (a Map that tolerates failed
  // chunks): that read must answer 404, not 403, so it may list the work prefix, nothing else.
  const uniqueKeyFiles = join(refs.bucketArn, `/${WORK_PREFIX}*/unique/keys/*`);
  const uniqueDupsFiles = join(refs.bucketArn, `/${WORK_PREFIX}*/unique/dups/*`);
  const listWork: RoleStatement<S> = {
    Sid: "ListWorkPrefix",
    Action: ["s3:ListBucket"],
    Resource: [refs.bucketArn],
    Condition: { StringLike: { "s3:prefix": join(`${WORK_PREFIX}*`) } },
  };

  return {
    splitCsv: [
      logs("splitCsv"),
      readInput,
      readInputVersions,
      listInput,
      writeErrors,
      writeSummary,
      // The upload claim: read who holds it, and ask Step Functions whether that execution is still running, so a
      // failed, timed-out or aborted run's upload can be processed again.
      { Sid: "ReadUploadClaim", Action: ["dynamodb:GetItem"], Resource: [refs.runsTableArn] },
      { Sid: "DescribeClaimHolder", Action: ["states:DescribeExecution"], Resource: [refs.executionArns] },
    ],
    processChunk: [
      logs("processChunk"),
      readInput,
      readInputVersions,
      writeErrors,
      writeSummary,
      ...writeProcessedParts,
      { Sid: "WriteRejectedParts", Action: ["s3:PutObject"], Resource: [rejectedParts] },
      { Sid: "WriteUniqueKeyFiles", Action: ["s3:PutObject"], Resource: [uniqueKeyFiles] },
      // Only partitions whose dups file was written are listed to it: no missing object to tell from a denied one.
      { Sid: "ReadDuplicateFiles", Action: ["s3:GetObject"], Resource: [uniqueDupsFiles] },
      // The second pass returns a chunk without duplicates as its first pass stored it.
      { Sid: "ReadChunkSummary", Action: ["dynamodb:GetItem"], Resource: [refs.runsTableArn] },
    ],
    findDuplicates: [
      logs("findDuplicates"),
      { Sid: "ReadUniqueKeyFiles", Action: ["s3:GetObject"], Resource: [uniqueKeyFiles] },
      listWork,
      { Sid: "WriteDuplicateFiles", Action: ["s3:PutObject"], Resource: [uniqueDupsFiles] },
    ],
    aggregateResults: [
      logs("aggregateResults"),
      // The chunks' summaries in the runs table tell which chunks completed, also when the Map failed and handed
      // over no results; the feed's earlier runs there are what the dataset history rules compare with.
      { Sid: "ReadChunkSummaries", Action: ["dynamodb:Query"], Resource: [refs.runsTableArn] },
      { Sid: "ReadRejectedParts", Action: ["s3:GetObject"], Resource: [rejectedParts] },
      {
        Sid: "WriteRejectedFiles",
        Action: ["s3:PutObject"],
        Resource: [
          join(refs.bucketArn, `/${outputs.rejectedPrefix}*/rows.csv`),
          join(refs.bucketArn, `/${outputs.rejectedPrefix}*/errors.csv`),
        ],
      },
      { Sid: "WriteResults", Action: ["s3:PutObject"], Resource: [objects(outputs.resultsPrefix)] },
    ],
    checkErrors: [
      logs("checkErrors"),
      {
        Sid: "ReadErrorExamples",
        Action: ["dynamodb:Query"],
        Resource: [refs.executionIndexArn],
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
        Resource: [refs.runsTableArn],
      },
      // One DatasetError record per broken dataset rule (row count, completeness, history), written before counting.
      { Sid: "WriteDatasetErrors", Action: ["dynamodb:BatchWriteItem"], Resource: [refs.errorTableArn] },
      // The run's report, `<resultsPrefix><exec>.html` (OUTCOME_KEYS.report), written before the notices link it: the
      // HTML pages beside the manifests and nothing else (the manifests are the aggregation's).
      {
        Sid: "WriteRunReport",
        Action: ["s3:PutObject"],
        Resource: [join(refs.bucketArn, `/${outputs.resultsPrefix}*.html`)],
      },
      ...noticeChannelStatements(refs, settings, join, "PutPipelineMetrics"),
    ],
  };
}

/** The ARNs a role that sends notices names. */
export interface NoticeChannelRefs<S> {
  alertTopicArn: S;
  keyArn: S;
  webhookParameterArns: S[];
  partition: S;
  region: S;
  account: S;
}

/**
 * What sending a notice through the configured channels takes, for every function that sends one (the error check
 * and the arrival check): SNS publish to the alert topic and its KMS key, the Slack webhook parameters some feed
 * reads (none when no feed posts to Slack), the pipeline's metrics (`metricSid` names what they are for) and, with
 * e-mail, SendEmail from `emailFrom`. SES authorizes SendEmail against the sender's identity and, while the account
 * is in the SES sandbox, against each recipient's identity too: each address and its domain.
 */
export function noticeChannelStatements<S>(
  refs: NoticeChannelRefs<S>,
  settings: { emailFrom?: string; emailTo?: readonly string[] },
  join: JoinParts<S>,
  metricSid: string,
): RoleStatement<S>[] {
  const viaService = (service: string) => ({
    StringEquals: { "kms:ViaService": join(`${service}.`, refs.region, ".amazonaws.com") },
  });
  const sesIdentities = (addresses: readonly string[]) =>
    [...new Set(addresses.flatMap((a) => [a, a.split("@")[1]]))]
      .filter((identity) => identity !== undefined && identity !== "")
      .map((identity) =>
        join("arn:", refs.partition, ":ses:", refs.region, ":", refs.account, `:identity/${identity}`),
      );
  return [
    { Sid: "PublishAlerts", Action: ["sns:Publish"], Resource: [refs.alertTopicArn] },
    {
      Sid: "EncryptForAlertTopic",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: [refs.keyArn],
      Condition: viaService("sns"),
    },
    ...(refs.webhookParameterArns.length > 0
      ? [
          { Sid: "ReadWebhookParameter", Action: ["ssm:GetParameter"], Resource: refs.webhookParameterArns },
          {
            Sid: "DecryptWebhookParameter",
            Action: ["kms:Decrypt"],
            Resource: [refs.keyArn],
            Condition: viaService("ssm"),
          },
        ]
      : []),
    {
      Sid: metricSid,
      Action: ["cloudwatch:PutMetricData"],
      // PutMetricData has no resource type: "*" is the only value AWS accepts; the namespace condition narrows it.
      Resource: [join("*")],
      Condition: { StringEquals: { "cloudwatch:namespace": join(METRICS.namespace) } },
    },
    ...(settings.emailFrom
      ? [
          {
            Sid: "SendEmail",
            Action: ["ses:SendEmail"],
            Resource: sesIdentities([settings.emailFrom, ...(settings.emailTo ?? [])]),
            Condition: { StringEquals: { "ses:FromAddress": join(settings.emailFrom) } },
          },
        ]
      : []),
  ];
}
