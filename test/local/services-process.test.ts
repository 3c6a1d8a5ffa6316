import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { localMapConcurrency } from "../../local/run";
import { startServicesProcess } from "../../local/services-process";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What is in `dir`, Node's own compile cache (which outlives any process by design) aside. */
function entries(dir: string): string[] {
  return readdirSync(dir).filter((name) => !name.startsWith("v8-compile-cache"));
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
  it("caps the configured MaxConcurrency at two chunks per CPU, never below one", () => {
    assert.equal(localMapConcurrency(100, 2), 4);
    assert.equal(localMapConcurrency(100, 16), 32);
    assert.equal(localMapConcurrency(3, 16), 3);
    assert.equal(localMapConcurrency(1, 0), 1);
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

  it("cleans up by itself when the process that started it exits without stopping it", async () => {
    const script =
      "require('./local/services-process').startServicesProcess().then((s) => {" +
      " process.stdout.write(String(s.pid)); process.exit(0); })";
    const out = execFileSync(process.execPath, ["-r", "./local/register.js", "-e", script], {
      cwd: join(__dirname, "..", ".."),
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
