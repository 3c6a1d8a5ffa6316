/**
 * Opens a run's report.html in headless Chromium, offline, and checks that the workflow diagram is drawn and that
 * the table of every error works.
 *
 *   node -r ./local/register.js scripts/check-report.ts [report.html] [--png out.png] [--chromium path]
 *
 * Without a report, runs `npm start -- --out out/check-report` first. Chromium is given a loopback proxy that answers
 * every request with 502 and records it, so any fetch from the page is seen; the check fails when there is one,
 * when the dumped DOM lacks the inline workflow SVG, or when a state the run entered has no box in it. When the run
 * has errors, the page's script must have enabled the filters and shown the first page of them, and the page opened
 * at `#errors?type=…`, `#errors?severity=…` and `#errors?page=2` must show exactly the errors of that type, of that
 * severity, and the second page (counts from run.json). Writes a screenshot (default: report.png beside the report).
 * Exit 0 when every check passes, 1 otherwise, 2 for a bad command line or when Chromium cannot be found (install
 * it with `apt-get install -y chromium fonts-ipafont-gothic`).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type CommandLineOptions, type CommandLineProblem, parseCommandLine } from "../local/cli/command-line";
import type { RunDocument } from "../local/report/document";
import { UsageError } from "../local/usage-error";

/** Parsed command line of the check. */
export interface CheckReportArgs {
  report?: string;
  png?: string;
  chromium?: string;
}

/** The check's flags, as `node:util` `parseArgs` takes them; the report is the one positional argument. */
const OPTIONS = {
  png: { type: "string" },
  chromium: { type: "string" },
} as const satisfies CommandLineOptions;

const USAGE = "use: check-report [report.html] [--png out.png] [--chromium path]";

/** The one-line message for what `parseArgs` refuses. */
function describeProblem(problem: CommandLineProblem): string {
  switch (problem.kind) {
    case "unknown-option":
      return `unknown option ${problem.arg.split("=")[0]}; ${USAGE}`;
    case "missing-value":
      return `${problem.option} needs a value; ${USAGE}`;
    case "unexpected-value":
      return `${problem.option} takes no value; ${USAGE}`;
    case "unexpected-positional":
      return `unexpected argument ${problem.arg}; ${USAGE}`;
  }
}

/**
 * Parses the check's command line (without `node` and the script). Throws a one-line {@link UsageError} for an
 * unknown flag, a flag without its value, or more than one report.
 * @example parseCheckReportArgs(["out/report.html", "--png", "shot.png"])
 */
export function parseCheckReportArgs(argv: readonly string[]): CheckReportArgs {
  const { values, positionals } = parseCommandLine(
    { args: argv, options: OPTIONS, allowPositionals: true },
    describeProblem,
  );
  if (positionals.length > 1) throw new UsageError(`one report at a time (got ${positionals.join(", ")}); ${USAGE}`);
  for (const [name, value] of Object.entries(values)) {
    if (value === "") throw new UsageError(`--${name} needs a value; ${USAGE}`);
  }
  return { report: positionals[0], png: values.png, chromium: values.chromium };
}

/**
 * Hosts Chromium itself calls even with background networking off (network time, sign-in, component checks); the
 * report never names them, so requests to them are not counted as the page's.
 */
const BROWSER_SERVICES = /(^|\.)(google\.com|googleapis\.com|gvt1\.com)$/;

function findChromium(given?: string): string | undefined {
  const candidates = given ? [given] : ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
  for (const c of candidates) {
    const found = spawnSync("sh", ["-c", `command -v ${c}`], { encoding: "utf8" }).stdout.trim();
    if (found) return found;
  }
  return undefined;
}

function chromiumArgs(profile: string, proxyPort: number): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    `--user-data-dir=${profile}`,
    `--proxy-server=http://127.0.0.1:${proxyPort}`,
    "--proxy-bypass-list=<-loopback>",
    "--virtual-time-budget=3000",
  ];
}

/** Runs Chromium without blocking the event loop (the recording proxy runs in this process). */
function runChromium(
  command: string,
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", fail);
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

/** What the dumped DOM shows of the error table. */
interface ShownErrors {
  /** The pager's text, e.g. "errors 1–100 of 109 · page 1 of 2". */
  pager: string;
  /** Each row shown: its cells as text. */
  rows: string[][];
  /** Filters still disabled (the script did not run). */
  disabled: number;
}

function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

function errorTableOf(dom: string): ShownErrors {
  const body = dom.match(/<table class="errors" id="error-table">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/)?.[1] ?? "";
  const rows = [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => textOf(c[1])),
  );
  const pager = textOf(dom.match(/<span id="error-pager-text">([\s\S]*?)<\/span>/)?.[1] ?? "");
  const filters = dom.match(/<form class="error-filters"[\s\S]*?<\/form>/)?.[0] ?? "";
  return { pager, rows, disabled: (filters.match(/<select[^>]*disabled/g) ?? []).length };
}

/** The error table's checks: first page, a type filter, a severity filter, the second page. */
async function errorTableFailures(
  first: ShownErrors,
  errors: RunDocument["errors"],
  dumpAt: (hash: string) => Promise<ShownErrors>,
): Promise<string[]> {
  const failures: string[] = [];
  const expect = (
    what: string,
    shown: ShownErrors,
    count: number,
    total: number,
    page = 1,
    only?: [number, string],
  ) => {
    const firstShown = (page - 1) * 100 + 1;
    const want = `errors ${firstShown}–${Math.min(count, page * 100)} of ${count}${count === total ? "" : ` (${total} in all)`} · page ${page} of ${Math.max(1, Math.ceil(count / 100))}`;
    if (shown.pager !== want) failures.push(`${what}: the pager says "${shown.pager}", expected "${want}"`);
    const rows = Math.min(100, count - (page - 1) * 100);
    if (shown.rows.length !== rows) failures.push(`${what}: ${shown.rows.length} rows shown, expected ${rows}`);
    if (only && shown.rows.some((r) => r[only[0]] !== only[1])) failures.push(`${what}: a row shown is not ${only[1]}`);
    if (shown.disabled > 0)
      failures.push(`${what}: ${shown.disabled} filter(s) still disabled (the script did not run)`);
  };
  expect("error table", first, errors.total, errors.total);
  const [type, typeCount] = Object.entries(errors.byType).sort((a, b) => a[1] - b[1])[0] ?? [];
  if (type !== undefined && typeCount !== undefined)
    expect(
      `#errors?type=${type}`,
      await dumpAt(`#errors?type=${encodeURIComponent(type)}`),
      typeCount,
      errors.total,
      1,
      [3, type],
    );
  const [severity, severityCount] = Object.entries(errors.bySeverity).find(([, n]) => n > 0) ?? [];
  if (severity !== undefined && severityCount !== undefined)
    expect(
      `#errors?severity=${severity}`,
      await dumpAt(`#errors?severity=${severity}`),
      severityCount,
      errors.total,
      1,
      [4, severity],
    );
  if (errors.total > 100) expect("#errors?page=2", await dumpAt("#errors?page=2"), errors.total, errors.total, 2);
  return failures;
}

async function main(): Promise<number> {
  let options: CheckReportArgs;
  try {
    options = parseCheckReportArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`check-report: ${err.message}\n`);
    return 2;
  }
  const chromium = findChromium(options.chromium);
  if (!chromium) {
    process.stderr.write("chromium not found; install it: apt-get install -y chromium fonts-ipafont-gothic\n");
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), "check-report-"));
  let report = options.report ? resolve(options.report) : undefined;
  if (!report) {
    const out = resolve("out", "check-report");
    execFileSync("npm", ["start", "--silent", "--", "--out", out], { stdio: ["ignore", "ignore", "inherit"] });
    report = join(out, "report.html");
  }
  const runJson = join(dirname(report), "run.json");
  const run: Partial<RunDocument> = existsSync(runJson) ? JSON.parse(readFileSync(runJson, "utf8")) : {};
  const entered = run.states ?? [];
  const png = resolve(options.png ?? join(dirname(report), "report.png"));

  const requests: string[] = [];
  const record = (method: string, target: string) => {
    const host = (target.includes("://") ? new URL(target).host : target).replace(/:\d+$/, "");
    if (!BROWSER_SERVICES.test(host)) requests.push(`${method} ${target}`);
  };
  const proxy = createServer((req, res) => {
    record(req.method ?? "GET", req.url ?? "");
    res.writeHead(502).end();
  });
  proxy.on("connect", (req, socket) => {
    record("CONNECT", req.url ?? "");
    socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
  });
  await new Promise<void>((done) => proxy.listen(0, "127.0.0.1", done));
  const port = (proxy.address() as AddressInfo).port;
  const url = pathToFileURL(report).href;
  const failures: string[] = [];
  try {
    const dom = await runChromium(chromium, [...chromiumArgs(join(work, "p1"), port), "--dump-dom", url]);
    if (dom.status !== 0) failures.push(`chromium --dump-dom exited ${dom.status}: ${dom.stderr.slice(-500)}`);
    const html = dom.stdout ?? "";
    if (!/<svg[^>]*class="workflow"/.test(html)) failures.push("the DOM has no inline workflow SVG");
    for (const name of entered) {
      if (!html.includes(`data-state="${name}"`)) failures.push(`state "${name}" has no box in the workflow SVG`);
    }
    if (run.errors && run.errors.total > 0) {
      const dumpAt = async (hash: string) => {
        const res = await runChromium(chromium, [...chromiumArgs(join(work, "p3"), port), "--dump-dom", url + hash]);
        return errorTableOf(res.stdout ?? "");
      };
      failures.push(...(await errorTableFailures(errorTableOf(html), run.errors, dumpAt)));
    }
    const shot = await runChromium(chromium, [
      ...chromiumArgs(join(work, "p2"), port),
      `--screenshot=${png}`,
      "--window-size=1100,3600",
      url,
    ]);
    if (shot.status !== 0 || !existsSync(png))
      failures.push(`chromium --screenshot failed: ${shot.stderr.slice(-500)}`);
  } finally {
    proxy.close();
    rmSync(work, { recursive: true, force: true });
  }
  if (requests.length > 0) failures.push(`the page made ${requests.length} network request(s): ${requests.join(", ")}`);
  if (failures.length > 0) {
    for (const f of failures) process.stderr.write(`✘ ${f}\n`);
    return 1;
  }
  const table = run.errors && run.errors.total > 0 ? `, error table of ${run.errors.total} filtered and paged` : "";
  process.stdout.write(
    `✔ ${report}: workflow SVG drawn offline with ${entered.length} entered state(s)${table}, no network request; screenshot ${png}\n`,
  );
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
