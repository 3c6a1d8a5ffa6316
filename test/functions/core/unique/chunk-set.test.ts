import assert from "node:assert/strict";
import { chunkSetHas, encodeChunkSet, isChunkSet } from "../../../../functions/core/unique/chunk-set";

describe("unique keys: chunk sets", () => {
  it("writes chunks 4i+1…4i+4 into hex digit i, the lowest bit first, without trailing zero digits", () => {
    assert.equal(encodeChunkSet([]), "");
    assert.equal(encodeChunkSet([1]), "1");
    assert.equal(encodeChunkSet([4]), "8");
    assert.equal(encodeChunkSet([1, 2, 3]), "7");
    assert.equal(encodeChunkSet([5, 3]), "41");
    assert.equal(encodeChunkSet([256]).length, 64);
    assert.throws(() => encodeChunkSet([0]), /from 1/);
  });

  it("holds exactly the chunks written into it, for every id up to 256", () => {
    const ids = [1, 2, 7, 64, 65, 200, 256];
    const set = encodeChunkSet(ids);
    for (let id = 1; id <= 300; id++) assert.equal(chunkSetHas(set, id), ids.includes(id), `chunk ${id}`);
    assert.equal(chunkSetHas("", 1), false);
  });

  it("knows a chunk set's text from anything else", () => {
    assert.equal(isChunkSet(""), true);
    assert.equal(isChunkSet("0f3"), true);
    assert.equal(isChunkSet("0F"), false);
    assert.equal(isChunkSet(7), false);
  });
});
