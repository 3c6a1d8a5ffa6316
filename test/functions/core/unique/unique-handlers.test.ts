import assert from "node:assert/strict";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { resetRowSchemaCache } from "../../../../functions/adapters/schema-source";
import { handler as aggregate } from "../../../../functions/aggregate-results";
import {
  type ChunkResult,
  DEFAULT_OUTCOME_SETTINGS,
  type ErrorRecord,
  OUTCOME_KEYS,
  type ProcessChunkInput,
  type SplitResult,
  WORK_KEYS,
} from "../../../../functions/contract";
import { sumChunkResults } from "../../../../functions/core/records/aggregate";
import { handler as findDuplicates } from "../../../../functions/find-duplicates";
import { handler as processChunk } from "../../../../functions/process-chunk";
import { handler as splitCsv } from "../../../../functions/split-csv";
import { readRecords } from "../../../support/csv-fixtures";
import { openSplitWorld, type SplitWorld } from "../../../support/split-world";

const START = "2024-05-01T00:00:00.000Z";
const P = 3;

const SCHEMA = `
encoding: auto
header: required
columns:
  - { name: order_id,   type: string,  required: true, unique: true }
  - { name: email,      type: string,  sensitive: true }
  - { name: ordered_at, type: date }
  - { name: amount,     type: decimal, min: 0 }
dataset:
  unique:
    - { columns: [email, ordered_at], severity: MEDIUM }
`;

/** Record n is on line n + 1; four records a chunk, so chunks 0…3 hold records 1-4, 5-8, 9-12 and 13-14. */
const FILE = [
  "order_id,email,ordered_at,amount",
  "A1,a@x,2024-01-01,1", // 1: first A1, first (a@x, 01-01)
  "A2,b@x,2024-01-01,2", // 2: first A2, first (b@x, 01-01)
  "A3,,2024-01-02,3", // 3: no email: takes no part in the compound key
  "A1,c@x,2024-01-03,4", // 4: A1 again (same chunk)
  "A5,a@x,2024-01-01,5", // 5: (a@x, 01-01) again, in another chunk
  "A2,b@x,2024-01-01,-1", // 6: A2 and (b@x, 01-01) again, and a negative amount: one invalid row
  ",d@x,2024-01-04,7", // 7: no order_id (required)
  ",d@x,2024-01-05,8", // 8: no order_id again: empty values are never duplicates
  "A9,,2024-01-02,9", // 9: no email again: no compound duplicate of 3
  "a1,e@x,2024-01-06,10", // 10: another case: not A1
  "A1 ,f@x,2024-01-07,11", // 11: a trailing space: not A1
  "A1,g@x,2024-01-08,12", // 12: A1 a third time: a duplicate of record 1
  "A13,x,y", // 13: three fields: not read as a row, takes no part
  "A13,h@x,2024-01-09,14", // 14: the first A13 read as a row
].join("\n");

describe("uniqueness across the file, on local DynamoDB and S3", () => {
  let world: SplitWorld;

  before(async () => {
    world = await openSplitWorld({ chunkRows: 4 });
    await put("_config/unique.schema.yaml", SCHEMA);
    process.env.SCHEMA_LOCATION = `s3://${world.svc.bucket}/_config/unique.schema.yaml`;
    resetRowSchemaCache();
  });
  after(async () => world.stop());

  async function put(key: string, body: string) {
    await world.svc.s3.send(new PutObjectCommand({ Bucket: world.svc.bucket, Key: key, Body: body }));
  }

  async function text(key: string): Promise<string | null> {
    try {
      const res = await world.svc.s3.send(new GetObjectCommand({ Bucket: world.svc.bucket, Key: key }));
      return await res.Body!.transformToString();
    } catch (err) {
      if ((err as Error).name === "NoSuchKey") return null;
      throw err;
    }
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    const page = await world.svc.s3.send(new ListObjectsV2Command({ Bucket: world.svc.bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => o.Key!).sort();
  }

  /** Splits, runs the first pass of every chunk and the finder of every partition. */
  async function firstPass(
    executionName: string,
    key: string,
    body = FILE,
    beforeFind?: () => Promise<void>,
    partitions = P,
  ) {
    await put(key, body);
    const split: SplitResult = await splitCsv({ bucket: world.svc.bucket, key, executionName, startTime: START });
    assert.equal(split.status, "OK");
    const inputs: ProcessChunkInput[] = split.chunks.map((chunk) => ({
      executionName,
      startTime: START,
      bucket: world.svc.bucket,
      key,
      encoding: split.encoding,
      header: split.header,
      chunk,
      etag: split.etag,
      versionId: split.versionId,
      uniquePartitions: partitions,
    }));
    const first: ChunkResult[] = [];
    for (const input of inputs) first.push(await processChunk(input));
    if (beforeFind !== undefined) await beforeFind();
    const found = [];
    for (let partition = 0; partition < partitions; partition++) {
      found.push(
        await findDuplicates({
          executionName,
          bucket: world.svc.bucket,
          partition,
          partitions,
          chunkCount: split.chunkCount,
        }),
      );
    }
    const duplicatePartitions = found.filter((f) => f.duplicates > 0).map((f) => f.partition);
    return { split, inputs, first, found, duplicatePartitions };
  }

  const duplicateRecords = (records: ErrorRecord[]) =>
    records
      .filter((r) => r.errorType === "DuplicateError")
      .map((r) => ({
        recordNumber: r.recordNumber,
        rowNumber: r.rowNumber,
        column: r.column,
        severity: r.severity,
        message: r.message,
      }))
      .sort(
        (a, b) =>
          a.rowNumber - b.rowNumber || String(a.message?.params.key).localeCompare(String(b.message?.params.key)),
      );

  it("rejects each later occurrence across chunks with one DuplicateError per key, and keeps the counts exact", async () => {
    const exec = "exec-unique";
    const { split, inputs, first, found, duplicatePartitions } = await firstPass(exec, "incoming/unique.csv");
    assert.equal(split.chunkCount, 4);
    // Every chunk wrote its key file; the finders found the 5 later occurrences (4 rows, record 6 twice).
    assert.deepEqual(
      await keysUnder(`_work/${exec}/unique/keys/`),
      [1, 2, 3, 4].map((c) => WORK_KEYS.uniqueKeys(exec, c)),
    );
    assert.equal(
      found.reduce((n, f) => n + f.duplicates, 0),
      5,
    );
    assert.deepEqual(
      await keysUnder(`_work/${exec}/unique/dups/`),
      duplicatePartitions.map((p) => WORK_KEYS.uniqueDups(exec, p)),
    );
    // The first pass alone knows nothing of duplicates in other chunks: 3 invalid rows, 1 column error.
    assert.equal(sumChunkResults(first, 4, "").invalid, 4);

    const second: ChunkResult[] = [];
    for (const input of inputs) second.push(await processChunk({ ...input, duplicatePartitions }));
    const total = sumChunkResults(second, 4, "");
    // Invalid: 4, 5, 6 (twice a duplicate and a bad amount: one row), 7, 8 (required), 12, 13 (columns).
    assert.deepEqual(
      { rows: total.rows, valid: total.valid, invalid: total.invalid },
      { rows: 14, valid: 7, invalid: 7 },
    );
    assert.equal(total.byType.DuplicateError, 5);
    assert.deepEqual(total.byType, { DuplicateError: 5, ValidationError: 3, ParseError: 1 });

    const records = await readRecords(world.svc.errorTable, exec);
    const orderId = (recordNumber: number, first: number, value: string) => ({
      recordNumber,
      rowNumber: recordNumber + 1,
      column: "order_id",
      severity: "HIGH",
      message: { key: "duplicate", params: { key: "order_id", first, firstLine: first + 1, value } },
    });
    const compound = (recordNumber: number, first: number) => ({
      recordNumber,
      rowNumber: recordNumber + 1,
      column: undefined,
      severity: "MEDIUM",
      message: { key: "duplicate", params: { key: "email+ordered_at", first, firstLine: first + 1 } },
    });
    assert.deepEqual(duplicateRecords(records), [
      orderId(4, 1, "A1"),
      compound(5, 1),
      compound(6, 2),
      orderId(6, 2, "A2"),
      orderId(12, 1, "A1"),
    ]);
    // Record 6 also keeps its own column error; 7 and 8 only their required errors.
    const of = (n: number) =>
      records
        .filter((r) => r.recordNumber === n)
        .map((r) => r.errorType)
        .sort();
    assert.deepEqual(of(6), ["DuplicateError", "DuplicateError", "ValidationError"]);
    assert.deepEqual(of(7), ["ValidationError"]);
    assert.deepEqual(of(8), ["ValidationError"]);

    const agg = await aggregate({
      executionName: exec,
      startTime: START,
      bucket: world.svc.bucket,
      key: "incoming/unique.csv",
      chunkCount: split.chunkCount,
      header: split.header,
      splitStatus: split.status,
      chunkResults: second,
    });
    assert.deepEqual({ rows: agg.rows, valid: agg.valid, invalid: agg.invalid }, { rows: 14, valid: 7, invalid: 7 });
    const s = DEFAULT_OUTCOME_SETTINGS;
    const rows = (await text(OUTCOME_KEYS.rejectedRows(s, exec)))!.replace(/^\uFEFF/, "").split("\r\n");
    assert.deepEqual(
      rows.filter((l) => l !== ""),
      ["order_id,email,ordered_at,amount", ...[4, 5, 6, 7, 8, 12, 13].map((n) => FILE.split("\n")[n])],
    );
    const processed: string[] = [];
    for (let c = 1; c <= 4; c++) {
      const part = (await text(OUTCOME_KEYS.processedPart(s, exec, c)))!.replace(/^\uFEFF/, "");
      processed.push(
        ...part
          .split("\r\n")
          .slice(1)
          .filter((l) => l !== ""),
      );
    }
    assert.deepEqual(
      processed,
      [1, 2, 3, 9, 10, 11, 14].map((n) => FILE.split("\n")[n]),
    );

    // rows.csv run again: its rows are checked among themselves only. A1 was there three times, so it is twice in
    // rows.csv (records 1 and 6): the later one is again a duplicate, of the earlier one; nothing repeats record 1.
    const again = "exec-unique-again";
    const rerun = await firstPass(
      again,
      "incoming/unique-again.csv",
      (await text(OUTCOME_KEYS.rejectedRows(s, exec)))!,
    );
    assert.equal(rerun.split.chunkCount, 2);
    for (const input of rerun.inputs) await processChunk({ ...input, duplicatePartitions: rerun.duplicatePartitions });
    assert.deepEqual(duplicateRecords(await readRecords(world.svc.errorTable, again)), [
      { ...orderId(6, 1, "A1"), rowNumber: 7 },
    ]);
  });

  it("with one partition reads each key file whole and finds the same later occurrences", async () => {
    const exec = "exec-unique-one";
    const { found, duplicatePartitions, inputs } = await firstPass(exec, "incoming/unique-one.csv", FILE, undefined, 1);
    // Records 4 (chunk 1), 5 and 6 (chunk 2), 12 (chunk 3): chunks 1–3, bits 0b0111.
    assert.deepEqual(found, [{ partition: 0, duplicates: 5, chunks: "7" }]);
    assert.deepEqual(duplicatePartitions, [0]);
    // A chunk outside its partition's chunk set reads no dups file: told none holds a hit, every chunk returns its
    // first pass's result, although the dups file has them.
    const told: ChunkResult[] = [];
    for (const input of inputs) told.push(await processChunk({ ...input, duplicatePartitions, duplicateChunks: [""] }));
    assert.equal(sumChunkResults(told, 4, "").byType.DuplicateError, undefined);
    const second: ChunkResult[] = [];
    for (const input of inputs)
      second.push(await processChunk({ ...input, duplicatePartitions, duplicateChunks: ["7"] }));
    assert.equal(sumChunkResults(second, 4, "").byType.DuplicateError, 5);
    assert.deepEqual(
      duplicateRecords(await readRecords(world.svc.errorTable, exec)).map((r) => [r.recordNumber, r.message?.params]),
      [
        [4, { key: "order_id", first: 1, firstLine: 2, value: "A1" }],
        [5, { key: "email+ordered_at", first: 1, firstLine: 2 }],
        [6, { key: "email+ordered_at", first: 2, firstLine: 3 }],
        [6, { key: "order_id", first: 2, firstLine: 3, value: "A2" }],
        [12, { key: "order_id", first: 1, firstLine: 2, value: "A1" }],
      ],
    );
  });

  it("returns a chunk's stored result without reading the file when it has no duplicates", async () => {
    const exec = "exec-unique-stored";
    const key = "incoming/unique-stored.csv";
    const { inputs, first, duplicatePartitions } = await firstPass(exec, key);
    assert.ok(duplicatePartitions.length > 0);
    // The file is gone: a chunk that read it would fail.
    await world.svc.s3.send(new DeleteObjectCommand({ Bucket: world.svc.bucket, Key: key }));
    // The last chunk (records 13 and 14) repeats nothing.
    assert.deepEqual(await processChunk({ ...inputs[3], duplicatePartitions }), first[3]);
    // The first chunk holds record 4, a duplicate: it must read the file again, and cannot.
    await assert.rejects(processChunk({ ...inputs[0], duplicatePartitions }), /does not exist/);
  });

  it("without the finder's dups files a second pass finds no duplicate (the finder is what finds them)", async () => {
    const exec = "exec-unique-nofinder";
    const { inputs, first, duplicatePartitions } = await firstPass(exec, "incoming/unique-nofinder.csv");
    for (const p of duplicatePartitions) {
      await world.svc.s3.send(
        new DeleteObjectCommand({ Bucket: world.svc.bucket, Key: WORK_KEYS.uniqueDups(exec, p) }),
      );
    }
    const second: ChunkResult[] = [];
    for (const input of inputs) second.push(await processChunk({ ...input, duplicatePartitions }));
    assert.deepEqual(second, first);
    assert.equal(sumChunkResults(second, 4, "").byType.DuplicateError, undefined);
  });

  it("skips a chunk without a key file (a failed chunk): its rows are nobody's first occurrence", async () => {
    const exec = "exec-unique-failed-chunk";
    const { found } = await firstPass(exec, "incoming/unique-failed-chunk.csv", FILE, async () => {
      await world.svc.s3.send(
        new DeleteObjectCommand({ Bucket: world.svc.bucket, Key: WORK_KEYS.uniqueKeys(exec, 1) }),
      );
    });
    // Records 1-4 hold every first occurrence the later chunks repeat (and record 4 repeats record 1).
    assert.deepEqual(
      found.map((f) => f.duplicates),
      [0, 0, 0],
    );
    assert.deepEqual(await keysUnder(`_work/${exec}/unique/dups/`), []);
  });

  it("refuses bad uniqueness fields, naming them", async () => {
    const { inputs } = await firstPass("exec-unique-bad", "incoming/unique-bad.csv");
    await assert.rejects(processChunk({ ...inputs[0], uniquePartitions: 300 }), /invalid uniquePartitions 300/);
    await assert.rejects(processChunk({ ...inputs[0], duplicatePartitions: [3] }), /invalid duplicatePartitions \[3\]/);
    await assert.rejects(
      processChunk({ ...inputs[0], duplicatePartitions: [0, 1], duplicateChunks: ["1"] }),
      /invalid duplicateChunks/,
    );
    await assert.rejects(
      processChunk({ ...inputs[0], duplicatePartitions: [0], duplicateChunks: ["X"] }),
      /invalid duplicateChunks/,
    );
    await assert.rejects(
      findDuplicates({ executionName: "x", bucket: world.svc.bucket, partition: 3, partitions: 3, chunkCount: 1 }),
      /find-duplicates input has an invalid partition 3: expected a whole number from 0 to partitions - 1 \(3 partitions\)/,
    );
  });
});
