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

/** The error a part that cannot be read (missing, denied, cut off) fails the composition with. */
function unreadablePart(bucket: string, part: PartRef, err: unknown): OutcomePartError {
  return new OutcomePartError(
    bucket,
    part.key,
    `s3://${bucket}/${part.key} (chunk ${part.chunkId}) cannot be read — ${describe(err)}. The chunk's summary says it was written ` +
      `before the summary; check that the part exists and that this function may read it (s3:GetObject), ` +
      `or run the file again to rewrite it.`,
    { cause: err },
  );
}

type OpenedPart = Awaited<ReturnType<typeof openObject>>;

/**
 * Sends a part's GET. The promise is marked handled at once: it is awaited only when the part's turn comes (a part
 * opened ahead that fails meanwhile must not end the process as an unhandled rejection), and then rejects as it is.
 */
function openPart(bucket: string, part: PartRef): Promise<OpenedPart> {
  const opening = openObject(bucket, part.key).catch((err: unknown) => {
    throw unreadablePart(bucket, part, err);
  });
  opening.catch(() => undefined);
  return opening;
}

/** Streams one opened part into `writer`, honouring backpressure; any failure names the part's key. */
async function appendPart(writer: S3TextWriter, bucket: string, part: PartRef, object: OpenedPart): Promise<void> {
  // A failed read is the part's; a failed write is the upload's and is rethrown as it is.
  const pieces = object.body[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await pieces.next();
    } catch (err) {
      object.discard();
      throw unreadablePart(bucket, part, err);
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
 * time (memory: the writer's two 5 MiB buffers, whatever the sizes). The next part's GET is sent while the current
 * one streams (its body waits, unread, in its connection's buffers), so the parts' round trips overlap the copying
 * instead of adding up, one per part. Nothing changes under the key unless every part was read: on failure the
 * upload is aborted (a previous version of the file, if any, stays), a part opened ahead is let go, and the error is
 * rethrown (a failure to drop the upload goes to `log`). Returns the bytes written.
 */
export async function composeObject(bucket: string, file: ComposedFile, log?: Logger): Promise<number> {
  const writer = new S3TextWriter(bucket, file.key, { log });
  const { parts } = file;
  let ahead: Promise<OpenedPart> | undefined = parts.length > 0 ? openPart(bucket, parts[0]) : undefined;
  try {
    if (file.head !== "") {
      const pending = writer.write(file.head);
      if (pending) await pending;
    }
    for (let i = 0; i < parts.length; i++) {
      const object = await (ahead as Promise<OpenedPart>);
      ahead = i + 1 < parts.length ? openPart(bucket, parts[i + 1]) : undefined;
      await appendPart(writer, bucket, parts[i], object);
    }
    await writer.end();
  } catch (err) {
    ahead?.then((object) => object.discard()).catch(() => undefined);
    await writer.abort();
    throw err;
  }
  return writer.bytes;
}

/**
 * Composes several files at once (each as {@link composeObject} does, its parts in order), so one file's reads and
 * uploads overlap the other's round trips. Every composition is let finish (or abort its upload) before this
 * returns or throws: the first failure, in the order of `files`, is rethrown. Returns each file's bytes, in order.
 */
export async function composeObjects(bucket: string, files: readonly ComposedFile[], log?: Logger): Promise<number[]> {
  const settled = await Promise.allSettled(files.map((file) => composeObject(bucket, file, log)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<number>).value);
}
