import assert from "node:assert/strict";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { handler as splitCsv } from "../../../../functions/split-csv";
import {
  LOCAL_STATE_MACHINE_ARN,
  type LocalExecutionStatus,
  localExecutions,
} from "../../../../local/services/executions";
import type { LocalServices } from "../../../../local/services/services";
import { readRunItems } from "../../../support/csv-fixtures";
import { openSplitWorld, type SplitWorld } from "../../../support/split-world";

const START = "2024-05-01T00:00:00.000Z";
const CSV =
  "order_id,email,amount,quantity,status,ordered_at,updated_at,note\n" +
  "ORD-000001,c1@example.com,10.00,1,NEW,2024-10-19,2024-10-19T02:15:00+09:00,\n";

/**
 * The upload claim against local DynamoDB, with the local Step Functions endpoint telling how the execution that
 * holds a claim stands: a failed run's upload can run again, a running or succeeded one's cannot.
 */
describe("split-csv: the upload claim of an execution that ended without succeeding is taken over", () => {
  let svc: LocalServices;
  let world: SplitWorld;
  const logs: Record<string, unknown>[] = [];
  let n = 0;

  before(async () => {
    world = await openSplitWorld({ sink: (line) => logs.push(JSON.parse(line)) });
    ({ svc } = world);
  });
  after(() => world.stop());

  /** Uploads the CSV under a new key and returns the split input of an execution started by its event. */
  async function upload(): Promise<(executionName: string) => Parameters<typeof splitCsv>[0]> {
    const key = `incoming/claim-${++n}.csv`;
    const out = await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: key, Body: CSV }));
    const object = { etag: (out.ETag ?? "").replace(/"/g, ""), size: Buffer.byteLength(CSV), sequencer: `00${n}` };
    return (executionName) => ({
      bucket: svc.bucket,
      key,
      executionName,
      startTime: START,
      upload: { bucket: svc.bucket, key, object },
    });
  }

  /** An earlier execution of the upload that claimed it and then ended with `status` (RUNNING: still going). */
  async function claimedBy(
    input: (name: string) => Parameters<typeof splitCsv>[0],
    name: string,
    status: LocalExecutionStatus,
  ): Promise<void> {
    localExecutions.started(name, LOCAL_STATE_MACHINE_ARN, {}, START);
    assert.equal((await splitCsv(input(name))).status, "OK");
    if (status !== "RUNNING") localExecutions.ended(name, status);
  }

  for (const status of ["FAILED", "TIMED_OUT", "ABORTED"] as const) {
    it(`processes the upload again when the execution holding it ended ${status}, under the new execution only`, async () => {
      const input = await upload();
      await claimedBy(input, `first-${status}`, status);
      localExecutions.started(`second-${status}`, LOCAL_STATE_MACHINE_ARN, {}, START);

      const second = await splitCsv(input(`second-${status}`));

      assert.equal(second.status, "OK");
      assert.equal(second.chunkCount, 1);
      const items = await readRunItems(svc.runsTable, `second-${status}`);
      assert.ok(
        items.some((i) => i.sk === "FILE"),
        "the new execution wrote its own file summary",
      );
      const line = logs.find((l) => l.executionName === `second-${status}` && l.earlierExecution !== undefined);
      assert.equal(line?.earlierExecution, `first-${status}`);
      assert.equal(line?.earlierStatus, status);
      assert.equal(line?.level, "WARN");
    });
  }

  for (const status of ["RUNNING", "SUCCEEDED"] as const) {
    it(`ends a second delivery as a duplicate while the holder is ${status}`, async () => {
      const input = await upload();
      await claimedBy(input, `holder-${status}`, status);

      const second = await splitCsv(input(`late-${status}`));

      assert.equal(second.status, "DUPLICATE");
      assert.deepEqual(await readRunItems(svc.runsTable, `late-${status}`), []);
      const line = logs.find((l) => l.executionName === `late-${status}`);
      assert.equal(line?.claimedBy, `holder-${status}`);
      assert.equal(line?.claimedByStatus, status);
    });
  }

  it("takes over a claim whose holder Step Functions does not know (its history expired)", async () => {
    const input = await upload();
    await claimedBy(input, "forgotten", "FAILED");
    localExecutions.clear();

    assert.equal((await splitCsv(input("after-expiry"))).status, "OK");
  });

  it("lets exactly one of two deliveries racing for a failed run's upload process it", async () => {
    const input = await upload();
    await claimedBy(input, "crashed", "FAILED");
    for (const name of ["racer-a", "racer-b"]) localExecutions.started(name, LOCAL_STATE_MACHINE_ARN, {}, START);

    const both = await Promise.all([splitCsv(input("racer-a")), splitCsv(input("racer-b"))]);

    assert.deepEqual(both.map((r) => r.status).sort(), ["DUPLICATE", "OK"]);
  });
});
