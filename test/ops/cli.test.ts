import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { ERROR_TABLE, RUNS_TABLE } from "../../functions/contract";
import { parseArgs } from "../../local/cli/args";
import { runLocal } from "../../local/cli/run-local";
import type { RunDocument } from "../../local/report/document";
import { type AwsRecorder, startAwsRecorder } from "../../local/services/aws-recorder";
import { LOCAL_STATE_MACHINE_ARN, localExecutions } from "../../local/services/executions";
import { allowingStatements, type LocalStatement } from "../../local/services/iam-local";
import { LOCAL_BUCKET, type LocalServices, startLocalServices } from "../../local/services/services";
import { main, type OpsIo } from "../../ops/cli";
import { restoreEnv } from "../support/env";

/** A small orders file: two valid rows, one row breaking two rules, one breaking one, with personal data to mask. */
const ORDERS = [
  "order_id,email,amount,quantity,status,ordered_at,updated_at,note",
  "ORD-000001,customer1@example.com,40197.73,1,NEW,2024-10-19,2024-10-19T02:15:00+09:00,ring twice",
  "ORD-000002,customer2@example.org,15376.47,0,LOST,2024-03-10,2024-03-10T15:01:00+09:00,call 090-1234-5678",
  "ORD-000003,customer3@example.org,4117.03,17,SHIPPED,2024-07-03,2024-07-03T17:42:00+09:00,gift wrap",
  "ORD-000004,customer4@example.co.jp,300.57,9000,NEW,2024-10-22,2024-10-22T01:41:00+09:00,mail taro@example.jp",
  "",
].join("\n");

/** Runs one file through the real pipeline into `state`, as `npm start -- FILE --state DIR …` does. */
async function runInto(state: string, argv: string[]): Promise<RunDocument> {
  const parsed = parseArgs([...argv, "--state", state]);
  if (parsed.kind !== "run") throw new Error("not a run command line");
  return (await runLocal(parsed.args)).document;
}

/** Whether a StartExecution request started a rerun of `run`. */
function rerunOf(params: Record<string, unknown>, run: RunDocument): boolean {
  return String(params.name).startsWith(`${run.executionName}-rerun-`);
}

interface Ran {
  code: number;
  out: string;
  err: string;
}

describe("ops CLI against a local stack", function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), "ops-cli-"));
  const state = join(dir, "state");
  const outputsFile = join(dir, "outputs.json");
  const saved = { ...process.env };
  const calls: { action: string; input: Record<string, unknown> }[] = [];
  let svc: LocalServices;
  let aws: AwsRecorder;
  let withErrors: RunDocument;
  let failed: RunDocument;
  /** Called for each AWS call the CLI is about to send (after it is recorded). */
  let hearCall: (action: string) => void = () => undefined;

  async function ops(...argv: string[]): Promise<Ran> {
    let out = "";
    let err = "";
    const io: OpsIo = {
      out: (t) => {
        out += t.endsWith("\n") ? t : `${t}\n`;
      },
      err: (t) => {
        err += `${t}\n`;
      },
      onCall: (action, input) => {
        calls.push({ action, input });
        hearCall(action);
      },
      pollMs: 5,
    };
    const code = await main(argv, io);
    return { code, out, err };
  }

  before(async () => {
    const csv = join(dir, "orders.csv");
    writeFileSync(csv, ORDERS);
    withErrors = await runInto(state, [csv, "--key", "incoming/orders-1.csv"]);
    failed = await runInto(state, ["samples/orders.csv", "--inject", "chunk-crash:1"]);
    // The runs' data stay in `state`; the services come up again on it, as a stack outlives its runs.
    svc = await startLocalServices({ stateDir: state });
    aws = await startAwsRecorder();
    Object.assign(process.env, svc.env, { AWS_ENDPOINT_URL_SFN: aws.env.AWS_ENDPOINT_URL_SFN });
    writeFileSync(
      outputsFile,
      JSON.stringify({
        bucketName: LOCAL_BUCKET,
        stateMachineArn: LOCAL_STATE_MACHINE_ARN,
        errorTableName: ERROR_TABLE.defaultName,
        runsTableName: RUNS_TABLE.defaultName,
        uploadPrefixes: { default: `s3://${LOCAL_BUCKET}/incoming/` },
        dashboardUrl: "https://console.example/dashboard",
      }),
    );
  });

  after(async () => {
    restoreEnv(saved);
    await aws?.stop();
    await svc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the runs newest first, with the counts and status the runs ended with", async () => {
    const { code, out, err } = await ops("runs", "--outputs", outputsFile, "--json");
    assert.equal(err, "");
    assert.equal(code, 0);
    const runs = JSON.parse(out);
    assert.deepEqual(runs, [
      {
        executionName: failed.executionName,
        feed: "default",
        key: "incoming/orders.csv",
        startedAt: runs[0].startedAt,
        status: "FAILED",
        rows: failed.rows,
        errors: { total: failed.errors.total, critical: failed.errors.critical },
      },
      {
        executionName: withErrors.executionName,
        feed: "default",
        key: "incoming/orders-1.csv",
        startedAt: runs[1].startedAt,
        status: "SUCCEEDED",
        rows: { total: 4, valid: 2, invalid: 2 },
        errors: { total: 3, critical: withErrors.errors.critical },
      },
    ]);
    assert.deepEqual(withErrors.rows, { total: 4, valid: 2, invalid: 2 });
    assert.equal(withErrors.errors.total, 3);
    assert.ok(runs[0].startedAt > runs[1].startedAt);
    const limited = await ops("runs", "--outputs", outputsFile, "--json", "--limit", "1");
    assert.deepEqual(
      JSON.parse(limited.out).map((r: { executionName: string }) => r.executionName),
      [failed.executionName],
    );
  });

  it("shows one run: counts by severity, the notices sent, the outcome files, links and the report's URI", async () => {
    const exec = withErrors.executionName;
    const { code, out } = await ops("show", exec, "--outputs", outputsFile, "--json");
    assert.equal(code, 0);
    const doc = JSON.parse(out);
    assert.equal(doc.status, "SUCCEEDED");
    assert.deepEqual(doc.rows, withErrors.rows);
    assert.deepEqual(doc.errors.bySeverity, withErrors.errors.bySeverity);
    assert.deepEqual(doc.errors.byType, withErrors.errors.byType);
    assert.deepEqual(
      doc.notifications.map((n: { channel: string; status: string }) => `${n.channel}:${n.status}`).sort(),
      withErrors.notifications.map((n) => `${n.channel}:${n.status}`).sort(),
    );
    assert.equal(doc.outcomes.rejectedRows, withErrors.outcomes?.rejectedRows);
    assert.equal(doc.outcomes.rejectedErrors, withErrors.outcomes?.rejectedErrors);
    assert.equal(doc.report, `s3://${LOCAL_BUCKET}/results/${exec}.html`);
    assert.ok(doc.links.execution.includes(encodeURIComponent(`:execution:csv-pipeline:${exec}`)));
    const text = await ops("show", exec, "--outputs", outputsFile);
    assert.match(text.out, /written by the check before its notices; absent only if that write failed/);
  });

  it("prints the run's error records as CSV, masked as in notices", async () => {
    const exec = withErrors.executionName;
    const { code, out } = await ops("errors", exec, "--outputs", outputsFile, "--format", "csv");
    assert.equal(code, 0);
    assert.equal(out, EXPECTED_ERRORS_CSV);
    const medium = await ops("errors", exec, "--outputs", outputsFile, "--format", "json", "--severity", "MEDIUM");
    assert.deepEqual(
      JSON.parse(medium.out).map((e: { line: number; column: string }) => `${e.line}:${e.column}`),
      ["3:quantity", "3:status", "5:quantity"],
    );
    const high = await ops("errors", exec, "--outputs", outputsFile, "--severity", "HIGH");
    assert.equal(high.out, "no error records\n");
  });

  it("downloads rows.csv and errors.csv as they are in the bucket", async () => {
    const exec = withErrors.executionName;
    const target = join(dir, "rejected");
    const { code } = await ops("rejected", exec, "--outputs", outputsFile, "--out", target);
    assert.equal(code, 0);
    for (const [name, key] of [
      ["rows.csv", withErrors.outcomes?.rejectedRows],
      ["errors.csv", withErrors.outcomes?.rejectedErrors],
    ]) {
      const object = await svc.s3.send(new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }));
      const bytes = Buffer.from(
        await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      );
      assert.deepEqual(readFileSync(join(target, name as string)), bytes, name);
    }
    assert.match(readFileSync(join(target, "rows.csv"), "utf8"), /ORD-000002/);
  });

  it("refuses to rerun a run that succeeded unless --force is given", async () => {
    const before = aws.calls.filter((c) => c.action === "StartExecution").length;
    const { code, err } = await ops("rerun", withErrors.executionName, "--outputs", outputsFile);
    assert.equal(code, 1);
    assert.match(err, /^ops: run ".+" is SUCCEEDED; only a FAILED, TIMED_OUT, ABORTED run is rerun \(--force/);
    assert.equal(err.trim().split("\n").length, 1);
    assert.equal(aws.calls.filter((c) => c.action === "StartExecution").length, before);
    const forced = await ops("rerun", withErrors.executionName, "--outputs", outputsFile, "--force");
    assert.equal(forced.code, 0);
    assert.match(forced.out, /^note: ".+" is SUCCEEDED: .+-rerun-[0-9a-f]{6} takes its upload over and processes/);
    const start = aws.calls.filter((c) => c.action === "StartExecution" && rerunOf(c.params, withErrors)).at(-1);
    assert.equal(JSON.parse(String(start?.params.input)).takeOverFrom, withErrors.executionName);
    assert.equal(aws.calls.filter((c) => c.action === "StartExecution" && c.status === 200).length, before + 1);
  });

  it("reruns a failed run with its own input under a new name and follows it to its end", async () => {
    let described = 0;
    hearCall = (action) => {
      // The second DescribeExecution after the start finds the new run ended: what runs it reports its end.
      const start = aws.calls.find((c) => c.action === "StartExecution" && rerunOf(c.params, failed));
      if (action === "states:DescribeExecution" && start !== undefined && ++described === 2)
        localExecutions.ended(String(start.params.name), "FAILED");
    };
    const { code, out } = await ops("rerun", failed.executionName, "--outputs", outputsFile, "--wait", "--json");
    hearCall = () => undefined;
    const start = aws.calls.find((c) => c.action === "StartExecution" && rerunOf(c.params, failed));
    assert.ok(start);
    assert.equal(start.status, 200);
    const name = String(start.params.name);
    assert.match(name, new RegExp(`^${failed.executionName}-rerun-[0-9a-f]{6}$`));
    assert.equal(start.params.input, localExecutions.get(failed.executionName)?.input);
    assert.equal(start.params.stateMachineArn, LOCAL_STATE_MACHINE_ARN);
    const doc = JSON.parse(out);
    assert.equal(doc.executionName, name);
    assert.equal(doc.status, "FAILED");
    assert.equal(code, 1);
  });

  it("says in one line that an execution is unknown", async () => {
    const { code, out, err } = await ops("show", "no-such-run", "--outputs", outputsFile);
    assert.equal(code, 1);
    assert.equal(out, "");
    assert.equal(err, 'ops: unknown execution "no-such-run": `npm run ops -- runs` lists the stack\'s recent runs\n');
    const rerun = await ops("rerun", "no-such-run", "--outputs", outputsFile);
    assert.equal(rerun.code, 1);
    assert.match(
      rerun.err,
      /^ops: Step Functions has no execution "no-such-run" of arn:aws:states:[^\n]+lists the recent runs\n$/,
    );
  });

  it("makes exactly the AWS calls docs/operate.md's policy allows, each on a resource it grants", () => {
    const doc = readFileSync(join(__dirname, "..", "..", "docs", "operate.md"), "utf8");
    const block = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    assert.ok(block, "docs/operate.md has the policy as a json block");
    // The policy with this stack's names, as an operator fills it in.
    const names: Record<string, string> = {
      "<region>": "ap-northeast-1",
      "<account>": "123456789012",
      "<bucket>": LOCAL_BUCKET,
      "<runs-table>": RUNS_TABLE.defaultName,
      "<error-table>": ERROR_TABLE.defaultName,
      "<state-machine>": "csv-pipeline",
    };
    const policy = JSON.parse(block.replace(/<[a-z-]+>/g, (p) => names[p] ?? p)) as { Statement: LocalStatement[] };
    // The one grant never called: it only turns S3's 403 for a missing key into 404 (the document says so).
    const called = policy.Statement.filter((s) => s.Sid !== "MissingObjectsAsNotFound");
    const granted = called.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    assert.deepEqual([...new Set(calls.map((c) => c.action))].sort(), [...new Set(granted)].sort());
    for (const call of calls) {
      const request = { action: call.action, resource: resourceOf(call.action, call.input) };
      assert.notDeepEqual(allowingStatements(called, request), [], `${request.action} on ${request.resource}`);
    }
  });
});

/** The ARN an operator's call acts on, as IAM authorizes it. */
function resourceOf(action: string, input: Record<string, unknown>): string {
  const table = `arn:aws:dynamodb:ap-northeast-1:123456789012:table/${input.TableName}`;
  if (action === "dynamodb:Query") return input.IndexName === undefined ? table : `${table}/index/${input.IndexName}`;
  if (action === "s3:GetObject") return `arn:aws:s3:::${input.Bucket}/${input.Key}`;
  if (action === "states:DescribeExecution") return String(input.executionArn);
  if (action === "states:StartExecution") return String(input.stateMachineArn);
  throw new Error(`no resource known for ${action}`);
}

const EXPECTED_ERRORS_CSV = [
  "row,line,column,errorType,severity,message,values",
  '2,3,quantity,ValidationError,MEDIUM,"quantity must be at least 1 (got ""0"")",order_id=ORD-000002; email=***; amount=15376.47; quantity=0; status=LOST; ordered_at=2024-03-10; updated_at=2024-03-10T15:01:00+09:00; note=call ***',
  '2,3,status,ValidationError,MEDIUM,"status must be one of NEW, PAID, SHIPPED (got ""LOST"")",order_id=ORD-000002; email=***; amount=15376.47; quantity=0; status=LOST; ordered_at=2024-03-10; updated_at=2024-03-10T15:01:00+09:00; note=call ***',
  '4,5,quantity,ValidationError,MEDIUM,"quantity must be at most 999 (got ""9000"")",order_id=ORD-000004; email=***; amount=300.57; quantity=9000; status=NEW; ordered_at=2024-10-22; updated_at=2024-10-22T01:41:00+09:00; note=mail ***',
  "",
].join("\r\n");
