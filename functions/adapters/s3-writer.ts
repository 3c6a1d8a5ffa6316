import { PassThrough } from "node:stream";
import { Upload } from "@aws-sdk/lib-storage";
import { clients } from "./clients";

/** Bytes held in memory per writer: one multipart part (S3's smallest) and one in flight. */
const PART_BYTES = 5 * 1024 * 1024;

/**
 * Writes one S3 object from text written piece by piece, without holding it whole: a single PutObject when it stays
 * under 5 MiB, else a multipart upload of 5 MiB parts (memory ≈ 2 parts). Nothing is visible under the key until
 * `end()` resolves; `abort()` drops what was written (an unfinished multipart upload is aborted).
 */
export class S3TextWriter {
  private readonly stream = new PassThrough();
  private readonly upload: Upload;
  private readonly done: Promise<unknown>;
  private failed: unknown = null;
  private bytesWritten = 0;

  constructor(
    readonly bucket: string,
    readonly key: string,
    contentType = "text/csv; charset=utf-8",
  ) {
    this.upload = new Upload({
      client: clients.s3(),
      params: { Bucket: bucket, Key: key, Body: this.stream, ContentType: contentType },
      partSize: PART_BYTES,
      queueSize: 1,
      leavePartsOnError: false,
    });
    this.done = this.upload.done().catch((err) => {
      this.failed = err;
      throw err;
    });
    // Observed by end()/abort(); a rejection before then must not be reported as unhandled.
    this.done.catch(() => undefined);
  }

  /** Bytes written so far (UTF-8). */
  get bytes(): number {
    return this.bytesWritten;
  }

  /** Appends text; resolves when the writer can take more (backpressure). */
  write(text: string | Uint8Array): undefined | Promise<void> {
    if (this.failed !== null) return Promise.reject(this.failed);
    const chunk = typeof text === "string" ? Buffer.from(text, "utf8") : text;
    this.bytesWritten += chunk.length;
    if (this.stream.write(chunk)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.stream.off("error", onError);
        resolve();
      };
      const onError = (err: unknown) => {
        this.stream.off("drain", onDrain);
        reject(err);
      };
      this.stream.once("drain", onDrain);
      this.stream.once("error", onError);
      this.done.catch(onError);
    });
  }

  /** Finishes the object: it exists under its key when this resolves. */
  async end(): Promise<void> {
    this.stream.end();
    await this.done;
  }

  /** Drops the object: nothing is written under the key. */
  async abort(): Promise<void> {
    try {
      await this.upload.abort();
    } catch {
      // Already finished or never started: nothing to drop.
    }
    this.stream.destroy();
    await this.done.catch(() => undefined);
  }
}
