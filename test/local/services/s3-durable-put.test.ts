import assert from "node:assert/strict";
import fs from "node:fs";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { type LocalServices, startLocalServices } from "../../../local/services/services";

/** The path a file descriptor is open on (Linux), or "" when it cannot be told. */
function pathOf(fd: number): string {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return "";
  }
}

/** The file of an object's bytes in s3rver's store (`…._S3rver_object`), or a put's temporary file. */
const OBJECT_FILE = /\._S3rver_(object|put)$/;

/**
 * Delays every write to the files of objects whose key holds `marker` by `ms`, as a busy disk or a saturated thread
 * pool does: the bytes reach the file that much later than they were handed over (metadata files are written at
 * once). Returns the undo.
 */
function slowObjectWrites(marker: string, ms: number): () => void {
  const mutable = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved = { write: mutable.write, writev: mutable.writev };
  for (const name of ["write", "writev"] as const) {
    mutable[name] = (fd: unknown, ...args: unknown[]) => {
      const path = pathOf(fd as number);
      if (path.includes(marker) && OBJECT_FILE.test(path)) setTimeout(() => saved[name].call(fs, fd, ...args), ms);
      else saved[name].call(fs, fd, ...args);
    };
  }
  return () => Object.assign(mutable, saved);
}

describe("local S3 PutObject", () => {
  let svc: LocalServices;
  before(async () => {
    svc = await startLocalServices();
  });
  after(() => svc.stop());

  async function text(key: string): Promise<string> {
    const res = await svc.s3.send(new GetObjectCommand({ Bucket: svc.bucket, Key: key }));
    return res.Body!.transformToString("utf8");
  }
  const put = (key: string, body: string) =>
    svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: body }));

  it("answers only once the object reads back whole, also when the disk is slow", async () => {
    const undo = slowObjectWrites("slow-disk", 100);
    try {
      await put("slow-disk/new.csv", "a,b\r\n1,2\r\n");
      assert.equal(await text("slow-disk/new.csv"), "a,b\r\n1,2\r\n");

      // A retried writer: two PUTs of one key in a row, then a read.
      await put("slow-disk/part.csv", "left by an earlier attempt\r\n");
      await put("slow-disk/part.csv", "header\r\nrow 1\r\nrow 2\r\n");
      assert.equal(await text("slow-disk/part.csv"), "header\r\nrow 1\r\nrow 2\r\n");
    } finally {
      undo();
    }
  });

  it("leaves no temporary file that a listing would show", async () => {
    await put("listed/one.csv", "x\r\n");
    await put("listed/one.csv", "y\r\n");
    const page = await svc.s3.send(new ListObjectsV2Command({ Bucket: svc.bucket, Prefix: "listed/" }));
    assert.deepEqual(
      (page.Contents ?? []).map((o) => [o.Key, o.Size]),
      [["listed/one.csv", 3]],
    );
  });
});
