import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLocal } from "../../local/cli/run-local";
import type { TaskWrapper } from "../../local/engine/tasks";
import type { RunReport } from "../../local/report/report";
import { STATE_NAMES as N } from "../../workflow/pipeline";
import { WEEKDAY_MORNING } from "../support/cli-runner";

/**
 * The real pipeline run locally (rendered definition, real handlers, local services) with a uniqueness step that
 * crashes: every notice and the check's log record must name the state that failed, not ProcessChunks.
 */

const SCHEMA = `encoding: utf-8
header: required
columns:
  - { name: order_id, type: string, required: true, unique: true }
  - { name: note, type: string }
`;

/** 30 records in chunks of 10; record 25 repeats record 2's order id, so the second pass runs. */
function csvText(): string {
  const lines = ["order_id,note"];
  for (let n = 1; n <= 30; n++) lines.push(`${n === 25 ? "ORD-002" : `ORD-${String(n).padStart(3, "0")}`},n${n}`);
  return `${lines.join("\n")}\n`;
}

/** A Lambda crash as Lambda reports it (not retried by the definition). */
function crash(what: string): Error {
  return Object.assign(new Error(`the process handling ${what} exited with status 1`), { name: "Runtime.ExitError" });
}

/** Crashes every find-duplicates invocation. */
const findCrashes: TaskWrapper = (task, handler) =>
  task === "findDuplicates"
    ? async () => {
        throw crash("a partition");
      }
    : handler;

/** Crashes process-chunk's second pass (the invocations told `duplicatePartitions`), never its first. */
const applyCrashes: TaskWrapper = (task, handler) =>
  task === "processChunk"
    ? async (event, context) => {
        if ((event as { duplicatePartitions?: number[] }).duplicatePartitions) throw crash("a chunk's second pass");
        return handler(event, context);
      }
    : handler;

describe("a local run whose uniqueness step fails", function () {
  this.timeout(180_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "csv-unique-failure-"));
    writeFileSync(join(dir, "orders.csv"), csvText());
    writeFileSync(join(dir, "orders.schema.yaml"), SCHEMA);
    writeFileSync(join(dir, "config.yaml"), "chunkRows: 10\nnotifyPolicy: { locale: en }\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(wrapTask: TaskWrapper): Promise<{ report: RunReport; logs: string[] }> {
    const logs: string[] = [];
    const report = await runLocal(
      {
        csvPath: join(dir, "orders.csv"),
        schemaPath: join(dir, "orders.schema.yaml"),
        configPath: join(dir, "config.yaml"),
        pattern: "sequential",
        now: WEEKDAY_MORNING,
        json: true,
        faults: {},
        injected: [],
        verbose: false,
      },
      { onLog: (line) => logs.push(line) },
      { wrapTask },
    );
    return { report, logs };
  }

  /** The steps the check's "state failed" log records name. */
  function loggedSteps(logs: string[]): string[] {
    return logs
      .map((l) => {
        try {
          return JSON.parse(l) as { message?: string; step?: string };
        } catch {
          return {};
        }
      })
      .filter((l) => l.message === "state failed")
      .map((l) => String(l.step));
  }

  const cases = [
    { step: N.findDuplicates, named: N.findDuplicatesFailed, wrap: findCrashes },
    { step: N.applyDuplicates, named: N.applyDuplicatesFailed, wrap: applyCrashes },
  ];
  for (const { step, named, wrap } of cases) {
    it(`names ${step} in every notice and in the check's record when it fails`, async () => {
      const { report, logs } = await run(wrap);
      const doc = report.document;
      assert.equal(doc.status, "FAILED");
      assert.ok(doc.states.includes(step), doc.states.join(" → "));
      assert.ok(doc.states.includes(named), doc.states.join(" → "));
      assert.ok(doc.states.includes(N.checkErrors));
      const written = doc.notifications.filter((n) => n.body !== "");
      // A failed run pages on-call, never held back: the page is always among them.
      assert.ok(
        written.some((n) => n.channel === "sns"),
        JSON.stringify(doc.notifications.map((n) => [n.channel, n.status])),
      );
      for (const notice of written) {
        assert.match(notice.body, new RegExp(`${step} failed: `), `${notice.channel}: ${notice.body}`);
        assert.doesNotMatch(notice.body, /ProcessChunks failed/, notice.channel);
      }
      const steps = loggedSteps(logs);
      assert.ok(steps.length >= 1, "the check logged the failed state");
      assert.deepEqual([...new Set(steps)], [step]);
    });
  }
});
