import assert from "node:assert/strict";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { SplitInput } from "../../functions/core/inputs";
import { handler as splitCsv } from "../../functions/split-csv";
import { LOCAL_STATE_MACHINE_ARN, type LocalExecutionStatus, localExecutions } from "../../local/services/executions";
import { rerunInput } from "../../ops/commands/rerun";
import { openSplitWorld, type SplitWorld } from "../support/split-world";

const START = "2024-05-01T00:00:00.000Z";
const CSV =
  "order_id,email,amount,quantity,status,ordered_at,updated_at,note\n" +
  "ORD-000001,c1@example.com,10.00,1,NEW,2024-10-19,2024-10-19T02:15:00+09:00,\n";

/**
 * `ops rerun --force` of a run that did not fail: its new execution's input names the run it reruns, and split-csv
 * (as the state machine hands it that input as `upload`) takes the upload's claim over from that run — conditionally
 * on that run still holding it and no longer running — instead of ending as a duplicate.
 */
describe("ops rerun --force: the rerun takes the upload over from the run it names", () => {
  let world: SplitWorld;
  let n = 0;

  before(async () => {
    world = await openSplitWorld();
  });
  after(() => world.stop());

  /** Uploads the CSV under a new key; returns the execution input the rule would start a run with. */
  async function upload(): Promise<string> {
    const key = `incoming/force-${++n}.csv`;
    const out = await world.svc.s3.send(new PutObjectCommand({ Bucket: world.svc.bucket, Key: key, Body: CSV }));
    const object = { etag: (out.ETag ?? "").replace(/"/g, ""), size: Buffer.byteLength(CSV), sequencer: `00${n}` };
    return JSON.stringify({ bucket: world.svc.bucket, key, object });
  }

  /** The split of an execution started with `input`, as the state machine's Prepare state passes it. */
  async function split(name: string, input: string, status: LocalExecutionStatus = "RUNNING") {
    localExecutions.started(name, LOCAL_STATE_MACHINE_ARN, {}, START);
    const parsed = JSON.parse(input);
    const event: SplitInput = {
      bucket: parsed.bucket,
      key: parsed.key,
      executionName: name,
      startTime: START,
      upload: parsed,
    };
    const result = await splitCsv(event);
    if (status !== "RUNNING") localExecutions.ended(name, status);
    return result;
  }

  it("names the run it reruns in a forced rerun's input, and nothing in any other rerun's", () => {
    const input = JSON.stringify({ bucket: "b", key: "incoming/x.csv", object: { etag: "e" } });

    assert.deepEqual(JSON.parse(rerunInput(input, "run-1", true)), {
      bucket: "b",
      key: "incoming/x.csv",
      object: { etag: "e" },
      takeOverFrom: "run-1",
    });
    assert.equal(rerunInput(input, "run-1", false), input, "a rerun of a failed run starts with the run's own input");
    const forcedBefore = rerunInput(input, "run-0", true);
    assert.deepEqual(JSON.parse(rerunInput(forcedBefore, "run-1", false)), JSON.parse(input));
    assert.throws(() => rerunInput("not json", "run-1", true), /run "run-1" has an input that is not JSON/);
  });

  it("processes a SUCCEEDED run's upload again instead of ending as a duplicate", async () => {
    const input = await upload();
    assert.equal((await split("first", input, "SUCCEEDED")).status, "OK");
    assert.equal((await split("redelivered", input)).status, "DUPLICATE", "a plain redelivery is still a duplicate");

    const forced = await split("first-rerun-a1b2c3", rerunInput(input, "first", true));

    assert.equal(forced.status, "OK");
    assert.equal(forced.chunkCount, 1);
    assert.equal((await split("late-redelivery", input)).status, "DUPLICATE", "the rerun holds the claim now");
  });

  it("takes over only from the run it names, and never from one still running", async () => {
    const input = await upload();
    assert.equal((await split("holder", input, "SUCCEEDED")).status, "OK");
    assert.equal((await split("other-rerun", rerunInput(input, "someone-else", true))).status, "DUPLICATE");

    const running = await upload();
    assert.equal((await split("still-running", running)).status, "OK");
    assert.equal((await split("too-early-rerun", rerunInput(running, "still-running", true))).status, "DUPLICATE");
  });
});
