/**
 * Makes the embedded S3 answer a PutObject (and a CompleteMultipartUpload, which stores through the same method) only
 * once the object's bytes are in its file, as S3's read-after-write consistency promises: a GET sent after a
 * successful PUT reads the new object, whole.
 *
 * s3rver's own store resolves a put when the last byte has passed its MD5 transform, not when the file stream has
 * written it, and it writes in place: it truncates the object's file when it opens it. On a busy machine a GET right
 * after the PUT's answer then reads an empty or a partly written object, and two PUTs of one key in a row write the
 * same file through two streams at once. Here the body goes to a temporary file beside the object, the put waits for
 * that file to be written, and a rename puts it in place, so a reader sees the old bytes or the new ones.
 */
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/** What s3rver's store passes to `putObject` (an `S3Object`). */
interface StoredObject {
  bucket: string;
  key: string;
  content: Readable | Buffer;
  metadata: Record<string, string>;
}

/** The parts of s3rver's `FilesystemStore` the durable put uses. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
}

/**
 * A name for the temporary file of one put, short whatever the key's length, that s3rver never lists (it lists only
 * files ending in `._S3rver_object`).
 */
function temporaryName(): string {
  return `.${randomBytes(8).toString("hex")}._S3rver_put`;
}

/** Writes the object to a temporary file, waits until it is written, then renames it over the object's file. */
export async function durablePut(store: FilesystemStore, object: StoredObject): Promise<{ size: number; md5: string }> {
  const objectPath = store.getResourcePath(object.bucket, object.key, "object");
  const dir = dirname(objectPath);
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, temporaryName());
  const md5 = createHash("md5");
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const body = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  try {
    // Resolves once the file stream has written every byte (its 'finish'), not when the last byte was read.
    await pipeline(body, measure, createWriteStream(temporary));
    await rename(temporary, objectPath);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  const digest = md5.digest("hex");
  await store.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
}

/** Replaces the store's `putObject` with {@link durablePut}. Returns the same s3rver, to be started with `run()`. */
export function withDurablePuts<T extends { store: unknown }>(s3rver: T): T {
  const store = s3rver.store as FilesystemStore;
  store.putObject = (object) => durablePut(store, object);
  return s3rver;
}
