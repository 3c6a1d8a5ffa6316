import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, type OpsIo } from "../../ops/cli";
import { loadOutputs, parseOutputs, runPulumi } from "../../ops/outputs";
import { restoreEnv } from "../support/env";

const OUTPUTS = {
  bucketName: "csv-in",
  stateMachineArn: "arn:aws:states:ap-northeast-1:123456789012:stateMachine:csv-pipeline-dev",
  errorTableName: "csv-pipeline-dev-errors",
  runsTableName: "csv-pipeline-dev-runs",
  uploadPrefixes: { default: "s3://csv-in/incoming/" },
};

async function ops(argv: string[], extra: Partial<OpsIo> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
    ...extra,
  });
  return { code, out, err };
}

describe("ops stack outputs and refusals", () => {
  const dir = mkdtempSync(join(tmpdir(), "ops-outputs-"));
  const file = join(dir, "outputs.json");
  const saved = { ...process.env };
  before(() => writeFileSync(file, JSON.stringify(OUTPUTS)));
  afterEach(() => restoreEnv(saved));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the outputs pulumi prints, with the region from the state machine's ARN", () => {
    const outputs = parseOutputs(JSON.stringify(OUTPUTS), "outputs.json");
    assert.equal(outputs.region, "ap-northeast-1");
    assert.equal(outputs.resultsPrefix, "results/");
    assert.throws(
      () => parseOutputs(JSON.stringify({ bucketName: "b" }), "x.json"),
      /^OpsFailureError: x\.json has no stateMachineArn, errorTableName, runsTableName, uploadPrefixes: /,
    );
  });

  it("runs `pulumi stack output --json --stack NAME` for --stack", async () => {
    const asked: string[][] = [];
    const outputs = await loadOutputs({ stack: "dev" }, async (args) => {
      asked.push(args);
      return JSON.stringify(OUTPUTS);
    });
    assert.deepEqual(asked, [["stack", "output", "--json", "--stack", "dev"]]);
    assert.equal(outputs.runsTableName, "csv-pipeline-dev-runs");
  });

  it("says the Pulumi CLI is missing when no pulumi is on the PATH", async () => {
    process.env.PATH = dir;
    const { code, err } = await ops(["runs", "--stack", "dev"], { pulumi: runPulumi });
    assert.equal(code, 1);
    assert.equal(err, "ops: the Pulumi CLI is not installed; use --outputs FILE\n");
  });

  it("says which stack Pulumi does not know", async () => {
    const pulumi = async () => {
      throw Object.assign(new Error("Command failed"), { code: 255, stderr: "error: no stack named 'nope' found\n" });
    };
    const { code, err } = await ops(["runs", "--stack", "nope"], { pulumi });
    assert.equal(code, 1);
    assert.equal(
      err,
      'ops: stack "nope" not found: `pulumi stack ls` lists this project\'s stacks (or use --outputs FILE)\n',
    );
  });

  it("says there are no credentials, in one line, when the SDK's chain finds none", async () => {
    for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"])
      delete process.env[k];
    Object.assign(process.env, {
      AWS_REGION: "ap-northeast-1",
      AWS_CONFIG_FILE: join(dir, "no-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
    });
    const { code, err } = await ops(["runs", "--outputs", file]);
    assert.equal(code, 1);
    assert.equal(
      err,
      "ops: no AWS credentials: set AWS_PROFILE (after `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n",
    );
  });

  it("exits 2 with one line for a usage error", async () => {
    assert.deepEqual(await ops(["runs"]), {
      code: 2,
      out: "",
      err: "ops: say which stack: --stack NAME or --outputs FILE\n",
    });
    assert.equal(
      (await ops(["list", "--outputs", file])).err,
      'ops: unknown command "list": one of runs, show, errors, rejected, rerun\n',
    );
    assert.equal((await ops(["runs", "--outputs", file, "--since", "yesterday"])).code, 2);
    assert.equal(
      (await ops(["show", "--outputs", file, "--jsn"])).err,
      "ops: show has no option --jsn (--help lists them)\n",
    );
    assert.equal((await ops(["runs", "--outputs", file, "--stack", "dev"])).code, 2);
  });

  it("runs as `npm run ops` runs it: one line on stderr and the exit code", () => {
    const root = join(__dirname, "..", "..");
    const script = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.ops as string;
    const [node, ...args] = script.split(" ");
    assert.equal(node, "node");
    const missing = join(dir, "missing.json");
    const run = spawnSync(process.execPath, [...args, "runs", "--outputs", missing], { cwd: root, encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, "");
    assert.match(
      run.stderr,
      /^ops: cannot read --outputs .*missing\.json \(ENOENT\): write it with `pulumi stack output --json > FILE`\n$/,
    );
  });
});
