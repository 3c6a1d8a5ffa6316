import type { Readable } from "node:stream";
import { GetObjectCommand, type GetObjectCommandOutput, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { InputError, SourceChangedError } from "../core/errors";
import { bareEtag } from "../core/records/upload";
import { clients } from "./clients";

/** An object's bytes as a stream, with its size and the version it belongs to. */
export interface ObjectStream {
  body: AsyncIterable<Uint8Array>;
  /** Size of what is streamed (the range, when one was asked for). */
  contentLength: number;
  /** ETag of the object version read, as S3 returns it (quoted). */
  etag: string;
  /** Version id of the object version read; null when the bucket is not versioned. */
  versionId: string | null;
  /** Stops the read without consuming the rest (the connection is released). */
  discard(): void;
}

/** Which version of an object a read must get. */
export interface ReadCondition {
  /** The read fails with {@link SourceChangedError} when the object's ETag is another one. */
  ifMatch?: string;
  /** Reads exactly this version (versioned buckets). */
  versionId?: string | null;
}

function isMissing(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === "NoSuchKey" || name === "NotFound" || name === "NoSuchBucket";
}

function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "PreconditionFailed" || e?.$metadata?.httpStatusCode === 412;
}

/** An ETag as HTTP's `If-Match` takes it: quoted (S3 events carry it without quotes). */
export function quotedEtag(etag: string): string {
  return etag.startsWith('"') || etag.startsWith('W/"') ? etag : `"${etag}"`;
}

/**
 * Streams an object (or the byte range [start, end) of it) without loading it whole. A missing object is an
 * `InputError` naming it; a read whose `ifMatch` no longer holds (S3 answers 412 Precondition Failed: the object
 * was replaced) is a {@link SourceChangedError}.
 */
export async function openObject(
  bucket: string,
  key: string,
  range?: { start: number; end: number },
  condition: ReadCondition = {},
): Promise<ObjectStream> {
  let res: GetObjectCommandOutput;
  try {
    res = await clients.s3().send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        Range: range ? `bytes=${range.start}-${range.end - 1}` : undefined,
        IfMatch: condition.ifMatch === undefined ? undefined : quotedEtag(condition.ifMatch),
        VersionId: condition.versionId ?? undefined,
      }),
    );
  } catch (err) {
    if (isMissing(err)) {
      throw new InputError(`s3://${bucket}/${key} does not exist (or is not readable): check the bucket and key.`, {
        cause: err,
      });
    }
    if (isPreconditionFailed(err)) {
      throw new SourceChangedError(
        `s3://${bucket}/${key} was replaced after it was split (its ETag is no longer ${condition.ifMatch}).`,
        { cause: err },
      );
    }
    throw err;
  }
  const body = res.Body as (Readable & AsyncIterable<Uint8Array>) | undefined;
  if (body === undefined) throw new InputError(`s3://${bucket}/${key} returned no body.`);
  return {
    body,
    contentLength: res.ContentLength ?? 0,
    etag: res.ETag ?? "",
    versionId: res.VersionId ?? null,
    discard: () => body.destroy?.(),
  };
}

/**
 * The key as S3 stores it, from a key that may arrive URL-encoded from an S3 event (`注文 データ.csv` as
 * `%E6%B3%A8%E6%96%87+%E3%83%87%E3%83%BC%E3%82%BF.csv`). Returns the key unchanged when it decodes to itself or is
 * not valid percent-encoding.
 */
export function decodeEventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, "%20"));
  } catch {
    return key;
  }
}

/** What an S3 event says of the object version it announces (each field when the event carries it). */
export interface AnnouncedObject {
  etag?: string;
  size?: number;
  versionId?: string;
}

/** A candidate key's object as HeadObject sees it; undefined when S3 answers that there is none to read. */
async function headCandidate(
  bucket: string,
  key: string,
  versionId: string | undefined,
): Promise<{ etag: string; size: number } | { absent: number }> {
  try {
    const head = await clients.s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return { etag: head.ETag ?? "", size: head.ContentLength ?? 0 };
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    // 404 when the role may list the prefix, 403 when it may not (or may not read it), 400 for a version id of
    // another key: in every case this candidate is not an object the function can read as the event's.
    if (status === 400 || status === 403 || status === 404) return { absent: status };
    throw err;
  }
}

/**
 * The key as S3 stores it, for an event's key that may be URL-encoded (S3's own notifications encode it, spaces as
 * `+`; for EventBridge AWS documents neither form). Each candidate — the key as given and, when different, decoded —
 * is looked up with HeadObject, and the one whose ETag and size match the event's is taken, so neither S3's 403
 * versus 404 nor a second object whose name is the other spelling can mislead it. When none matches but one
 * exists, that one is returned and the conditional read reports the object as replaced; when none exists, an
 * {@link InputError} names the key (S3 denying a candidate instead: the key as given, whose read reports it).
 */
export async function resolveUploadedKey(
  bucket: string,
  key: string,
  announced: AnnouncedObject = {},
): Promise<string> {
  const decoded = decodeEventKey(key);
  const candidates = decoded === key ? [key] : [key, decoded];
  const found: string[] = [];
  let denied = false;
  for (const candidate of candidates) {
    const head = await headCandidate(bucket, candidate, announced.versionId);
    if ("absent" in head) {
      denied ||= head.absent === 403;
      continue;
    }
    const etagMatches = announced.etag === undefined || bareEtag(head.etag) === bareEtag(announced.etag);
    const sizeMatches = announced.size === undefined || head.size === announced.size;
    if (etagMatches && sizeMatches) return candidate;
    found.push(candidate);
  }
  if (found.length > 0) return found[0];
  // Nothing readable, and S3 denied a candidate: the read of the key as given reports S3's own error (AccessDenied
  // names the missing grant; the role may list the prefix, so a missing key would have answered 404).
  if (denied) return key;
  const tried = candidates.map((c) => `s3://${bucket}/${c}`).join(" or ");
  throw new InputError(`${tried} does not exist (or is not readable): check the bucket and key.`);
}

/**
 * Opens the uploaded object named by an event ({@link resolveUploadedKey}): the stream, read only if it is still the
 * announced version, and the key that was found, which later states must use.
 */
export async function openUploadedObject(
  bucket: string,
  key: string,
  condition: ReadCondition & { size?: number } = {},
): Promise<ObjectStream & { key: string }> {
  const found = await resolveUploadedKey(bucket, key, {
    etag: condition.ifMatch,
    size: condition.size,
    versionId: condition.versionId ?? undefined,
  });
  return { ...(await openObject(bucket, found, undefined, condition)), key: found };
}

/** Reads a small object as UTF-8 text. */
export async function readObjectText(bucket: string, key: string): Promise<string> {
  const { body } = await openObject(bucket, key);
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(Buffer.from(part));
  return Buffer.concat(parts).toString("utf8");
}

/** Writes a JSON document. */
export async function putJson(bucket: string, key: string, value: unknown): Promise<void> {
  await clients
    .s3()
    .send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(value), ContentType: "application/json" }),
    );
}

/** Splits `s3://bucket/key`; an invalid location is an `InputError` naming `what`. */
export function parseS3Location(location: string, what: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (m === null) throw new InputError(`${what} must look like s3://bucket/key (got ${JSON.stringify(location)}).`);
  return { bucket: m[1], key: m[2] };
}
