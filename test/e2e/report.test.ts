import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RunDocument } from "../../local/report/document";
import { ROOT, runCli, WEEKDAY_MORNING } from "../support/cli-runner";

/** The text of `html` from the first `from` to the next `to` after it (throws when either is missing). */
function section(html: string, from: string, to: string): string {
  const start = html.indexOf(from);
  assert.ok(start >= 0, `no ${from}`);
  const end = html.indexOf(to, start + from.length);
  assert.ok(end >= 0, `no ${to} after ${from}`);
  return html.slice(start, end);
}

describe("each run's report in the bucket (npm start, the real check)", function () {
  this.timeout(120_000);
  const dir = join(ROOT, ".tmp", `e2e-report-${process.pid}`);
  const out = join(dir, "out");
  const tmps: string[] = [];
  let doc: RunDocument;
  let human: string;
  /** `results/<exec>.html` as the check wrote it to the local S3, copied out byte for byte by `--out`. */
  let bucketReport: string;
  /** `--out`'s own report.html. */
  let localReport: string;

  before(async () => {
    mkdirSync(dir, { recursive: true });
    const result = await runCli(["--now", WEEKDAY_MORNING, "--out", out]);
    tmps.push(result.tmp);
    assert.equal(result.code, 0, result.stderr);
    human = result.stdout;
    doc = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    bucketReport = readFileSync(join(out, "results.html"), "utf8");
    localReport = readFileSync(join(out, "report.html"), "utf8");
  });
  after(() => {
    for (const t of tmps.splice(0)) rmSync(t, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes results/<exec>.html from the check, naming the execution, its counts and its errors", () => {
    const exec = doc.executionName;

    assert.deepEqual(doc.report, { key: `results/${exec}.html`, status: "written" });
    assert.match(bucketReport, /^<!doctype html>/);
    assert.match(bucketReport, new RegExp(`<h1>CSV pipeline run <code>${exec}</code> <span class="status SUCCEEDED">`));
    assert.ok(
      bucketReport.includes(
        `<tr><td class="num">1000</td><td class="num">891</td><td class="num">109</td><td class="num">109</td><td class="num">35</td><td class="num">0</td></tr>`,
      ),
    );
    assert.match(bucketReport, /<title>ValidationError: 90<\/title>/);
    assert.match(bucketReport, /<title>ParseError: 19<\/title>/);
    assert.match(bucketReport, /<title>HIGH: 35<\/title>/);
    const examples = section(bucketReport, '<h2 id="examples">', '<h2 id="links">');
    assert.equal(
      (examples.match(/<li><strong>Record \d+ \(line \d+\) (ValidationError|ParseError) \[HIGH\]/g) ?? []).length,
      5,
    );
    assert.ok(examples.includes(`<code>s3://csv-pipeline-local/rejected/${exec}/errors.csv</code>`));
    assert.doesNotMatch(bucketReport, /<script/, "the bucket's report runs no script");
    assert.match(
      human,
      new RegExp(`\\nReport {6}results/${exec}\\.html \\(written by the check before its notices\\)\\n`),
    );
  });

  it("begins --out's report.html with the same shared sections, then what only a local run knows", () => {
    for (const [from, to] of [
      ["<h2>Rows and errors</h2>", "<h2>Row outcomes</h2>"],
      ['<h2 id="examples">', '<h2 id="links">'],
      ['<h2 id="links">', "</ul>"],
    ])
      assert.equal(section(localReport, from, to), section(bucketReport, from, to), from);
    const outcomes = section(bucketReport, "<h2>Row outcomes</h2>", "</ul>");
    assert.ok(section(localReport, "<h2>Row outcomes</h2>", "</ul>").startsWith(outcomes), "local items come after");
    for (const local of ["<h2>States</h2>", "<h2>State timeline</h2>", "<h2>Notifications</h2>", '<h2 id="errors">'])
      assert.ok(localReport.includes(local) && !bucketReport.includes(local), local);
  });

  it("links the report's S3 console page from every notice", () => {
    const url = `https://ap-northeast-1.console.aws.amazon.com/s3/object/csv-pipeline-local?region=ap-northeast-1&prefix=results/${doc.executionName}.html`;
    const sent = doc.notifications.filter((n) => n.status === "sent");

    assert.deepEqual(sent.map((n) => n.channel).sort(), ["email", "slack"]);
    for (const n of sent) assert.ok(n.body.includes(url), `${n.channel} links the report`);
  });
});
