import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { METRICS } from "../../functions/contract";
import { type ExpectedCounts, writeOrdersFile } from "../../scripts/generate-csv";
import { STATE_NAMES } from "../../workflow/pipeline";
import { parseDocument, ROOT, runCli, WEEKDAY_MORNING, WEEKDAY_NIGHT } from "../support/cli-runner";

const S = STATE_NAMES;
const SEQUENTIAL_STATES = [
  S.prepare,
  S.splitCsv,
  S.uploadClaimed,
  S.processChunks,
  S.processChunk,
  // The sample schema has no unique key: the uniqueness step is skipped here.
  S.uniqueKeys,
  S.aggregateResults,
  S.checkErrors,
  S.runOutcome,
  S.done,
];
/** samples/orders.csv, as the samples' generator documents it. */
const ORDERS = {
  rows: { total: 1000, valid: 891, invalid: 109 },
  errors: {
    total: 109,
    critical: 35,
    byType: { ValidationError: 90, ParseError: 19 },
    bySeverity: { LOW: 0, MEDIUM: 74, HIGH: 35, CRITICAL: 0 },
  },
};

/** What a run left in its TMPDIR (Node's own compile cache, which outlives any run by design, aside). */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => !name.startsWith("v8-compile-cache"));
}

/** Processes still running with `dir` as their TMPDIR (the run and the services process it starts get one). */
function processesUsing(dir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, "latin1").split("\0").includes(`TMPDIR=${dir}`))
        found.push(Number(name));
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return found;
}

function channels(doc: { notifications: { channel: string; status: string }[] }): string[] {
  return doc.notifications.map((n) => `${n.channel}:${n.status}`);
}

describe("npm start (local run, end to end)", function () {
  // A few runs each; on a shared 2-core machine one run can take 30 s.
  this.timeout(120_000);
  const tmps: string[] = [];
  afterEach(() => {
    for (const t of tmps.splice(0)) rmSync(t, { recursive: true, force: true });
  });

  it("runs the bundled sample and prints exactly the DESIGN.md document with --json", async () => {
    const result = await runCli(["--json", "--now", WEEKDAY_MORNING]);
    tmps.push(result.tmp);
    const doc = parseDocument(result);

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(Object.keys(doc), [
      "executionName",
      "feed",
      "status",
      "states",
      "rows",
      "errors",
      "warnings",
      "notifications",
      "metrics",
      "stateResults",
      "outcomes",
      "awsLimits",
      "report",
    ]);
    assert.deepEqual(doc.report, { key: `results/${doc.executionName}.html`, status: "written" });
    assert.deepEqual(
      doc.stateResults.map((r) => [r.name, r.status]),
      SEQUENTIAL_STATES.map((name) => [name, "succeeded"]),
    );
    for (const r of doc.stateResults) assert.ok(Number.isInteger(r.durationMs) && r.durationMs >= 0, r.name);
    assert.match(doc.executionName, /^local-20250603T010000-[0-9a-f]{6}$/);
    // Without feeds in a config, the run has the one feed a single-feed stack has.
    assert.equal(doc.feed, "default");
    assert.equal(doc.status, "SUCCEEDED");
    assert.deepEqual(doc.states, SEQUENTIAL_STATES);
    assert.deepEqual(doc.rows, ORDERS.rows);
    assert.deepEqual(doc.errors, ORDERS.errors);
    assert.deepEqual(doc.warnings, { total: 0, byType: {} });
    const exec = doc.executionName;
    assert.deepEqual(doc.outcomes, {
      manifest: `results/${exec}.json`,
      rejectedRows: `rejected/${exec}/rows.csv`,
      rejectedErrors: `rejected/${exec}/errors.csv`,
      processedParts: [`processed/${exec}/part-00001.csv`],
      rowCount: ORDERS.rows.invalid,
      errorCount: ORDERS.errors.total,
      missingChunks: [],
      lateChunks: [],
    });
    // HIGH errors route to Slack and e-mail; nothing is CRITICAL, so on-call (SNS) is not paged.
    assert.deepEqual(channels(doc), ["slack:sent", "email:sent"]);
    const slack = JSON.parse(doc.notifications[0].body) as { blocks: { type: string }[] };
    assert.equal(slack.blocks[0].type, "header");
    assert.match(doc.notifications[0].body, new RegExp(doc.executionName));
    const email = doc.notifications[1];
    assert.ok(email.subject && !/[\r\n]/.test(email.subject), "an e-mail subject on one line");
    assert.match(email.body, /109/);
    const folder = `rejected/${doc.executionName}/`;
    assert.ok(
      email.body.includes(
        [
          "件数: エラー 109件(重要 35件) / 行 1000件(不正 109件)",
          "",
          "却下された行: 109行",
          `却下フォルダ: s3://csv-pipeline-local/${folder}`,
          "- rows.csv: 修正して再アップロードする行",
          "- errors.csv: すべてのエラー(行番号・列・理由)",
          `却下フォルダを開く: https://ap-northeast-1.console.aws.amazon.com/s3/buckets/csv-pipeline-local?region=ap-northeast-1&prefix=${folder}&showversions=false`,
          "",
        ].join("\n"),
      ),
      email.body,
    );
    const metric = (name: string) => doc.metrics.find((m) => m.name === name);
    assert.equal(metric(METRICS.errorCount)?.value, 109);
    assert.equal(metric(METRICS.criticalErrorCount)?.value, 35);
    assert.equal(metric(METRICS.rowsProcessed)?.value, 1000);
    assert.equal(metric(METRICS.notificationsSent)?.value, 2);
    // Each value twice: on {Pipeline} (the stack's alarms) and on {Pipeline, Feed} — never a per-execution dimension.
    const pipeline = doc.metrics.filter((m) => Object.keys(m.dimensions).length === 1);
    assert.equal(pipeline.length * 2, doc.metrics.length);
    for (const m of doc.metrics) assert.equal(m.namespace, METRICS.namespace);
    for (const m of pipeline) assert.deepEqual(Object.keys(m.dimensions), [METRICS.dimension], m.name);
    assert.deepEqual(
      doc.metrics.slice(pipeline.length),
      pipeline.map((m) => ({ ...m, dimensions: { ...m.dimensions, [METRICS.feedDimension]: "default" } })),
    );
  });

  it("runs the parallel pattern: aggregation beside the check, same counts", async () => {
    const result = await runCli(["--json", "--pattern", "parallel", "--now", WEEKDAY_MORNING]);
    tmps.push(result.tmp);
    const doc = parseDocument(result);

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(doc.states, [
      S.prepare,
      S.splitCsv,
      S.uploadClaimed,
      S.processChunks,
      S.processChunk,
      S.uniqueKeys,
      S.resultProcessing,
      S.aggregateResults,
      S.checkErrors,
      S.runOutcome,
      S.done,
    ]);
    assert.deepEqual(doc.rows, ORDERS.rows);
    assert.deepEqual(doc.errors, ORDERS.errors);
    assert.deepEqual(channels(doc), ["slack:sent", "email:sent"]);
  });

  it("prints the human summary: states, counts, breakdown, each notice and the metrics", async () => {
    const result = await runCli(["--now", WEEKDAY_MORNING]);
    tmps.push(result.tmp);

    assert.equal(result.code, 0, result.stderr);
    for (const state of SEQUENTIAL_STATES) assert.match(result.stdout, new RegExp(`✔ ${state}\\b`));
    assert.match(result.stdout, /Rows\s+total 1000\s+valid 891\s+invalid 109/);
    assert.match(result.stdout, /ValidationError\s+90/);
    assert.match(result.stdout, /\[slack\] sent/);
    assert.match(result.stdout, /│ ▌/, "Slack's header block shown readably");
    assert.match(
      result.stdout,
      /│ \*却下された行: 109行\*\n {4}│ 却下フォルダ: `s3:\/\/csv-pipeline-local\/rejected\/local-[0-9T]+-[0-9a-f]{6}\/`\n {4}│ • `rows\.csv`: 修正して再アップロードする行\n {4}│ • `errors\.csv`: すべてのエラー\(行番号・列・理由\)\n {4}│ 却下フォルダを開く \(ap-northeast-1\.console\.aws\.amazon\.com\/s3\/…\)\n/,
      "the rejected rows and their folder link, in Slack's section",
    );
    assert.match(result.stdout, /CSV\/Processing\s+ErrorCount\s+109\s+Count\s+Pipeline=csv-pipeline/);
  });

  describe("every file of samples/", () => {
    const csvs = readdirSync(join(ROOT, "samples")).filter((f) => f.endsWith(".csv"));
    /** What each bundled sample must produce (a new sample must be added here). */
    type Want = { rows: number; byType: Record<string, number>; channels: string[]; rejected?: true };
    const everyone = ["sns:sent", "slack:sent", "email:sent"];
    const expected: Record<string, Want> = {
      "orders.csv": { rows: 1000, byType: ORDERS.errors.byType, channels: ["slack:sent", "email:sent"] },
      "orders-sjis.csv": {
        rows: 40,
        byType: { ValidationError: 4, EncodingError: 1 },
        channels: ["slack:sent", "email:sent"],
      },
      // A rejected file pages on-call and fails the execution after the check reported it.
      "broken-missing-column.csv": { rows: 0, byType: { SchemaError: 1 }, channels: everyone, rejected: true },
      "empty.csv": { rows: 0, byType: { SchemaError: 1 }, channels: everyone, rejected: true },
      "broken-unclosed-quote.csv": { rows: 2, byType: { ParseError: 1 }, channels: everyone },
      "header-only.csv": { rows: 0, byType: {}, channels: ["slack:sent"] },
    };

    it("has an expectation for each sample", () => {
      assert.deepEqual([...csvs].sort(), Object.keys(expected).sort());
    });

    for (const file of csvs) {
      it(`runs ${file} to exact counts and the right channels`, async () => {
        const result = await runCli([join("samples", file), "--json", "--now", WEEKDAY_MORNING]);
        tmps.push(result.tmp);
        const doc = parseDocument(result);
        const want = expected[file];

        assert.equal(result.code, want.rejected ? 1 : 0, result.stderr);
        assert.equal(doc.status, want.rejected ? "FAILED" : "SUCCEEDED");
        assert.equal(doc.states.at(-1), want.rejected ? S.runFailed : S.done);
        assert.equal(doc.rows.total, want.rows);
        assert.equal(doc.rows.total, doc.rows.valid + doc.rows.invalid);
        assert.deepEqual(doc.errors.byType, want.byType);
        assert.deepEqual(channels(doc), want.channels);
        for (const n of doc.notifications) {
          // A rejected file had no row read: its notices name the file's problem and link no rejected rows.
          if (doc.rows.invalid === 0) assert.doesNotMatch(n.body, /却下された行|rows\.csv/, `${n.channel} body`);
          else assert.match(n.body, new RegExp(`却下された行: ${doc.rows.invalid}行`), `${n.channel} body`);
        }
      });
    }
  });

  it("defers non-critical notices inside quiet hours and still sends critical ones", async () => {
    const quiet = await runCli(["--json", "--now", WEEKDAY_NIGHT]);
    const critical = await runCli([join("samples", "broken-missing-column.csv"), "--json", "--now", WEEKDAY_NIGHT]);
    tmps.push(quiet.tmp, critical.tmp);
    const quietDoc = parseDocument(quiet);
    const criticalDoc = parseDocument(critical);

    assert.deepEqual(channels(quietDoc), ["slack:suppressed", "email:suppressed"]);
    for (const n of quietDoc.notifications) {
      assert.match(n.reason ?? "", /quiet hours/);
      assert.equal(n.body, "", "nothing reached the channel");
    }
    assert.equal(quietDoc.metrics.find((m) => m.name === METRICS.notificationsSuppressed)?.value, 2);
    assert.deepEqual(channels(criticalDoc), ["sns:sent", "slack:sent", "email:sent"]);
    assert.ok(criticalDoc.notifications.every((n) => n.body.length > 0));
  });

  it("sends no duplicate when the check is retried after it notified", async () => {
    const out = join(ROOT, ".tmp", `e2e-retry-${process.pid}`);
    const result = await runCli(["--json", "--now", WEEKDAY_MORNING, "--inject", "check-crash:1", "--out", out]);
    tmps.push(result.tmp, out);
    const doc = parseDocument(result);
    const index = JSON.parse(readFileSync(join(out, "notices", "index.json"), "utf8")) as {
      channel: string;
      attempts: number[];
    }[];

    assert.equal(result.code, 0, result.stderr);
    assert.equal(doc.status, "SUCCEEDED");
    assert.deepEqual(doc.states, SEQUENTIAL_STATES);
    // The second run of the check finds the ledger entries of the first: it reports them delivered, sends nothing again.
    assert.deepEqual(channels(doc), ["slack:sent", "email:sent"]);
    for (const n of doc.notifications) assert.match(n.reason ?? "", /earlier attempt/);
    assert.deepEqual(
      index.map((n) => [n.channel, n.attempts]),
      [
        ["slack", [200]],
        ["email", [200]],
      ],
    );
    // Each attempt logs its closing line; the run's severity (what the metric filter and the dashboard count) once.
    const finished = readFileSync(join(out, "logs.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === "check finished");
    assert.deepEqual(
      finished.map((l) => [l.severity, l.retriedCheck]),
      [
        ["HIGH", undefined],
        [undefined, true],
      ],
    );
  });

  it("pages on-call through NotifyCheckFailure and fails the execution when every channel fails", async () => {
    mkdirSync(join(ROOT, ".tmp"), { recursive: true });
    const config = join(ROOT, ".tmp", `e2e-fast-delivery-${process.pid}.yaml`);
    writeFileSync(config, "notifyPolicy:\n  delivery: { attempts: 1, backoffMs: 0, timeoutMs: 2000 }\n");
    const result = await runCli(
      ["--json", "--now", WEEKDAY_MORNING, "--config", config].concat([
        "--inject",
        "slack-5xx",
        "--inject",
        "email-failure",
        "--inject",
        "sns-failure",
      ]),
      { env: { AWS_MAX_ATTEMPTS: "1" } },
    );
    tmps.push(result.tmp, config);
    const doc = parseDocument(result);

    assert.equal(result.code, 1, result.stderr);
    assert.equal(doc.status, "FAILED");
    assert.ok(doc.states.includes(S.checkErrors), "the check ran");
    assert.deepEqual(doc.states.slice(-2), [S.notifyCheckFailure, S.checkFailed]);
    assert.equal(doc.stateResults.find((r) => r.name === S.checkErrors)?.status, "caught");
    assert.deepEqual(channels(doc), ["slack:failed", "email:failed", "sns:sent"]);
    const alert = doc.notifications[2];
    assert.match(alert.subject ?? "", /CRITICAL/);
    assert.match(alert.body, new RegExp(`execution: ${doc.executionName}`));
    assert.match(alert.body, /NotificationDeliveryError/);
    assert.deepEqual(doc.rows, ORDERS.rows, "counts come from the run's summary even when the check failed");
  });

  it("reports a crashed chunk through the check as CRITICAL, then fails the execution", async () => {
    const result = await runCli(["--json", "--now", WEEKDAY_MORNING, "--inject", "chunk-crash"]);
    tmps.push(result.tmp);
    const doc = parseDocument(result);

    assert.equal(result.code, 1, result.stderr);
    assert.equal(doc.status, "FAILED");
    // The failed Map is caught straight into the results: the uniqueness step is not reached.
    assert.deepEqual(doc.states, [...SEQUENTIAL_STATES.filter((x) => x !== S.uniqueKeys).slice(0, -1), S.runFailed]);
    assert.deepEqual(channels(doc), ["sns:sent", "slack:sent", "email:sent"]);
    assert.match(doc.notifications[0].body, /Runtime\.ExitError/);
    const stateResult = (name: string) => doc.stateResults.find((r) => r.name === name);
    assert.deepEqual(stateResult(S.processChunks), {
      name: S.processChunks,
      status: "caught",
      durationMs: stateResult(S.processChunks)?.durationMs,
      error: "Runtime.ExitError",
    });
    assert.equal(stateResult(S.processChunk)?.status, "failed");
    assert.equal(stateResult(S.processChunk)?.error, "Runtime.ExitError");
    assert.equal(stateResult(S.checkErrors)?.status, "succeeded");
    assert.equal(stateResult(S.runFailed)?.status, "failed");
  });

  it("shows a Map that failed and was caught as failed and caught, in the summary and in report.html", async () => {
    const out = join(ROOT, ".tmp", `e2e-caught-${process.pid}`);
    const result = await runCli(["--now", WEEKDAY_MORNING, "--inject", "chunk-crash", "--out", out]);
    tmps.push(result.tmp, out);

    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, new RegExp(`↷ ${S.processChunks}\\s+\\d+ ms {2}failed, caught, Runtime\\.ExitError`));
    assert.doesNotMatch(result.stdout, new RegExp(`✔ ${S.processChunks}\\b`));
    const html = readFileSync(join(out, "report.html"), "utf8");
    assert.match(html, new RegExp(`<tr class="caught"><td>${S.processChunks}</td><td>↷ failed, caught</td>`));
    assert.match(html, /Runtime\.ExitError/);
  });

  it("writes the JSON, each notice, the highlighted diagram and an HTML report with --out", async () => {
    const out = join(ROOT, ".tmp", `e2e-out-${process.pid}`);
    const result = await runCli(["--json", "--now", WEEKDAY_MORNING, "--out", out]);
    tmps.push(result.tmp, out);
    const doc = parseDocument(result);

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(readFileSync(join(out, "run.json"), "utf8")), doc);
    assert.equal(readFileSync(join(out, "notices", "01-slack.json"), "utf8"), doc.notifications[0].body);
    assert.equal(readFileSync(join(out, "notices", "02-email.txt"), "utf8"), doc.notifications[1].body);
    assert.ok(existsSync(join(out, "notices", "02-email.html")));
    const mermaid = readFileSync(join(out, "pipeline.mmd"), "utf8");
    assert.match(mermaid, /flowchart|graph/);
    assert.match(mermaid, /^\s*class \S+/m, "the states entered are marked");
    const html = readFileSync(join(out, "report.html"), "utf8");
    assert.match(html, new RegExp(doc.executionName));
    assert.match(html, /<svg[^>]*>.*ValidationError/s);
    assert.match(html, /State timeline/);
  });

  describe("usage errors", () => {
    const cases: [string, string[], RegExp][] = [
      ["a missing file", ["no-such-file.csv"], /^error: CSV file not found: no-such-file\.csv/],
      ["an unknown flag", ["--colour"], /^error: unknown option --colour/],
      ["a bad pattern", ["--pattern", "fanout"], /^error: --pattern fanout: use sequential or parallel/],
      ["a time without a zone", ["--now", "2025-06-03T10:00"], /^error: --now 2025-06-03T10:00: use an ISO-8601 time/],
      ["an unknown fault", ["--inject", "disk-full"], /^error: --inject disk-full: unknown fault/],
      ["an --out below a file", ["--out", "/dev/null/x"], /^error: --out \/dev\/null\/x: cannot create or write/],
    ];
    if (existsSync("/proc/self")) {
      cases.push([
        "an --out that cannot be created",
        ["--out", "/proc/nope"],
        /^error: --out \/proc\/nope: cannot create/,
      ]);
    }
    for (const [what, args, message] of cases) {
      it(`exits 2 with one line for ${what}`, async () => {
        const result = await runCli([...args, "--json"]);
        tmps.push(result.tmp);

        assert.equal(result.code, 2);
        assert.equal(result.stdout, "");
        assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
        assert.match(result.stderr, message);
      });
    }
  });

  it("still prints the whole summary, then one error line, when --out becomes unusable during the run", async () => {
    const out = join(ROOT, ".tmp", `e2e-out-gone-${process.pid}`);
    let replaced = false;
    const result = await runCli(["--now", WEEKDAY_MORNING, "--verbose", "--out", out], {
      onStderr: (text) => {
        if (!replaced && text.includes(`entered ${S.processChunk}`)) {
          replaced = true;
          rmSync(out, { recursive: true, force: true });
          writeFileSync(out, "");
        }
      },
    });
    tmps.push(result.tmp, out);

    assert.ok(replaced, "the directory was replaced mid-run");
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^Status {6}SUCCEEDED$/m);
    assert.match(result.stdout, /^Metrics \(14\)$/m);
    assert.doesNotMatch(result.stdout, /Wrote \d+ files/);
    const last = result.stderr.trimEnd().split("\n").at(-1) ?? "";
    assert.match(last, new RegExp(`^error: could not write the run's files to ${out}: ENOTDIR`));
  });

  describe("a generated file of several chunks", () => {
    const dir = join(ROOT, ".tmp", `e2e-big-${process.pid}`);
    const csv = join(dir, "orders-50k.csv");
    const config = join(dir, "config.yaml");
    let expected: ExpectedCounts;
    before(async () => {
      mkdirSync(dir, { recursive: true });
      expected = await writeOrdersFile(csv, { rows: 50_000, errorRate: 0.1, seed: 7 });
      writeFileSync(config, "chunkRows: 5000\n");
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("splits it into chunks, runs one Map child each and counts exactly what the generator wrote", async () => {
      const result = await runCli([
        csv,
        "--schema",
        join("samples", "orders.schema.yaml"),
        "--config",
        config,
        "--json",
        "--verbose",
        "--now",
        WEEKDAY_MORNING,
      ]);
      tmps.push(result.tmp);
      const doc = parseDocument(result);

      assert.equal(result.code, 0, result.stderr);
      assert.equal(doc.rows.total, expected.rows);
      assert.equal(doc.rows.invalid, expected.invalid);
      assert.deepEqual(doc.errors.byType, expected.byType);
      assert.deepEqual(doc.errors.bySeverity, expected.bySeverity);
      const children = result.stderr.match(new RegExp(`entered ${S.processChunk} \\[\\d+\\]`, "g")) ?? [];
      assert.equal(children.length, 10, "one ProcessChunk per 5,000 rows");
    });

    it("leaves no process or temporary directory behind, after a run and when interrupted", async () => {
      const done = await runCli(["--json", "--now", WEEKDAY_MORNING]);
      let interrupted = false;
      const stopped = await runCli([csv, "--config", config, "--json", "--verbose", "--now", WEEKDAY_MORNING], {
        onStderr: (text, kill) => {
          // The Map has started its children: the services are up and the execution is mid-way.
          if (!interrupted && text.includes(`entered ${S.processChunk}`)) {
            interrupted = true;
            kill("SIGINT");
          }
        },
      });
      tmps.push(done.tmp, stopped.tmp);

      assert.equal(done.code, 0, done.stderr);
      assert.deepEqual(leftovers(done.tmp), [], "temporary files removed after a run");
      assert.ok(interrupted, "the run was interrupted mid-way");
      assert.equal(stopped.code, 130, stopped.stderr);
      assert.equal(stopped.stdout, "", "no partial document");
      assert.match(stopped.stderr, /SIGINT: stopping the local services/);
      assert.deepEqual(leftovers(stopped.tmp), [], "temporary files removed after Ctrl-C");
      if (existsSync("/proc/self/environ")) {
        assert.deepEqual(processesUsing(done.tmp), [], "no process left running after a run");
        assert.deepEqual(processesUsing(stopped.tmp), [], "no process left running after Ctrl-C");
      }
    });
  });
});
