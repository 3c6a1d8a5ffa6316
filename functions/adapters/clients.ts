import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SESClient } from "@aws-sdk/client-ses";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ENV } from "../contract";

/**
 * SDK clients, created lazily once per process (so once per warm Lambda container) and shared by every adapter.
 * Endpoints follow the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables, which is how the local runner points them
 * at the embedded services; nothing here knows about local runs except the S3 path-style switch.
 */
const cache = new Map<string, unknown>();
function once<T>(name: string, make: () => T): T {
  let client = cache.get(name) as T | undefined;
  if (client === undefined) {
    client = make();
    cache.set(name, client);
  }
  return client;
}

export const clients = {
  dynamo: () => once("dynamo", () => new DynamoDBClient({})),
  doc: () =>
    once("doc", () =>
      DynamoDBDocumentClient.from(clients.dynamo(), { marshallOptions: { removeUndefinedValues: true } }),
    ),
  s3: () => once("s3", () => new S3Client({ forcePathStyle: process.env[ENV.s3ForcePathStyle] === "true" })),
  sns: () => once("sns", () => new SNSClient({})),
  ses: () => once("ses", () => new SESClient({})),
  ssm: () => once("ssm", () => new SSMClient({})),
  cloudwatch: () => once("cloudwatch", () => new CloudWatchClient({})),
  /** Drops every cached client (tests and the local runner, after changing endpoints). */
  reset: () => cache.clear(),
};

/** Reads a required environment variable, failing with its name when it is missing. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`Missing environment variable ${name}: the function's configuration must set it.`);
  }
  return value;
}
