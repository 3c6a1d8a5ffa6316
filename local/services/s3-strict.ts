/**
 * Makes the embedded S3 (s3rver, a Koa app) answer as S3 does where the pipeline depends on it. Each layer is a Koa
 * middleware put in front of s3rver's routes:
 * - {@link withStrictIfMatch}: a GET or HEAD whose `If-Match` is not the object's ETag is answered
 *   `412 PreconditionFailed` (s3rver ignores `If-Match`);
 * - {@link installS3Strictness}: each request is authorized against the role of the access key that signed it.
 *   Requests signed by a role's key get `403 AccessDenied` (S3's XML error) for an action its statements do not
 *   allow, and a read of a missing key gets `403 AccessDenied` instead of `404 NoSuchKey` unless the role may list
 *   that key (`s3:ListBucket` on the bucket, with the key as `s3:prefix`). Keys that belong to no role (the runner's
 *   own uploads, tests) keep full access;
 * - {@link withMultipartAbort}: AbortMultipartUpload (`DELETE ?uploadId`) drops the upload's parts and answers 204
 *   (s3rver answers 405), and every request on an upload that does not exist under that key (never created, aborted
 *   or completed) gets `404 NoSuchUpload` (s3rver would take a part for it, or fail with 500).
 */
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { sigV4Credential } from "./http";
import { type AccessRequest, allowingStatements, type LocalRole } from "./iam-local";

// biome-ignore lint/suspicious/noExplicitAny: untyped package internals
const S3Error: any = require("s3rver/lib/models/error");
// biome-ignore lint/suspicious/noExplicitAny: untyped package internals
const { DUMMY_ACCOUNT }: any = require("s3rver/lib/models/account");

/** Roles of the local account by the access key their requests are signed with. */
export type S3Roles = Record<string, LocalRole>;

/** One authorization decision of the local S3 endpoint. */
export interface S3AccessRecord {
  accessKeyId: string;
  role: string;
  action: string;
  resource: string;
  context: Record<string, string>;
  /** Sids of the statements that allowed the request; empty when it was denied. */
  allowedBy: string[];
  /** 403 when denied, else the status S3 answered. */
  status: number;
}

/** Options of {@link installS3Strictness}. */
export interface S3StrictnessOptions {
  roles: S3Roles;
  /** Receives every decision about a role's request (the implicit listing check of a missing key included). */
  onAccess?: (record: S3AccessRecord) => void;
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  status: number;
}
type Next = () => Promise<void>;

/** Query parameters of ListObjects / ListObjectsV2 (the s3:ListBucket action). */
const LIST_PARAMETERS = [
  "list-type",
  "prefix",
  "delimiter",
  "max-keys",
  "marker",
  "continuation-token",
  "start-after",
  "encoding-type",
  "fetch-owner",
];

/** What a path-style request asks for, as IAM names it; undefined for requests on no bucket. */
export function s3Request(ctx: Pick<KoaContext, "method" | "path" | "query" | "headers">): AccessRequest | undefined {
  const [, bucketPart = "", ...keyParts] = ctx.path.split("/");
  if (bucketPart === "") return undefined;
  const bucket = decodeURIComponent(bucketPart);
  const key = decodeURIComponent(keyParts.join("/"));
  const method = ctx.method.toUpperCase();
  const has = (name: string) => name in ctx.query;
  if (key === "") {
    const query = Object.keys(ctx.query);
    if (method === "GET" && query.every((q) => LIST_PARAMETERS.includes(q))) {
      const context: Record<string, string> = {};
      for (const name of ["prefix", "delimiter", "max-keys"])
        if (typeof ctx.query[name] === "string") context[`s3:${name}`] = ctx.query[name] as string;
      return { action: "s3:ListBucket", resource: `arn:aws:s3:::${bucket}`, context };
    }
    if (method === "GET" && has("uploads")) {
      return { action: "s3:ListBucketMultipartUploads", resource: `arn:aws:s3:::${bucket}` };
    }
    // Bucket requests the functions never make: named so that no statement of theirs allows them.
    return { action: `s3:${method} bucket?${query.join("&")}`, resource: `arn:aws:s3:::${bucket}` };
  }
  const resource = `arn:aws:s3:::${bucket}/${key}`;
  let action: string;
  // Multipart uploads as S3 authorizes them: CreateMultipartUpload (POST ?uploads), UploadPart (PUT ?partNumber&uploadId)
  // and CompleteMultipartUpload (POST ?uploadId) need s3:PutObject; ListParts (GET ?uploadId) needs
  // s3:ListMultipartUploadParts; AbortMultipartUpload (DELETE ?uploadId) needs s3:AbortMultipartUpload.
  if (method === "GET" || method === "HEAD") {
    if (has("uploadId")) action = "s3:ListMultipartUploadParts";
    else if (has("tagging")) action = "s3:GetObjectTagging";
    else if (has("acl")) action = "s3:GetObjectAcl";
    else action = has("versionId") ? "s3:GetObjectVersion" : "s3:GetObject";
  } else if (method === "PUT" || method === "POST") {
    // PutObject, CopyObject's target and every step of a multipart upload but the abort need s3:PutObject.
    action = has("tagging") ? "s3:PutObjectTagging" : has("acl") ? "s3:PutObjectAcl" : "s3:PutObject";
  } else if (method === "DELETE") {
    action = has("uploadId") ? "s3:AbortMultipartUpload" : "s3:DeleteObject";
  } else {
    action = `s3:${method}Object`;
  }
  return { action, resource };
}

type Middleware = (ctx: KoaContext, next: Next) => Promise<void>;

/** Puts a middleware right before s3rver's router (the last middleware), after its path-style rewrite. */
// biome-ignore lint/suspicious/noExplicitAny: s3rver is untyped
export function beforeRoutes(s3rver: any, middleware: Middleware): void {
  const stack = s3rver.middleware as Middleware[];
  stack.splice(stack.length - 1, 0, middleware);
}

/** An ETag without its quotes or weak marker, as S3 compares them. */
function bareEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, "")
    .replace(/^"(.*)"$/, "$1");
}

/**
 * Answers a GET or HEAD of an object whose `If-Match` names another ETag with `412 PreconditionFailed`, as S3 does.
 * Returns the same s3rver, to be started with `run()`.
 */
export function withStrictIfMatch<T>(s3rver: T): T {
  beforeRoutes(s3rver, async (ctx, next) => {
    const ifMatch = ctx.headers["if-match"];
    const method = ctx.method.toUpperCase();
    await next();
    if (typeof ifMatch !== "string" || (method !== "GET" && method !== "HEAD")) return;
    if (ctx.status !== 200 && ctx.status !== 206) return;
    const etag = String((ctx as unknown as { response: { get(h: string): string } }).response.get("ETag") ?? "");
    const wanted = ifMatch.split(",").map(bareEtag);
    if (wanted.includes("*") || wanted.includes(bareEtag(etag))) return;
    const body = (ctx as unknown as { body?: { destroy?: () => void } }).body;
    body?.destroy?.();
    throw new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", {
      Condition: "If-Match",
    });
  });
  return s3rver;
}

/** An upload id as s3rver makes them (16 random bytes in hex): anything else names no upload, nor a path. */
const UPLOAD_ID = /^[0-9a-f]{32}$/;

/**
 * Answers the multipart requests s3rver gets wrong as S3 does: `DELETE /<key>?uploadId=…` (AbortMultipartUpload)
 * removes the upload with its parts and answers `204`; a request naming an upload that is not in progress for that
 * key answers `404 NoSuchUpload`. Install it after {@link installS3Strictness}, so the abort is authorized first
 * (`s3:AbortMultipartUpload`). Returns the same s3rver.
 */
// biome-ignore lint/suspicious/noExplicitAny: s3rver is untyped
export function withMultipartAbort<T extends { store: any }>(s3rver: T): T {
  beforeRoutes(s3rver, async (ctx, next) => {
    const uploadId = ctx.query.uploadId;
    if (uploadId === undefined) return next();
    const [, bucketPart = "", ...keyParts] = ctx.path.split("/");
    const key = decodeURIComponent(keyParts.join("/"));
    const dir =
      typeof uploadId === "string" && UPLOAD_ID.test(uploadId)
        ? join(s3rver.store.getResourcePath(decodeURIComponent(bucketPart), undefined, "uploads"), uploadId)
        : undefined;
    const uploadKey = dir === undefined ? undefined : await readFile(join(dir, "key"), "utf8").catch(() => undefined);
    if (dir === undefined || uploadKey !== key) {
      throw new S3Error(
        "NoSuchUpload",
        "The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        { UploadId: String(uploadId) },
      );
    }
    if (ctx.method.toUpperCase() !== "DELETE") return next();
    await rm(dir, { recursive: true, force: true });
    ctx.status = 204;
  });
  return s3rver;
}

function accessDenied(): Error {
  return new S3Error("AccessDenied", "Access Denied");
}

/**
 * Puts the role check in front of s3rver's routes (before `run()`, which composes the middleware) and registers
 * each role's access key with s3rver (which otherwise answers `InvalidAccessKeyId` for a key it does not know).
 */
// biome-ignore lint/suspicious/noExplicitAny: s3rver is untyped
export function installS3Strictness(s3rver: any, opts: S3StrictnessOptions): void {
  for (const key of Object.keys(opts.roles)) DUMMY_ACCOUNT.createKeyPair(key, key);
  beforeRoutes(s3rver, (ctx, next) => authorize(ctx, next, opts));
}

async function authorize(ctx: KoaContext, next: Next, opts: S3StrictnessOptions): Promise<void> {
  const { accessKeyId } = sigV4Credential(ctx.headers, ctx.query);
  const role = Object.hasOwn(opts.roles, accessKeyId) ? opts.roles[accessKeyId] : undefined;
  const request = role === undefined ? undefined : s3Request(ctx);
  if (role === undefined || request === undefined) return next();
  const decide = (req: AccessRequest, allowedBy: string[], status: number) =>
    opts.onAccess?.({
      accessKeyId,
      role: role.name,
      action: req.action,
      resource: req.resource,
      context: req.context ?? {},
      allowedBy,
      status,
    });

  const allowedBy = allowingStatements(role.statements, request);
  if (allowedBy.length === 0) {
    decide(request, allowedBy, 403);
    throw accessDenied();
  }
  try {
    await next();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "NoSuchKey" && request.action.startsWith("s3:GetObject")) {
      // S3 tells a missing key from a denied read only to a caller that may list it.
      const [, bucket, key] = /^arn:aws:s3:::([^/]+)\/(.*)$/s.exec(request.resource) ?? [];
      const listing: AccessRequest = {
        action: "s3:ListBucket",
        resource: `arn:aws:s3:::${bucket}`,
        context: { "s3:prefix": key },
      };
      const listedBy = allowingStatements(role.statements, listing);
      decide(request, allowedBy, listedBy.length > 0 ? 404 : 403);
      decide(listing, listedBy, listedBy.length > 0 ? 404 : 403);
      if (listedBy.length === 0) throw accessDenied();
    } else {
      decide(request, allowedBy, (err as { status?: number }).status ?? 500);
    }
    throw err;
  }
  decide(request, allowedBy, ctx.status);
}
