import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument, runCli, WEEKDAY_MORNING } from "../../support/cli-runner";

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

  it("writes the row outcomes under the prefixes the file's outputs name, without processed parts when off", async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), "csv-config-cli-"));
    dirs.push(dir);
    const config = join(dir, "outputs.yaml");
    writeFileSync(
      config,
      "outputs:\n  processed: false\n  rejectedPrefix: quality/rejected/\n  resultsPrefix: quality/results/\n",
    );

    const result = await runCli(["--config", config, "--json", "--now", WEEKDAY_MORNING]);
    dirs.push(result.tmp);
    const doc = parseDocument(result);

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(doc.rows, { total: 1000, valid: 891, invalid: 109 });
    const exec = doc.executionName;
    assert.ok(doc.outcomes, "the run wrote no manifest");
    const { rowCount, errorCount, ...where } = doc.outcomes;
    assert.deepEqual(where, {
      manifest: `quality/results/${exec}.json`,
      rejectedRows: `quality/rejected/${exec}/rows.csv`,
      rejectedErrors: `quality/rejected/${exec}/errors.csv`,
      processedParts: [],
      missingChunks: [],
      lateChunks: [],
    });
    assert.equal(rowCount, 109);
    assert.equal(errorCount, doc.errors.total);
  });

  it("refuses outputs under the input prefix with exit 2, naming the key and an example", async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), "csv-config-cli-"));
    dirs.push(dir);
    const config = join(dir, "loop.yaml");
    writeFileSync(config, "outputs: { rejectedPrefix: incoming/rejected/ }\n");

    const result = await runCli(["--config", config, "--json"]);
    dirs.push(result.tmp);

    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /outputs\.rejectedPrefix is inside inputPrefix \("incoming\/"\): a \.csv written there \(such as rows\.csv\) would start a new run; .*Example: outputs: \{ rejectedPrefix: "rejected\/" \}/,
    );
  });
});
