import assert from "node:assert/strict";
import { DEFAULT_CSV, DEFAULT_SCHEMA, type RunArgs } from "../../local/cli/args";
import { runLocal } from "../../local/cli/run-local";
import { parseFaults } from "../../local/services/faults";
import type { FunctionStatements } from "../../local/services/function-roles";
import { STATE_NAMES as N } from "../../workflow/pipeline";
import { parseDocument, runCli, WEEKDAY_MORNING } from "../support/cli-runner";

/** samples/orders.csv: 1,000 rows, 109 of them rejected. */
const SAMPLE_ROWS = { total: 1000, valid: 891, invalid: 109 };

function args(injected: string[], extra: Partial<RunArgs> = {}): RunArgs {
  return {
    csvPath: DEFAULT_CSV,
    schemaPath: DEFAULT_SCHEMA,
    pattern: "sequential",
    now: WEEKDAY_MORNING,
    json: true,
    faults: parseFaults(injected),
    injected,
    verbose: false,
    ...extra,
  };
}

/** The deployed grants, but split-csv may not ask Step Functions how the claim's holder stands. */
const withoutDescribe = (built: FunctionStatements): FunctionStatements => ({
  ...built,
  splitCsv: built.splitCsv.filter((s) => s.Sid !== "DescribeClaimHolder"),
});

/**
 * Local executions start as the deployed rule starts them (the upload's event through the rule's input transformer),
 * so the upload claim and the conditional reads run end to end: a failed run's upload runs again, a duplicate
 * delivery of a succeeded or replaced upload processes nothing new, and event keys are found in either spelling.
 */
describe("local runs started from the upload's event (end to end)", function () {
  this.timeout(240_000);

  it("rerun-after-failure: the second delivery takes the failed run's claim over and processes the whole file", async () => {
    const result = await runCli(["--json", "--now", WEEKDAY_MORNING, "--inject", "rerun-after-failure"]);
    const doc = parseDocument(result);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(doc.status, "SUCCEEDED");
    assert.equal(doc.earlierExecutions?.length, 1);
    const [earlier] = doc.earlierExecutions ?? [];
    assert.deepEqual(Object.keys(earlier).sort(), ["executionName", "status"]);
    assert.equal(earlier.status, "FAILED");
    assert.notEqual(earlier.executionName, doc.executionName);
    // Exactly the file's counts: nothing of the failed run's partial outputs is mixed in.
    assert.deepEqual(doc.rows, SAMPLE_ROWS);
    assert.equal(doc.errors.total, 109);
    assert.deepEqual(doc.outcomes?.missingChunks, []);
    assert.equal(doc.outcomes?.rowCount, 109);
    assert.deepEqual(doc.states.slice(-2), [N.runOutcome, N.done]);
    // Its own notices only: the failed run's page is not in this run's report.
    assert.deepEqual(
      doc.notifications.map((n) => [n.channel, n.status]),
      [
        ["slack", "sent"],
        ["email", "sent"],
      ],
    );
    assert.ok(
      doc.metrics.every((m) => m.name !== "RowsProcessed" || m.value === 1000),
      "the metrics are the second execution's",
    );
  });

  it("rerun-after-failure without states:DescribeExecution: the second split is refused, as IAM would refuse it", async () => {
    const report = await runLocal(args(["rerun-after-failure"]), {}, { functionStatements: withoutDescribe });

    const doc = report.document;
    assert.equal(doc.status, "FAILED");
    assert.equal(doc.earlierExecutions?.[0]?.status, "FAILED");
    const split = doc.stateResults.find((s) => s.name === N.splitCsv);
    assert.deepEqual(split && { status: split.status, error: split.error }, {
      status: "caught",
      error: "AccessDeniedException",
    });
  });

  it("duplicate-event after a success: the second delivery ends in Duplicate and the report stays the first run's", async () => {
    const report = await runLocal(args(["duplicate-event"]));

    const doc = report.document;
    assert.equal(doc.status, "SUCCEEDED");
    assert.deepEqual(doc.rows, SAMPLE_ROWS);
    assert.deepEqual(
      doc.duplicateExecutions?.map((d) => [d.status, d.outcome]),
      [["SUCCEEDED", "duplicate"]],
    );
    assert.deepEqual(
      doc.notifications.map((n) => [n.channel, n.status]),
      [
        ["slack", "sent"],
        ["email", "sent"],
      ],
    );
  });

  it("duplicate-event with overwrite-during-run: the second delivery reads the first event's version, never the new one", async () => {
    const report = await runLocal(args(["duplicate-event", "overwrite-during-run"]));

    const doc = report.document;
    // The first run found its version replaced: CRITICAL, no row counted.
    assert.equal(doc.status, "FAILED");
    assert.deepEqual(doc.errors.byType, { SourceChangedError: 1 });
    assert.deepEqual(doc.rows, { total: 0, valid: 0, invalid: 0 });
    // The redelivered event names the replaced version: the second execution takes the failed run's claim and
    // fails the same way, reading no row of the new upload (whose own event starts its own run).
    const [second] = doc.duplicateExecutions ?? [];
    assert.equal(second?.status, "FAILED");
    assert.equal(second?.outcome, "processed");
    // Its notices are not this run's.
    assert.equal(doc.notifications.filter((n) => n.channel === "slack").length, 1);
  });

  // Spaces, "+", "%" and Japanese in one key (the adapter's tests take each spelling apart).
  for (const key of ["incoming/注文 データ a+b 100%.csv"]) {
    for (const form of ["raw", "url-encoded"] as const) {
      it(`finds ${JSON.stringify(key)} from an event that carries it ${form}`, async () => {
        const injected = form === "url-encoded" ? ["encoded-event-key"] : [];
        const report = await runLocal(args(injected, { key }));

        const doc = report.document;
        assert.equal(doc.status, "SUCCEEDED", JSON.stringify(doc.stateResults));
        assert.deepEqual(doc.rows, SAMPLE_ROWS);
      });
    }
  }
});
