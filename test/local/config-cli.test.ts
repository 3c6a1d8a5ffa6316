import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument, runCli, WEEKDAY_MORNING } from "../e2e/cli-helper";

describe("local run with a --config file", () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("runs without e-mail when emailTo is empty and emailFrom unset, and says so on stderr", async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), "csv-config-cli-"));
    dirs.push(dir);
    const config = join(dir, "no-email.yaml");
    writeFileSync(config, "emailTo: []\n");

    const result = await runCli(["--config", config, "--json", "--now", WEEKDAY_MORNING]);
    dirs.push(result.tmp);
    const doc = parseDocument(result);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(doc.status, "SUCCEEDED");
    assert.deepEqual(
      doc.notifications.map((n) => `${n.channel}:${n.status}`),
      ["slack:sent"],
    );
    assert.match(result.stderr, /notifyPolicy\.routing: email is not configured .*dropped from CRITICAL, HIGH/);
    assert.doesNotMatch(result.stderr, /EMAIL_TO/);
  });
});
