import assert from "node:assert/strict";
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { clients, setClientCredentials } from "../../../functions/adapters/clients";
import { S3TextWriter } from "../../../functions/adapters/s3-writer";
import { setLogSink } from "../../../functions/core/log";
import type { LocalStatement } from "../../../local/services/iam-local";
import { s3Request } from "../../../local/services/s3-strict";
import { type LocalServices, startLocalServices } from "../../../local/services/services";
import { restoreEnv } from "../../support/env";

const BUCKET = "csv-pipeline-writer";
const WRITER_KEY = "WRITERROLE";
const MiB = 1024 * 1024;

/** What the writer's role may do: write and abort uploads under `out/`, nothing else. */
const STATEMENTS: LocalStatement[] = [
  {
    Sid: "WriteOut",
    Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
    Resource: [`arn:aws:s3:::${BUCKET}/out/*`],
  },
];

/** `count` lines of 100 ASCII bytes each (numbered, so a reordered or lost piece shows). */
function lines(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${String(i).padStart(10, "0")},${"x".repeat(87)}\r\n`);
}

describe("S3TextWriter on the local S3, signed as a role", () => {
  let svc: LocalServices;
  const saved = { ...process.env };
  let restoreCredentials: () => void;

  before(async () => {
    svc = await startLocalServices({
      bucket: BUCKET,
      s3Roles: { [WRITER_KEY]: { name: "writer", statements: STATEMENTS } },
    });
    Object.assign(process.env, svc.env);
    clients.reset();
    const previous = setClientCredentials(() => ({ accessKeyId: WRITER_KEY, secretAccessKey: "local" }));
    restoreCredentials = () => {
      setClientCredentials(previous);
    };
  });
  after(async () => {
    restoreCredentials();
    restoreEnv(saved);
    clients.reset();
    await svc.stop();
  });
  beforeEach(() => {
    svc.s3Access.length = 0;
  });

  /** The object's bytes, read with the runner's own (unrestricted) client; null when there is none. */
  async function read(key: string): Promise<Buffer | null> {
    try {
      const res = await svc.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (err) {
      if ((err as Error).name === "NoSuchKey") return null;
      throw err;
    }
  }

  async function exists(key: string): Promise<boolean> {
    try {
      await svc.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return true;
    } catch (err) {
      if ((err as Error).name === "NotFound") return false;
      throw err;
    }
  }

  it("writes a small object with one PutObject, byte for byte", async () => {
    const writer = new S3TextWriter(BUCKET, "out/small.csv");
    await writer.write("\uFEFFa,b\r\n");
    await writer.write('注文,"x\ny"\r\n');
    await writer.end();

    assert.deepEqual(await read("out/small.csv"), Buffer.from('\uFEFFa,b\r\n注文,"x\ny"\r\n', "utf8"));
    assert.deepEqual(
      svc.s3Access.map((r) => [r.action, r.resource, r.allowedBy, r.status]),
      [["s3:PutObject", `arn:aws:s3:::${BUCKET}/out/small.csv`, ["WriteOut"], 200]],
    );
  });

  it("writes an empty object when nothing was written", async () => {
    const writer = new S3TextWriter(BUCKET, "out/empty.csv");
    await writer.end();

    assert.deepEqual(await read("out/empty.csv"), Buffer.alloc(0));
  });

  it("writes more than 5 MiB as a multipart upload authorized as s3:PutObject, and reads back identical", async function () {
    this.timeout(60_000);
    const all = lines(Math.ceil((11 * MiB) / 100));
    const writer = new S3TextWriter(BUCKET, "out/big.csv");
    let waited = 0;
    for (let i = 0; i < all.length; i += 500) {
      const pending = writer.write(all.slice(i, i + 500).join(""));
      if (pending !== undefined) {
        waited++;
        await pending;
      }
    }
    await writer.end();

    const expected = Buffer.from(all.join(""), "utf8");
    assert.ok(expected.length > 11 * MiB);
    assert.equal(writer.bytes, expected.length);
    assert.ok((await read("out/big.csv"))!.equals(expected), "the object reads back byte for byte");
    // CreateMultipartUpload, three UploadParts (5 + 5 + 1 MiB), CompleteMultipartUpload: all s3:PutObject.
    assert.deepEqual(
      svc.s3Access.map((r) => [r.action, r.allowedBy, r.status]),
      Array.from({ length: 5 }, () => ["s3:PutObject", ["WriteOut"], 200]),
    );
    assert.ok(waited > 0, "writes waited for the upload (memory stays bounded)");
  });

  it("abort() in the middle of a multipart upload leaves no object and aborts the upload", async function () {
    this.timeout(60_000);
    const logged: string[] = [];
    const previousSink = setLogSink((line) => logged.push(line));
    try {
      const writer = new S3TextWriter(BUCKET, "out/aborted.csv");
      const text = lines(Math.ceil((6 * MiB) / 100)).join("");
      await writer.write(text);
      // Wait until the first part was sent: the upload exists on the server.
      for (let i = 0; i < 200 && !svc.s3Access.some((r) => r.status === 200); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      await writer.abort();
      await writer.abort();

      assert.equal(await exists("out/aborted.csv"), false);
      const abortRequest = svc.s3Access.find((r) => r.action === "s3:AbortMultipartUpload");
      assert.equal(abortRequest?.resource, `arn:aws:s3:::${BUCKET}/out/aborted.csv`);
      assert.deepEqual(abortRequest?.allowedBy, ["WriteOut"]);
      assert.equal(abortRequest?.status, 204, "S3 dropped the upload's parts");
      assert.deepEqual(
        logged.filter((l) => l.includes("could not drop")),
        [],
      );
      await assert.rejects(Promise.resolve(writer.write("more")), /written after abort\(\)/);
    } finally {
      setLogSink(previousSink);
    }
  });

  it("abort() before end() of a small object sends nothing and leaves no object", async () => {
    const writer = new S3TextWriter(BUCKET, "out/never.csv");
    await writer.write("a,b\r\n");
    await writer.abort();

    assert.equal(await exists("out/never.csv"), false);
    assert.deepEqual(svc.s3Access, []);
  });

  it("abort() after end() keeps the finished object", async () => {
    const writer = new S3TextWriter(BUCKET, "out/kept.csv");
    await writer.write("a\r\n");
    await writer.end();
    await writer.abort();

    assert.deepEqual(await read("out/kept.csv"), Buffer.from("a\r\n"));
  });

  it("fails end() with AccessDenied for a key the role may not write, and leaves no object", async () => {
    const writer = new S3TextWriter(BUCKET, "elsewhere/x.csv");
    await writer.write("a\r\n");

    await assert.rejects(writer.end(), (err: Error) => err.name === "AccessDenied");
    await writer.abort();
    assert.equal(await exists("elsewhere/x.csv"), false);
    assert.deepEqual(
      svc.s3Access.map((r) => [r.action, r.status]),
      [["s3:PutObject", 403]],
    );
  });
});

describe("s3Request (local S3): multipart requests as IAM names them", () => {
  const request = (method: string, query: Record<string, string>) =>
    s3Request({ method, path: "/b/out/part-00001.csv", query, headers: {} });

  it("authorizes CreateMultipartUpload, UploadPart and CompleteMultipartUpload as s3:PutObject", () => {
    assert.equal(request("POST", { uploads: "" })?.action, "s3:PutObject");
    assert.equal(request("PUT", { partNumber: "2", uploadId: "u1" })?.action, "s3:PutObject");
    assert.equal(request("POST", { uploadId: "u1" })?.action, "s3:PutObject");
    assert.equal(request("POST", { uploadId: "u1" })?.resource, "arn:aws:s3:::b/out/part-00001.csv");
  });

  it("authorizes AbortMultipartUpload and ListParts as their own actions on the object", () => {
    assert.deepEqual(request("DELETE", { uploadId: "u1" }), {
      action: "s3:AbortMultipartUpload",
      resource: "arn:aws:s3:::b/out/part-00001.csv",
    });
    assert.equal(request("GET", { uploadId: "u1" })?.action, "s3:ListMultipartUploadParts");
    assert.equal(request("DELETE", {})?.action, "s3:DeleteObject");
  });

  it("authorizes ListMultipartUploads as s3:ListBucketMultipartUploads on the bucket", () => {
    assert.deepEqual(s3Request({ method: "GET", path: "/b", query: { uploads: "" }, headers: {} }), {
      action: "s3:ListBucketMultipartUploads",
      resource: "arn:aws:s3:::b",
    });
  });
});
