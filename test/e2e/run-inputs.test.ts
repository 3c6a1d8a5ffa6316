import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { parseDocument, runCli, WEEKDAY_MORNING } from "../support/cli-runner";

/** `incoming/`, one 300-byte segment, then Japanese up to exactly 1,024 bytes of UTF-8: the longest key S3 takes. */
function longestKey(): string {
  const head = `incoming/${"s".repeat(300)}/`;
  const room = 1024 - Buffer.byteLength(head) - ".csv".length;
  const key = `${head}${"注".repeat(Math.floor(room / 3))}${"x".repeat(room % 3)}.csv`;
  assert.equal(Buffer.byteLength(key), 1024);
  return key;
}

describe("inputs of a local run at their limits", function () {
  this.timeout(180_000);

  it("exits 2 with one line naming --now and its value for a date that does not exist", async () => {
    const result = await runCli(["--now", "2025-02-30T10:00:00+09:00", "--json"]);
    rmSync(result.tmp, { recursive: true, force: true });

    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, /^error: --now 2025-02-30T10:00:00\+09:00: 2025-02 has no day 30;/);
  });

  it("runs the sample under a 1,024-byte key with a 300-byte segment and names the file by its key", async () => {
    const key = longestKey();
    const result = await runCli(["--key", key, "--json", "--now", WEEKDAY_MORNING]);
    rmSync(result.tmp, { recursive: true, force: true });
    const doc = parseDocument(result);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(doc.status, "SUCCEEDED");
    assert.deepEqual(doc.rows, { total: 1000, valid: 891, invalid: 109 });
    const email = doc.notifications.find((n) => n.channel === "email");
    assert.ok(email?.body.includes(`s3://csv-pipeline-local/${key}`), email?.body);
  });
});
