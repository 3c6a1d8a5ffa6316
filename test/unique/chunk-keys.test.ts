import assert from "node:assert/strict";
import type { ErrorRecord } from "../../functions/contract";
import { processChunkStream } from "../../functions/core/csv/chunk";
import { parseSchema } from "../../functions/core/csv/schema";
import type { DuplicateHit } from "../../functions/core/unique/dups-file";
import { forEachKeyEntry, KeyFileBuilder, keyFileHeaderBytes } from "../../functions/core/unique/key-file";
import { keyHash } from "../../functions/core/unique/key-hash";

const SCHEMA = parseSchema(
  `
columns:
  - { name: id,    type: string, unique: true }
  - { name: token, type: string, sensitive: true, unique: { severity: CRITICAL } }
  - { name: qty,   type: integer, min: 1 }
`,
  "unique.schema.yaml",
);
const HEADER = ["id", "token", "qty"];

/** One chunk of the given records (header excluded), starting at record 1 on line 2. */
async function run(
  lines: (string | Buffer)[],
  options: { keyEntries?: KeyFileBuilder; duplicates?: Map<number, DuplicateHit[]> },
  schema = SCHEMA,
) {
  const bytes = Buffer.concat(lines.map((l) => Buffer.concat([Buffer.from(l), Buffer.from("\n")])));
  const records: ErrorRecord[] = [];
  const result = await processChunkStream(
    (async function* () {
      yield bytes;
    })(),
    {
      executionName: "exec-1",
      startTime: "2024-05-01T00:00:00.000Z",
      chunk: { id: 1, start: 0, end: bytes.length, firstLine: 2, firstRecord: 1 },
      header: HEADER,
      encoding: "utf-8",
      schema,
      expiresAt: 1,
    },
    (r) => {
      records.push(r);
      return undefined;
    },
    options,
  );
  return { result, records };
}

function entriesOf(builder: KeyFileBuilder) {
  const out: [number, number, number, string][] = [];
  forEachKeyEntry(builder.encode().subarray(keyFileHeaderBytes(1)), (hash, keyIndex, recordNumber, line) =>
    out.push([keyIndex, recordNumber, line, hash.toString("hex")]),
  );
  return out;
}

describe("unique keys in a chunk", () => {
  it("emits an entry per key for each row read as a row whose key has a value, rows with other errors included", async () => {
    const keyEntries = new KeyFileBuilder(1);
    const { result } = await run(
      [
        "A,t1,1", // 1: both keys
        "B,,0", // 2: no token; bad qty: still takes part with id
        "  ,t3,1", // 3: blank id: only token
        "C,t4", // 4: two fields: no part
        Buffer.from("D,t\u00005,1"), // 5: a NUL: no part
        Buffer.concat([Buffer.from("E,t"), Buffer.from([0xff]), Buffer.from(",1")]), // 6: invalid UTF-8: no part
        "A ,T1,1", // 7: as written
      ],
      { keyEntries },
    );
    assert.equal(result.rows, 7);
    const hex = (k: number, v: string) => keyHash(k, [v]).toString("hex");
    assert.deepEqual(entriesOf(keyEntries), [
      [0, 1, 2, hex(0, "A")],
      [1, 1, 2, hex(1, "t1")],
      [0, 2, 3, hex(0, "B")],
      [1, 3, 4, hex(1, "t3")],
      [0, 7, 8, hex(0, "A ")],
      [1, 7, 8, hex(1, "T1")],
    ]);
  });

  it("adds one DuplicateError per key a row repeats, the row counted invalid once, a sensitive value never shown", async () => {
    const duplicates = new Map<number, DuplicateHit[]>([
      [
        2,
        [
          { keyIndex: 0, first: 1, firstLine: 2 },
          { keyIndex: 1, first: 1, firstLine: 2 },
        ],
      ],
      [3, [{ keyIndex: 0, first: 1, firstLine: 2 }]],
    ]);
    const { result, records } = await run(["A,t,1", "A,t,1", "A,u,0"], { duplicates });
    assert.deepEqual(
      { rows: result.rows, valid: result.valid, invalid: result.invalid },
      { rows: 3, valid: 1, invalid: 2 },
    );
    assert.deepEqual(result.byType, { DuplicateError: 3, ValidationError: 1 });
    const dups = records.filter((r) => r.errorType === "DuplicateError");
    assert.deepEqual(
      dups.map((r) => [r.recordNumber, r.rowNumber, r.column, r.severity, r.message]),
      [
        [2, 3, "id", "HIGH", { key: "duplicate", params: { key: "id", first: 1, firstLine: 2, value: "A" } }],
        [2, 3, "token", "CRITICAL", { key: "duplicate", params: { key: "token", first: 1, firstLine: 2 } }],
        [3, 4, "id", "HIGH", { key: "duplicate", params: { key: "id", first: 1, firstLine: 2, value: "A" } }],
      ],
    );
    assert.equal(
      dups[0].errorMessage,
      'id repeats the value of record 1 (line 2): each value may appear once in the file (got "A")',
    );
    assert.doesNotMatch(dups[1].errorMessage, /got/);
    assert.equal(new Set(records.map((r) => r.errorId)).size, records.length);
  });

  it("does nothing for a schema without a unique key", async () => {
    const keyEntries = new KeyFileBuilder(1);
    const plain = parseSchema("columns:\n  - { name: id, type: string }\n", "plain.yaml");
    const { result } = await run(["A,t,1", "A,t,1"], { keyEntries }, plain);
    assert.equal(result.valid, 2);
    assert.equal(keyEntries.size, 0);
  });
});
