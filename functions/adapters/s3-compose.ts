import { PipelineError } from "../core/errors";
import type { Logger } from "../core/log";
import type { ComposedFile, PartRef } from "../core/outcomes/manifest";
import { openObject } from "./s3";
import { S3TextWriter } from "./s3-writer";

/**
 * A part its chunk's summary says was written cannot be read (missing — S3 answers 403 AccessDenied rather than
 * 404 to a role that may not list the bucket — denied, or cut off while streaming). Retrying the composition reads
 * the same objects; running the file again rewrites the parts.
 */
export class OutcomePartError extends PipelineError {
  constructor(
    readonly bucket: string,
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("OutcomePartError", message, options);
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return `${e?.name ?? "Error"}${status ? ` (HTTP ${status})` : ""}: ${e?.message ?? String(err)}`;
}

/** Streams one part into `writer`, honouring backpressure; any failure names the part's key. */
async function appendPart(writer: S3TextWriter, bucket: string, part: PartRef): Promise<void> {
  const where = `s3://${bucket}/${part.key}`;
  const unreadable = (err: unknown) =>
    new OutcomePartError(
      bucket,
      part.key,
      `${where} (chunk ${part.chunkId}) cannot be read — ${describe(err)}. The chunk's summary says it was written ` +
        `before the summary; check that the part exists and that this function may read it (s3:GetObject), ` +
        `or run the file again to rewrite it.`,
      { cause: err },
    );
  let object: Awaited<ReturnType<typeof openObject>>;
  try {
    object = await openObject(bucket, part.key);
  } catch (err) {
    throw unreadable(err);
  }
  // A failed read is the part's; a failed write is the upload's and is rethrown as it is.
  const pieces = object.body[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await pieces.next();
    } catch (err) {
      object.discard();
      throw unreadable(err);
    }
    if (next.done) return;
    try {
      const pending = writer.write(next.value);
      if (pending) await pending;
    } catch (err) {
      object.discard();
      throw err;
    }
  }
}

/**
 * Writes `file.key` in `bucket` as `file.head` followed by each part's bytes, in order, one part streaming at a
 * time (memory: the writer's two 5 MiB buffers, whatever the sizes). Nothing changes under the key unless every part
 * was read: on failure the upload is aborted (a previous version of the file, if any, stays) and the error is
 * rethrown (a failure to drop the upload goes to `log`). Returns the bytes written.
 */
export async function composeObject(bucket: string, file: ComposedFile, log?: Logger): Promise<number> {
  const writer = new S3TextWriter(bucket, file.key, { log });
  try {
    if (file.head !== "") {
      const pending = writer.write(file.head);
      if (pending) await pending;
    }
    for (const part of file.parts) await appendPart(writer, bucket, part);
    await writer.end();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return writer.bytes;
}
