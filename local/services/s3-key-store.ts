/**
 * The embedded S3's object store, holding any key S3 accepts. s3rver keeps each object as a file named for its key
 * (every "/" a folder), so a key with one segment longer than the file system's 255-byte file name limit fails
 * with `ENAMETOOLONG` (the client sees the connection drop), and keys such as `a//b` or `a/../b` land on another
 * key's file. S3 keys are flat strings of up to 1,024 bytes of UTF-8: here each object's files are named for a hash
 * of its key, the key itself is kept beside them, and listing reads the keys, not the file names.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { durablePut } from "./s3-durable-put";
import { beforeRoutes } from "./s3-strict";

// biome-ignore lint/suspicious/noExplicitAny: untyped package internals
const FilesystemStore: any = require("s3rver/lib/stores/filesystem");
// biome-ignore lint/suspicious/noExplicitAny: untyped package internals
const S3Object: any = require("s3rver/lib/models/object");
// biome-ignore lint/suspicious/noExplicitAny: untyped package internals
const S3Error: any = require("s3rver/lib/models/error");

/** S3's limit on an object key, in UTF-8 bytes. */
export const S3_MAX_KEY_BYTES = 1024;

/** The folder, inside a bucket's folder, that holds its objects' files (bucket settings start with "._S3rver_"). */
const OBJECTS_DIR = "objects";
/** The file beside an object's own that holds its key. */
const KEY_RESOURCE = "key";

/** S3 lists keys in the order of their UTF-8 bytes (JavaScript compares UTF-16 code units). */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** A file name for `key`: 64 hex digits whatever the key's length or characters. */
function keyFileName(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

interface ListOptions {
  delimiter?: string;
  startAfter?: string;
  prefix?: string;
  maxKeys?: number;
}

/**
 * s3rver's file system store with each object's files at `<bucket>/objects/<sha256 of key>.<resource>` and the key
 * in `<sha256 of key>.key`. The keys of a bucket are also held in memory (read from those files when the bucket is
 * first used) for listing.
 */
export class KeyHashingStore extends FilesystemStore {
  private readonly keysByBucket = new Map<string, Set<string>>();

  /** `rootDirectory`: the folder that holds a folder per bucket. */
  constructor(rootDirectory: string) {
    super(rootDirectory);
  }

  /** Where s3rver keeps `resource` of `key` (a bucket's own settings and uploads, for an empty key, stay as s3rver has them). */
  getResourcePath(bucket: string, key = "", resource: string): string {
    if (key === "") return super.getResourcePath(bucket, key, resource);
    return join(this.getBucketPath(bucket), OBJECTS_DIR, `${keyFileName(key)}.${resource}`);
  }

  private keysOf(bucket: string): Set<string> {
    let keys = this.keysByBucket.get(bucket);
    if (keys === undefined) {
      keys = new Set();
      const dir = join(this.getBucketPath(bucket), OBJECTS_DIR);
      if (existsSync(dir)) {
        for (const name of readdirSync(dir)) {
          if (name.endsWith(`.${KEY_RESOURCE}`)) keys.add(readFileSync(join(dir, name), "utf8"));
        }
      }
      this.keysByBucket.set(bucket, keys);
    }
    return keys;
  }

  private async remember(bucket: string, key: string): Promise<void> {
    await writeFile(this.getResourcePath(bucket, key, KEY_RESOURCE), key);
    this.keysOf(bucket).add(key);
  }

  // biome-ignore lint/suspicious/noExplicitAny: s3rver's S3Object
  async putObject(object: any): Promise<unknown> {
    // Answered once the bytes are on disk, as S3 answers a PUT once a read would see it (./s3-durable-put).
    const result = await durablePut(this as unknown as Parameters<typeof durablePut>[0], object);
    await this.remember(object.bucket, object.key);
    return result;
  }

  async copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata?: unknown,
  ): Promise<unknown> {
    const result = await super.copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata);
    await this.remember(destBucket, destKey);
    return result;
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    this.keysOf(bucket).delete(key);
    await Promise.all(
      ["object", "object.md5", "metadata.json", KEY_RESOURCE].map((resource) =>
        rm(this.getResourcePath(bucket, key, resource), { force: true }),
      ),
    );
  }

  async deleteBucket(bucket: string): Promise<void> {
    this.keysByBucket.delete(bucket);
    await super.deleteBucket(bucket);
  }

  reset(): void {
    this.keysByBucket.clear();
    super.reset();
  }

  /** ListObjects as s3rver answers it (common prefixes do not count toward `maxKeys`), over the stored keys. */
  async listObjects(bucket: string, options: ListOptions): Promise<unknown> {
    const { delimiter = "", startAfter = "", prefix = "", maxKeys = Number.POSITIVE_INFINITY } = options;
    const sorted = [...this.keysOf(bucket)].sort(byUtf8);
    const commonPrefixes = new Set<string>();
    const keys: string[] = [];
    let isTruncated = false;
    for (const key of sorted) {
      if (!key.startsWith(prefix) || (startAfter !== "" && byUtf8(key, startAfter) <= 0)) continue;
      if (delimiter !== "") {
        const at = key.indexOf(delimiter, prefix.length);
        if (at !== -1) {
          commonPrefixes.add(key.slice(0, at + delimiter.length));
          continue;
        }
      }
      if (keys.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      keys.push(key);
    }
    const objects = [];
    for (const key of keys) {
      const metadata = await this.getMetadata(bucket, key).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return undefined;
        throw err;
      });
      if (metadata !== undefined) objects.push(new S3Object(bucket, key, null, metadata));
    }
    return { objects, commonPrefixes: [...commonPrefixes].sort(byUtf8), isTruncated };
  }
}

/**
 * s3rver makes ListObjectsV2 continuation tokens with single DES (`des`, i.e. DES-CBC), which OpenSSL 3 no longer
 * offers by default: every listing longer than one page failed with `500 InternalError`. Triple DES with the key
 * repeated three times (encrypt-decrypt-encrypt with one key) is the same cipher, and OpenSSL 3 still has it, so
 * `des` is given as that. Nothing else in the services process asks for `des`.
 */
function withDesAsTripleDes(): void {
  // biome-ignore lint/suspicious/noExplicitAny: patching the module's functions in place
  const crypto: any = require("node:crypto");
  if (crypto.createCipheriv.desAsTripleDes) return;
  const tripled = (key: Buffer) => Buffer.concat([key, key, key]);
  for (const name of ["createCipheriv", "createDecipheriv"]) {
    const original = crypto[name];
    const patched = (algorithm: string, key: Buffer, ...rest: unknown[]) =>
      algorithm.toLowerCase() === "des" && key.length === 8
        ? original("des-ede3-cbc", tripled(key), ...rest)
        : original(algorithm, key, ...rest);
    patched.desAsTripleDes = true;
    crypto[name] = patched;
  }
}

/**
 * Puts {@link KeyHashingStore} under s3rver (before `run()`) and makes its routes take any key S3 does:
 * - a request on an object whose key is longer than {@link S3_MAX_KEY_BYTES} bytes of UTF-8 is refused
 *   `400 KeyTooLongError`, as S3 refuses it;
 * - a key with an empty segment (`a//b`, or a leading "/") reaches the object routes as one encoded segment: s3rver's
 *   router matches keys segment by segment and would send such a request to another route;
 * - a listing longer than one page hands out continuation tokens that work (see {@link withDesAsTripleDes}).
 * Returns the same s3rver.
 */
// biome-ignore lint/suspicious/noExplicitAny: s3rver is untyped
export function withAnyS3Key<T extends { store: any; context: any }>(s3rver: T, directory: string): T {
  withDesAsTripleDes();
  const store = new KeyHashingStore(directory);
  s3rver.store = store;
  s3rver.context.store = store;
  beforeRoutes(s3rver, async (ctx, next) => {
    const [, bucketPart = "", ...keyParts] = ctx.path.split("/");
    const key = decodeURIComponent(keyParts.join("/"));
    const bytes = Buffer.byteLength(key, "utf8");
    if (bytes > S3_MAX_KEY_BYTES) {
      throw new S3Error("KeyTooLongError", "Your key is too long", {
        Size: String(bytes),
        MaxSizeAllowed: String(S3_MAX_KEY_BYTES),
      });
    }
    if (key.startsWith("/") || key.includes("//")) {
      ctx.path = `/${bucketPart}/${encodeURIComponent(key)}`;
    }
    await next();
  });
  return s3rver;
}
