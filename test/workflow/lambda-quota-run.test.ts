import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CSV, DEFAULT_SCHEMA } from "../../local/cli/args";
import { runLocal } from "../../local/cli/run-local";
import { ConcurrencyQuota } from "../../local/engine/lambda-concurrency";
import { STATE_NAMES as N } from "../../workflow/pipeline";
import { WEEKDAY_MORNING } from "../support/cli-runner";

/** samples/orders.csv in chunks of 100 rows: ten chunks. */
const CHUNK_ROWS = 100;

/**
 * The real pipeline run locally (definition, handlers, local DynamoDB and S3) in an account whose Lambda quota is one
 * concurrent execution: the chunks the Map starts beside a running one are refused, retried by the definition, and
 * the run's counts come out exact.
 */
describe("a local run under a Lambda concurrency quota (sequential)", function () {
  this.timeout(180_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "csv-lambda-quota-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("retries the refused chunks and counts every row of the file once", async () => {
    const configPath = join(dir, "chunks.yaml");
    writeFileSync(configPath, `chunkRows: ${CHUNK_ROWS}\n`);
    const quota = new ConcurrencyQuota(1);

    const report = await runLocal(
      {
        csvPath: DEFAULT_CSV,
        schemaPath: DEFAULT_SCHEMA,
        configPath,
        pattern: "sequential",
        now: WEEKDAY_MORNING,
        json: true,
        faults: {},
        injected: [],
        verbose: false,
      },
      {},
      { lambdaConcurrency: quota },
    );

    const doc = report.document;
    assert.equal(doc.status, "SUCCEEDED", JSON.stringify(report.failure));
    assert.deepEqual(doc.states.slice(-4), [N.aggregateResults, N.checkErrors, N.runOutcome, N.done]);
    assert.deepEqual(doc.rows, { total: 1000, valid: 891, invalid: 109 });
    assert.equal(doc.errors.total, 109);
    assert.equal(quota.peak, 1);
    // One invocation each of the split, the aggregation and the check, and of each chunk that was let in.
    assert.equal(quota.admitted, 10 + 3);
    // This machine runs up to one chunk per CPU at once: with two or more, the Map's chunks met the quota.
    if (report.mapConcurrency.local > 1) assert.ok(quota.throttled > 0, "chunks were refused and retried");
  });
});
