import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ArrivalDocument } from "../../local/cli/check-arrival";
import { STATE_MARKER } from "../../local/engine/state-dir";
import { parseDocument, runCli } from "../support/cli-runner";

/** Monday 2025-06-02 in Tokyo: a run at 08:00, the check at 10:05 (deadline 10:00). */
const MON_EARLY = "2025-06-02T08:00:00+09:00";
const MON_AFTER_DEADLINE = "2025-06-02T10:05:00+09:00";

function arrivalJson(stdout: string, stderr: string): ArrivalDocument {
  try {
    return JSON.parse(stdout) as ArrivalDocument;
  } catch {
    throw new Error(`stdout is not one JSON document:\n${stdout}\n--- stderr:\n${stderr}`);
  }
}

describe("npm start -- --check-arrival with --state (end to end)", function () {
  this.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), "csv-arrival-e2e-"));
  const config = join(dir, "local.yaml");
  writeFileSync(config, 'notifyPolicy: { locale: en }\narrival: { by: "10:00", days: weekdays }\n');
  const check = (state: string, now = MON_AFTER_DEADLINE) =>
    runCli(["--check-arrival", "--config", config, "--state", state, "--now", now, "--json"]);

  it("reports received after a run kept in the same state directory", async () => {
    const state = join(dir, "kept");
    const run = await runCli([
      "samples/orders.csv",
      "--config",
      config,
      "--state",
      state,
      "--now",
      MON_EARLY,
      "--json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const { executionName } = parseDocument(run);

    const out = await check(state);

    assert.equal(out.code, 0, out.stderr);
    const doc = arrivalJson(out.stdout, out.stderr);
    assert.deepEqual(doc.arrival, [
      {
        feed: "default",
        expectedBy: "2025-06-02T10:00:00+09:00",
        status: "received",
        lastRun: { executionName, startTime: "2025-06-01T23:00:00.000Z", key: "incoming/orders.csv" },
      },
    ]);
    assert.deepEqual(doc.notifications, []);
  });

  it("reports missing in a fresh state, with one notice per channel as the recorders received it, and once a day", async () => {
    const state = join(dir, "fresh");

    const first = await check(state);
    const again = await check(state, "2025-06-02T10:20:00+09:00");

    assert.equal(first.code, 0, first.stderr);
    const doc = arrivalJson(first.stdout, first.stderr);
    assert.deepEqual(
      doc.arrival.map((a) => [a.feed, a.status, a.lastRun]),
      [["default", "missing", null]],
    );
    assert.deepEqual(
      doc.notifications.map((n) => `${n.channel}:${n.status}`),
      ["sns:sent", "slack:sent", "email:sent"],
    );
    const sns = doc.notifications.find((n) => n.channel === "sns");
    assert.equal(sns?.subject, "[CRITICAL] File not received by 10:00 (incoming/)");
    assert.deepEqual(sns?.deliveredTo, ["oncall@example.com"]);
    assert.match(doc.notifications.find((n) => n.channel === "slack")?.body ?? "", /File not received by 10:00/);
    assert.deepEqual(
      doc.metrics.map((m) => `${m.name}=${m.value} ${Object.values(m.dimensions).join(",")}`),
      ["FilesMissing=1 csv-pipeline", "FilesMissing=1 csv-pipeline,default"],
    );

    const later = arrivalJson(again.stdout, again.stderr);
    assert.equal(later.arrival[0].status, "missing");
    assert.deepEqual(later.notifications, [], "the day's notice went out once");
  });

  it("refuses a --state directory that holds other files", async () => {
    const foreign = mkdtempSync(join(dir, "foreign-"));
    writeFileSync(join(foreign, "notes.txt"), "mine");
    const out = await check(foreign);
    assert.equal(out.code, 2);
    assert.match(out.stderr, new RegExp(`holds other files and no ${STATE_MARKER}`));
  });
});
