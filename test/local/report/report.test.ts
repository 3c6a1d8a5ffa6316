import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TimelineEntry } from "../../../local/engine/execution";
import { formatHuman } from "../../../local/report/format";
import { summarizeStates } from "../../../local/report/report";
import { prepareOutputDir, renderHtml, writeReportFiles } from "../../../local/report/report-files";
import { UsageError } from "../../../local/usage-error";
import { buildPipeline, PLACEHOLDER_RESOURCES } from "../../../workflow/pipeline";
import { reportFixture } from "../../support/report-fixture";

const ROOT = join(__dirname, "..", "..", "..");
const TMP = join(ROOT, ".tmp", `local-report-${process.pid}`);

function entry(state: string, over: Partial<TimelineEntry> = {}): TimelineEntry {
  return { state, type: "Task", startMs: 0, endMs: 10, outcome: "succeeded", retries: 0, ...over };
}

/** A run whose Map failed on one chunk and was caught, so the check still ran. */
const CAUGHT_MAP: TimelineEntry[] = [
  entry("Prepare", { type: "Pass", startMs: 0, endMs: 1 }),
  entry("ProcessChunks", { type: "Map", startMs: 1, endMs: 40, outcome: "caught", error: "Runtime.ExitError" }),
  entry("ProcessChunk", { index: 0, startMs: 2, endMs: 20, outcome: "failed", error: "Runtime.ExitError" }),
  entry("ProcessChunk", { index: 1, startMs: 3, endMs: 30 }),
  entry("CheckErrorsAndNotify", { startMs: 41, endMs: 90, retries: 1, error: "Lambda.ServiceException" }),
];

const report = (timeline: TimelineEntry[]) => reportFixture(timeline);

describe("summarizeStates", () => {
  it("tells a caught failure from a success and from an uncaught failure, one line per state", () => {
    const states = summarizeStates(CAUGHT_MAP);

    assert.deepEqual(
      states.map((s) => [s.name, s.status, s.durationMs, s.error, s.entries]),
      [
        ["Prepare", "succeeded", 1, undefined, 1],
        ["ProcessChunks", "caught", 39, "Runtime.ExitError", 1],
        ["ProcessChunk", "failed", 28, "Runtime.ExitError", 2],
        ["CheckErrorsAndNotify", "succeeded", 49, undefined, 1],
      ],
    );
    assert.equal(states[3].retries, 1);
    assert.equal(states[3].retriedError, "Lambda.ServiceException");
  });
});

describe("run report output", () => {
  it("shows a caught failure as failed and caught, with its error, in the human summary", () => {
    const text = formatHuman(report(CAUGHT_MAP));

    assert.match(text, /↷ ProcessChunks\s+39 ms {2}failed, caught, Runtime\.ExitError/);
    assert.match(text, /✘ ProcessChunk\s+28 ms {2}×2, Runtime\.ExitError/);
    assert.match(text, /✔ CheckErrorsAndNotify\s+49 ms {2}1 retry, Lambda\.ServiceException/);
    assert.doesNotMatch(text, /✔ ProcessChunks/);
  });

  it("lists each state's result with a caught failure marked, in report.html", () => {
    const html = renderHtml(report(CAUGHT_MAP));

    assert.match(
      html,
      /<tr class="caught"><td>ProcessChunks<\/td><td>↷ failed, caught<\/td><td[^>]*>39 ms<\/td><td>Runtime\.ExitError<\/td><\/tr>/,
    );
    assert.match(html, /<tr class="succeeded"><td>Prepare<\/td><td>✔ succeeded<\/td>/);
  });

  it("draws the workflow inline as SVG, the states entered highlighted, with no script and no URL", () => {
    const run = report(CAUGHT_MAP);
    run.definition = buildPipeline({ pattern: "sequential", resources: PLACEHOLDER_RESOURCES }).render();

    const html = renderHtml(run);

    const svg = html.match(/<svg role="img" class="workflow"[\s\S]*?<\/svg>/)?.[0] ?? "";
    for (const name of ["Prepare", "SplitCsv", "ProcessChunks", "ProcessChunk", "CheckErrorsAndNotify", "Done"])
      assert.match(svg, new RegExp(`>${name}(?: \\(Map\\))?</text>`), name);
    assert.match(svg, /data-state="ProcessChunks" data-type="Map" data-entered="caught"/);
    assert.match(svg, /data-state="ProcessChunk" data-type="Task" data-entered="failed"/);
    assert.doesNotMatch(svg, /https?:/);
    assert.doesNotMatch(html, /<script/);
    assert.doesNotMatch(html, /drawn by Mermaid|cdn\./);
  });
});

describe("links in the human summary", () => {
  const logs = `https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#logsV2:logs-insights$3FqueryDetail$3D~(end~0~start~-86400~editorString~'fields*20*40timestamp${"*20x".repeat(80)})`;
  const execution =
    "https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/arn";

  it("shortens long links in the terminal and keeps them whole in the document and report.html", () => {
    const run = report(CAUGHT_MAP);
    const slackPayload = {
      text: "t",
      blocks: [
        { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "open" }, url: execution }] },
      ],
    };
    run.notices = [
      {
        channel: "slack",
        status: "sent",
        sender: "check",
        body: JSON.stringify(slackPayload),
        slackPayload,
        attempts: [200],
      },
      {
        channel: "email",
        status: "sent",
        sender: "check",
        subject: "s",
        body: `logs: ${logs}\nmore (see ${logs})`,
        attempts: [200],
      },
    ];
    run.document.notifications = run.notices.map((n) => ({
      channel: n.channel,
      status: n.status,
      attempts: 1,
      body: n.body,
    }));

    const text = formatHuman(run);
    const html = renderHtml(run);

    assert.match(text, /\[open\] ap-northeast-1\.console\.aws\.amazon\.com\/states\/…\n/);
    assert.match(text, /logs: ap-northeast-1\.console\.aws\.amazon\.com\/cloudwatch\/…\n/);
    assert.match(text, /more \(see ap-northeast-1\.console\.aws\.amazon\.com\/cloudwatch\/…\)\n/);
    assert.match(text, /full links in --json/);
    assert.ok(!text.includes(logs) && !text.includes(execution));
    assert.ok(
      text.split("\n").every((l) => l.length <= 120),
      "no line longer than 120 characters",
    );
    assert.ok(JSON.stringify(run.document).includes(JSON.stringify(logs).slice(1, -1)));
    assert.ok(html.includes(logs.replaceAll("'", "&#39;")) || html.includes(logs));
  });
});

describe("report files", () => {
  beforeEach(() => mkdirSync(TMP, { recursive: true }));
  afterEach(() => rmSync(TMP, { recursive: true, force: true }));

  it("creates a missing output directory and its parents, leaving nothing else in it", () => {
    const dir = join(TMP, "a", "b");

    prepareOutputDir(dir);

    assert.deepEqual(readdirSync(dir), []);
  });

  it("refuses an output directory that cannot be created, naming it, at once", () => {
    const file = join(TMP, "file");
    writeFileSync(file, "");
    const unusable = [join(file, "out")];
    if (existsSync("/proc/self")) unusable.push("/proc/csv-pipeline-nope");

    for (const dir of unusable) {
      assert.throws(
        () => prepareOutputDir(dir),
        (err: unknown) =>
          err instanceof UsageError &&
          err.message.includes(dir) &&
          !err.message.includes("\n") &&
          err.cause !== undefined,
      );
    }
  });

  it("fails the write promptly, with the file system's error, when the directory became unusable", async () => {
    const dir = join(TMP, "gone");
    writeFileSync(dir, "");

    await assert.rejects(writeReportFiles(dir, report(CAUGHT_MAP)), /ENOTDIR/);
  });
});
