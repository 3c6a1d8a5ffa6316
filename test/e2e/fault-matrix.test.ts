import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { METRICS, type NotificationChannel, type NotificationStatus } from "../../functions/contract";
import type { RunDocument } from "../../local/report/document";
import { STATE_NAMES } from "../../workflow/pipeline";
import { type CliResult, parseDocument, runCli, WEEKDAY_MORNING } from "../support/cli-runner";

/**
 * Every `--inject` fault, alone and in the pairs where two failure paths meet (a retried check with a failing
 * channel, a failed run with a failing channel, a check that fails for good), run on samples/orders.csv on a weekday
 * morning. Each row states what the run must end with; nothing is derived from the output.
 */

const S = STATE_NAMES;

/** Who sent a notice: the check function, or the state machine's own sns:publish (NotifyCheckFailure). */
type Sender = "check" | "state-machine";

interface ExpectedNotice {
  sender: Sender;
  channel: NotificationChannel;
  status: NotificationStatus;
  /** The HTTP status of every attempt the channel received, in order (its length is the number of attempts). */
  http: number[];
}

interface Expected {
  exit: 0 | 1;
  status: RunDocument["status"];
  /** The execution's last state. */
  end: typeof S.done | typeof S.runFailed | typeof S.checkFailed;
  /** How CheckErrorsAndNotify ended: succeeded, or failed for good (with this error) and caught. */
  check: "succeeded" | { caught: string };
  rows: number;
  /** errors.total and errors.critical, which ErrorCount and CriticalErrorCount must also report exactly once. */
  errors: { total: number; critical: number };
  /** Every notice, in the order the run reports them. */
  notices: ExpectedNotice[];
  /** The row outcomes (`outcomes` of the document, from the manifest, which every run writes): the missing chunks. */
  outcomes: { missingChunks: number[] };
  /**
   * With duplicate-event: how the second execution for the same upload ended. After a success it ends in Duplicate
   * and writes nothing; after a failure it takes the claim over and processes the upload under its own name.
   */
  duplicate?: { status: "SUCCEEDED" | "FAILED"; outcome: "duplicate" | "processed" };
  /** With rerun-after-failure: the status of the execution before the reported one, which took its claim over. */
  earlier?: "FAILED";
}

interface Case {
  faults: string[];
  want: Expected;
}

const check = (channel: NotificationChannel, status: NotificationStatus, http: number[]): ExpectedNotice => ({
  sender: "check",
  channel,
  status,
  http,
});
/** The on-call page NotifyCheckFailure publishes when the check fails for good. */
const PAGE: ExpectedNotice = { sender: "state-machine", channel: "sns", status: "sent", http: [200] };

/** samples/orders.csv: 1,000 rows, 109 row errors, 35 of them HIGH; its notices go to Slack and e-mail. */
const SAMPLE = { rows: 1000, errors: { total: 109, critical: 35 }, outcomes: { missingChunks: [] } };
/**
 * The file has one chunk: when it crashes no row is counted, and the failed run is CRITICAL (on-call paged). The
 * aggregation still writes the manifest, which names the chunk as missing.
 */
const CRASHED = { rows: 0, errors: { total: 0, critical: 0 }, outcomes: { missingChunks: [1] } };
/** The file replaced mid-run: its one chunk reports one CRITICAL SourceChangedError and reads no row. */
const REPLACED = { rows: 0, errors: { total: 1, critical: 1 }, outcomes: { missingChunks: [] } };

/** The chunks of samples/orders.csv at the default chunk size. */
const CHUNK_IDS = [1];

const OK = { exit: 0, status: "SUCCEEDED", end: S.done, check: "succeeded" } as const;
const RUN_FAILED = { exit: 1, status: "FAILED", end: S.runFailed, check: "succeeded" } as const;
const CHECK_CRASHED = {
  exit: 1,
  status: "FAILED",
  end: S.checkFailed,
  check: { caught: "Lambda.ServiceException" },
} as const;
const ALL_CHANNELS_FAILED = {
  exit: 1,
  status: "FAILED",
  end: S.checkFailed,
  check: { caught: "NotificationDeliveryError" },
} as const;

const MATRIX: Case[] = [
  // Each fault alone.
  {
    faults: ["slack-5xx"],
    want: { ...OK, ...SAMPLE, notices: [check("slack", "failed", [500, 500, 500]), check("email", "sent", [200])] },
  },
  {
    faults: ["slack-429"],
    want: { ...OK, ...SAMPLE, notices: [check("slack", "sent", [429, 200]), check("email", "sent", [200])] },
  },
  {
    faults: ["slack-429:3"],
    want: { ...OK, ...SAMPLE, notices: [check("slack", "failed", [429, 429, 429]), check("email", "sent", [200])] },
  },
  {
    // HIGH is not routed to on-call: a failing SNS changes nothing.
    faults: ["sns-failure"],
    want: { ...OK, ...SAMPLE, notices: [check("slack", "sent", [200]), check("email", "sent", [200])] },
  },
  {
    faults: ["email-failure"],
    want: { ...OK, ...SAMPLE, notices: [check("slack", "sent", [200]), check("email", "failed", [500, 500, 500])] },
  },
  {
    faults: ["dynamodb-throttle"],
    want: { ...OK, ...SAMPLE, notices: [check("slack", "sent", [200]), check("email", "sent", [200])] },
  },
  {
    faults: ["chunk-crash"],
    want: {
      ...RUN_FAILED,
      ...CRASHED,
      notices: [check("sns", "sent", [200]), check("slack", "sent", [200]), check("email", "sent", [200])],
    },
  },
  {
    // Every attempt of the check runs and is lost; the notices go out once, then on-call is paged.
    faults: ["check-crash"],
    want: {
      ...CHECK_CRASHED,
      ...SAMPLE,
      notices: [check("slack", "sent", [200]), check("email", "sent", [200]), PAGE],
    },
  },
  {
    faults: ["check-crash:1"],
    want: { ...OK, ...SAMPLE, notices: [check("slack", "sent", [200]), check("email", "sent", [200])] },
  },
  {
    faults: ["overwrite-during-run"],
    want: {
      ...RUN_FAILED,
      ...REPLACED,
      notices: [check("sns", "sent", [200]), check("slack", "sent", [200]), check("email", "sent", [200])],
    },
  },
  {
    faults: ["duplicate-event"],
    want: {
      ...OK,
      ...SAMPLE,
      notices: [check("slack", "sent", [200]), check("email", "sent", [200])],
      duplicate: { status: "SUCCEEDED", outcome: "duplicate" },
    },
  },
  {
    // The first execution's chunk crashes; the event delivered again processes the whole file (reported here).
    faults: ["rerun-after-failure"],
    want: {
      ...OK,
      ...SAMPLE,
      notices: [check("slack", "sent", [200]), check("email", "sent", [200])],
      earlier: "FAILED",
    },
  },
  {
    faults: ["encoded-event-key"],
    want: { ...OK, ...SAMPLE, notices: [check("slack", "sent", [200]), check("email", "sent", [200])] },
  },

  // A retried check with a failing channel: the retry neither re-sends what went out nor retries past 3 attempts.
  {
    faults: ["check-crash:1", "slack-5xx"],
    want: { ...OK, ...SAMPLE, notices: [check("slack", "failed", [500, 500, 500]), check("email", "sent", [200])] },
  },
  {
    faults: ["check-crash:1", "email-failure"],
    want: { ...OK, ...SAMPLE, notices: [check("slack", "sent", [200]), check("email", "failed", [500, 500, 500])] },
  },
  {
    faults: ["check-crash:1", "sns-failure"],
    want: { ...OK, ...SAMPLE, notices: [check("slack", "sent", [200]), check("email", "sent", [200])] },
  },
  {
    faults: ["chunk-crash", "check-crash:1", "sns-failure"],
    want: {
      ...RUN_FAILED,
      ...CRASHED,
      notices: [check("sns", "failed", [500, 500, 500]), check("slack", "sent", [200]), check("email", "sent", [200])],
    },
  },
  {
    faults: ["chunk-crash", "check-crash:1"],
    want: {
      ...RUN_FAILED,
      ...CRASHED,
      notices: [check("sns", "sent", [200]), check("slack", "sent", [200]), check("email", "sent", [200])],
    },
  },
  {
    faults: ["dynamodb-throttle", "check-crash:1"],
    want: { ...OK, ...SAMPLE, notices: [check("slack", "sent", [200]), check("email", "sent", [200])] },
  },
  {
    faults: ["overwrite-during-run", "check-crash:1"],
    want: {
      ...RUN_FAILED,
      ...REPLACED,
      notices: [check("sns", "sent", [200]), check("slack", "sent", [200]), check("email", "sent", [200])],
    },
  },
  {
    faults: ["duplicate-event", "check-crash:1"],
    want: {
      ...OK,
      ...SAMPLE,
      notices: [check("slack", "sent", [200]), check("email", "sent", [200])],
      duplicate: { status: "SUCCEEDED", outcome: "duplicate" },
    },
  },

  // A failed run with a failing channel: the other channels still carry the CRITICAL notice.
  {
    faults: ["chunk-crash", "sns-failure"],
    want: {
      ...RUN_FAILED,
      ...CRASHED,
      notices: [check("sns", "failed", [500, 500, 500]), check("slack", "sent", [200]), check("email", "sent", [200])],
    },
  },
  {
    faults: ["chunk-crash", "email-failure"],
    want: {
      ...RUN_FAILED,
      ...CRASHED,
      notices: [check("sns", "sent", [200]), check("slack", "sent", [200]), check("email", "failed", [500, 500, 500])],
    },
  },
  {
    faults: ["chunk-crash", "slack-5xx"],
    want: {
      ...RUN_FAILED,
      ...CRASHED,
      notices: [check("sns", "sent", [200]), check("slack", "failed", [500, 500, 500]), check("email", "sent", [200])],
    },
  },
  {
    faults: ["chunk-crash", "slack-429"],
    want: {
      ...RUN_FAILED,
      ...CRASHED,
      notices: [check("sns", "sent", [200]), check("slack", "sent", [429, 200]), check("email", "sent", [200])],
    },
  },
  {
    faults: ["dynamodb-throttle", "chunk-crash"],
    want: {
      ...RUN_FAILED,
      ...CRASHED,
      notices: [check("sns", "sent", [200]), check("slack", "sent", [200]), check("email", "sent", [200])],
    },
  },
  {
    faults: ["overwrite-during-run", "sns-failure"],
    want: {
      ...RUN_FAILED,
      ...REPLACED,
      notices: [check("sns", "failed", [500, 500, 500]), check("slack", "sent", [200]), check("email", "sent", [200])],
    },
  },
  {
    // The run failed: the redelivered event's execution takes its claim over and runs (its chunk crashes again).
    faults: ["duplicate-event", "chunk-crash"],
    want: {
      ...RUN_FAILED,
      ...CRASHED,
      notices: [check("sns", "sent", [200]), check("slack", "sent", [200]), check("email", "sent", [200])],
      duplicate: { status: "FAILED", outcome: "processed" },
    },
  },
  {
    faults: ["slack-429", "email-failure"],
    want: {
      ...OK,
      ...SAMPLE,
      notices: [check("slack", "sent", [429, 200]), check("email", "failed", [500, 500, 500])],
    },
  },

  // The check fails for good: NotifyCheckFailure pages on-call with the state machine's own sns:publish.
  {
    faults: ["slack-5xx", "email-failure"],
    want: {
      ...ALL_CHANNELS_FAILED,
      ...SAMPLE,
      notices: [check("slack", "failed", [500, 500, 500]), check("email", "failed", [500, 500, 500]), PAGE],
    },
  },
  {
    faults: ["check-crash", "sns-failure"],
    want: {
      ...CHECK_CRASHED,
      ...SAMPLE,
      notices: [check("slack", "sent", [200]), check("email", "sent", [200]), PAGE],
    },
  },
  {
    faults: ["check-crash", "slack-5xx"],
    want: {
      ...CHECK_CRASHED,
      ...SAMPLE,
      notices: [check("slack", "failed", [500, 500, 500]), check("email", "sent", [200]), PAGE],
    },
  },
  {
    faults: ["check-crash", "email-failure"],
    want: {
      ...CHECK_CRASHED,
      ...SAMPLE,
      notices: [check("slack", "sent", [200]), check("email", "failed", [500, 500, 500]), PAGE],
    },
  },
  {
    // The check never returns, so each channel is reported as it received the notice (Slack first).
    faults: ["chunk-crash", "check-crash"],
    want: {
      ...CHECK_CRASHED,
      ...CRASHED,
      notices: [check("slack", "sent", [200]), check("sns", "sent", [200]), check("email", "sent", [200]), PAGE],
    },
  },
];

const faultName = (spec: string) => spec.split(":")[0];
const titleOf = (c: Case) => c.faults.map((f) => `--inject ${f}`).join(" ");

/** The fault names `--help` lists under `--inject`. */
function faultsInHelp(usage: string): string[] {
  const lines = usage.split("\n");
  const start = lines.findIndex((l) => /^\s*--inject\b/.test(l));
  assert.ok(start >= 0, `--help lists no --inject option:\n${usage}`);
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*-/.test(line) || line.trim() === "") break;
    const match = /^\s+([a-z0-9][a-z0-9-]*)(\s|$)/.exec(line);
    if (match) names.push(match[1]);
  }
  return names;
}

/** The handlers' JSON log lines among what a `--verbose` run wrote to stderr. */
function logLines(stderr: string): { executionName?: string; message?: string; earlierExecution?: string }[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { executionName?: string; message?: string; earlierExecution?: string });
}

/** One line per notice: `sender/channel:status [HTTP statuses]`. */
const noticeLine = (n: ExpectedNotice) => `${n.sender}/${n.channel}:${n.status} [${n.http.join(",")}]`;

interface IndexEntry {
  channel: NotificationChannel;
  status: NotificationStatus;
  sender: Sender;
  attempts: number[];
}

interface Outcome {
  result: CliResult;
  doc: RunDocument;
  index: IndexEntry[];
}

describe("npm start --inject: the fault matrix (samples/orders.csv, weekday morning)", function () {
  // Each run starts its own local services; two run at once, the next one while the previous is checked.
  this.timeout(10 * 60_000);
  let outRoot: string;
  const runs = new Map<number, Promise<{ ok: true; value: Outcome } | { ok: false; error: unknown }>>();
  const tmps: string[] = [];

  async function execute(c: Case, i: number): Promise<Outcome> {
    const out = join(outRoot, String(i));
    const args = ["--json", "--now", WEEKDAY_MORNING, "--out", out];
    for (const f of c.faults) args.push("--inject", f);
    // The handlers' log lines (stderr) name the execution they work for: they show what the duplicate one did.
    if (c.want.duplicate) args.push("--verbose");
    const result = await runCli(args);
    tmps.push(result.tmp);
    const doc = parseDocument(result);
    let index: IndexEntry[];
    try {
      index = JSON.parse(readFileSync(join(out, "notices", "index.json"), "utf8")) as IndexEntry[];
    } catch (err) {
      throw new Error(`no notices/index.json (exit ${result.code}): ${(err as Error).message}\n${result.stderr}`);
    }
    return { result, doc, index };
  }

  function start(i: number): void {
    if (i >= MATRIX.length || runs.has(i)) return;
    runs.set(
      i,
      execute(MATRIX[i], i).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    );
  }

  async function outcomeOf(i: number): Promise<Outcome> {
    start(i);
    start(i + 1);
    const settled = await runs.get(i)!;
    if (!settled.ok) throw settled.error;
    return settled.value;
  }

  before(() => {
    outRoot = mkdtempSync(join(tmpdir(), "csv-fault-matrix-"));
  });
  after(async () => {
    await Promise.all(runs.values());
    for (const t of tmps.splice(0)) rmSync(t, { recursive: true, force: true });
    rmSync(outRoot, { recursive: true, force: true });
  });

  it("has a case for every fault --help lists, alone, and uses no other fault", async () => {
    const help = await runCli(["--help"]);
    tmps.push(help.tmp);
    assert.equal(help.code, 0, help.stderr);
    const listed = faultsInHelp(help.stdout);
    assert.ok(listed.length > 0, `no fault found under --inject in --help:\n${help.stdout}`);

    const alone = new Set(
      MATRIX.filter((c) => new Set(c.faults.map(faultName)).size === 1).map((c) => faultName(c.faults[0])),
    );
    const missing = listed.filter((f) => !alone.has(f));
    assert.deepEqual(missing, [], `faults --help lists with no expectation of their own in the matrix: ${missing}`);
    const unknown = [...new Set(MATRIX.flatMap((c) => c.faults.map(faultName)))].filter((f) => !listed.includes(f));
    assert.deepEqual(unknown, [], `faults in the matrix that --help does not list: ${unknown}`);
  });

  MATRIX.forEach((c, i) => {
    it(titleOf(c), async () => {
      const { result, doc, index } = await outcomeOf(i);
      const { want } = c;
      const context = `${titleOf(c)}\n--- document:\n${result.stdout}\n--- stderr:\n${result.stderr.slice(-2000)}`;

      assert.equal(result.code, want.exit, `exit code\n${context}`);
      assert.equal(doc.status, want.status, "status");
      assert.equal(doc.states.at(-1), want.end, "the execution's last state");

      // The check ran; when it failed for good, NotifyCheckFailure took over.
      assert.ok(doc.states.includes(S.checkErrors), `${S.checkErrors} entered`);
      const stateResult = (name: string) => doc.stateResults.find((r) => r.name === name);
      const checkResult = stateResult(S.checkErrors);
      if (want.check === "succeeded") {
        assert.equal(checkResult?.status, "succeeded", `${S.checkErrors}: ${JSON.stringify(checkResult)}`);
        assert.ok(!doc.states.includes(S.notifyCheckFailure), `${S.notifyCheckFailure} not entered`);
      } else {
        assert.deepEqual(
          [checkResult?.status, checkResult?.error],
          ["caught", want.check.caught],
          `${S.checkErrors} failed for good and was caught`,
        );
        assert.ok(doc.states.includes(S.notifyCheckFailure), `${S.notifyCheckFailure} entered`);
        assert.equal(stateResult(S.notifyCheckFailure)?.status, "succeeded", `${S.notifyCheckFailure} succeeded`);
      }

      assert.equal(doc.rows.total, want.rows, "rows.total");
      assert.deepEqual(
        { total: doc.errors.total, critical: doc.errors.critical },
        want.errors,
        "errors.total and errors.critical",
      );

      // Each notice: who sent it, its final status and every HTTP attempt its channel received.
      const got = index.map((n) =>
        noticeLine({ sender: n.sender, channel: n.channel, status: n.status, http: n.attempts }),
      );
      assert.deepEqual(got, want.notices.map(noticeLine), "notices (sender/channel:status [HTTP attempts])");
      for (const n of index) {
        assert.ok(n.attempts.length >= 1 && n.attempts.length <= 3, `${n.channel}: 1 to 3 attempts, got ${n.attempts}`);
      }
      assert.deepEqual(
        doc.notifications.map((n) => `${n.channel}:${n.status}`),
        want.notices.map((n) => `${n.channel}:${n.status}`),
        "the document's notifications",
      );

      // Metrics: the run's counts exactly once, whatever was retried; the notices the check decided, once each.
      // Each value goes on {Pipeline} and again on {Pipeline, Feed}: the stack's series counts, the feed's mirrors it.
      const stackSeries = doc.metrics.filter((m) => !(METRICS.feedDimension in m.dimensions));
      assert.deepEqual(
        doc.metrics.filter((m) => METRICS.feedDimension in m.dimensions),
        stackSeries.map((m) => ({ ...m, dimensions: { ...m.dimensions, [METRICS.feedDimension]: "default" } })),
        "the feed's series mirrors the stack's",
      );
      const points = (name: string) => stackSeries.filter((m) => m.name === name);
      const total = (name: string) => points(name).reduce((sum, m) => sum + m.value, 0);
      for (const name of [METRICS.errorCount, METRICS.criticalErrorCount, METRICS.rowsProcessed]) {
        assert.equal(points(name).length, 1, `${name} published once: ${JSON.stringify(points(name))}`);
      }
      assert.equal(total(METRICS.errorCount), doc.errors.total, `${METRICS.errorCount} = errors.total`);
      assert.equal(
        total(METRICS.criticalErrorCount),
        doc.errors.critical,
        `${METRICS.criticalErrorCount} = errors.critical`,
      );
      assert.equal(total(METRICS.errorCount), want.errors.total, `${METRICS.errorCount}`);
      assert.equal(total(METRICS.criticalErrorCount), want.errors.critical, `${METRICS.criticalErrorCount}`);
      assert.equal(total(METRICS.rowsProcessed), want.rows, `${METRICS.rowsProcessed}`);
      const fromCheck = want.notices.filter((n) => n.sender === "check");
      const counted = (status: NotificationStatus) => fromCheck.filter((n) => n.status === status).length;
      assert.deepEqual(
        [total(METRICS.notificationsSent), total(METRICS.notificationsSuppressed), total(METRICS.notificationsFailed)],
        [counted("sent"), counted("suppressed"), counted("failed")],
        "NotificationsSent, NotificationsSuppressed, NotificationsFailed",
      );
      for (const m of doc.metrics) assert.equal(m.namespace, METRICS.namespace);

      // Row outcomes: every run writes its manifest, also when the Map or the check failed.
      const outcomes = doc.outcomes;
      assert.ok(outcomes, `outcomes: the manifest of ${doc.executionName} was written`);
      const exec = doc.executionName;
      assert.deepEqual(
        [outcomes.manifest, outcomes.rejectedRows, outcomes.rejectedErrors],
        [`results/${exec}.json`, `rejected/${exec}/rows.csv`, `rejected/${exec}/errors.csv`],
        "outcome keys",
      );
      assert.deepEqual(outcomes.missingChunks, want.outcomes.missingChunks, "chunks the manifest names as missing");
      assert.deepEqual(
        outcomes.processedParts,
        CHUNK_IDS.filter((id) => !want.outcomes.missingChunks.includes(id)).map(
          (id) => `processed/${exec}/part-${String(id).padStart(5, "0")}.csv`,
        ),
        "one processed part per composed chunk",
      );
      if (want.outcomes.missingChunks.length > 0) {
        // The files hold what the composition found, never more than the check counted.
        assert.ok(outcomes.rowCount <= doc.rows.invalid, `rowCount ${outcomes.rowCount} ≤ rows.invalid`);
        assert.ok(outcomes.errorCount <= doc.errors.total, `errorCount ${outcomes.errorCount} ≤ errors.total`);
      } else {
        assert.equal(outcomes.rowCount, doc.rows.invalid, "rowCount = rows.invalid");
        // errors.csv lists every error the check counts: the chunks' and the file's own (header warnings included).
        assert.equal(outcomes.errorCount, doc.errors.total, "errorCount = errors.total");
      }

      if (want.duplicate) {
        const second = doc.duplicateExecutions ?? [];
        assert.deepEqual(
          second.map((d) => [d.status, d.outcome]),
          [[want.duplicate.status, want.duplicate.outcome]],
          "the second execution for the same upload",
        );
        assert.notEqual(second[0].executionName, doc.executionName);
        const named = logLines(result.stderr).filter((l) => l.executionName === second[0].executionName);
        if (want.duplicate.outcome === "duplicate") {
          // It wrote nothing: its split found the upload claimed (the one line naming it); no chunk ran, and neither
          // the aggregation (no manifest, no rejected files) nor the check (no notice, no metric) logged a line for it.
          assert.deepEqual(
            named.map((l) => l.message),
            ["upload already claimed by another execution: nothing to do"],
            "the duplicate execution's log lines",
          );
        } else {
          const takeover = named.find((l) => l.earlierExecution !== undefined);
          assert.equal(takeover?.earlierExecution, doc.executionName, "it took the failed run's claim over");
        }
        assert.ok(!JSON.stringify(outcomes).includes(second[0].executionName), "the outcomes are the first run's");
      } else {
        assert.equal(doc.duplicateExecutions, undefined, "no second execution");
      }
      assert.deepEqual(
        doc.earlierExecutions?.map((e) => e.status),
        want.earlier === undefined ? undefined : [want.earlier],
        "the executions of the upload before the reported one",
      );
    });
  });
});
