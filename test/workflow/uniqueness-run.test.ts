import assert from "node:assert/strict";
import type {
  CheckInput,
  ChunkRef,
  ChunkResult,
  FindDuplicatesInput,
  FindDuplicatesOutput,
  ProcessChunkInput,
  SplitResult,
} from "../../functions/contract";
import { encodeChunkSet } from "../../functions/core/unique/chunk-set";
import { type RunResult, runDefinition } from "../../local/engine/execution";
import { lambdaInvoke, type TaskHandler } from "../../local/engine/invoke";
import { checkIntrinsic, checkPath } from "../../workflow/jsonpath";
import {
  buildPipeline,
  STATE_NAMES as N,
  PIPELINE_PATTERNS,
  type PipelinePattern,
  PLACEHOLDER_RESOURCES,
} from "../../workflow/pipeline";

const EXECUTION = { Name: "orders-20240131-unique", StartTime: "2024-01-31T09:00:00.000Z" };
const INPUT = { bucket: "csv-in", key: "incoming/orders.csv" };
const CHUNKS: ChunkRef[] = [
  { id: 1, start: 10, end: 100, firstLine: 2 },
  { id: 2, start: 100, end: 200, firstLine: 12 },
  { id: 3, start: 200, end: 300, firstLine: 22 },
];

/** Counts a chunk returns: `invalid` rows, the rest valid. */
function counts(chunkId: number, invalid: number): ChunkResult {
  return {
    chunkId,
    rows: 10,
    valid: 10 - invalid,
    invalid,
    byType: invalid > 0 ? { DuplicateError: invalid } : {},
    bySeverity: { LOW: 0, MEDIUM: 0, HIGH: invalid, CRITICAL: 0 },
  };
}

interface World {
  /** P, as the split returns it. */
  partitions: number;
  /** Later occurrences each partition finds (absent: 0). */
  found?: Record<number, number>;
  findFails?: Error;
  applyFails?: Error;
}

/** Stand-in Lambdas recording what each uniqueness step receives. */
function fakes(world: World) {
  const seen = {
    first: [] as ProcessChunkInput[],
    find: [] as FindDuplicatesInput[],
    apply: [] as ProcessChunkInput[],
    check: [] as CheckInput[],
    aggregate: [] as { chunkResults: ChunkResult[] }[],
  };
  const handlers: Record<string, TaskHandler> = {
    [N.splitCsv]: lambdaInvoke((event: { bucket: string; key: string }) => {
      const out: SplitResult = {
        status: "OK",
        bucket: event.bucket,
        key: event.key,
        feed: "orders",
        encoding: "utf-8",
        header: ["order_id", "email"],
        headerRange: { start: 0, end: 10 },
        bytes: 300,
        chunkCount: CHUNKS.length,
        chunks: CHUNKS,
        uniquePartitions: world.partitions,
        etag: '"e"',
        versionId: null,
      };
      return out;
    }),
    [N.processChunk]: lambdaInvoke((event: ProcessChunkInput) => {
      seen.first.push(event);
      return counts(event.chunk.id, 0);
    }),
    [N.findPartitionDuplicates]: lambdaInvoke((event: FindDuplicatesInput): FindDuplicatesOutput => {
      seen.find.push(event);
      if (world.findFails) throw world.findFails;
      const duplicates = world.found?.[event.partition] ?? 0;
      // Partition p's later occurrences are in chunk p + 1 (a set of one chunk).
      return {
        partition: event.partition,
        duplicates,
        chunks: duplicates > 0 ? encodeChunkSet([event.partition + 1]) : "",
      };
    }),
    [N.applyChunkDuplicates]: lambdaInvoke((event: ProcessChunkInput) => {
      seen.apply.push(event);
      if (world.applyFails) throw world.applyFails;
      // The second pass: chunk 2 holds the later occurrences.
      return counts(event.chunk.id, event.chunk.id === 2 ? 2 : 0);
    }),
    [N.aggregateResults]: lambdaInvoke((event: { chunkResults: ChunkResult[] }) => {
      seen.aggregate.push(event);
      return {
        rows: 30,
        valid: 28,
        invalid: 2,
        byType: {},
        bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
        chunks: 3,
        failedChunks: 0,
        resultKey: "results/x.json",
      };
    }),
    [N.checkErrors]: lambdaInvoke((event: CheckInput) => {
      seen.check.push(event);
      return {
        hasErrors: false,
        errorCount: 0,
        criticalCount: 0,
        byType: {},
        bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
        rows: { total: 30, valid: 30, invalid: 0 },
        runFailed: event.failure != null,
        notifications: [],
      };
    }),
    [N.notifyCheckFailure]: () => ({ MessageId: "m-1" }),
  };
  return { handlers, seen };
}

async function run(pattern: PipelinePattern, handlers: Record<string, TaskHandler>): Promise<RunResult> {
  const definition = buildPipeline({ pattern, resources: PLACEHOLDER_RESOURCES }).render();
  return runDefinition(definition, INPUT, { handlers, context: { Execution: EXECUTION }, retryIntervalMs: 0 });
}

const byChunk = <T extends { chunk: ChunkRef }>(list: T[]) => [...list].sort((a, b) => a.chunk.id - b.chunk.id);

describe("uniqueness step, definition", () => {
  const def = buildPipeline({ pattern: "sequential", resources: PLACEHOLDER_RESOURCES }).render() as {
    States: Record<string, Record<string, unknown>>;
  };

  it("uses only paths and intrinsics the JSONPath checker accepts", () => {
    const list = def.States[N.listUniquePartitions].Parameters as Record<string, string>;
    const count = def.States[N.countDuplicates].Parameters as Record<string, string>;
    const select = def.States[N.selectDuplicatePartitions].Parameters as Record<string, string>;
    for (const expr of [list["partitions.$"], count["distinctCounts.$"], count["someZero.$"]])
      assert.equal(checkIntrinsic(expr), undefined, expr);
    assert.equal(checkPath(select["partitions.$"]), undefined);
    assert.equal(select["partitions.$"], "$.uniqueness[?(@.duplicates > 0)].partition");
    assert.equal(checkPath(select["chunks.$"]), undefined);
    assert.equal(select["chunks.$"], "$.uniqueness[?(@.duplicates > 0)].chunks");
  });

  it("hands ApplyDuplicates the ProcessChunks item selector plus the partitions that found duplicates", () => {
    const first = def.States[N.processChunks].ItemSelector as Record<string, string>;
    const second = def.States[N.applyDuplicates].ItemSelector as Record<string, string>;
    assert.equal(first["uniquePartitions.$"], "$.split.uniquePartitions");
    assert.deepEqual(second, {
      ...first,
      "duplicatePartitions.$": "$.duplicatePartitions.partitions",
      "duplicateChunks.$": "$.duplicatePartitions.chunks",
    });
    assert.equal(def.States[N.applyDuplicates].ResultPath, "$.chunkResults");
    assert.equal(def.States[N.findDuplicates].ToleratedFailurePercentage, 0);
  });
});

for (const pattern of PIPELINE_PATTERNS) {
  describe(`uniqueness step (${pattern}) run locally`, () => {
    it("skips the step when the schema has no unique key (P = 0)", async () => {
      const { handlers, seen } = fakes({ partitions: 0 });
      const result = await run(pattern, handlers);
      assert.equal(result.status, "SUCCEEDED");
      assert.ok(result.states.includes(N.uniqueKeys));
      assert.equal(result.states.includes(N.findDuplicates), false);
      assert.equal(seen.find.length, 0);
      assert.equal(seen.first[0].uniquePartitions, 0);
    });

    it("checks every partition once and keeps the first pass's results when none found a duplicate", async () => {
      const { handlers, seen } = fakes({ partitions: 3 });
      const result = await run(pattern, handlers);
      assert.equal(result.status, "SUCCEEDED");
      assert.deepEqual(
        seen.find.map((e) => e.partition).sort(),
        [0, 1, 2],
        "one FindDuplicates iteration per partition",
      );
      for (const e of seen.find)
        assert.deepEqual(
          { ...e, partition: 0 },
          { executionName: EXECUTION.Name, bucket: INPUT.bucket, partition: 0, partitions: 3, chunkCount: 3 },
        );
      assert.ok(result.states.includes(N.duplicatesFound));
      assert.equal(result.states.includes(N.applyDuplicates), false);
      assert.equal(seen.apply.length, 0);
      for (const e of seen.first) assert.equal(e.uniquePartitions, 3);
      assert.deepEqual(
        seen.aggregate[0].chunkResults.map((r) => r.invalid),
        [0, 0, 0],
      );
    });

    it("runs every chunk again with the partitions that found duplicates, and its results replace the first pass's", async () => {
      const { handlers, seen } = fakes({ partitions: 4, found: { 1: 2, 3: 1 } });
      const result = await run(pattern, handlers);
      assert.equal(result.status, "SUCCEEDED");
      const apply = byChunk(seen.apply);
      assert.deepEqual(
        apply.map((e) => e.chunk.id),
        [1, 2, 3],
      );
      for (const [i, e] of apply.entries()) {
        const first = byChunk(seen.first)[i];
        assert.deepEqual(
          e,
          { ...first, duplicatePartitions: [1, 3], duplicateChunks: ["2", "8"] },
          "the first pass's input plus the partitions and each one's chunks (chunk 2; chunk 4)",
        );
      }
      const results = [...seen.aggregate[0].chunkResults].sort((a, b) => a.chunkId - b.chunkId);
      assert.deepEqual(
        results.map((r) => r.invalid),
        [0, 2, 0],
        "the second pass's counts reach the aggregation",
      );
      assert.equal(seen.check[0].failure, null);
    });

    it("keeps a single partition with duplicates as a list of one", async () => {
      const { handlers, seen } = fakes({ partitions: 1, found: { 0: 5 } });
      const result = await run(pattern, handlers);
      assert.equal(result.status, "SUCCEEDED");
      assert.deepEqual(
        seen.apply.map((e) => e.duplicatePartitions),
        [[0], [0], [0]],
      );
    });

    it("fails the run through the check when FindDuplicates fails, without a second pass", async () => {
      const boom = Object.assign(new Error("the key file is shorter than its header says"), { name: "InputError" });
      const { handlers, seen } = fakes({ partitions: 2, findFails: boom });
      const result = await run(pattern, handlers);
      assert.equal(result.status, "FAILED");
      assert.equal(seen.apply.length, 0);
      assert.equal(seen.check.length, 1);
      assert.equal(seen.check[0].failure?.Error, "InputError");
      assert.equal(seen.check[0].failure?.step, N.findDuplicates, "the check is told which step failed");
      assert.match(seen.check[0].failure?.Cause ?? "", /shorter than its header says/, "the caught error is kept");
      assert.ok(result.states.includes(N.findDuplicatesFailed));
    });

    it("fails the run through the check when ApplyDuplicates fails", async () => {
      const boom = Object.assign(new Error("dups file unreadable"), { name: "InputError" });
      const { handlers, seen } = fakes({ partitions: 2, found: { 0: 1 }, applyFails: boom });
      const result = await run(pattern, handlers);
      assert.equal(result.status, "FAILED");
      assert.equal(seen.check.length, 1);
      assert.equal(seen.check[0].failure?.Error, "InputError");
      assert.equal(seen.check[0].failure?.step, N.applyDuplicates, "the check is told which step failed");
      assert.ok(result.states.includes(N.applyDuplicatesFailed));
    });
  });
}
