import { InputError } from "../core/errors";
import { openObject } from "./s3";
import { S3TextWriter } from "./s3-writer";

const MISSING = new Set(["NoSuchKey", "NotFound"]);

/**
 * The bytes [start, end) of an object (fewer when it is shorter), read with one ranged GET; null when no object is
 * under the key. Needs `s3:GetObject` (and `s3:ListBucket` on the bucket, else S3 answers 403 for a missing key).
 */
export async function readRangeBytes(bucket: string, key: string, start: number, end: number): Promise<Buffer | null> {
  return readBytes(bucket, key, { start, end });
}

/** The bytes of a whole object, read with one GET; null when no object is under the key (as {@link readRangeBytes}). */
export async function readObjectBytes(bucket: string, key: string): Promise<Buffer | null> {
  return readBytes(bucket, key);
}

async function readBytes(bucket: string, key: string, range?: { start: number; end: number }): Promise<Buffer | null> {
  let object: Awaited<ReturnType<typeof openObject>>;
  try {
    object = await openObject(bucket, key, range);
  } catch (err) {
    const cause = (err as { cause?: { name?: string } }).cause;
    if (err instanceof InputError && MISSING.has(cause?.name ?? "")) return null;
    throw err;
  }
  const parts: Buffer[] = [];
  for await (const part of object.body) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** Writes an object of bytes (one PutObject, or a multipart upload above 5 MiB); needs `s3:PutObject` on the key. */
export async function writeBytes(bucket: string, key: string, body: Uint8Array): Promise<void> {
  const writer = new S3TextWriter(bucket, key, { contentType: "application/octet-stream" });
  try {
    const pending = writer.write(body);
    if (pending !== undefined) await pending;
    await writer.end();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
