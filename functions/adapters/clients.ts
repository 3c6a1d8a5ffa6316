import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SESClient } from "@aws-sdk/client-ses";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ENV } from "../contract";
import { optionalEnv } from "../core/env";
import { DeliveryAttemptError } from "../core/errors";
import { type DeliveryOptions, withDeliveryRetry } from "../core/retry";

/**
 * SDK attempts per call of the clients that deliver notices (SNS, SES) or read their settings (SSM): one. Their
 * retries are ours ({@link sendWithRetry}, the policy's `delivery.attempts`), so a notice makes at most that many
 * HTTP attempts; SDK retries on top would multiply them (3 × 3 with both at their defaults). An explicit
 * `maxAttempts` also outranks `AWS_MAX_ATTEMPTS` and the shared config file.
 */
const NOTICE_CLIENT_MAX_ATTEMPTS = 1;

/** Static credentials of an SDK client (the SDK's `AwsCredentialIdentity`). */
export interface ClientCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Where the clients' credentials come from: `undefined` from {@link ClientCredentialsSource} means the SDK's
 * default chain (on Lambda, the function role's credentials from the environment).
 */
export type ClientCredentialsSource = () => ClientCredentials | undefined;

let credentialsSource: ClientCredentialsSource | undefined;

/**
 * Makes every client take its credentials from `source`, asked on each `clients.<service>()` call; without one
 * (the default, and how Lambda runs) the clients use the SDK's default chain. Each distinct access key gets its own
 * client, created with those credentials as a constant: a credentials *function* given to an SDK client is
 * memoized by the client (resolved once, shared by concurrent requests), so it cannot change per call. Returns the
 * previous source, to restore it.
 */
export function setClientCredentials(source: ClientCredentialsSource | undefined): ClientCredentialsSource | undefined {
  const previous = credentialsSource;
  credentialsSource = source;
  return previous;
}

/** An SDK plugin (`middlewareStack.use`) of a DynamoDB client. */
export type DynamoClientPlugin = Parameters<DynamoDBClient["middlewareStack"]["use"]>[0];

let dynamoPlugins: readonly DynamoClientPlugin[] = [];

/**
 * Gives every DynamoDB client made from now on these plugins (the document client shares its DynamoDB client's
 * middleware stack, so its requests pass them too); none by default, and none on Lambda. The local runner observes
 * the items the functions write with one. Returns the previous plugins, to restore them.
 */
export function setDynamoClientPlugins(plugins: readonly DynamoClientPlugin[]): readonly DynamoClientPlugin[] {
  const previous = dynamoPlugins;
  dynamoPlugins = plugins;
  return previous;
}

function dynamoClient(config: { credentials?: ClientCredentials }): DynamoDBClient {
  const client = new DynamoDBClient({ ...config });
  for (const plugin of dynamoPlugins) client.middlewareStack.use(plugin);
  return client;
}

/**
 * SDK clients, created lazily once per process (so once per warm Lambda container) and shared by every adapter.
 * Endpoints follow the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables, which is how the local runner points them
 * at the embedded services; nothing here knows about local runs except the S3 path-style switch. DynamoDB, S3 and
 * CloudWatch keep the SDK's standard retries (3 attempts with backoff).
 */
const cache = new Map<string, unknown>();
function once<T>(name: string, make: (config: { credentials?: ClientCredentials }) => T): T {
  const credentials = credentialsSource?.();
  const id = credentials === undefined ? name : `${name}:${credentials.accessKeyId}`;
  let client = cache.get(id) as T | undefined;
  if (client === undefined) {
    client = make(credentials === undefined ? {} : { credentials });
    cache.set(id, client);
  }
  return client;
}

export const clients = {
  dynamo: () => once("dynamo", dynamoClient),
  doc: () =>
    once("doc", () =>
      DynamoDBDocumentClient.from(clients.dynamo(), { marshallOptions: { removeUndefinedValues: true } }),
    ),
  s3: () => once("s3", (c) => new S3Client({ ...c, forcePathStyle: optionalEnv(ENV.s3ForcePathStyle) === "true" })),
  /** S3 with one attempt per call, for a write that must not delay what follows it (the run's report). */
  s3Once: () =>
    once(
      "s3-once",
      (c) => new S3Client({ ...c, forcePathStyle: optionalEnv(ENV.s3ForcePathStyle) === "true", maxAttempts: 1 }),
    ),
  sns: () => once("sns", (c) => new SNSClient({ ...c, maxAttempts: NOTICE_CLIENT_MAX_ATTEMPTS })),
  ses: () => once("ses", (c) => new SESClient({ ...c, maxAttempts: NOTICE_CLIENT_MAX_ATTEMPTS })),
  ssm: () => once("ssm", (c) => new SSMClient({ ...c, maxAttempts: NOTICE_CLIENT_MAX_ATTEMPTS })),
  cloudwatch: () => once("cloudwatch", (c) => new CloudWatchClient({ ...c })),
  sfn: () => once("sfn", (c) => new SFNClient({ ...c })),
  /** Drops every cached client (tests and the local runner, after changing endpoints). */
  reset: () => cache.clear(),
};

/** Whether an SDK call's failure is transient: a timeout, throttling, a 5xx or 429, a dropped connection. */
export function isTransientAwsError(err: unknown): boolean {
  const e = err as Error & { $retryable?: unknown; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return (
    e?.name === "TimeoutError" ||
    e?.name === "AbortError" ||
    Boolean(e?.$retryable) ||
    e?.$fault === "server" ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    /Throttl|TooManyRequests|ECONNRESET|ECONNREFUSED|socket hang up/i.test(`${e?.name} ${e?.message}`)
  );
}

/**
 * One SDK call of a notice with a timeout per attempt and the delivery retries: transient failures
 * ({@link isTransientAwsError}) are retried, others end at once. Failures are {@link DeliveryAttemptError}s
 * labelled with the call, the SDK's error as `cause`.
 */
export async function sendWithRetry<T>(
  label: string,
  call: (signal: AbortSignal) => Promise<T>,
  opts: DeliveryOptions,
): Promise<{ value: T; attempts: number }> {
  return withDeliveryRetry(async () => {
    try {
      return await call(AbortSignal.timeout(opts.timeoutMs));
    } catch (err) {
      const e = err as Error;
      throw new DeliveryAttemptError(`${label} failed: ${e.name}: ${e.message}`, isTransientAwsError(err), undefined, {
        cause: err,
      });
    }
  }, opts);
}
