import assert from "node:assert/strict";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { WORK_KEYS } from "../../../functions/contract";
import type { FunctionKey } from "../../../infra/functions";
import { localFunctionStatements } from "../../../local/services/iam-local";
import type { S3Roles } from "../../../local/services/s3-strict";
import { LOCAL_REGION, type LocalServices, startLocalServices } from "../../../local/services/services";

type SdkError = Error & { $metadata?: { httpStatusCode?: number } };

function rejectsWith(promise: Promise<unknown>, name: string, status: number): Promise<void> {
  return assert.rejects(promise, (err: SdkError) => {
    assert.equal(err.name, name);
    assert.equal(err.$metadata?.httpStatusCode, status);
    return true;
  });
}

const EXEC = "orders-20260304-unique";
/** The roles under test: the functions' own, and each with one uniqueness grant taken away. */
const ROLES = {
  processChunk: { fn: "processChunk", without: undefined },
  findDuplicates: { fn: "findDuplicates", without: undefined },
  splitCsv: { fn: "splitCsv", without: undefined },
  chunkNoKeyWrite: { fn: "processChunk", without: "WriteUniqueKeyFiles" },
  findNoKeyRead: { fn: "findDuplicates", without: "ReadUniqueKeyFiles" },
  findNoList: { fn: "findDuplicates", without: "ListWorkPrefix" },
  findNoDupsWrite: { fn: "findDuplicates", without: "WriteDuplicateFiles" },
} as const satisfies Record<string, { fn: FunctionKey; without: string | undefined }>;
type RoleName = keyof typeof ROLES;

describe("local S3 and the uniqueness work grants", () => {
  let svc: LocalServices;
  const as = {} as Record<RoleName, S3Client>;

  before(async () => {
    const bucket = "csv-pipeline-unique";
    const statements = localFunctionStatements(
      { bucket, errorTable: "errors", runsTable: "runs", region: LOCAL_REGION },
      { inputPrefix: "incoming/" },
    );
    const roles: S3Roles = {};
    for (const [name, { fn, without }] of Object.entries(ROLES)) {
      const own = statements[fn];
      if (without !== undefined)
        assert.ok(
          own.some((s) => s.Sid === without),
          `${fn} has no ${without}`,
        );
      roles[name.toUpperCase()] = { name, statements: own.filter((s) => s.Sid !== without) };
    }
    svc = await startLocalServices({ bucket, s3Roles: roles });
    for (const name of Object.keys(ROLES) as RoleName[])
      as[name] = new S3Client({
        endpoint: svc.s3Endpoint,
        region: LOCAL_REGION,
        forcePathStyle: true,
        credentials: { accessKeyId: name.toUpperCase(), secretAccessKey: "local" },
      });
  });

  after(async () => {
    for (const c of Object.values(as)) c.destroy();
    await svc?.stop();
  });

  const put = (role: RoleName, key: string) =>
    as[role].send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: Buffer.from("UQK1") }));
  const get = (role: RoleName, key: string) => as[role].send(new GetObjectCommand({ Bucket: svc.bucket, Key: key }));

  it("lets process-chunk write its key file, and refuses a role without the grant with 403 AccessDenied", async () => {
    await put("processChunk", WORK_KEYS.uniqueKeys(EXEC, 1));
    await rejectsWith(put("chunkNoKeyWrite", WORK_KEYS.uniqueKeys(EXEC, 2)), "AccessDenied", 403);
    await rejectsWith(put("processChunk", WORK_KEYS.uniqueDups(EXEC, 0)), "AccessDenied", 403);
  });

  it("lets find-duplicates read the key files, and refuses a role without the grant", async () => {
    await put("processChunk", WORK_KEYS.uniqueKeys(EXEC, 3));
    const body = await (await get("findDuplicates", WORK_KEYS.uniqueKeys(EXEC, 3))).Body?.transformToString();
    assert.equal(body, "UQK1");
    await rejectsWith(get("findNoKeyRead", WORK_KEYS.uniqueKeys(EXEC, 3)), "AccessDenied", 403);
    await rejectsWith(get("splitCsv", WORK_KEYS.uniqueKeys(EXEC, 3)), "AccessDenied", 403);
  });

  it("answers 404 for a missing key file to find-duplicates (it may list _work/), 403 to a role that may not list", async () => {
    await rejectsWith(get("findDuplicates", WORK_KEYS.uniqueKeys(EXEC, 99)), "NoSuchKey", 404);
    await rejectsWith(get("findNoList", WORK_KEYS.uniqueKeys(EXEC, 99)), "AccessDenied", 403);
  });

  it("lets find-duplicates write a dups file that process-chunk reads, and refuses a role without the grant", async () => {
    await put("findDuplicates", WORK_KEYS.uniqueDups(EXEC, 5));
    assert.equal(await (await get("processChunk", WORK_KEYS.uniqueDups(EXEC, 5))).Body?.transformToString(), "UQK1");
    await rejectsWith(put("findNoDupsWrite", WORK_KEYS.uniqueDups(EXEC, 6)), "AccessDenied", 403);
    // process-chunk is only told partitions whose dups file exists: it may not list, so S3 answers 403, as on AWS.
    await rejectsWith(get("processChunk", WORK_KEYS.uniqueDups(EXEC, 7)), "AccessDenied", 403);
  });
});
