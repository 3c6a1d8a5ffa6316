/**
 * A local stack's one AWS endpoint: every service the pipeline uses behind one loopback URL, as `AWS_ENDPOINT_URL`
 * points an SDK or the AWS CLI at all of them. Each request goes where its SigV4 signature's service says
 * (./http `routeBySignedService`): S3 (path-style) and DynamoDB on to the services process, SNS, SES, CloudWatch,
 * SSM and Step Functions to the recorder (./aws-recorder). S3 authorizes a role's key itself (./s3-strict);
 * DynamoDB has no such check, so a caller with a role is authorized here, before its request is forwarded.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { awsChunkedDecoder, decodedHeaders, isAwsChunked } from "./aws-chunked";
import {
  forwardRequest,
  type LoopbackServer,
  pipeRequest,
  type RequestHandler,
  readBody,
  routeBySignedService,
  sigV4Credential,
  startLoopbackServer,
} from "./http";
import { type AccessRequest, allowingStatements, type LocalRole } from "./iam-local";

export interface AwsEndpointOptions {
  /** `--port`: the port to listen on (default: a free one). */
  port?: number;
  /** The services process's S3 and DynamoDB. */
  s3Endpoint: string;
  dynamoEndpoint: string;
  /** The recorder's handling of SNS, SES, CloudWatch, SSM and Step Functions. */
  recorder: RequestHandler;
  /** Roles by access key: their DynamoDB calls are authorized against the role's statements; other keys pass. */
  roles: Readonly<Record<string, LocalRole>>;
  /** Region and account of the local tables' ARNs. */
  region: string;
  account: string;
}

/**
 * The IAM requests one DynamoDB call makes: its action (`dynamodb:<Operation>`) on each table (or index) it names;
 * a call naming no table (ListTables) acts on every table (`table/*`).
 */
export function dynamoRequests(
  target: string,
  body: Record<string, unknown>,
  arns: { region: string; account: string },
): AccessRequest[] {
  const action = `dynamodb:${target.slice(target.lastIndexOf(".") + 1)}`;
  const table = (name: string) => `arn:aws:dynamodb:${arns.region}:${arns.account}:table/${name}`;
  if (typeof body.TableName === "string") {
    const resource =
      typeof body.IndexName === "string" ? `${table(body.TableName)}/index/${body.IndexName}` : table(body.TableName);
    return [{ action, resource }];
  }
  const items = body.RequestItems;
  if (typeof items === "object" && items !== null)
    return Object.keys(items).map((t) => ({ action, resource: table(t) }));
  return [{ action, resource: table("*") }];
}

/** Answers a DynamoDB call as DynamoDB refuses one IAM denies (awsJson1_0, HTTP 400). */
function dynamoAccessDenied(res: ServerResponse, role: LocalRole, request: AccessRequest): void {
  res.writeHead(400, { "content-type": "application/x-amz-json-1.0", "x-amzn-errortype": "AccessDeniedException" });
  res.end(
    JSON.stringify({
      __type: "com.amazon.coral.service#AccessDeniedException",
      message: `User: ${role.name} is not authorized to perform: ${request.action} on resource: ${request.resource} because no identity-based policy allows the ${request.action} action`,
    }),
  );
}

/**
 * Starts the one endpoint on 127.0.0.1.
 * @example const aws = await startAwsEndpoint({ s3Endpoint, dynamoEndpoint, recorder: recorder.handle, roles: {}, region, account });
 */
export async function startAwsEndpoint(opts: AwsEndpointOptions): Promise<LoopbackServer> {
  const s3 = new URL(opts.s3Endpoint);
  const dynamo = new URL(opts.dynamoEndpoint);
  const toDynamo = async (req: IncomingMessage, res: ServerResponse) => {
    const text = await readBody(req);
    const { accessKeyId } = sigV4Credential(req.headers);
    const role = Object.hasOwn(opts.roles, accessKeyId) ? opts.roles[accessKeyId] : undefined;
    if (role !== undefined) {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // Not JSON: DynamoDB itself refuses it once forwarded.
      }
      const target = String(req.headers["x-amz-target"] ?? "");
      const denied = dynamoRequests(target, body, opts).find(
        (r) => allowingStatements(role.statements, r).length === 0,
      );
      if (denied !== undefined) return dynamoAccessDenied(res, role, denied);
    }
    return forwardRequest(dynamo, req, res, text);
  };
  // A streamed upload's aws-chunked framing is undone here: S3 stores only the bytes (./aws-chunked).
  const toS3 = (req: IncomingMessage, res: ServerResponse) =>
    isAwsChunked(req.headers)
      ? pipeRequest(s3, req, res, { body: req.pipe(awsChunkedDecoder()), headers: decodedHeaders(req.headers) })
      : pipeRequest(s3, req, res);
  const handle = routeBySignedService({ s3: toS3, dynamodb: toDynamo }, opts.recorder);
  return startLoopbackServer(handle, opts.port ?? 0);
}
