import assert from "node:assert/strict";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { clients } from "../../../../functions/adapters/clients";
import { openUploadedObject, resolveUploadedKey } from "../../../../functions/adapters/s3";
import { InputError, SourceChangedError } from "../../../../functions/core/errors";
import { urlEncodeEventKey } from "../../../../local/engine/start-event";
import { type LocalServices, startLocalServices } from "../../../../local/services/services";
import { restoreEnv } from "../../../support/env";

/**
 * The key an S3 event names may be URL-encoded (spaces as `+`) or not. split-csv looks up each spelling with
 * HeadObject and takes the object whose ETag and size are the event's, against the local S3.
 */
describe("split-csv finds the uploaded object from the event's key, in either spelling", () => {
  let svc: LocalServices;
  const saved = { ...process.env };
  const objects: Record<string, { etag: string; size: number }> = {};

  async function put(key: string, body: string): Promise<void> {
    const out = await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: body }));
    objects[key] = { etag: (out.ETag ?? "").replace(/"/g, ""), size: Buffer.byteLength(body) };
  }

  before(async () => {
    svc = await startLocalServices();
    Object.assign(process.env, svc.env);
    clients.reset();
    await put("incoming/x+y.csv", "a,b\n1,2\n");
    await put("incoming/x y.csv", "a,b\n3,4\n5,6\n");
    await put("incoming/注文 データ 100%.csv", "a\n1\n");
  });
  after(async () => {
    restoreEnv(saved);
    clients.reset();
    await svc.stop();
  });

  it("spells keys as S3 notifications do", () => {
    assert.equal(urlEncodeEventKey("incoming/x y.csv"), "incoming/x+y.csv");
    assert.equal(urlEncodeEventKey("incoming/x+y.csv"), "incoming/x%2By.csv");
    assert.equal(urlEncodeEventKey("in/注 100%.csv"), "in/%E6%B3%A8+100%25.csv");
  });

  it("takes the object whose ETag and size match when both spellings exist as objects", async () => {
    // The event of "x y.csv" carries "x+y.csv": that key exists too, but it is another object.
    const spaced = await resolveUploadedKey(svc.bucket, "incoming/x+y.csv", objects["incoming/x y.csv"]);
    const plus = await resolveUploadedKey(svc.bucket, "incoming/x+y.csv", objects["incoming/x+y.csv"]);

    assert.equal(spaced, "incoming/x y.csv");
    assert.equal(plus, "incoming/x+y.csv");
  });

  it("finds each key from its raw and its URL-encoded spelling", async () => {
    for (const key of Object.keys(objects)) {
      for (const spelled of [key, urlEncodeEventKey(key)]) {
        assert.equal(await resolveUploadedKey(svc.bucket, spelled, objects[key]), key, spelled);
      }
    }
  });

  it("names both spellings when neither exists", async () => {
    await assert.rejects(
      resolveUploadedKey(svc.bucket, "incoming/gone+away.csv", { etag: "0", size: 1 }),
      (err: Error) =>
        err instanceof InputError &&
        err.message.includes(
          "s3://csv-pipeline-local/incoming/gone+away.csv or s3://csv-pipeline-local/incoming/gone away.csv",
        ),
    );
  });

  it("reports a key whose object was replaced since the event as a replaced source, not as missing", async () => {
    const announced = objects["incoming/x y.csv"];
    await put("incoming/x y.csv", "a,b\n7,8\n9,10\n");

    await assert.rejects(
      openUploadedObject(svc.bucket, "incoming/x+y.csv", { ifMatch: announced.etag, size: announced.size }),
      (err: Error) => err instanceof SourceChangedError,
    );
  });
});
