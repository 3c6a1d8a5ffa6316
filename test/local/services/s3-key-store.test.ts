import assert from "node:assert/strict";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { type LocalServices, startLocalServices } from "../../../local/services/services";

/** A key of exactly `bytes` UTF-8 bytes under `prefix`, ending in `.csv`, made of Japanese (3 bytes) and ASCII. */
function keyOfBytes(prefix: string, bytes: number): string {
  const fill = bytes - Buffer.byteLength(prefix) - ".csv".length;
  const key = `${prefix}${"注".repeat(Math.floor(fill / 3))}${"x".repeat(fill % 3)}.csv`;
  assert.equal(Buffer.byteLength(key), bytes);
  return key;
}

describe("local S3 object keys", () => {
  let svc: LocalServices;
  const longest = keyOfBytes("incoming/", 1024);
  const longSegment = `incoming/${"s".repeat(300)}/b.csv`;
  const oddKeys = ["incoming//double.csv", "incoming/./dot.csv", "incoming/../up.csv", "incoming/ä + %20.csv"];

  before(async () => {
    svc = await startLocalServices({ bucket: "csv-pipeline-keys" });
  });
  after(() => svc.stop());

  async function text(key: string, range?: string): Promise<string> {
    const res = await svc.s3.send(new GetObjectCommand({ Bucket: svc.bucket, Key: key, Range: range }));
    return (await res.Body?.transformToString("utf8")) ?? "";
  }

  it("stores, reads, ranges, heads and lists a 1,024-byte key and a key with a 300-byte segment", async () => {
    for (const key of [longest, longSegment]) {
      await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: `a,b\n1,2\n${key}` }));
      assert.equal(await text(key), `a,b\n1,2\n${key}`);
      assert.equal(await text(key, "bytes=4-6"), "1,2");
      const head = await svc.s3.send(new HeadObjectCommand({ Bucket: svc.bucket, Key: key }));
      assert.equal(head.ContentLength, Buffer.byteLength(`a,b\n1,2\n${key}`));
    }
    const listed = await svc.s3.send(new ListObjectsV2Command({ Bucket: svc.bucket, Prefix: "incoming/" }));
    assert.deepEqual(
      listed.Contents?.map((o) => o.Key),
      [longSegment, longest],
    );
  });

  it("completes a multipart upload to a 1,024-byte key and lists it under its real key", async () => {
    const key = keyOfBytes("processed/multi/", 1024);
    const { UploadId } = await svc.s3.send(new CreateMultipartUploadCommand({ Bucket: svc.bucket, Key: key }));
    const part1 = Buffer.alloc(5 * 1024 * 1024, "a");
    const parts = [];
    for (const [i, body] of [part1, Buffer.from("tail")].entries()) {
      const { ETag } = await svc.s3.send(
        new UploadPartCommand({ Bucket: svc.bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }),
      );
      parts.push({ ETag, PartNumber: i + 1 });
    }
    await svc.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: svc.bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }),
    );
    assert.equal(await text(key, `bytes=${part1.length}-`), "tail");
    const listed = await svc.s3.send(new ListObjectsV2Command({ Bucket: svc.bucket, Prefix: "processed/" }));
    assert.deepEqual(
      listed.Contents?.map((o) => [o.Key, o.Size]),
      [[key, part1.length + 4]],
    );
  });

  it("keeps keys that differ only by empty, '.' or '..' segments apart, and copies and deletes by the real key", async () => {
    for (const key of oddKeys) await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: key }));
    for (const key of oddKeys) assert.equal(await text(key), key);
    await svc.s3.send(
      new CopyObjectCommand({
        Bucket: svc.bucket,
        Key: "copies/long-segment.csv",
        CopySource: encodeURI(`${svc.bucket}/${longSegment}`),
      }),
    );
    assert.equal(await text("copies/long-segment.csv"), `a,b\n1,2\n${longSegment}`);
    await svc.s3.send(new DeleteObjectCommand({ Bucket: svc.bucket, Key: longSegment }));
    const listed = await svc.s3.send(new ListObjectsV2Command({ Bucket: svc.bucket, Delimiter: "/" }));
    assert.deepEqual(
      listed.CommonPrefixes?.map((p) => p.Prefix),
      ["copies/", "incoming/", "processed/"],
    );
    const incoming = await svc.s3.send(new ListObjectsV2Command({ Bucket: svc.bucket, Prefix: "incoming/" }));
    assert.ok(!incoming.Contents?.some((o) => o.Key === longSegment));
    assert.ok(incoming.Contents?.some((o) => o.Key === longest));
  });

  it("lists in UTF-8 byte order, also after a StartAfter key", async () => {
    const keys = ["order/\u{1F600}.csv", "order/\uFF21.csv", "order/a.csv", "order/b.csv"];
    for (const key of keys) await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: "x" }));
    const list = async (startAfter?: string) =>
      (
        await svc.s3.send(new ListObjectsV2Command({ Bucket: svc.bucket, Prefix: "order/", StartAfter: startAfter }))
      ).Contents?.map((o) => o.Key);
    // U+FF21 is EF BC A1 in UTF-8 and sorts before U+1F600 (F0 9F 98 80), unlike their UTF-16 code units.
    assert.deepEqual(await list(), ["order/a.csv", "order/b.csv", "order/\uFF21.csv", "order/\u{1F600}.csv"]);
    assert.deepEqual(await list("order/\uFF21.csv"), ["order/\u{1F600}.csv"]);
  });

  it("pages a listing with continuation tokens, in UTF-8 byte order", async () => {
    const keys = ["page/\u{1F600}.csv", "page/\uFF21.csv", "page/a.csv", "page/b.csv", "page/c.csv"];
    for (const key of keys) await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: "x" }));
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await svc.s3.send(
        new ListObjectsV2Command({ Bucket: svc.bucket, Prefix: "page/", MaxKeys: 2, ContinuationToken: token }),
      );
      pages.push((page.Contents ?? []).map((o) => o.Key as string));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);

    assert.deepEqual(pages, [["page/a.csv", "page/b.csv"], ["page/c.csv", "page/\uFF21.csv"], ["page/\u{1F600}.csv"]]);
  });

  it("refuses a key over 1,024 bytes with 400 KeyTooLongError, as S3 does", async () => {
    const key = `${longest}x`;
    await assert.rejects(
      svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: "x" })),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.name, "KeyTooLongError");
        assert.equal(err.$metadata?.httpStatusCode, 400);
        return true;
      },
    );
  });
});
