import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { OpsFailureError } from "./failure";

/**
 * The operator's AWS clients. Nothing is configured here but what the SDK cannot know: credentials, region and
 * endpoints come from the SDK's default chain (environment, shared config and SSO profiles, `AWS_ENDPOINT_URL` and
 * `AWS_ENDPOINT_URL_<SERVICE>`), as the AWS CLI reads them.
 */
export interface OpsClients {
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  sfn: SFNClient;
}

/**
 * Told of every AWS call before it is sent: its IAM action (`dynamodb:Query`, `states:StartExecution`, …) and the
 * command's input (which names the resource).
 */
export type CallListener = (action: string, input: Record<string, unknown>) => void;

/** An endpoint set for S3 in the environment (a loopback or on-premises S3 answers path-style requests only). */
function s3EndpointConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}

/** A step that reports each command as its IAM action (`<prefix>:<command name without "Command">`). */
function callReporter(prefix: string, onCall: CallListener) {
  return <I, O>(next: (args: I) => Promise<O>, context: { commandName?: string }) =>
    async (args: I): Promise<O> => {
      const input = ((args as { input?: unknown }).input ?? {}) as Record<string, unknown>;
      onCall(`${prefix}:${String(context.commandName ?? "").replace(/Command$/, "")}`, input);
      return next(args);
    };
}

const REPORT_STEP = { step: "initialize", name: "opsReportCalls" } as const;

/** Creates the clients; `onCall` hears every call (the IAM test compares them with the documented policy). */
export function createClients(onCall?: CallListener, env: NodeJS.ProcessEnv = process.env): OpsClients {
  const dynamo = new DynamoDBClient({});
  const s3 = new S3Client({ forcePathStyle: s3EndpointConfigured(env) });
  const sfn = new SFNClient({});
  if (onCall !== undefined) {
    dynamo.middlewareStack.add(callReporter("dynamodb", onCall), REPORT_STEP);
    s3.middlewareStack.add(callReporter("s3", onCall), REPORT_STEP);
    sfn.middlewareStack.add(callReporter("states", onCall), REPORT_STEP);
  }
  return { doc: DynamoDBDocumentClient.from(dynamo), s3, sfn };
}

/** AWS's names for a caller it does not accept or a call it does not allow. */
const REFUSED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidSignatureException",
  "ExpiredToken",
  "ExpiredTokenException",
]);

/**
 * The one line an SDK error becomes, with what to do, or the error itself when it is not one an operator can act on
 * (those keep their stack trace).
 */
export function describeAwsError(err: unknown): Error {
  const e = err as Error & { $metadata?: unknown };
  const name = e?.name ?? "";
  const message = String(e?.message ?? "").split("\n")[0];
  if (name === "CredentialsProviderError" || /could not load credentials/i.test(message))
    return new OpsFailureError(
      "no AWS credentials: set AWS_PROFILE (after `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
      { cause: err },
    );
  if (/region is missing/i.test(message))
    return new OpsFailureError("no AWS region: set AWS_REGION to the stack's region (or a profile's region)", {
      cause: err,
    });
  if (REFUSED.has(name))
    return new OpsFailureError(
      `AWS refused the call (${name}: ${message}); docs/operate.md lists the policy an operator needs`,
      { cause: err },
    );
  if (name === "ResourceNotFoundException" || name === "NoSuchBucket")
    return new OpsFailureError(`${message}: are the outputs of this stack, and AWS_REGION its region? (${name})`, {
      cause: err,
    });
  return e instanceof Error ? e : new Error(String(err));
}
