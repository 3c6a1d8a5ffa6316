import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { LOCAL_CREDENTIALS } from "../../local/services/services";
import { ROOT } from "../support/cli-runner";

/** samples/orders.csv: 1,000 rows, 109 of them rejected. */
const SAMPLE = join(ROOT, "samples", "orders.csv");
const SAMPLE_ROWS = { total: 1000, valid: 891, invalid: 109 };

interface Stack {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `npm run local:stack`'s command (node with the script's flags) in its own process. */
function startStack(args: string[]): Stack {
  const child = spawn(
    process.execPath,
    ["--max-old-space-size=1536", "-r", "./local/register.js", "local/cli/stack.ts", ...args],
    { cwd: ROOT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** This process's environment without any AWS setting a developer's shell may carry. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
  return { ...env, ...extra };
}

/** Waits for `probe` to give a value (long enough for a machine busy with other work). */
async function until<T>(what: string, stack: Stack, probe: () => T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end || stack.child.exitCode !== null)
      throw new Error(`${what} did not happen\n--- stdout:\n${stack.stdout()}\n--- stderr:\n${stack.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The stack's `env` file, once it and outputs.json are written. */
async function stackEnv(stack: Stack, dir: string): Promise<Record<string, string>> {
  return until("the stack's outputs.json and env", stack, () => {
    if (!existsSync(join(dir, "outputs.json")) || !existsSync(join(dir, "env"))) return undefined;
    const lines = readFileSync(join(dir, "env"), "utf8").trim().split("\n");
    return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  });
}

/** Runs `npm run ops`'s command with the stack's env file as its environment. */
function ops(env: Record<string, string>, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "./local/register.js", "ops/cli.ts", ...args], {
      cwd: ROOT,
      env: cleanEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

/** Every process descending from `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while being read.
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then: the stack exits 0 within seconds and none of its processes remains. */
async function stopStack(stack: Stack): Promise<void> {
  const pid = stack.child.pid ?? -1;
  const children = descendants(pid);
  const names = new Map(children.map((c) => [c, readFileSync(`/proc/${c}/cmdline`, "utf8").replace(/\0/g, " ")]));
  assert.ok(
    children.some((c) => /services-child\.js/.test(readFileSync(`/proc/${c}/cmdline`, "utf8"))),
    "the stack runs its services in a child process",
  );
  const sent = Date.now();
  stack.child.kill("SIGTERM");
  const { code } = await stack.exited;
  assert.equal(code, 0, stack.stderr());
  assert.ok(Date.now() - sent < 8000, `stopped in ${Date.now() - sent} ms`);
  // The services process has exited before the stack does; esbuild's helper (the TypeScript loader's) ends once its
  // parent's pipe closes: give both a moment, no more.
  for (let i = 0; i < 30 && children.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(
    children.filter(alive).map((c) => names.get(c)),
    [],
    "no process of the stack remains",
  );
}

describe("npm run local:stack (end to end)", function () {
  this.timeout(150_000);
  const dir = mkdtempSync(join(tmpdir(), "local-stack-"));
  const state = join(dir, "state");
  const stacks: Stack[] = [];
  const start = (args: string[]) => {
    const started = startStack(args);
    stacks.push(started);
    return started;
  };

  after(() => {
    // A test that failed before its SIGTERM: nothing it started may outlive the suite.
    for (const s of stacks) {
      if (s.child.exitCode !== null || s.child.pid === undefined) continue;
      for (const pid of [s.child.pid, ...descendants(s.child.pid)]) if (alive(pid)) process.kill(pid, "SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs an upload, fails it once, reruns it through ops, serves its errors and rows, and stops on SIGTERM", async () => {
    const running = start(["--state", state, "--inject", "chunk-crash:1"]);
    const env = await stackEnv(running, state);
    const outputs = join(state, "outputs.json");
    assert.match(env.AWS_ENDPOINT_URL, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(JSON.parse(readFileSync(outputs, "utf8")).bucketName, "csv-pipeline-local");

    // The local account's own key uploads (the operator's may not: its policy has no s3:PutObject).
    const endpoint = env.AWS_ENDPOINT_URL;
    const s3 = new S3Client({ endpoint, region: env.AWS_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    const asOperator = {
      endpoint,
      region: env.AWS_REGION,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
      forcePathStyle: true,
    };
    const operatorS3 = new S3Client(asOperator);
    const sfn = new SFNClient({ endpoint, region: env.AWS_REGION, credentials: LOCAL_CREDENTIALS });
    const operatorSfn = new SFNClient(asOperator);
    try {
      const put = (key: string, client = s3) =>
        client.send(new PutObjectCommand({ Bucket: "csv-pipeline-local", Key: key, Body: readFileSync(SAMPLE) }));
      const refused = await put("incoming/by-operator.csv", operatorS3).then(
        () => "stored",
        (e: Error) => e.name,
      );
      assert.equal(refused, "AccessDenied");
      // Objects the upload rule does not match start nothing.
      await put("rejected/elsewhere.csv");
      await put("incoming/notes.txt");
      await put("incoming/orders.csv");

      const failedLine = await until(
        "the first run's end",
        running,
        () => /^run +(\S+) FAILED/m.exec(running.stdout()) ?? undefined,
      );
      const failed = failedLine[1];
      assert.match(running.stdout(), /^notice +(slack|sns|email) +200 +/m);
      const listed = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: JSON.parse(readFileSync(outputs, "utf8")).stateMachineArn }),
      );
      assert.deepEqual(
        listed.executions?.map((e) => [e.name, e.status]),
        [[failed, "FAILED"]],
        "one execution: the upload under the feed's prefix",
      );
      // ListExecutions is not in the operator's policy: refused as AWS refuses it.
      const denied = await operatorSfn
        .send(new ListExecutionsCommand({ stateMachineArn: JSON.parse(readFileSync(outputs, "utf8")).stateMachineArn }))
        .then(
          () => "allowed",
          (e: Error) => e.name,
        );
      assert.equal(denied, "AccessDeniedException");

      const runs = await ops(env, ["runs", "--outputs", outputs, "--json"]);
      assert.equal(runs.code, 0, runs.err);
      assert.deepEqual(
        JSON.parse(runs.out).map((r: { executionName: string; status: string; key: string }) => [
          r.executionName,
          r.status,
          r.key,
        ]),
        [[failed, "FAILED", "incoming/orders.csv"]],
      );

      const rerun = await ops(env, ["rerun", failed, "--outputs", outputs, "--wait", "--json"]);
      assert.equal(rerun.code, 0, rerun.err);
      const again = JSON.parse(rerun.out);
      assert.equal(again.status, "SUCCEEDED");
      assert.match(again.executionName, new RegExp(`^${failed}-rerun-[0-9a-f]{6}$`));
      assert.deepEqual(again.rows, SAMPLE_ROWS);
      assert.match(
        running.stdout(),
        new RegExp(`^run +${again.executionName} SUCCEEDED +rows 1000 \\(891 valid, 109 invalid\\)`, "m"),
      );

      const errors = await ops(env, ["errors", again.executionName, "--outputs", outputs, "--format", "csv"]);
      assert.equal(errors.code, 0, errors.err);
      const errorLines = errors.out.trimEnd().split("\r\n");
      assert.equal(errorLines[0], "row,line,column,errorType,severity,message,values");
      assert.equal(errorLines.length - 1, again.errors.total);

      const out = join(dir, "rejected");
      const rejected = await ops(env, ["rejected", again.executionName, "--outputs", outputs, "--out", out]);
      assert.equal(rejected.code, 0, rejected.err);
      const rows = readFileSync(join(out, "rows.csv"), "utf8").replace(/^\uFEFF/, "");
      const header = readFileSync(SAMPLE, "utf8").split(/\r?\n/)[0];
      assert.equal(rows.split(/\r?\n/)[0], header);
      // The files as the run left them in the bucket.
      for (const name of ["rows.csv", "errors.csv"]) {
        const stored = await s3.send(
          new GetObjectCommand({ Bucket: "csv-pipeline-local", Key: `rejected/${again.executionName}/${name}` }),
        );
        assert.deepEqual(
          readFileSync(join(out, name)),
          Buffer.from((await stored.Body?.transformToByteArray()) ?? []),
          name,
        );
      }
      const errorsCsv = readFileSync(join(out, "errors.csv"), "utf8").replace(/^\uFEFF/, "");
      assert.match(errorsCsv, /^row,line,column,errorType,severity,message\r\n/);
      assert.equal(errorsCsv.trimEnd().split("\r\n").length - 1, again.errors.total);

      // Each run's report, where `ops show` says it is, readable with the operator's own keys.
      for (const [exec, status] of [
        [failed, "FAILED"],
        [again.executionName, "SUCCEEDED"],
      ]) {
        const shown = await ops(env, ["show", exec, "--outputs", outputs, "--json"]);
        assert.equal(shown.code, 0, shown.err);
        const uri = JSON.parse(shown.out).report as string;
        assert.equal(uri, `s3://csv-pipeline-local/results/${exec}.html`);
        const report = await operatorS3.send(
          new GetObjectCommand({ Bucket: "csv-pipeline-local", Key: `results/${exec}.html` }),
        );
        assert.match(report.ContentType ?? "", /^text\/html/);
        const html = (await report.Body?.transformToString()) ?? "";
        assert.ok(html.includes(exec), `the report of ${exec} names it`);
        assert.ok(html.includes(status), `the report of ${exec} says ${status}`);
      }
      const successReport = await operatorS3.send(
        new GetObjectCommand({ Bucket: "csv-pipeline-local", Key: `results/${again.executionName}.html` }),
      );
      assert.match(
        (await successReport.Body?.transformToString()) ?? "",
        /<td class="num">1000<\/td><td class="num">891<\/td><td class="num">109<\/td>/,
      );
    } finally {
      for (const client of [s3, operatorS3, sfn, operatorSfn]) client.destroy();
    }
    await stopStack(running);
    assert.ok(!existsSync(join(state, "outputs.json")), "a stopped stack's outputs are removed");
  });

  it("keeps the runs across a restart with the same --state", async () => {
    const stack = start(["--state", state]);
    const env = await stackEnv(stack, state);
    const runs = await ops(env, ["runs", "--outputs", join(state, "outputs.json"), "--json"]);
    assert.equal(runs.code, 0, runs.err);
    const listed = JSON.parse(runs.out).map((r: { executionName: string; status: string }) => r.status);
    assert.deepEqual(listed, ["SUCCEEDED", "FAILED"]);
    await stopStack(stack);
  });
});
