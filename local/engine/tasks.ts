/**
 * The local functions behind the pipeline's Task states: the real handler modules through the lambda:invoke adapter,
 * the state machine's own `sns:publish` integration, and the faults that act on invocations.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { CheckOutput, SplitResult } from "../../functions/contract";
import { PipelineError } from "../../functions/core/errors";
import { STATE_NAMES } from "../../workflow/pipeline";
import { type FaultPlan, fire, InjectedFaultError } from "../services/faults";
import { asFunction } from "../services/function-roles";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../services/services";
import type { TaskHandler } from "./invoke";
import type { ConcurrencyQuota } from "./lambda-concurrency";
import type { LambdaHandler, LoadedPipeline } from "./pipeline-source";

/** Access key the state machine's own integrations sign with (each function signs with its own, ./function-roles). */
export const STATE_MACHINE_ACCESS_KEY = "LOCALSTATESROLE";

/** A failed service call of an optimized integration, named as Step Functions names it (`SNS.<exception>`). */
export class IntegrationError extends PipelineError {
  constructor(service: string, cause: Error) {
    super(`${service}.${cause.name}`, cause.message, { cause });
  }
}

/** Wraps the chunk handler so `chunk-crash` crashes the first chunk it sees, on every attempt. */
function withChunkCrash(handler: LambdaHandler, faults: FaultPlan): LambdaHandler {
  let victim: number | undefined;
  return async (event, context) => {
    const id = (event as { chunk?: { id?: number } }).chunk?.id;
    if (victim === undefined && (faults["chunk-crash"] ?? 0) > 0) victim = id;
    if (id === victim && fire(faults, "chunk-crash")) {
      throw new InjectedFaultError(
        "chunk-crash",
        "Runtime.ExitError",
        `the process handling chunk ${id} exited with status 1`,
      );
    }
    return handler(event, context);
  };
}

/**
 * Uploads the object again with other content: its bytes with the last line repeated at the end (a new ETag, and
 * every byte range split-csv handed out still inside the object).
 */
async function uploadAgain(bucket: string, key: string): Promise<void> {
  // The user's upload, signed with the runner's own key (not a function's).
  const s3 = new S3Client({
    endpoint: process.env.AWS_ENDPOINT_URL_S3,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    const endsWithNewline = bytes.at(-1) === 0x0a;
    const end = bytes.length - (endsWithNewline ? 1 : 0);
    const lastLine = bytes.subarray(bytes.lastIndexOf(0x0a, end - 1) + 1, end);
    const body = Buffer.concat([
      bytes,
      endsWithNewline ? Buffer.alloc(0) : Buffer.from("\n"),
      lastLine,
      Buffer.from("\n"),
    ]);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  } finally {
    s3.destroy();
  }
}

/**
 * Wraps the split handler so `overwrite-during-run` uploads the CSV again, with other content, once split-csv has
 * split it and before any chunk reads it: as a user replacing the file while the run is in progress.
 */
function withOverwrite(handler: LambdaHandler, faults: FaultPlan): LambdaHandler {
  return async (event, context) => {
    const out = (await handler(event, context)) as SplitResult;
    if (out?.status === "OK" && fire(faults, "overwrite-during-run")) await uploadAgain(out.bucket, out.key);
    return out;
  };
}

/** Wraps a handler to keep its last result; with `check-crash`, the invocation fails after the handler ran. */
function capture<T>(handler: LambdaHandler, keep: (out: T) => void, faults?: FaultPlan): LambdaHandler {
  return async (event, context) => {
    const out = (await handler(event, context)) as T;
    if (faults && fire(faults, "check-crash")) {
      throw new InjectedFaultError(
        "check-crash",
        "Lambda.ServiceException",
        "the invocation's response was lost after the check ran",
      );
    }
    keep(out);
    return out;
  };
}

/**
 * `arn:aws:states:::sns:publish`: the state's Parameters are the Publish request, sent to `AWS_ENDPOINT_URL_SNS`
 * signed with {@link STATE_MACHINE_ACCESS_KEY}; the result is `{ MessageId }`.
 */
function snsPublish(topicArnFallback: string): {
  client: SNSClient;
  handler: (input: unknown) => Promise<{ MessageId: string }>;
} {
  const sns = new SNSClient({
    region: LOCAL_REGION,
    endpoint: process.env.AWS_ENDPOINT_URL_SNS,
    credentials: { accessKeyId: STATE_MACHINE_ACCESS_KEY, secretAccessKey: "local" },
    maxAttempts: 1,
  });
  const handler = async (input: unknown) => {
    const p = input as {
      TopicArn?: string;
      Subject?: string;
      Message?: string;
      MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
    };
    try {
      const out = await sns.send(
        new PublishCommand({
          TopicArn: p.TopicArn ?? topicArnFallback,
          Subject: p.Subject,
          Message: p.Message ?? "",
          MessageAttributes: p.MessageAttributes,
        }),
      );
      return { MessageId: out.MessageId ?? "" };
    } catch (err) {
      throw new IntegrationError("SNS", err as Error);
    }
  };
  return { client: sns, handler };
}

/** The Task functions of one run, and what SplitCsv and the check returned. */
export interface PipelineTasks {
  /** Local functions by Task state name. */
  handlers: Record<string, TaskHandler>;
  /** SplitCsv's result, once it returned. */
  split(): SplitResult | undefined;
  /** The check's result, once an invocation of it succeeded. */
  check(): CheckOutput | undefined;
  /** Releases the integration's client. */
  close(): void;
}

/** The functions a test may wrap (see {@link TaskWrapper}). */
export type FunctionTask = "splitCsv" | "processChunk" | "aggregateResults" | "findDuplicates" | "checkErrors";

/**
 * Wraps a function's handler, outside the faults (tests: to order invocations that race on AWS, e.g. to hold
 * chunks until the aggregation has composed the files).
 */
export type TaskWrapper = (task: FunctionTask, handler: LambdaHandler) => LambdaHandler;

/**
 * Binds every Task state of `pipeline` to its local function, with the faults that act on invocations
 * (`chunk-crash`, `check-crash`, `overwrite-during-run`). Call it once the environment points at the local services: the handler modules
 * and the SNS client read it when loaded. Each handler runs as its function (`asFunction`): its SDK calls sign with
 * that function's key; what the faults do around it (the re-upload) does not. With `quota`, every Lambda task
 * shares the account's concurrency quota: an invocation above it is refused with `Lambda.TooManyRequestsException`.
 */
export function bindPipelineTasks(
  pipeline: LoadedPipeline,
  faults: FaultPlan,
  wrap: TaskWrapper = (_task, handler) => handler,
  quota?: ConcurrencyQuota,
): PipelineTasks {
  const functions = pipeline.loadHandlers();
  let split: SplitResult | undefined;
  let check: CheckOutput | undefined;
  const alert = snsPublish(pipeline.resources.alertTopic);
  const bound = pipeline.taskHandlers({
    splitCsv: capture<SplitResult>(
      wrap("splitCsv", withOverwrite(asFunction("splitCsv", functions.splitCsv), faults)),
      (out) => {
        split = out;
      },
    ),
    processChunk: wrap("processChunk", withChunkCrash(asFunction("processChunk", functions.processChunk), faults)),
    aggregateResults: wrap("aggregateResults", asFunction("aggregateResults", functions.aggregateResults)),
    findDuplicates: wrap("findDuplicates", asFunction("findDuplicates", functions.findDuplicates)),
    checkErrors: capture<CheckOutput>(
      wrap("checkErrors", asFunction("checkErrors", functions.checkErrors)),
      (out) => {
        check = out;
      },
      faults,
    ),
    notifyCheckFailure: alert.handler,
  });
  // The state machine's own sns:publish is no Lambda invocation: the quota leaves it alone.
  const handlers = Object.fromEntries(
    Object.entries(bound).map(([state, handler]) => [
      state,
      quota && state !== STATE_NAMES.notifyCheckFailure ? quota.guard(handler) : handler,
    ]),
  );
  return {
    handlers,
    split: () => split,
    check: () => check,
    close: () => alert.client.destroy(),
  };
}
