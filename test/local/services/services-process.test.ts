import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListTablesCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { ErrorWriter } from "../../../functions/adapters/error-store";
import { ERROR_TABLE, type ErrorRecord } from "../../../functions/contract";
import { localMapConcurrency } from "../../../local/cli/run-local";
import { LOCAL_HEAP_FLAG } from "../../../local/node-flags";
import { startLocalServices } from "../../../local/services/services";
import { startServicesProcess } from "../../../local/services/services-process";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What is in `dir`, Node's own compile cache (which outlives any process by design) aside. */
function entries(dir: string): string[] {
  return readdirSync(dir).filter((name) => !name.startsWith("v8-compile-cache"));
}

/** An error record of one execution with a row copy of about 600 bytes (the size of a real one). */
function record(executionName: string, rowNumber: number): ErrorRecord {
  return {
    errorId: `${executionName}-${rowNumber}`,
    timestamp: "2025-06-03T02:00:00.000Z",
    executionName,
    errorType: "ValidationError",
    severity: "HIGH",
    errorMessage: `order_id does not match ^ORD-[0-9]{6}$ (row ${rowNumber})`,
    recordData: { order_id: "ORD-12", note: "x".repeat(600) },
    retryCount: 0,
    processingStage: "process",
    rowNumber,
    chunkId: 1,
    severityRow: `1#${String(rowNumber).padStart(12, "0")}`,
    expiresAt: 1_751_000_000,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("localMapConcurrency", () => {
  it("caps the configured MaxConcurrency at one chunk per CPU, never below one", () => {
    assert.equal(localMapConcurrency(100, 2), 2);
    assert.equal(localMapConcurrency(100, 16), 16);
    assert.equal(localMapConcurrency(3, 16), 3);
    assert.equal(localMapConcurrency(1, 0), 1);
  });
});

describe("LOCAL_HEAP_FLAG", () => {
  it("is what npm start runs the runner with", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "package.json"), "utf8"));
    assert.match(pkg.scripts.start, /^node (\S+ )*-r \.\/local\/register\.js local\/cli\/cli\.ts$/);
    assert.ok(pkg.scripts.start.split(" ").includes(LOCAL_HEAP_FLAG), pkg.scripts.start);
  });
});

describe("startServicesProcess", function () {
  this.timeout(30_000);
  const saved = process.env.TMPDIR;
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), "csv-services-test-"));
    process.env.TMPDIR = tmp;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(tmp, { recursive: true, force: true });
  });

  it("serves both tables and the bucket from another process, then stops it and removes its data", async () => {
    const svc = await startServicesProcess();
    try {
      assert.notEqual(svc.pid, process.pid);
      assert.ok(alive(svc.pid));
      const tables = await svc.dynamo.send(new ListTablesCommand({}));
      assert.deepEqual([...(tables.TableNames ?? [])].sort(), [svc.errorTable, svc.runsTable].sort());
      await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: "a.txt", Body: "hello" }));
      const got = await svc.s3.send(new GetObjectCommand({ Bucket: svc.bucket, Key: "a.txt" }));
      assert.equal(await got.Body?.transformToString(), "hello");
      assert.equal(entries(tmp).length, 1, "one data directory while running");
    } finally {
      await svc.stop();
    }
    assert.equal(alive(svc.pid), false, "the services process has exited");
    assert.deepEqual(entries(tmp), [], "its data directory is removed");
    assert.ok((svc.peakRssBytes() ?? 0) > 10 * 1024 * 1024, `peak RSS reported: ${svc.peakRssBytes()}`);
  });

  it("runs from a JavaScript bundle without the TypeScript loader, and keeps DynamoDB on disk", async () => {
    const svc = await startServicesProcess();
    try {
      const [dataDir] = entries(tmp);
      const cmdline = readFileSync(`/proc/${svc.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      assert.deepEqual(
        cmdline.slice(1),
        [LOCAL_HEAP_FLAG, join(tmp, dataDir, "services-child.js")],
        "no -r register.js, only the heap limit",
      );
      assert.ok(existsSync(join(tmp, dataDir, "dynamo", "CURRENT")), "a LevelDB store in the data directory");
      // Pages and the index behave as on AWS with the items on disk: 60 records, read back 25 at a time.
      const writer = new ErrorWriter(svc.errorTable, { client: svc.dynamo });
      for (let row = 1; row <= 60; row++) await writer.add(record("exec-disk", row));
      await writer.flush();
      let rows: number[] = [];
      let ExclusiveStartKey: QueryCommand["input"]["ExclusiveStartKey"];
      let pages = 0;
      do {
        const page = await svc.dynamo.send(
          new QueryCommand({
            TableName: svc.errorTable,
            IndexName: ERROR_TABLE.executionIndex.name,
            KeyConditionExpression: "executionName = :e",
            ExpressionAttributeValues: { ":e": { S: "exec-disk" } },
            Limit: 25,
            ExclusiveStartKey,
          }),
        );
        rows = rows.concat((page.Items ?? []).map((i) => Number(i.rowNumber?.N)));
        ExclusiveStartKey = page.LastEvaluatedKey;
        pages++;
      } while (ExclusiveStartKey);
      assert.deepEqual(
        rows,
        Array.from({ length: 60 }, (_, i) => i + 1),
      );
      assert.ok(pages >= 3, `read in pages of 25 (got ${pages})`);
    } finally {
      await svc.stop();
    }
  });

  it("cleans up by itself when the process that started it exits without stopping it", async () => {
    const script =
      "require('./local/services/services-process').startServicesProcess().then((s) => {" +
      " process.stdout.write(String(s.pid)); process.exit(0); })";
    const out = execFileSync(process.execPath, ["-r", "./local/register.js", "-e", script], {
      cwd: join(__dirname, "..", "..", ".."),
      env: { ...process.env, TMPDIR: tmp },
      encoding: "utf8",
    });
    const pid = Number(out.trim());
    assert.ok(pid > 0, `printed the services pid: ${out}`);
    const deadline = Date.now() + 15_000;
    while ((alive(pid) || entries(tmp).length > 0) && Date.now() < deadline) await sleep(100);
    assert.equal(alive(pid), false, "the orphaned services process exited");
    assert.deepEqual(entries(tmp), [], "and removed its data directory");
  });
});

describe("startLocalServices with DynamoDB on disk", function () {
  this.timeout(60_000);

  it("gives LevelDB a 32 MB write buffer: 10 MB of records stay in its log, no table file is flushed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "csv-services-disk-test-"));
    const svc = await startLocalServices({ storageDir: dir, dynamoOnDisk: true });
    try {
      const writer = new ErrorWriter(svc.errorTable, { client: svc.dynamo });
      // ~700 bytes per item and as much again in the index: past LevelDB's default 4 MB buffer several times over.
      for (let row = 1; row <= 7_000; row++) await writer.add(record("exec-buffer", row));
      await writer.flush();
      assert.equal(writer.written, 7_000);
      const files = readdirSync(join(dir, "dynamo"));
      assert.ok(
        files.some((f) => f.endsWith(".log")),
        `a write-ahead log: ${files.join(", ")}`,
      );
      assert.deepEqual(
        files.filter((f) => f.endsWith(".ldb")),
        [],
        "no table file flushed",
      );
    } finally {
      await svc.stop();
    }
    assert.equal(existsSync(dir), false, "stop() removes the data directory");
  });
});
