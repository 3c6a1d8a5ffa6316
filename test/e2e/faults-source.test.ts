import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { METRICS } from "../../functions/contract";
import type { RunDocument } from "../../local/report/document";
import { STATE_NAMES as S } from "../../workflow/pipeline";
import { parseDocument, runCli, WEEKDAY_MORNING } from "../support/cli-runner";

/** The parts of a run document a duplicate delivery must leave as they are (execution names made equal). */
function outcomeOf(doc: RunDocument): unknown {
  const anonymous = (text: string) => text.split(doc.executionName).join("<execution>");
  return {
    status: doc.status,
    states: doc.states,
    rows: doc.rows,
    errors: doc.errors,
    notifications: doc.notifications.map((n) => ({ ...n, body: anonymous(n.body) })),
    metrics: doc.metrics,
  };
}

describe("npm start --inject overwrite-during-run / duplicate-event (end to end)", function () {
  this.timeout(90_000);
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("reports a file replaced during the run as a CRITICAL SourceChangedError and fails the run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "csv-overwrite-"));
    dirs.push(dir);
    const config = join(dir, "local.yaml");
    writeFileSync(config, "chunkRows: 300\n");

    const result = await runCli([
      "--json",
      "--now",
      WEEKDAY_MORNING,
      "--config",
      config,
      "--inject",
      "overwrite-during-run",
    ]);
    dirs.push(result.tmp);
    const doc = parseDocument(result);

    assert.equal(result.code, 1, result.stderr);
    assert.equal(doc.status, "FAILED");
    assert.equal(doc.states.at(-1), S.runFailed);
    assert.deepEqual(doc.rows, { total: 0, valid: 0, invalid: 0 }, "no row of the other version is counted");
    assert.deepEqual(doc.errors.byType, { SourceChangedError: 4 }, "one per chunk of samples/orders.csv");
    assert.equal(doc.errors.bySeverity.CRITICAL, 4);
    assert.equal(doc.errors.critical, 4);
    assert.deepEqual(
      doc.notifications.map((n) => `${n.channel}:${n.status}`),
      ["sns:sent", "slack:sent", "email:sent"],
      "CRITICAL: on-call is paged",
    );
    const page = doc.notifications[0];
    assert.match(page.subject ?? "", /CRITICAL/);
    assert.match(page.body, /SourceChangedError/);
    assert.match(page.body, /処理中にファイルが置き換えられました/);
    assert.match(
      page.body,
      /このチャンクの2行目以降の行は読み込まれていません。アップロードが完了してから、もう一度アップロードしてください/,
    );
    assert.equal(doc.metrics.find((m) => m.name === METRICS.rowsProcessed)?.value, 0);
  });

  it("ends a second execution for the same upload as a duplicate and leaves the run as it is without the fault", async () => {
    const plain = await runCli(["--json", "--now", WEEKDAY_MORNING]);
    dirs.push(plain.tmp);
    const twice = await runCli(["--json", "--now", WEEKDAY_MORNING, "--inject", "duplicate-event"]);
    dirs.push(twice.tmp);
    const without = parseDocument(plain);
    const doc = parseDocument(twice);

    assert.equal(twice.code, 0, twice.stderr);
    assert.equal(doc.duplicateExecutions?.length, 1);
    const [duplicate] = doc.duplicateExecutions ?? [];
    assert.deepEqual(duplicate, {
      executionName: duplicate.executionName,
      status: "SUCCEEDED",
      outcome: "duplicate",
    });
    assert.match(duplicate.executionName, /^local-20250603T010000-[0-9a-f]{6}$/);
    assert.notEqual(duplicate.executionName, doc.executionName);
    assert.deepEqual(outcomeOf(doc), outcomeOf(without));
    assert.equal(without.duplicateExecutions, undefined, "the field appears only with the fault");
  });
});
