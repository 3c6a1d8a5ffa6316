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
    assert.equal(uniquePartitionsOf(plain, 100_000_000, 256), 0);
  });

  it("is 0 for a file without chunks: nothing to check", () => {
    assert.equal(uniquePartitionsOf(unique, 1_000, 0), 0);
  });

  it("gives one partition per 1,000,000 key entries (records × unique keys), at least 1 and at most 256", () => {
    assert.equal(uniquePartitionsOf(unique, 1, 1), 1);
    assert.equal(uniquePartitionsOf(unique, 1_000_000, 200), 1);
    assert.equal(uniquePartitionsOf(unique, 1_000_001, 200), 2);
    assert.equal(uniquePartitionsOf(compound, 2_500_000, 25), 3);
    // 100,000,000 rows with one unique key: 100 partitions of 1,000,000 entries.
    assert.equal(uniquePartitionsOf(unique, 100_000_000, 256), 100);
    assert.equal(uniquePartitionsOf(unique, 300_000_000, 256), 256);
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
