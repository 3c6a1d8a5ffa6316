/**
 * Opens a run's report.html in headless Chromium, offline, and checks that the workflow diagram is drawn.
 *
 *   node -r ./local/register.js scripts/check-report.ts [report.html] [--png out.png] [--chromium path]
 *
 * Without a report, runs `npm start -- --out out/check-report` first. Chromium is given a loopback proxy that answers
 * every request with 502 and records it, so any fetch from the page is seen; the check fails when there is one,
 * when the dumped DOM lacks the inline workflow SVG, or when a state the run entered has no box in it. Writes a
 * screenshot (default: report.png beside the report). Exit 0 when every check passes, 1 otherwise, 2 when Chromium
 * cannot be found (install it with `apt-get install -y chromium fonts-ipafont-gothic`).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

interface Options {
  report?: string;
  png?: string;
  chromium?: string;
}

function parse(argv: string[]): Options {
  const o: Options = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--png") o.png = argv[++i];
    else if (a === "--chromium") o.chromium = argv[++i];
    else o.report = a;
  }
  return o;
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
function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
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

async function main(): Promise<number> {
  const options = parse(process.argv.slice(2));
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
  const entered: string[] = existsSync(runJson) ? JSON.parse(readFileSync(runJson, "utf8")).states : [];
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
    const dom = await run(chromium, [...chromiumArgs(join(work, "p1"), port), "--dump-dom", url]);
    if (dom.status !== 0) failures.push(`chromium --dump-dom exited ${dom.status}: ${dom.stderr.slice(-500)}`);
    const html = dom.stdout ?? "";
    if (!/<svg[^>]*class="workflow"/.test(html)) failures.push("the DOM has no inline workflow SVG");
    for (const name of entered) {
      if (!html.includes(`data-state="${name}"`)) failures.push(`state "${name}" has no box in the workflow SVG`);
    }
    const shot = await run(chromium, [
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
  process.stdout.write(
    `✔ ${report}: workflow SVG drawn offline with ${entered.length} entered state(s), no network request; screenshot ${png}\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
