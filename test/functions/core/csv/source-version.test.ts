import assert from "node:assert/strict";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { clients } from "../../../../functions/adapters/clients";
import {
  type ChunkSummaryItem,
  type ProcessChunkInput,
  RUN_KEYS,
  type SplitResult,
} from "../../../../functions/contract";
import { SourceChangedError } from "../../../../functions/core/errors";
import { summarizeRun } from "../../../../functions/core/records/summary";
import { sourceChangedResult, uploadDigest, uploadFields } from "../../../../functions/core/records/upload";
import { handler as processChunk } from "../../../../functions/process-chunk";
import { handler as splitCsv } from "../../../../functions/split-csv";
import { LOCAL_STATE_MACHINE_ARN, localExecutions } from "../../../../local/services/executions";
import type { LocalServices } from "../../../../local/services/services";
import { readRecords, readRunItems } from "../../../support/csv-fixtures";
import { openSplitWorld, type SplitWorld } from "../../../support/split-world";

const START = "2024-05-01T00:00:00.000Z";
const HEADER = "order_id,email,amount,quantity,status,ordered_at,updated_at,note\n";
const row = (n: number, amount = "100.00") =>
  `ORD-${String(n).padStart(6, "0")},c${n}@example.com,${amount},1,NEW,2024-10-19,2024-10-19T02:15:00+09:00,\n`;
/** Version A: 6 valid rows. Version B: 9 rows, each with a negative amount (a ValidationError). */
const VERSION_A = HEADER + [1, 2, 3, 4, 5, 6].map((n) => row(n)).join("");
const VERSION_B = HEADER + [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => row(n, "-1")).join("");

describe("object versions: chunks read what split-csv read, and one upload is processed once", () => {
  let svc: LocalServices;
  let world: SplitWorld;

  before(async () => {
    world = await openSplitWorld({ chunkRows: 3 });
    ({ svc } = world);
  });
  after(() => world.stop());

  async function put(key: string, body: Buffer | string): Promise<string> {
    const out = await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: body }));
    return out.ETag ?? "";
  }

  const recordsOf = (executionName: string) => readRecords(svc.errorTable, executionName);

  const runItems = (executionName: string) => readRunItems(svc.runsTable, executionName);

  function chunkInput(executionName: string, split: SplitResult, index: number): ProcessChunkInput {
    return {
      executionName,
      startTime: START,
      bucket: svc.bucket,
      key: split.key,
      encoding: split.encoding,
      header: split.header,
      chunk: split.chunks[index],
      etag: split.etag,
      versionId: split.versionId,
    };
  }

  describe("the local S3", () => {
    it("answers 412 PreconditionFailed to a GET whose If-Match is not the object's ETag, as S3 does", async () => {
      const etag = await put("incoming/if-match.csv", VERSION_A);

      const same = await svc.s3.send(
        new GetObjectCommand({ Bucket: svc.bucket, Key: "incoming/if-match.csv", IfMatch: etag, Range: "bytes=0-9" }),
      );
      const other = svc.s3.send(
        new GetObjectCommand({ Bucket: svc.bucket, Key: "incoming/if-match.csv", IfMatch: '"0000"' }),
      );

      assert.equal(await same.Body?.transformToString(), VERSION_A.slice(0, 10));
      await assert.rejects(other, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.name, "PreconditionFailed");
        assert.equal(err.$metadata?.httpStatusCode, 412);
        return true;
      });
    });
  });

  describe("split-csv and process-chunk", () => {
    it("hands every chunk the ETag it read; the chunks count that version", async () => {
      const etag = await put("incoming/same.csv", VERSION_A);

      const split = await splitCsv({
        bucket: svc.bucket,
        key: "incoming/same.csv",
        executionName: "exec-same",
        startTime: START,
      });
      const results = await Promise.all(split.chunks.map((_, i) => processChunk(chunkInput("exec-same", split, i))));

      assert.equal(split.status, "OK");
      assert.equal(split.etag, etag);
      assert.equal(split.versionId, null, "s3rver, like an unversioned bucket, has no version ids");
      assert.equal(split.chunkCount, 2);
      assert.deepEqual(
        results.map((r) => [r.rows, r.valid, r.invalid]),
        [
          [3, 3, 0],
          [3, 3, 0],
        ],
      );
    });

    it("records one CRITICAL SourceChangedError per chunk and counts no row of a version uploaded after the split", async () => {
      await put("incoming/replaced.csv", VERSION_A);
      const split = await splitCsv({
        bucket: svc.bucket,
        key: "incoming/replaced.csv",
        executionName: "exec-replaced",
        startTime: START,
      });
      await put("incoming/replaced.csv", VERSION_B);

      const first = await processChunk(chunkInput("exec-replaced", split, 0));

      assert.deepEqual(first, {
        chunkId: split.chunks[0].id,
        rows: 0,
        valid: 0,
        invalid: 0,
        byType: { SourceChangedError: 1 },
        bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 1 },
      });
      const records = await recordsOf("exec-replaced");
      assert.equal(records.length, 1, "no ValidationError of version B was recorded");
      assert.equal(records[0].errorType, "SourceChangedError");
      assert.equal(records[0].severity, "CRITICAL");
      assert.equal(records[0].processingStage, "process");
      assert.match(records[0].errorMessage, /replaced while it was being processed/);
      assert.match(records[0].errorMessage, /[Uu]pload the file again once the upload is complete/);
      const summary = (await runItems("exec-replaced")).find((i) => i.sk === RUN_KEYS.chunk(split.chunks[0].id)) as
        | ChunkSummaryItem
        | undefined;
      assert.equal(summary?.rows, 0);
      assert.equal(summary?.errors, 1);
      assert.deepEqual(summary?.byType, { SourceChangedError: 1 });
    });

    it("reads the replaced object's rows when no ETag is given (what the chunks did before)", async () => {
      await put("incoming/unguarded.csv", VERSION_A);
      const split = await splitCsv({
        bucket: svc.bucket,
        key: "incoming/unguarded.csv",
        executionName: "exec-unguarded",
        startTime: START,
      });
      await put("incoming/unguarded.csv", VERSION_B);
      const { etag: _etag, versionId: _versionId, ...unguarded } = chunkInput("exec-unguarded", split, 0);

      const result = await processChunk(unguarded);

      assert.ok(result.invalid > 0, "without If-Match the chunk silently counts rows of version B");
    });

    it("reads only the version the execution's input names: another ETag is a SourceChangedError", async () => {
      const etag = await put("incoming/named.csv", VERSION_A);
      await put("incoming/named.csv", VERSION_B);

      const split = splitCsv({
        bucket: svc.bucket,
        key: "incoming/named.csv",
        executionName: "exec-named",
        startTime: START,
        upload: { object: { etag: etag.replace(/"/g, ""), sequencer: "00A1" } },
      });

      await assert.rejects(
        split,
        (err: Error) => err instanceof SourceChangedError && err.name === "SourceChangedError",
      );
      assert.deepEqual(await runItems("exec-named"), []);
    });
  });

  describe("the upload claim", () => {
    it("lets the first execution of an upload through and stops a second one for the same upload", async () => {
      const etag = await put("incoming/twice.csv", VERSION_B);
      const event = { object: { etag: etag.replace(/"/g, ""), sequencer: "0064D3901D00059242" } };

      const first = await splitCsv({
        bucket: svc.bucket,
        key: "incoming/twice.csv",
        executionName: "exec-first",
        startTime: START,
        upload: event,
      });
      // The first execution is still running when the event arrives again.
      localExecutions.started("exec-first", LOCAL_STATE_MACHINE_ARN, {}, START);
      const second = await splitCsv({
        bucket: svc.bucket,
        key: "incoming/twice.csv",
        executionName: "exec-second",
        startTime: START,
        upload: event,
      });

      assert.equal(first.status, "OK");
      assert.equal(second.status, "DUPLICATE");
      assert.equal(second.chunkCount, 0);
      assert.deepEqual(second.chunks, []);
      assert.deepEqual(await runItems("exec-second"), [], "no file summary for the duplicate");
      assert.deepEqual(await recordsOf("exec-second"), [], "no error records for the duplicate");
      const claim = await clients.doc().send(
        new GetCommand({
          TableName: svc.runsTable,
          Key: {
            pk: RUN_KEYS.upload(
              uploadDigest({
                bucket: svc.bucket,
                key: "incoming/twice.csv",
                etag,
                versionId: null,
                sequencer: "0064D3901D00059242",
              }),
            ),
            sk: RUN_KEYS.uploadClaim,
          },
          ConsistentRead: true,
        }),
      );
      assert.equal(claim.Item?.executionName, "exec-first");
      assert.ok(Number(claim.Item?.expiresAt) > Date.now() / 1000, "the claim expires (TTL)");
    });

    it("lets a retry of the same execution through again", async () => {
      await put("incoming/retried.csv", VERSION_A);
      const event = {
        bucket: svc.bucket,
        key: "incoming/retried.csv",
        executionName: "exec-retried",
        startTime: START,
      };

      const first = await splitCsv(event);
      const retry = await splitCsv(event);

      assert.equal(first.status, "OK");
      assert.equal(retry.status, "OK");
      assert.equal(retry.chunkCount, first.chunkCount);
    });

    it("treats a new upload of the key as a new upload: new content, or the same content under a new event", async () => {
      await put("incoming/again.csv", VERSION_A);
      const a = await splitCsv({
        bucket: svc.bucket,
        key: "incoming/again.csv",
        executionName: "exec-a",
        startTime: START,
      });
      await put("incoming/again.csv", VERSION_B);
      const b = await splitCsv({
        bucket: svc.bucket,
        key: "incoming/again.csv",
        executionName: "exec-b",
        startTime: START,
      });
      const etagB = b.etag.replace(/"/g, "");
      const c1 = await splitCsv({
        bucket: svc.bucket,
        key: "incoming/again.csv",
        executionName: "exec-c1",
        startTime: START,
        upload: { object: { etag: etagB, sequencer: "0000000000000000C1" } },
      });
      const c2 = await splitCsv({
        bucket: svc.bucket,
        key: "incoming/again.csv",
        executionName: "exec-c2",
        startTime: START,
        upload: { object: { etag: etagB, sequencer: "0000000000000000C2" } },
      });

      assert.deepEqual(
        [a.status, b.status, c1.status, c2.status],
        ["OK", "OK", "OK", "OK"],
        "each upload (a new ETag, or a new event sequencer) is processed",
      );
    });
  });

  describe("pure parts", () => {
    it("fails the run, as CRITICAL, when a chunk found the file replaced", () => {
      const chunk = {
        ...sourceChangedResult(2),
        pk: RUN_KEYS.execution("e"),
        sk: RUN_KEYS.chunk(2),
        executionName: "e",
        errors: 1,
        updatedAt: START,
        expiresAt: 1,
      };
      const input = {
        executionName: "e",
        startTime: START,
        bucket: "b",
        key: "k",
        chunkCount: 1,
        splitStatus: "OK" as const,
        failure: null,
      };

      const summary = summarizeRun(input, undefined, [chunk]);

      assert.equal(summary.runFailed, true);
      assert.ok(summary.failureReasons.includes("source-changed"), summary.failureReasons.join());
      assert.equal(summary.criticalCount, 1);
      assert.deepEqual(summary.rows, { total: 0, valid: 0, invalid: 0 });
    });

    it("reads the upload's fields flat or from the S3 event's object, and digests one upload the same way twice", () => {
      const fromEvent = uploadFields({ object: { etag: "abc", "version-id": "v1", sequencer: "0A" } });
      const flat = uploadFields({ etag: "abc", versionId: "v1", sequencer: "0A" });
      const version = { bucket: "b", key: "k", etag: '"abc"', versionId: "v1", sequencer: "0A" };

      assert.deepEqual(fromEvent, { etag: "abc", versionId: "v1", sequencer: "0A" });
      assert.deepEqual(flat, fromEvent);
      assert.deepEqual(uploadFields(undefined), {});
      assert.equal(uploadDigest(version), uploadDigest({ ...version, etag: "abc" }), "quotes do not matter");
      assert.notEqual(uploadDigest(version), uploadDigest({ ...version, sequencer: "0B" }));
      assert.notEqual(uploadDigest(version), uploadDigest({ ...version, versionId: "v2" }));
      assert.notEqual(uploadDigest(version), uploadDigest({ ...version, etag: "abd" }));
    });
  });
});
