import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CSV, DEFAULT_SCHEMA } from "../../local/cli/args";
import { runLocal } from "../../local/cli/run-local";
import type { RunReport } from "../../local/report/report";
import type { S3AccessRecord } from "../../local/services/s3-strict";
import { STATE_NAMES as N } from "../../workflow/pipeline";
import { WEEKDAY_MORNING } from "../support/cli-runner";
import { chunksAfterComposition } from "../support/late-chunks";

/** samples/orders.csv in chunks of 250 rows: four chunks, every one of 250 rows. */
const CHUNK_ROWS = 250;
const CHUNKS = 4;

/**
 * The real pipeline run locally (definition, handlers, local S3 enforcing each function's role) with the first chunk
 * crashing: the Map fails at once while the other chunks still run, as on AWS, so the aggregation composes the files
 * before some chunks have finished. The local runner does not wait for them, and neither does Step Functions. The
 * order of the race is fixed (see chunksAfterComposition), so the test holds on a busy machine too.
 */

describe("a local run whose first chunk crashes while the others still run (sequential)", function () {
  this.timeout(180_000);
  let dir: string;
  let report: RunReport;
  const writes: S3AccessRecord[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "csv-late-chunks-"));
    const configPath = join(dir, "chunks.yaml");
    writeFileSync(configPath, `chunkRows: ${CHUNK_ROWS}\n`);
    report = await runLocal(
      {
        csvPath: DEFAULT_CSV,
        schemaPath: DEFAULT_SCHEMA,
        configPath,
        pattern: "sequential",
        now: WEEKDAY_MORNING,
        json: true,
        faults: { "chunk-crash": Number.POSITIVE_INFINITY },
        injected: ["chunk-crash"],
        verbose: false,
      },
      { onS3Access: (r) => (r.action === "s3:PutObject" && r.status < 300 ? writes.push(r) : undefined) },
      { wrapTask: chunksAfterComposition() },
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("composes fewer chunks than the check counts, and every notice says how many finished after the files", () => {
    const doc = report.document;
    assert.equal(doc.status, "FAILED");
    assert.deepEqual(doc.states.slice(-4), [N.aggregateResults, N.checkErrors, N.runOutcome, N.runFailed]);
    const outcomes = doc.outcomes;
    assert.ok(outcomes, "the manifest was written");
    // The check's counts (the runs table when it ran) and the manifest's (the runs table when the files were composed).
    const counted = doc.rows.total / CHUNK_ROWS;
    const composed = CHUNKS - outcomes.missingChunks.length;
    assert.ok(Number.isInteger(counted) && counted < CHUNKS, `the check counted ${doc.rows.total} rows`);
    const late = counted - composed;
    assert.ok(late >= 1, `the Map failed at once: chunks still running finished after the composition (${late})`);
    const lateRows = doc.rows.invalid - outcomes.rowCount;
    assert.ok(lateRows > 0, `${doc.rows.invalid} rejected rows counted, ${outcomes.rowCount} composed`);

    // A failed run pages on-call too. (Whether a channel then answered in time is not this test's concern.)
    assert.deepEqual(
      doc.notifications.map((n) => n.channel),
      ["sns", "slack", "email"],
    );
    // Each notice tells the counts of the check attempt that sent it (under load a check can be retried, and a notice
    // delivered by an earlier attempt keeps that attempt's counts): whatever they are, the rejected rows it counts
    // minus those of the late chunks are exactly the composed ones, and composed + late + missing chunks = all chunks.
    const composedChunks = CHUNKS - outcomes.missingChunks.length;
    // A channel may hold a notice back (its rate limit is process-wide, shared with earlier runs in this process):
    // every notice that was written says it, and the page and the e-mail always are.
    const written = doc.notifications.filter((n) => n.body !== "");
    assert.ok(
      ["sns", "email"].every((c) => written.some((n) => n.channel === c)),
      JSON.stringify(doc.notifications.map((n) => [n.channel, n.status, n.reason])),
    );
    for (const notice of written) {
      const flat = notice.body;
      const rejected = /却下された行: (\d+)行/.exec(flat);
      const lateMatch = /rows\.csv と errors\.csv の作成後に (\d+)チャンクが完了しました。その却下行\((\d+)行\)/.exec(
        flat,
      );
      const missingMatch = /結果のない (\d+)チャンクの行はどちらのファイルにも含まれていません/.exec(flat);
      assert.ok(rejected && lateMatch && missingMatch, `${notice.channel}: ${flat}`);
      const [lateChunks, lateRejected] = [Number(lateMatch[1]), Number(lateMatch[2])];
      assert.ok(lateChunks >= 1, `${notice.channel}: ${flat}`);
      assert.equal(Number(rejected[1]) - lateRejected, outcomes.rowCount, `${notice.channel}: ${flat}`);
      assert.equal(composedChunks + lateChunks + Number(missingMatch[1]), CHUNKS, `${notice.channel}: ${flat}`);
    }
    const email = report.notices.find((n) => n.channel === "email");
    assert.match(
      email?.html ?? "",
      /<p>rows\.csv と errors\.csv の作成後に \d+チャンクが完了しました。[^<]*<\/p><p>結果のない \d+チャンクの行は[^<]*<\/p>/,
    );
  });

  it("leaves the late chunks' rejected rows in their parts, where the notice sends the reader", () => {
    const outcomes = report.document.outcomes;
    assert.ok(outcomes);
    const exec = report.document.executionName;
    const partsWritten = new Set(
      writes
        .filter((w) => w.role === "processChunk")
        .map((w) => /\/rejected\/[^/]+\/parts\/rows-(\d{5})\.csv$/.exec(w.resource)?.[1])
        .filter((id): id is string => id !== undefined)
        .map(Number),
    );
    assert.ok(
      writes.every((w) => !w.resource.includes("/parts/") || w.resource.includes(`/rejected/${exec}/parts/`)),
      "parts under this execution's rejected folder",
    );
    const counted = report.document.rows.total / CHUNK_ROWS;
    const composedIds = Array.from({ length: CHUNKS }, (_, i) => i + 1).filter(
      (id) => !outcomes.missingChunks.includes(id),
    );
    // A chunk the check counted wrote its part before its summary; one still running when the check read may too.
    assert.ok(partsWritten.size >= counted, `row parts written by chunks: ${[...partsWritten]}`);
    for (const id of composedIds) assert.ok(partsWritten.has(id), `chunk ${id} composed, so it wrote its part`);
  });
});
