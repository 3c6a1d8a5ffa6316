import assert from "node:assert/strict";
import { DEFAULT_CSV, DEFAULT_SCHEMA, type RunArgs } from "../../local/cli/args";
import { runLocal } from "../../local/cli/run-local";
import type { FunctionStatements } from "../../local/services/function-roles";
import { STATE_NAMES as N, type PipelinePattern } from "../../workflow/pipeline";
import { WEEKDAY_MORNING } from "../support/cli-runner";

/** samples/orders.csv, as the samples' generator documents it. */
const ORDERS_ROWS = { total: 1000, valid: 891, invalid: 109 };

function args(pattern: PipelinePattern): RunArgs {
  return {
    csvPath: DEFAULT_CSV,
    schemaPath: DEFAULT_SCHEMA,
    pattern,
    now: WEEKDAY_MORNING,
    json: true,
    faults: {},
    injected: [],
    verbose: false,
  };
}

/** The deployed grants, but AggregateResults may not write rows.csv and errors.csv: S3 answers 403 AccessDenied. */
const withoutRejectedFiles = (built: FunctionStatements): FunctionStatements => ({
  ...built,
  aggregateResults: built.aggregateResults.filter((s) => s.Sid !== "WriteRejectedFiles"),
});

const NOT_WRITTEN = "却下行のファイル(rows.csv / errors.csv)を作成できませんでした: AccessDenied";

/**
 * The real pipeline run locally (definition, handlers, local S3 enforcing each function's role) with the aggregation
 * failing for good: what the check is told, what every notice says and how the execution ends.
 */
describe("a local run whose aggregation cannot write the rejected files", function () {
  this.timeout(180_000);

  it("sequential: the check is told, every notice says the files could not be written, the execution fails", async () => {
    const logs: Record<string, unknown>[] = [];

    const report = await runLocal(
      args("sequential"),
      { onLog: (line) => logs.push(JSON.parse(line)) },
      { functionStatements: withoutRejectedFiles },
    );

    const doc = report.document;
    assert.equal(doc.status, "FAILED");
    assert.deepEqual(doc.states.slice(-4), [N.aggregateResults, N.checkErrors, N.runOutcome, N.runFailed]);
    const aggregate = doc.stateResults.find((s) => s.name === N.aggregateResults);
    assert.deepEqual(aggregate && { status: aggregate.status, error: aggregate.error }, {
      status: "caught",
      error: "AccessDenied",
    });
    // The check received the aggregation's failure: it logs the whole cause once.
    const told = logs.filter((l) => l.message === "state failed" && l.step === N.aggregateResults);
    assert.equal(told.length, 1, JSON.stringify(logs.filter((l) => l.level === "ERROR")));
    assert.equal(told[0].error, "AccessDenied");
    // The counts come from the runs table: the same as a run whose aggregation succeeded.
    assert.deepEqual(doc.rows, ORDERS_ROWS);
    assert.equal(doc.outcomes, null, "no manifest was written");
    assert.deepEqual(
      doc.notifications.map((n) => [n.channel, n.status]),
      [
        ["sns", "sent"],
        ["slack", "sent"],
        ["email", "sent"],
      ],
    );
    for (const notice of doc.notifications) {
      assert.ok(notice.body.includes(NOT_WRITTEN), `${notice.channel}: ${notice.body}`);
      assert.ok(notice.body.includes("AggregateResults が失敗しました: AccessDenied"), notice.channel);
      assert.ok(notice.body.includes("却下された行: 109行"), notice.channel);
      assert.doesNotMatch(notice.body, /修正して再アップロードする行/, notice.channel);
    }
  });

  it("parallel: the check runs beside the aggregation and is not told; RunOutcome fails the execution", async () => {
    const logs: Record<string, unknown>[] = [];

    const report = await runLocal(
      args("parallel"),
      { onLog: (line) => logs.push(JSON.parse(line)) },
      { functionStatements: withoutRejectedFiles },
    );

    const doc = report.document;
    assert.equal(doc.status, "FAILED", "the ExecutionsFailed alarm must count a run whose row files are missing");
    assert.deepEqual(doc.states.slice(-2), [N.runOutcome, N.rowOutcomesMissing]);
    assert.ok(doc.states.includes(N.aggregationFailed), doc.states.join(", "));
    assert.deepEqual(report.failure, {
      error: "RunFailed",
      cause:
        "The row outcome files (rows.csv and errors.csv in the rejected folder, the run manifest) could not be written: AggregateResults failed after its retries. The error check ran beside it and did not report this",
    });
    assert.equal(doc.outcomes, null, "no manifest was written");
    // The check, beside it, knew nothing of it: it reported the rows alone (HIGH, not a failed run).
    assert.equal(logs.filter((l) => l.message === "state failed" && l.step === N.aggregateResults).length, 0);
    assert.deepEqual(doc.rows, ORDERS_ROWS);
    for (const notice of doc.notifications.filter((n) => n.status === "sent"))
      assert.equal(notice.body.includes(NOT_WRITTEN), false, notice.channel);
  });
});
