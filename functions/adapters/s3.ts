import type { Readable } from "node:stream";
import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand } from "@aws-sdk/client-s3";
import { InputError } from "../core/errors";
import { clients } from "./clients";

/** An object's bytes as a stream, with its size. */
export interface ObjectStream {
  body: AsyncIterable<Uint8Array>;
  /** Size of what is streamed (the range, when one was asked for). */
  contentLength: number;
}

function isMissing(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === "NoSuchKey" || name === "NotFound" || name === "NoSuchBucket";
}

/**
 * Streams an object (or the byte range [start, end) of it) without loading it whole. A missing object is an
 * `InputError` naming it.
 */
export async function openObject(
  bucket: string,
  key: string,
  range?: { start: number; end: number },
): Promise<ObjectStream> {
  let res: GetObjectCommandOutput;
  try {
    res = await clients.s3().send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        Range: range ? `bytes=${range.start}-${range.end - 1}` : undefined,
      }),
    );
  } catch (err) {
    if (isMissing(err)) {
      throw new InputError(`s3://${bucket}/${key} does not exist (or is not readable): check the bucket and key.`, {
        cause: err,
      });
    }
    throw err;
  }
  const body = res.Body as (Readable & AsyncIterable<Uint8Array>) | undefined;
  if (body === undefined) throw new InputError(`s3://${bucket}/${key} returned no body.`);
  return { body, contentLength: res.ContentLength ?? 0 };
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

/**
 * Opens the uploaded object named by an event: the key as given, else — when that does not exist and the key looks
 * URL-encoded — the decoded key. Returns the stream and the key that was found, which later states must use.
 */
export async function openUploadedObject(bucket: string, key: string): Promise<ObjectStream & { key: string }> {
  try {
    return { ...(await openObject(bucket, key)), key };
  } catch (err) {
    const decoded = decodeEventKey(key);
    if (!(err instanceof InputError) || decoded === key) throw err;
    try {
      return { ...(await openObject(bucket, decoded)), key: decoded };
    } catch (second) {
      if (second instanceof InputError) throw err;
      throw second;
    }
  }
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
