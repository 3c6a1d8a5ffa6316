import { PassThrough } from "node:stream";
import { Upload } from "@aws-sdk/lib-storage";
import { createLogger, type Logger } from "../core/log";
import { clients } from "./clients";

/** Bytes held in memory per writer: one multipart part (S3's smallest) and one in flight. */
const PART_BYTES = 5 * 1024 * 1024;

/** What `abort()` ends the body stream with: the upload stops reading and drops what it has sent. */
class WriterAbortedError extends Error {
  constructor(bucket: string, key: string) {
    super(`the upload of s3://${bucket}/${key} was aborted`);
    this.name = "WriterAbortedError";
  }
}

/**
 * Writes one S3 object from text written piece by piece, without holding it whole: a single PutObject when it stays
 * under 5 MiB, else a multipart upload of 5 MiB parts (memory ≈ 2 parts). Nothing is visible under the key until
 * `end()` resolves; `abort()` drops what was written (an unfinished multipart upload is aborted).
 *
 * IAM: `s3:PutObject` on the key (PutObject, and CreateMultipartUpload, UploadPart and CompleteMultipartUpload are all
 * authorized as it), and `s3:AbortMultipartUpload` on the key for `abort()` to drop the parts of a large object.
 */
export class S3TextWriter {
  private readonly stream = new PassThrough();
  private readonly done: Promise<unknown>;
  private failed: unknown = null;
  private finished = false;
  private aborted = false;
  private bytesWritten = 0;

  private readonly log: Logger;

  constructor(
    readonly bucket: string,
    readonly key: string,
    /** `log`: the handler's logger, which a failure to drop an aborted upload is logged to. */
    opts: { contentType?: string; log?: Logger } = {},
  ) {
    const contentType = opts.contentType ?? "text/csv; charset=utf-8";
    this.log = opts.log ?? createLogger("s3-writer");
    const upload = new Upload({
      client: clients.s3(),
      params: { Bucket: bucket, Key: key, Body: this.stream, ContentType: contentType },
      partSize: PART_BYTES,
      queueSize: 1,
      leavePartsOnError: false,
    });
    // The stream is ended with an error by abort(), or by a failed upload (which wakes a writer waiting to drain).
    this.stream.on("error", () => undefined);
    this.done = upload.done().then(
      () => {
        this.finished = true;
      },
      (err) => {
        this.failed = err;
        this.stream.destroy(err);
        throw err;
      },
    );
    // Observed by write()/end()/abort(); a rejection before then must not be reported as unhandled.
    this.done.catch(() => undefined);
  }

  /** Bytes written so far (UTF-8). */
  get bytes(): number {
    return this.bytesWritten;
  }

  /** Appends text; resolves when the writer can take more (backpressure). */
  write(text: string | Uint8Array): undefined | Promise<void> {
    if (this.aborted) return Promise.reject(new Error(`s3://${this.bucket}/${this.key} was written after abort()`));
    if (this.failed !== null) return Promise.reject(this.failed);
    const chunk = typeof text === "string" ? Buffer.from(text, "utf8") : text;
    this.bytesWritten += chunk.length;
    if (this.stream.write(chunk)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        this.stream.off("drain", settle);
        this.stream.off("close", settle);
        if (this.failed !== null) reject(this.failed);
        else if (this.stream.destroyed) reject(new Error(`s3://${this.bucket}/${this.key} was aborted while written`));
        else resolve();
      };
      this.stream.on("drain", settle);
      this.stream.on("close", settle);
    });
  }

  /** Finishes the object: it exists under its key when this resolves. */
  async end(): Promise<void> {
    this.stream.end();
    await this.done;
  }

  /**
   * Drops the object: nothing is written under the key, and the parts of a multipart upload are deleted before this
   * resolves. An object already finished by `end()` stays. Never throws: a failure to drop the parts is logged.
   */
  async abort(): Promise<void> {
    if (this.finished || this.failed !== null || this.aborted) return;
    this.aborted = true;
    const aborted = new WriterAbortedError(this.bucket, this.key);
    this.stream.destroy(aborted);
    const outcome = await this.done.then(
      () => null,
      (err: unknown) => err,
    );
    if (outcome !== null && outcome !== aborted) {
      this.log.warn("could not drop an aborted upload: its parts stay until the bucket's lifecycle rule removes them", {
        bucket: this.bucket,
        key: this.key,
        error: outcome,
      });
    }
  }
}
