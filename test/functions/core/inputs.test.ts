import assert from "node:assert/strict";
import { handler as aggregate } from "../../../functions/aggregate-results";
import { InputError } from "../../../functions/core/errors";
import {
  aggregateInput,
  checkInput,
  findDuplicatesInput,
  processChunkInput,
  splitInput,
} from "../../../functions/core/inputs";
import { handler as findDuplicates } from "../../../functions/find-duplicates";
import { handler as processChunk } from "../../../functions/process-chunk";
import { handler as split } from "../../../functions/split-csv";

const CHUNK = {
  executionName: "exec-1",
  startTime: "2025-06-01T00:00:00Z",
  bucket: "csv-in",
  key: "incoming/orders.csv",
  encoding: "utf-8",
  header: ["order_id"],
  chunk: { id: 1, start: 0, end: 100, firstLine: 2, firstRecord: 1 },
};

/** The InputError `read` throws for `event`. */
function inputError(read: (event: unknown) => unknown, event: unknown): InputError {
  try {
    read(event);
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    assert.equal(err.name, "InputError");
    return err;
  }
  assert.fail("the input was accepted");
}

describe("handler inputs", () => {
  it("names the handler and every missing field, as absent, null or empty", () => {
    const err = inputError(splitInput, { bucket: "csv-in", key: "", executionName: null });
    assert.equal(err.message, "split-csv input lacks key, executionName, startTime: the state machine must pass them.");
  });

  it("reads a null event as one that lacks every required field", () => {
    const err = inputError(aggregateInput, null);
    assert.equal(
      err.message,
      "aggregate-results input lacks executionName, bucket, key: the state machine must pass them.",
    );
  });

  it("names a bad chunk with its value and what it must be", () => {
    const err = inputError(processChunkInput, { ...CHUNK, chunk: { id: 1, start: 10, end: 10, firstLine: 2 } });
    assert.equal(
      err.message,
      'process-chunk input has an invalid chunk {"id":1,"start":10,"end":10,"firstLine":2}: expected a whole id, whole offsets 0 ≤ start < end, firstLine ≥ 1 and, when given, a whole firstRecord ≥ 1.',
    );
    for (const chunk of [
      { id: 1, start: 0, end: 10, firstLine: 0 },
      { id: 1, start: 0.5, end: 10, firstLine: 1 },
      { id: 1, start: 0, end: 10, firstLine: 1, firstRecord: 0 },
      { start: 0, end: 10, firstLine: 1 },
      "0-10",
    ]) {
      assert.match(
        inputError(processChunkInput, { ...CHUNK, chunk }).message,
        /^process-chunk input has an invalid chunk /,
      );
    }
  });

  it("names missing and bad fields together, each once", () => {
    const { key: _, ...noKey } = CHUNK;
    const err = inputError(processChunkInput, { ...noKey, encoding: "latin1", header: ["a", 2] });
    assert.equal(
      err.message,
      'process-chunk input lacks key (the state machine must pass them); has an invalid encoding "latin1": expected the split\'s encoding, one of utf-8, shift_jis; has an invalid header ["a",2]: expected the split\'s list of column names.',
    );
  });

  it("says a text field of another type is invalid, not missing", () => {
    const err = inputError(splitInput, { bucket: "csv-in", key: 7, executionName: "e", startTime: "t" });
    assert.equal(err.message, "split-csv input has an invalid key 7: expected text.");
  });

  it("refuses an event that is not an object", () => {
    assert.match(
      inputError(splitInput, "incoming/orders.csv").message,
      /^split-csv input is not an object \(got "incoming\/orders.csv"\)/,
    );
  });

  it("keeps fields it does not check and reads an absent aggregation header as no columns", () => {
    const chunk = processChunkInput({ ...CHUNK, etag: '"abc"', versionId: null, headerRange: null });
    assert.equal(chunk.etag, '"abc"');
    assert.equal(chunk.versionId, null);
    const agg = aggregateInput({ executionName: "e", bucket: "b", key: "k", header: null, chunkCount: 3 });
    assert.deepEqual(agg.header, []);
    assert.equal(agg.chunkCount, 3);
    assert.match(
      inputError(aggregateInput, { executionName: "e", bucket: "b", key: "k", header: "order_id" }).message,
      /^aggregate-results input has an invalid header "order_id": expected the split's list of column names\.$/,
    );
  });

  it("reads the check's optional fields leniently and names the whole payload when a required one is missing", () => {
    const input = checkInput({
      executionName: "e",
      startTime: "t",
      bucket: "b",
      key: "k",
      chunkCount: "4",
      splitStatus: "DUPLICATE",
      extra: 1,
    });
    assert.deepEqual(input, {
      executionName: "e",
      startTime: "t",
      bucket: "b",
      key: "k",
      chunkCount: 4,
      splitStatus: "NOT_RUN",
      failure: null,
      aggregationFailure: null,
      composed: null,
    });
    assert.equal(
      inputError(checkInput, { executionName: "e", bucket: "b" }).message,
      "check-errors-and-notify input lacks startTime, key: the state machine must pass { executionName, startTime, bucket, key, chunkCount, splitStatus, failure, aggregationFailure, composed }.",
    );
  });

  it("is what each handler reads its event with: a bad event fails before any environment variable is read", async () => {
    await assert.rejects(
      split({ bucket: "csv-in" } as never),
      /^InputError: split-csv input lacks key, executionName, startTime/,
    );
    await assert.rejects(
      processChunk({ ...CHUNK, chunk: null } as never),
      /^InputError: process-chunk input lacks chunk/,
    );
    await assert.rejects(
      aggregate({ bucket: "b" } as never),
      /^InputError: aggregate-results input lacks executionName, key/,
    );
    await assert.rejects(
      findDuplicates({ executionName: "e", partition: 0, partitions: 1, chunkCount: 1 } as never),
      /^InputError: find-duplicates input lacks bucket: the state machine must pass the split's values/,
    );
  });

  it("names each bad field of a FindDuplicates iteration with what it must be", () => {
    const base = { executionName: "e", bucket: "b", partition: 0, partitions: 4, chunkCount: 3 };
    assert.deepEqual(findDuplicatesInput(base), base);
    assert.equal(
      inputError(findDuplicatesInput, { ...base, partition: 4, chunkCount: 0 }).message,
      "find-duplicates input has an invalid chunkCount 0: expected 1 or more; has an invalid partition 4: expected a whole number from 0 to partitions - 1 (4 partitions).",
    );
    assert.equal(
      inputError(findDuplicatesInput, { ...base, partition: 4 }).message,
      "find-duplicates input has an invalid partition 4: expected a whole number from 0 to partitions - 1 (4 partitions).",
    );
    assert.equal(
      inputError(findDuplicatesInput, { ...base, partitions: 257, partition: 1.5 }).message,
      "find-duplicates input has an invalid partitions 257: expected a whole number from 1 to 256 (the split's uniquePartitions); has an invalid partition 1.5: expected a whole number from 0 to partitions - 1.",
    );
  });
});
