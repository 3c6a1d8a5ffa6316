import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertRow, type BenchRow } from "./lib/rows";

// The benchmark smoke test: every suite runs at small sizes through the same code paths. `npm run test:bench`
// (a CI step of its own); `npm test` does not run it.
describe("npm run bench -- --quick", () => {
  let dir: string;
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a row with numbers for every measure of P1–P7", async function () {
    this.timeout(300_000);
    dir = mkdtempSync(join(tmpdir(), "csv-pipeline-bench-test-"));
    const out = join(dir, "results.json");
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ["-r", "./local/register.js", "bench/cli.ts", "--quick", "--out", out],
        { cwd: join(__dirname, ".."), maxBuffer: 16 * 1024 * 1024 },
        (err, so, se) => (err ? reject(new Error(`bench --quick failed: ${err.message}\n${se}`)) : resolve(so)),
      ),
    );
    const rows = JSON.parse(readFileSync(out, "utf8")) as BenchRow[];
    assert.ok(Array.isArray(rows));
    rows.forEach((r, i) => {
      assertRow(r, i);
      assert.deepEqual(Object.keys(r).sort(), ["anchor", "goal", "id", "measure", "ours", "pass", "ratio"]);
      assert.ok(r.anchor > 0, `${r.id}: anchor must be measured (got ${r.anchor})`);
    });
    const ids = rows.map((r) => r.id);
    for (const id of [
      "P1.latency.scale",
      "P1.latency.vs-original",
      "P1.requests.vs-original",
      "P1.items.vs-original",
      "P1.heap.vs-original",
      "P2.throughput",
      "P2.batch-calls",
      "P3.process-chunk.unpacked",
      "P3.process-chunk.zip",
      "P4.wall",
      "P4.wall.beyond-floor",
      "P4.rss",
      "P4.wall.clean",
      "P4.floor.dynamo.wall",
      "P4.floor.dynamo.cpu",
      "P5.fan-out",
      "P6.item.table.avg",
      "P6.item.table.max",
      "P6.item.gsi.avg",
      "P6.item.gsi.max",
      "P6.wru.per-record",
      "P6.wru.per-record.max",
      "P6.cost.ours",
      "P6.cost.original",
      "P7.throughput",
      "P7.find.rss",
      "P7.find.heap",
    ]) {
      assert.ok(ids.includes(id), `results.json lacks ${id}; it has ${ids.join(", ")}`);
    }
    assert.equal(new Set(ids).size, ids.length, "row ids are unique");
    for (const r of rows) assert.ok(stdout.includes(`| ${r.id} `), `the printed table lacks ${r.id}`);
  });
});
