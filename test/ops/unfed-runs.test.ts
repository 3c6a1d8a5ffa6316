import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clients } from "../../functions/adapters/clients";
import { handler, setClock } from "../../functions/check-errors-and-notify";
import type { CheckInput, CheckOutput } from "../../functions/contract";
import { setLogSink } from "../../functions/core/log";
import { LOCAL_STATE_MACHINE_ARN } from "../../local/services/executions";
import { type LocalServices, startLocalServices } from "../../local/services/services";
import { main } from "../../ops/cli";
import { restoreEnv } from "../support/env";
import { answerChannels, type ChannelMocks, mockChannels, restoreChannels } from "../support/notify-world";

const STARTED = "2025-06-02T03:00:00.000Z";

/**
 * A run whose upload fell under no feed's prefix: split-csv refuses it before writing anything, the check still runs
 * (told the split failed) and records the run apart, so that `ops runs` lists it — with no feed.
 */
describe("ops runs and a run whose upload fell under no feed", function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), "ops-unfed-"));
  const outputsFile = join(dir, "outputs.json");
  const saved = { ...process.env };
  let svc: LocalServices;
  let channels: ChannelMocks;
  let restoreSink: (line: string) => void;
  const calls: string[] = [];

  async function ops(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(argv, {
      out: (t) => {
        out += `${t}\n`;
      },
      err: (t) => {
        err += `${t}\n`;
      },
      onCall: (action) => calls.push(action),
    });
    return { code, out, err };
  }

  /** The check of an execution whose split failed because its key is under no feed's prefix. */
  async function checkUnfed(executionName: string, key: string): Promise<CheckOutput> {
    const input: CheckInput = {
      executionName,
      startTime: STARTED,
      bucket: svc.bucket,
      key,
      chunkCount: 0,
      splitStatus: "NOT_RUN",
      failure: {
        Error: "InputError",
        Cause: `s3://${svc.bucket}/${key} is under no feed's prefix (orders: incoming/orders/)`,
      },
    };
    return (await handler(input, {})) as CheckOutput;
  }

  before(async () => {
    channels = mockChannels();
    answerChannels(channels);
    svc = await startLocalServices();
    Object.assign(process.env, svc.env, {
      FEEDS: JSON.stringify([{ name: "orders", prefix: "incoming/orders/" }]),
      PIPELINE_NAME: "csv-pipeline",
      ALERT_TOPIC_ARN: "arn:aws:sns:ap-northeast-1:123456789012:csv-alerts",
      NOTIFY_POLICY: JSON.stringify({
        routing: { CRITICAL: ["sns"], HIGH: ["sns"], MEDIUM: ["sns"], LOW: ["sns"] },
        successNotice: false,
      }),
    });
    clients.reset();
    setClock(() => new Date(STARTED));
    restoreSink = setLogSink(() => undefined);
    writeFileSync(
      outputsFile,
      JSON.stringify({
        bucketName: svc.bucket,
        stateMachineArn: LOCAL_STATE_MACHINE_ARN,
        errorTableName: svc.errorTable,
        runsTableName: svc.runsTable,
        uploadPrefixes: { orders: `s3://${svc.bucket}/incoming/orders/` },
      }),
    );
    const out = await checkUnfed("csv-unfed-1", "drop/orders.csv");
    assert.equal(out.runFailed, true);
  });
  after(async () => {
    setLogSink(restoreSink);
    setClock(undefined);
    restoreChannels(channels);
    restoreEnv(saved);
    clients.reset();
    await svc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists it with feed null in --json, FAILED, from the check's record alone", async () => {
    calls.length = 0;
    const { code, out, err } = await ops("runs", "--outputs", outputsFile, "--json");

    assert.equal(err, "");
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out), [
      {
        executionName: "csv-unfed-1",
        feed: null,
        key: "drop/orders.csv",
        startedAt: STARTED,
        status: "FAILED",
        rows: { total: 0, valid: 0, invalid: 0 },
        errors: { total: 0, critical: 0 },
      },
    ]);
    assert.ok(!calls.includes("DescribeExecution"), "the status is the check's, not asked of Step Functions");
  });

  it("shows it as feed - in the table and says what that means", async () => {
    const { code, out } = await ops("runs", "--outputs", outputsFile);

    assert.equal(code, 0);
    const row = out.split("\n").find((l) => l.includes("csv-unfed-1")) ?? "";
    assert.match(row, /FAILED\s+-\s+0\s+0\s+0\s+0\s+csv-unfed-1\s+drop\/orders\.csv/);
    assert.match(out, /FEED -: the upload was under no feed's prefix/);
  });

  it("leaves it out of one feed's runs", async () => {
    const { code, out } = await ops("runs", "--outputs", outputsFile, "--feed", "orders", "--json");

    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out), []);
  });
});
