import assert from "node:assert/strict";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { FunctionKey } from "../../../infra/functions";
import {
  allowingStatements,
  iamMatch,
  type LocalStatement,
  localFunctionStatements,
} from "../../../local/services/iam-local";
import type { S3Roles } from "../../../local/services/s3-strict";
import { LOCAL_REGION, type LocalServices, startLocalServices } from "../../../local/services/services";
import { startServicesProcess } from "../../../local/services/services-process";

const KEYS: Record<FunctionKey, string> = {
  splitCsv: "SPLITCSVROLE",
  processChunk: "PROCESSCHUNKROLE",
  aggregateResults: "AGGREGATEROLE",
  findDuplicates: "FINDDUPLICATESROLE",
  checkErrors: "CHECKROLE",
};
/** A role that reads the input as process-chunk does, without the grant to read an object by version. */
const UNVERSIONED_KEY = "UNVERSIONEDROLE";

type SdkError = Error & { $metadata?: { httpStatusCode?: number }; Code?: string };

function rejectsWith(promise: Promise<unknown>, name: string, status: number): Promise<void> {
  return assert.rejects(promise, (err: SdkError) => {
    assert.equal(err.name, name);
    assert.equal(err.$metadata?.httpStatusCode, status);
    return true;
  });
}

describe("local S3 strictness (roles by signing key)", () => {
  let svc: LocalServices;
  const clients = {} as Record<FunctionKey, S3Client>;
  let unversioned: S3Client;

  before(async () => {
    const bucket = "csv-pipeline-strict";
    const statements = localFunctionStatements(
      { bucket, errorTable: "errors", runsTable: "runs", region: LOCAL_REGION },
      { inputPrefix: "incoming/" },
    );
    const roles: S3Roles = {};
    for (const key of Object.keys(KEYS) as FunctionKey[]) roles[KEYS[key]] = { name: key, statements: statements[key] };
    roles[UNVERSIONED_KEY] = {
      name: "unversioned",
      statements: statements.processChunk.filter((s) => s.Sid !== "ReadInputVersions"),
    };
    svc = await startLocalServices({ bucket, s3Roles: roles });
    unversioned = new S3Client({
      endpoint: svc.s3Endpoint,
      region: LOCAL_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: UNVERSIONED_KEY, secretAccessKey: "local" },
    });
    for (const key of Object.keys(KEYS) as FunctionKey[]) {
      clients[key] = new S3Client({
        endpoint: svc.s3Endpoint,
        region: LOCAL_REGION,
        forcePathStyle: true,
        credentials: { accessKeyId: KEYS[key], secretAccessKey: "local" },
      });
    }
    await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: "incoming/present.csv", Body: "a,b\n1,2\n" }));
  });

  after(async () => {
    for (const c of Object.values(clients)) c.destroy();
    unversioned?.destroy();
    await svc?.stop();
  });

  beforeEach(() => {
    svc.s3Access.length = 0;
  });

  it("answers 403 AccessDenied for a missing key to a role that may read but not list it", async () => {
    const read = () =>
      clients.processChunk.send(new GetObjectCommand({ Bucket: svc.bucket, Key: "incoming/missing.csv" }));

    await rejectsWith(read(), "AccessDenied", 403);
    const listing = svc.s3Access.find((r) => r.action === "s3:ListBucket");
    assert.deepEqual(listing?.allowedBy, []);
    assert.equal(listing?.context["s3:prefix"], "incoming/missing.csv");
  });

  it("answers 404 NoSuchKey for a missing key to a role that may list the input prefix, naming the statement", async () => {
    const read = () => clients.splitCsv.send(new GetObjectCommand({ Bucket: svc.bucket, Key: "incoming/missing.csv" }));
    const head = () =>
      clients.splitCsv.send(new HeadObjectCommand({ Bucket: svc.bucket, Key: "incoming/missing.csv" }));

    await rejectsWith(read(), "NoSuchKey", 404);
    await rejectsWith(head(), "NotFound", 404);
    const listing = svc.s3Access.find((r) => r.action === "s3:ListBucket");
    assert.deepEqual(listing?.allowedBy, ["ListInputPrefix"]);
  });

  it("still answers 403 for a missing key outside the prefix the role may list", async () => {
    const read = () => clients.splitCsv.send(new GetObjectCommand({ Bucket: svc.bucket, Key: "_config/missing.json" }));

    await rejectsWith(read(), "AccessDenied", 403);
  });

  it("denies an action no statement allows with S3's XML AccessDenied, and allows what a statement does", async () => {
    const denied = () =>
      clients.aggregateResults.send(new GetObjectCommand({ Bucket: svc.bucket, Key: "incoming/present.csv" }));
    const deniedPut = () =>
      clients.splitCsv.send(new PutObjectCommand({ Bucket: svc.bucket, Key: "results/x.json", Body: "{}" }));
    const allowed = () =>
      clients.processChunk.send(new GetObjectCommand({ Bucket: svc.bucket, Key: "incoming/present.csv" }));

    await rejectsWith(denied(), "AccessDenied", 403);
    await rejectsWith(deniedPut(), "AccessDenied", 403);
    assert.equal(await (await allowed()).Body?.transformToString(), "a,b\n1,2\n");
    await clients.aggregateResults.send(
      new PutObjectCommand({ Bucket: svc.bucket, Key: "results/x.json", Body: "{}" }),
    );
    const put = svc.s3Access.find((r) => r.action === "s3:PutObject" && r.role === "aggregateResults");
    assert.deepEqual(put?.allowedBy, ["WriteResults"]);
    assert.equal(put?.status, 200);
  });

  it("authorizes a read by version id as s3:GetObjectVersion: AccessDenied without that grant, allowed with it", async () => {
    const Bucket = svc.bucket;
    const Key = "incoming/present.csv";
    // The local S3 keeps no versions: an object is its "null" version, which S3 serves by that id too.
    const byVersion = { Bucket, Key, VersionId: "null" };

    await rejectsWith(unversioned.send(new GetObjectCommand(byVersion)), "AccessDenied", 403);
    // A HEAD answer has no body: the SDK knows it only by its status.
    await assert.rejects(unversioned.send(new HeadObjectCommand(byVersion)), (err: SdkError) => {
      assert.equal(err.$metadata?.httpStatusCode, 403);
      return true;
    });
    const current = await unversioned.send(new GetObjectCommand({ Bucket, Key }));
    const read = await clients.processChunk.send(new GetObjectCommand(byVersion));
    const head = await clients.splitCsv.send(new HeadObjectCommand(byVersion));

    assert.equal(await current.Body?.transformToString(), "a,b\n1,2\n", "s3:GetObject still reads the current object");
    assert.equal(await read.Body?.transformToString(), "a,b\n1,2\n");
    assert.equal(head.ContentLength, 8);
    assert.deepEqual(
      svc.s3Access.map((r) => [r.role, r.action, r.allowedBy, r.status]),
      [
        ["unversioned", "s3:GetObjectVersion", [], 403],
        ["unversioned", "s3:GetObjectVersion", [], 403],
        ["unversioned", "s3:GetObject", ["ReadInputAndSchema"], 200],
        ["processChunk", "s3:GetObjectVersion", ["ReadInputVersions"], 200],
        ["splitCsv", "s3:GetObjectVersion", ["ReadInputVersions"], 200],
      ],
    );
  });

  it("keeps full access for keys that belong to no role (the runner's own client)", async () => {
    await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: "anywhere/x.txt", Body: "x" }));

    await rejectsWith(
      svc.s3.send(new GetObjectCommand({ Bucket: svc.bucket, Key: "incoming/missing.csv" })),
      "NoSuchKey",
      404,
    );
    assert.deepEqual(svc.s3Access, []);
  });
});

describe("local S3 multipart uploads", () => {
  let svc: LocalServices;
  before(async () => {
    svc = await startLocalServices({ bucket: "csv-pipeline-multipart" });
  });
  after(async () => {
    await svc?.stop();
  });

  const start = async (key: string) => {
    const created = await svc.s3.send(new CreateMultipartUploadCommand({ Bucket: svc.bucket, Key: key }));
    const UploadId = created.UploadId as string;
    const part = await svc.s3.send(
      new UploadPartCommand({ Bucket: svc.bucket, Key: key, UploadId, PartNumber: 1, Body: "a,b\n1,2\n" }),
    );
    return { UploadId, ETag: part.ETag as string };
  };

  it("aborts an upload with 204: its parts are gone and the upload can take no part and no completion", async () => {
    const key = "out/aborted.csv";
    const { UploadId, ETag } = await start(key);
    const aborted = await svc.s3.send(new AbortMultipartUploadCommand({ Bucket: svc.bucket, Key: key, UploadId }));
    assert.equal(aborted.$metadata.httpStatusCode, 204);

    await rejectsWith(
      svc.s3.send(new UploadPartCommand({ Bucket: svc.bucket, Key: key, UploadId, PartNumber: 2, Body: "3,4\n" })),
      "NoSuchUpload",
      404,
    );
    await rejectsWith(
      svc.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: svc.bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
        }),
      ),
      "NoSuchUpload",
      404,
    );
    await rejectsWith(svc.s3.send(new GetObjectCommand({ Bucket: svc.bucket, Key: key })), "NoSuchKey", 404);
  });

  it("answers 404 NoSuchUpload for an upload id it never gave, or given for another key", async () => {
    const { UploadId } = await start("out/one.csv");
    for (const [Key, id] of [
      ["out/two.csv", UploadId],
      ["out/one.csv", "0".repeat(32)],
      ["out/one.csv", "../../../etc"],
    ]) {
      await rejectsWith(
        svc.s3.send(new AbortMultipartUploadCommand({ Bucket: svc.bucket, Key, UploadId: id })),
        "NoSuchUpload",
        404,
      );
    }
    // The upload, named with its own key, is untouched: it still takes parts.
    const part = await svc.s3.send(
      new UploadPartCommand({ Bucket: svc.bucket, Key: "out/one.csv", UploadId, PartNumber: 2, Body: "3,4\n" }),
    );
    assert.ok(part.ETag);
  });

  it("aborts an upload only once: a second abort answers NoSuchUpload", async () => {
    const { UploadId } = await start("out/twice.csv");
    const abort = () =>
      svc.s3.send(new AbortMultipartUploadCommand({ Bucket: svc.bucket, Key: "out/twice.csv", UploadId }));
    await abort();
    await rejectsWith(abort(), "NoSuchUpload", 404);
  });
});

describe("local S3 strictness in the services process", () => {
  it("authorizes by role in the child process and reports its decisions to the parent", async function () {
    this.timeout(60_000);
    const bucket = "csv-pipeline-strict-child";
    const statements = localFunctionStatements(
      { bucket, errorTable: "errors", runsTable: "runs", region: LOCAL_REGION },
      { inputPrefix: "incoming/" },
    );
    const services = await startServicesProcess({
      bucket,
      s3Roles: { [KEYS.splitCsv]: { name: "splitCsv", statements: statements.splitCsv } },
    });
    const split = new S3Client({
      endpoint: services.s3Endpoint,
      region: LOCAL_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: KEYS.splitCsv, secretAccessKey: "local" },
    });
    try {
      await rejectsWith(
        split.send(new GetObjectCommand({ Bucket: bucket, Key: "incoming/missing.csv" })),
        "NoSuchKey",
        404,
      );
      await rejectsWith(
        split.send(new PutObjectCommand({ Bucket: bucket, Key: "incoming/x.csv", Body: "x" })),
        "AccessDenied",
        403,
      );

      // The decisions arrive over the IPC channel, beside (not before) the HTTP answers.
      for (let i = 0; i < 100 && services.s3Access.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      const listing = services.s3Access.find((r) => r.action === "s3:ListBucket");
      assert.deepEqual(listing?.allowedBy, ["ListInputPrefix"]);
      assert.ok(services.s3Access.some((r) => r.action === "s3:PutObject" && r.status === 403));
    } finally {
      split.destroy();
      await services.stop();
    }
  });
});

describe("local IAM evaluation", () => {
  const statements: LocalStatement[] = [
    {
      Sid: "List",
      Action: ["s3:ListBucket"],
      Resource: ["arn:aws:s3:::b"],
      Condition: { StringLike: { "s3:prefix": "in/*" } },
    },
    {
      Sid: "Metrics",
      Action: ["cloudwatch:PutMetricData"],
      Resource: ["*"],
      Condition: { StringEquals: { "cloudwatch:namespace": "CSV/Processing" } },
    },
    { Sid: "Read", Action: ["s3:Get*"], Resource: ["arn:aws:s3:::b/in/*"] },
  ];

  it("matches actions case-insensitively with wildcards and resources with wildcards", () => {
    assert.deepEqual(allowingStatements(statements, { action: "S3:getobject", resource: "arn:aws:s3:::b/in/x" }), [
      "Read",
    ]);
    assert.deepEqual(allowingStatements(statements, { action: "s3:GetObject", resource: "arn:aws:s3:::b/out/x" }), []);
    assert.ok(iamMatch("a?c", "abc") && !iamMatch("a?c", "abbc"));
  });

  it("applies StringLike and StringEquals conditions, failing when the key is absent", () => {
    const list = (context?: Record<string, string>) =>
      allowingStatements(statements, { action: "s3:ListBucket", resource: "arn:aws:s3:::b", context });
    assert.deepEqual(list({ "s3:prefix": "in/a.csv" }), ["List"]);
    assert.deepEqual(list({ "s3:prefix": "out/a.csv" }), []);
    assert.deepEqual(list(), []);
    const put = (namespace: string) =>
      allowingStatements(statements, {
        action: "cloudwatch:PutMetricData",
        resource: "*",
        context: { "cloudwatch:namespace": namespace },
      });
    assert.deepEqual(put("CSV/Processing"), ["Metrics"]);
    assert.deepEqual(put("Other"), []);
  });
});
