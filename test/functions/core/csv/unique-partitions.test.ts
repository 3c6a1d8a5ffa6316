import assert from "node:assert/strict";
import { parseSchema } from "../../../../functions/core/csv/schema";
import { splitCsv, uniquePartitionsOf } from "../../../../functions/core/csv/split";

const plain = parseSchema(
  "columns:\n  - { name: order_id, type: string }\n  - { name: email, type: string }\n",
  "plain.yaml",
);
const unique = parseSchema(
  "columns:\n  - { name: order_id, type: string, unique: true }\n  - { name: email, type: string }\n",
  "unique.yaml",
);
const compound = parseSchema(
  "columns:\n  - { name: order_id, type: string }\n  - { name: email, type: string }\ndataset:\n  unique:\n    - [order_id, email]\n",
  "compound.yaml",
);
const MiB = 1024 * 1024;

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

describe("uniquePartitionsOf", () => {
  it("is 0 without a unique key, whatever the size", () => {
    assert.equal(uniquePartitionsOf(plain, 10 * 1024 * MiB, 256), 0);
  });

  it("is 0 for a file without chunks: nothing to check", () => {
    assert.equal(uniquePartitionsOf(unique, 10 * MiB, 0), 0);
  });

  it("gives one partition per 32 MiB of the file, at least 1 and at most 256", () => {
    assert.equal(uniquePartitionsOf(unique, 100, 1), 1);
    assert.equal(uniquePartitionsOf(unique, 32 * MiB, 4), 1);
    assert.equal(uniquePartitionsOf(unique, 32 * MiB + 1, 4), 2);
    assert.equal(uniquePartitionsOf(compound, 100 * MiB, 25), 4);
    // 100,000,000 rows of about 100 bytes.
    assert.equal(uniquePartitionsOf(unique, 10_000_000_000, 256), 256);
  });
});

describe("splitCsv and unique keys", () => {
  const file = "order_id,email\nA,a@x\nB,b@x\n";
  const split = (schema: typeof plain, text: string) =>
    splitCsv(once(text), { totalBytes: Buffer.byteLength(text), schema, chunkRows: 1, chunkBytes: MiB });

  it("returns the partitions of a file with a unique key, and 0 without one", async () => {
    assert.equal((await split(unique, file)).uniquePartitions, 1);
    assert.equal((await split(compound, file)).uniquePartitions, 1);
    assert.equal((await split(plain, file)).uniquePartitions, 0);
  });

  it("returns 0 for a rejected file", async () => {
    const rejected = await split(unique, "");
    assert.equal(rejected.status, "REJECTED");
    assert.equal(rejected.uniquePartitions, 0);
  });
});
