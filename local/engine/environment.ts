/**
 * The world a local run executes in: the embedded services (their own process), the loopback Slack and AWS
 * endpoints, the input objects uploaded to S3, and the environment variables the handlers read.
 */
import { createReadStream, statSync } from "node:fs";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  checkEnvironmentSize,
  type FeedEnvSettings,
  feedEnvironment,
  mergedOutcomeEnvironment,
} from "../../blueprint/function-env";
import type { FunctionKey } from "../../blueprint/function-specs";
import { type OnCallSubscription, onCallSubscriptions } from "../../blueprint/subscriptions";
import { clients, setDynamoClientPlugins } from "../../functions/adapters/clients";
import { resetRowSchemaCache } from "../../functions/adapters/schema-source";
import { resetSlackWebhookCache } from "../../functions/adapters/ssm";
import {
  ENV,
  ERROR_TABLE,
  type FeedEnvEntry,
  feedSchemaKey,
  NOTIFY_NOW_ENV,
  RUNS_TABLE,
} from "../../functions/contract";
import { setLogSink } from "../../functions/core/log";
import type { LocalConfig, LocalFeed } from "../cli/run-config";
import { LimitLedger } from "../services/aws-limits";
import { type AwsRecorder, type RecordedCall, startAwsRecorder } from "../services/aws-recorder";
import { dynamoSizesPlugin } from "../services/dynamo-sizes";
import { type DynamoThrottle, startDynamoThrottle } from "../services/dynamo-throttle";
import { LOCAL_STATE_MACHINE_ARN } from "../services/executions";
import type { FaultPlan } from "../services/faults";
import {
  FUNCTION_ACCESS_KEYS,
  type FunctionStatements,
  functionS3Roles,
  signAsInvokedFunction,
} from "../services/function-roles";
import {
  allowingStatements,
  type LocalRole,
  type LocalStatement,
  localFunctionStatements,
} from "../services/iam-local";
import type { S3AccessRecord } from "../services/s3-strict";
import { LOCAL_BUCKET, LOCAL_CREDENTIALS, LOCAL_REGION, type ObjectCreated } from "../services/services";
import { startServicesProcess } from "../services/services-process";
import { type SlackDelivery, type SlackReceiver, startSlackReceiver } from "../services/slack-receiver";
import type { StatesAuthorizer } from "../services/states-endpoint";
import { UsageError } from "../usage-error";
import type { LoadedPipeline } from "./pipeline-source";
import type { PutObjectVersion } from "./start-event";
import { STATE_MACHINE_ACCESS_KEY } from "./tasks";

/** SSM parameter holding the Slack webhook URL in a local run. */
export const LOCAL_SLACK_PARAMETER = "/csv-pipeline/local/slack-webhook-url";

/** SSM parameter holding the Slack webhook URL of a feed that sets its own (`notify.slackWebhookUrl`). */
export function feedSlackParameter(feed: string): string {
  return `/csv-pipeline/local/slack/${feed}/webhook-url`;
}

/** Undo steps, run last-in first-out; a failing step does not stop the others. */
export class Cleanups {
  private readonly steps: (() => unknown)[] = [];

  /** Adds a step (run before every step added earlier); returns a function that removes it again. */
  add(step: () => unknown): () => void {
    this.steps.push(step);
    return () => {
      const at = this.steps.indexOf(step);
      if (at >= 0) this.steps.splice(at, 1);
    };
  }

  /** Runs and forgets every step; safe to call again (a second call finds nothing left). */
  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch {
        // Stopping what is left matters more than why one step failed.
      }
    }
  }
}

/** A caller of the local AWS APIs other than the functions, with its own key and policy (a local stack's operator). */
export interface LocalPrincipal {
  accessKeyId: string;
  role: LocalRole;
}

/** A notice as it reached a loopback endpoint: a Slack POST, or an SNS/SES call. */
export type ArrivedNotice =
  | { channel: "slack"; delivery: SlackDelivery }
  | { channel: "sns" | "email"; call: RecordedCall };

/** What a run executes against. */
export interface EnvironmentSpec {
  /** The CSV to upload before the run; unset: nothing is uploaded (a local stack waits for uploads). */
  csvPath?: string;
  /** Size of the CSV file in bytes. */
  bytes?: number;
  /** Every feed of the run: each one's schema is uploaded and its settings are in the functions' environment. */
  feeds: readonly LocalFeed[];
  /** Object key the CSV is uploaded to. */
  key?: string;
  config: LocalConfig;
  pipeline: LoadedPipeline;
  /** Shared with the endpoints, consumed as faults fire. */
  faults: FaultPlan;
  /** The run's clock, for the notification policy. */
  now?: string;
  /** A handler's JSON log line. */
  onLog?(line: string): void;
  /** Each decision of the local S3 about a request a function signed. */
  onS3Access?(record: S3AccessRecord): void;
  /** Replaces the functions' role statements built for the run (e.g. to take a grant away). */
  functionStatements?(built: FunctionStatements): FunctionStatements;
  /** `--state`: the directory that keeps DynamoDB and S3 between runs (unset: the run starts empty). */
  stateDir?: string;
  /** Callers authorized against their own policy by the local S3 and Step Functions (as IAM would). */
  principals?: readonly LocalPrincipal[];
  /** Each object created in the local S3, by any client. */
  onObjectCreated?(created: ObjectCreated): void;
  /** Each notice as it arrives at the loopback Slack, SNS or SES endpoint. */
  onNotice?(notice: ArrivedNotice): void;
}

/** The running environment. */
export interface LocalEnvironment {
  bucket: string;
  runsTable: string;
  errorTable: string;
  slack: SlackReceiver;
  aws: AwsRecorder;
  /** The handlers' JSON log lines, in order. */
  logs: string[];
  /** The CSV as it was put: what the upload's "Object Created" event announces (unset: none was given). */
  upload?: PutObjectVersion;
  /** Where the local DynamoDB and S3 answer (the services process's own endpoints). */
  dynamoEndpoint: string;
  s3Endpoint: string;
  /** BatchWriteItem calls the `dynamodb-throttle` fault answered. */
  throttledBatches(): number;
  /** The largest state payload and DynamoDB item of the run (the execution records its payloads here). */
  limits: LimitLedger;
  /** Peak resident set size of the services process, bytes (once it has stopped and reported one). */
  servicesPeakRssBytes(): number | undefined;
}

/**
 * Who may call the local Step Functions endpoint for what: a function's or a principal's access key as its
 * statements allow; any other key (the runner's own) as an administrator.
 */
function functionAuthorizer(statements: FunctionStatements, principals: readonly LocalPrincipal[]): StatesAuthorizer {
  const byKey = new Map<string, LocalStatement[]>([
    ...(Object.keys(FUNCTION_ACCESS_KEYS) as FunctionKey[]).map(
      (key) => [FUNCTION_ACCESS_KEYS[key], statements[key]] as const,
    ),
    ...principals.map((p) => [p.accessKeyId, p.role.statements] as const),
  ]);
  return (accessKeyId, action, resource) => {
    const own = byKey.get(accessKeyId);
    return own === undefined || allowingStatements(own, { action, resource }).length > 0;
  };
}

/** Points `process.env` at `values` (`undefined` removes a variable); the returned function restores it. */
export function setEnvironment(values: Record<string, string | undefined>): () => void {
  const saved = { ...process.env };
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  clients.reset();
  return () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    clients.reset();
  };
}

/**
 * Each function's role statements for a run: the statements the Pulumi program deploys, naming the local bucket
 * and tables, every feed's prefix and schema key, the output prefixes, and the e-mail identities of the sender and
 * every feed's recipients.
 */
export function runRoleStatements(config: LocalConfig, feeds: readonly LocalFeed[]): FunctionStatements {
  return localFunctionStatements(
    {
      bucket: LOCAL_BUCKET,
      errorTable: ERROR_TABLE.defaultName,
      runsTable: RUNS_TABLE.defaultName,
      region: LOCAL_REGION,
      webhookParameters: webhookParameters(feeds),
      stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    },
    {
      feeds: feeds.map((feed) => ({ prefix: feed.prefix, schemaKey: feedSchemaKey(feed.name) })),
      outputs: config.outputs,
      emailFrom: config.emailFrom,
      emailTo: recipients(feeds),
    },
  );
}

/** Every feed's e-mail recipients, each once, in order of the feeds. */
function recipients(feeds: readonly LocalFeed[]): string[] {
  return [...new Set(feeds.flatMap((feed) => feed.emailTo))];
}

/** The SSM parameter a feed's Slack webhook URL is read from: its own, or the stack's. */
function slackParameterOf(feed: LocalFeed): string {
  return feed.ownSlack ? feedSlackParameter(feed.name) : LOCAL_SLACK_PARAMETER;
}

/** The webhook parameters in use: the stack's and each feed's own, each once. */
function webhookParameters(feeds: readonly LocalFeed[]): string[] {
  return [...new Set(feeds.map(slackParameterOf))];
}

/**
 * The alert topic's on-call e-mail subscriptions a deploy of this config creates: the file's `onCallEmail` and each
 * feed's own (a feed's address that is not the file's is its own, as a stack's `feeds[i].notify.onCallEmail`).
 */
export function runSubscriptions(config: LocalConfig, feeds: readonly LocalFeed[]): OnCallSubscription[] {
  return onCallSubscriptions(
    feeds.map((feed) => ({
      name: feed.name,
      onCallEmail: feed.onCallEmail,
      ownOnCall: feed.onCallEmail !== undefined && feed.onCallEmail !== config.onCallEmail,
      policy: feed.notify,
    })),
    config.onCallEmail,
  );
}

/**
 * The feed variables of every function in one set, for the one process the local handlers share: each function's
 * own variables agree (they hold the first feed's values); `FEEDS` differs per function only in which differing
 * settings an entry lists, so the set's `FEEDS` has each feed's entries merged, and each function still reads its
 * own settings from it.
 */
export function mergedFeedEnvironment(feeds: readonly LocalFeed[], bucket: string): Record<string, string> {
  const settings = feeds.map(
    (feed): FeedEnvSettings => ({
      name: feed.name,
      prefix: feed.prefix,
      schemaKey: feedSchemaKey(feed.name),
      locale: feed.notify.locale,
      notifyPolicy: feed.notify,
      emailTo: feed.emailTo,
      slackWebhookParameter: slackParameterOf(feed),
    }),
  );
  const merged: Record<string, string> = {};
  const entries = new Map<string, FeedEnvEntry>();
  const perFunction = feedEnvironment(settings, bucket);
  // As strict as a deploy: a function whose feed variables alone exceed Lambda's 4 KB would be refused there.
  for (const [key, variables] of Object.entries(perFunction)) {
    try {
      checkEnvironmentSize(key, variables);
    } catch (err) {
      throw new UsageError(`--config: ${(err as Error).message}`, { cause: err });
    }
  }
  for (const variables of Object.values(perFunction)) {
    for (const [name, value] of Object.entries(variables)) {
      if (name !== ENV.feeds) merged[name] = value;
      else for (const e of JSON.parse(value) as FeedEnvEntry[]) entries.set(e.name, { ...entries.get(e.name), ...e });
    }
  }
  merged[ENV.feeds] = JSON.stringify([...entries.values()]);
  return merged;
}

/**
 * Starts the services and endpoints, uploads the schema and the CSV, and points the handlers' environment at them.
 * The local S3 authorizes each function's requests against its role, and the handlers' SDK clients sign as the
 * function whose invocation makes the call (see ../services/function-roles); the runner's own uploads keep full access.
 * Every step that needs undoing — stopping a service, restoring `process.env` and the log sink — is added to
 * `cleanups`, also when a later step fails.
 */
export async function openEnvironment(spec: EnvironmentSpec, cleanups: Cleanups): Promise<LocalEnvironment> {
  const logs: string[] = [];
  const previousSink = setLogSink((line) => {
    logs.push(line);
    spec.onLog?.(line);
  });
  cleanups.add(() => setLogSink(previousSink));

  const built = runRoleStatements(spec.config, spec.feeds);
  const statements = spec.functionStatements?.(built) ?? built;
  const services = await startServicesProcess({
    bucket: LOCAL_BUCKET,
    errorTable: ERROR_TABLE.defaultName,
    runsTable: RUNS_TABLE.defaultName,
    s3Roles: {
      ...functionS3Roles(statements),
      ...Object.fromEntries((spec.principals ?? []).map((p) => [p.accessKeyId, p.role])),
    },
    onS3Access: spec.onS3Access,
    ...(spec.onObjectCreated !== undefined ? { onObjectCreated: spec.onObjectCreated } : {}),
    ...(spec.stateDir !== undefined ? { stateDir: spec.stateDir } : {}),
  });
  cleanups.add(() => services.stop());
  const ownSlack = spec.feeds.filter((feed) => feed.ownSlack).map((feed) => feed.name);
  const slack = await startSlackReceiver(spec.faults, ownSlack, (delivery) =>
    spec.onNotice?.({ channel: "slack", delivery }),
  );
  cleanups.add(() => slack.stop());
  const aws = await startAwsRecorder({
    // The stack's webhook and each feed's own, as the SecureStrings a deploy creates (each a path of the receiver).
    parameters: {
      [LOCAL_SLACK_PARAMETER]: slack.webhookUrl,
      ...Object.fromEntries(ownSlack.map((feed) => [feedSlackParameter(feed), slack.feedWebhookUrls[feed]])),
    },
    faults: spec.faults,
    snsFailureExemptKeys: [STATE_MACHINE_ACCESS_KEY],
    // SNS delivers each publish only to the subscriptions whose filter policy its attributes pass, as on AWS.
    snsSubscriptions: runSubscriptions(spec.config, spec.feeds),
    // As a new account: in the SES sandbox, with the identities a deploy must verify (the sender and recipients).
    ses: {
      verified: [...(spec.config.emailFrom ? [spec.config.emailFrom] : []), ...recipients(spec.feeds)],
      sandbox: true,
      region: LOCAL_REGION,
    },
    // A function calls Step Functions as its role allows, as IAM would authorize it.
    statesAuthorize: functionAuthorizer(statements, spec.principals ?? []),
    onCall: (call) => {
      if (call.service === "sns" && call.action === "Publish") spec.onNotice?.({ channel: "sns", call });
      if (call.service === "ses" && call.action.startsWith("Send")) spec.onNotice?.({ channel: "email", call });
    },
  });
  cleanups.add(() => aws.stop());
  let throttle: DynamoThrottle | undefined;
  if ((spec.faults["dynamodb-throttle"] ?? 0) > 0) {
    const started = await startDynamoThrottle(services.dynamoEndpoint, spec.faults);
    cleanups.add(() => started.stop());
    throttle = started;
  }
  // Every item the functions write is sized as DynamoDB sizes it (`--json`'s awsLimits), by their clients.
  const limits = new LimitLedger();
  const previousPlugins = setDynamoClientPlugins([dynamoSizesPlugin(limits)]);
  cleanups.add(() => setDynamoClientPlugins(previousPlugins));

  // Each feed's schema where a deploy puts it; a schema an earlier run in this process read is not reused.
  for (const feed of spec.feeds) {
    await services.s3.send(
      new PutObjectCommand({ Bucket: services.bucket, Key: feedSchemaKey(feed.name), Body: feed.schemaText }),
    );
  }
  resetRowSchemaCache();
  // Nor a webhook URL: it names the Slack receiver of that run, which has stopped (new environment, cold functions).
  resetSlackWebhookCache();
  // Streamed upload without a flexible checksum: with one, the SDK sends an aws-chunked body that s3rver stores as is.
  const uploader = new S3Client({
    endpoint: services.s3Endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  cleanups.add(() => uploader.destroy());
  let upload: PutObjectVersion | undefined;
  if (spec.csvPath !== undefined && spec.key !== undefined) {
    const bytes = spec.bytes ?? statSync(spec.csvPath).size;
    const put = await uploader.send(
      new PutObjectCommand({
        Bucket: services.bucket,
        Key: spec.key,
        Body: createReadStream(spec.csvPath),
        ContentLength: bytes,
      }),
    );
    upload = {
      bucket: services.bucket,
      key: spec.key,
      size: bytes,
      etag: put.ETag ?? "",
      ...(put.VersionId ? { versionId: put.VersionId } : {}),
    };
  }

  const { config, pipeline } = spec;
  cleanups.add(
    setEnvironment({
      ...services.env,
      ...aws.env,
      AWS_ENDPOINT_URL_DYNAMODB: throttle?.endpoint ?? services.dynamoEndpoint,
      [ENV.chunkRows]: config.chunkRows?.toString(),
      [ENV.chunkBytes]: config.chunkBytes?.toString(),
      [ENV.resultsBucket]: services.bucket,
      // Every function's row-outcome and feed variables with the values the Pulumi program deploys (one process
      // runs them all): the first feed's settings as the functions' own, and FEEDS.
      ...mergedOutcomeEnvironment(config.outputs, spec.feeds[0].notify.locale),
      ...mergedFeedEnvironment(spec.feeds, services.bucket),
      [ENV.errorRetentionDays]: String(config.errorRetentionDays),
      [ENV.pipelineName]: config.pipelineName,
      [ENV.alertTopicArn]: pipeline.resources.alertTopic,
      [ENV.emailFrom]: config.emailFrom,
      [ENV.consoleRegion]: LOCAL_REGION,
      [ENV.stateMachineArn]: pipeline.stateMachineArn,
      [ENV.checkLogGroup]: "/aws/lambda/csv-pipeline-check-errors-and-notify",
      [NOTIFY_NOW_ENV]: spec.now,
    }),
  );
  cleanups.add(signAsInvokedFunction());

  return {
    bucket: services.bucket,
    runsTable: services.runsTable,
    errorTable: services.errorTable,
    slack,
    aws,
    logs,
    upload,
    dynamoEndpoint: services.dynamoEndpoint,
    s3Endpoint: services.s3Endpoint,
    throttledBatches: () => throttle?.throttled ?? 0,
    limits,
    servicesPeakRssBytes: () => services.peakRssBytes(),
  };
}
