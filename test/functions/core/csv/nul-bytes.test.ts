import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { clients } from "../../../../functions/adapters/clients";
import { resetRowSchemaCache } from "../../../../functions/adapters/schema-source";
import type { ChunkResult, ErrorRecord } from "../../../../functions/contract";
import { sumChunkResults } from "../../../../functions/core/records/aggregate";
import { handler as processChunk } from "../../../../functions/process-chunk";
import { handler as splitCsv } from "../../../../functions/split-csv";
import { type LocalServices, startLocalServices } from "../../../../local/services/services";
import { readRecords, SAMPLES } from "../../../support/csv-fixtures";
import { restoreEnv } from "../../../support/env";

const START = "2024-05-01T00:00:00.000Z";
const HEADER = "order_id,email,amount,quantity,status,ordered_at,updated_at,note";
const ROWS = 20_000;
const CHUNK_ROWS = 1000;

/** A valid row of the sample schema; line `line` of the file holds row `line - 1`. */
const row = (i: number) =>
  `ORD-${String(i).padStart(6, "0")},c${i}@example.com,10.00,1,NEW,2024-05-01,2024-05-01T09:00:00+09:00,note ${i}`;

/**
 * A file of ROWS valid rows with one NUL byte put into some lines: `at: "start"` puts it before the line's first
 * byte, `at: "end"` after its last (before its line feed).
 */
function fileWithNul(places: { line: number; at: "start" | "end" }[]): Buffer {
  const lines = [HEADER];
  for (let i = 1; i <= ROWS; i++) lines.push(row(i));
  for (const { line, at } of places) {
    lines[line - 1] = at === "start" ? `\0${lines[line - 1]}` : `${lines[line - 1]}\0`;
  }
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}

/** Offsets of every NUL byte of `bytes`. */
function nulOffsets(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let i = bytes.indexOf(0); i !== -1; i = bytes.indexOf(0, i + 1)) out.push(i);
  return out;
}

describe("NUL bytes through split-csv and process-chunk on local S3 and DynamoDB", () => {
  let svc: LocalServices;
  const saved = { ...process.env };

  before(async () => {
    svc = await startLocalServices();
    Object.assign(process.env, svc.env, { CHUNK_ROWS: String(CHUNK_ROWS) });
    clients.reset();
    resetRowSchemaCache();
    await put("_config/schema.yaml", readFileSync(join(SAMPLES, "orders.schema.yaml")));
    process.env.SCHEMA_LOCATION = `s3://${svc.bucket}/_config/schema.yaml`;
  });
  after(async () => {
    restoreEnv(saved);
    clients.reset();
    resetRowSchemaCache();
    await svc.stop();
  });

  async function put(key: string, body: Buffer | string) {
    await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: body }));
  }

  async function run(executionName: string, key: string) {
    const split = await splitCsv({ bucket: svc.bucket, key, executionName, startTime: START });
    const results: ChunkResult[] = [];
    for (const chunk of split.chunks) {
      results.push(
        await processChunk({
          executionName,
          startTime: START,
          bucket: svc.bucket,
          key,
          encoding: split.encoding,
          header: split.header,
          chunk,
          etag: split.etag,
          versionId: split.versionId,
        }),
      );
    }
    const records: ErrorRecord[] = await readRecords(svc.errorTable, executionName);
    return { split, results, records: records.sort((a, b) => a.rowNumber - b.rowNumber) };
  }

  it("rejects only the rows that hold a NUL byte, the same near the start, at chunk edges and deep in the file", async function () {
    this.timeout(120_000);
    // Line 2 is in the first 64 KiB; line 1002 starts chunk 2 (its NUL is the first byte of the ranged read) and
    // line 2001 ends it (its NUL is the last byte before the line feed); line 14117 is deep in chunk 15.
    const places = [
      { line: 2, at: "end" as const },
      { line: 1002, at: "start" as const },
      { line: 2001, at: "end" as const },
      { line: 14_117, at: "end" as const },
    ];
    const bytes = fileWithNul(places);
    await put("incoming/nul.csv", bytes);

    const { split, results, records } = await run("exec-nul", "incoming/nul.csv");

    assert.equal(split.status, "OK", split.message);
    assert.equal(split.chunkCount, ROWS / CHUNK_ROWS);
    const chunk2 = split.chunks[1];
    const offsets = nulOffsets(bytes);
    assert.deepEqual([offsets[1], offsets[2]], [chunk2.start, chunk2.end - 2], "the NULs sit on chunk 2's edges");
    const total = sumChunkResults(results, split.chunkCount, "exec-nul");
    assert.deepEqual([total.rows, total.valid, total.invalid], [ROWS, ROWS - 4, 4]);
    assert.deepEqual(
      records.map((r) => [r.rowNumber, r.errorType, r.severity, r.chunkId]),
      [
        [2, "EncodingError", "HIGH", 1],
        [1002, "EncodingError", "HIGH", 2],
        [2001, "EncodingError", "HIGH", 2],
        [14_117, "EncodingError", "HIGH", 15],
      ],
    );
    const columns = ["note", "order_id", "note", "note"];
    records.forEach((r, i) => {
      assert.equal(
        r.errorMessage,
        `The record on line ${places[i].line} holds a NUL byte at byte offset ${offsets[i]} of the file (counted from 0) in column ${columns[i]}; CSV text never holds NUL bytes: remove it (or save the file again as CSV from the program that made it) and upload the file again.`,
      );
    });
  });

  it("rejects the file when its header holds a NUL byte, naming the line and the offset", async () => {
    const bytes = Buffer.from(`\uFEFForder_id,email,am\0ount,quantity,status,ordered_at,updated_at,note\n${row(1)}\n`);
    await put("incoming/nul-header.csv", bytes);

    const { split, records } = await run("exec-nul-header", "incoming/nul-header.csv");

    assert.equal(split.status, "REJECTED");
    assert.equal(split.chunkCount, 0);
    assert.equal(
      split.message,
      `The header (line 1) holds a NUL byte at byte offset ${bytes.indexOf(0)} of the file (counted from 0), so its column names cannot be read; CSV text never holds NUL bytes: remove it (or save the file again as CSV from the program that made it) and upload the file again.`,
    );
    assert.deepEqual(
      records.map((r) => [r.rowNumber, r.errorType, r.severity]),
      [[1, "EncodingError", "CRITICAL"]],
    );
  });

  it("still refuses as binary a file that is mostly NUL bytes (UTF-16 text without a BOM)", async () => {
    await put("incoming/utf16.csv", Buffer.from(`${HEADER}\n${row(1)}\n`, "utf16le"));

    const { split } = await run("exec-utf16", "incoming/utf16.csv");

    assert.equal(split.status, "REJECTED");
    assert.match(split.message ?? "", /^The file is not CSV text: it looks like binary data/);
  });
});
