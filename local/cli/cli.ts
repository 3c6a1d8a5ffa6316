/**
 * `npm start -- [file.csv] [options]`: runs a CSV file through the real pipeline on this machine (see `USAGE`).
 * Exit codes: 0 the execution succeeded, 1 it failed (or the run could not complete), 2 usage error.
 */
import { relative } from "node:path";
import { formatHuman, progressLine } from "../report/format";
import { prepareOutputDir, writeReportFiles } from "../report/report-files";
import { UsageError } from "../usage-error";
import { parseArgs, USAGE } from "./args";

const cleanups = new Set<() => Promise<void>>();
let exiting = false;

function exit(code: number): void {
  // Flush stdout before exiting: the SDK's keep-alive sockets would otherwise hold the process open.
  process.stdout.write("", () => process.exit(code));
}

async function interrupt(signal: NodeJS.Signals): Promise<void> {
  if (exiting) return;
  exiting = true;
  process.stderr.write(`\n${signal}: stopping the local services and removing temporary files…\n`);
  for (const c of [...cleanups]) await c().catch(() => undefined);
  exit(signal === "SIGINT" ? 130 : 143);
}

async function main(argv: string[]): Promise<number> {
  const command = parseArgs(argv);
  if (command.kind === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command.kind === "check-arrival") {
    const { checkArrivalLocal, formatArrival } = await import("./check-arrival");
    const doc = await checkArrivalLocal(command.args, (line) => {
      if (command.args.verbose) process.stderr.write(`${line}\n`);
    });
    process.stdout.write(command.args.json ? `${JSON.stringify(doc, null, 2)}\n` : formatArrival(doc));
    return 0;
  }
  const args = command.args;
  // Checked before anything starts: an unusable --out fails now, not after the whole run.
  if (args.outDir) prepareOutputDir(args.outDir);
  const verbose = args.verbose;
  const showProgress = process.stderr.isTTY === true;

  // Whatever a handler prints must never reach stdout in --json mode (and is only noise in the human summary).
  const toStderr = (...parts: unknown[]) => {
    if (verbose) process.stderr.write(`${parts.map(String).join(" ")}\n`);
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;

  // Loaded only for a real run, so that --help and usage errors answer at once.
  const { runLocal } = await import("./run-local");
  let progressShown = false;
  const report = await runLocal(args, {
    onLog: (line) => {
      if (verbose) process.stderr.write(`${line}\n`);
    },
    onState: (name, ms, index) => {
      if (verbose)
        process.stderr.write(
          `[${String(ms).padStart(6)} ms] entered ${name}${index === undefined ? "" : ` [${index}]`}\n`,
        );
    },
    onProgress: (done, total) => {
      if (!showProgress || total < 2) return;
      progressShown = true;
      process.stderr.write(`\r${progressLine(done, total)}`);
    },
    onCleanup: (cleanup) => {
      cleanups.add(cleanup);
      return () => cleanups.delete(cleanup);
    },
  });
  if (progressShown) process.stderr.write("\n");
  // Interrupted: the run ended because its services were stopped; what it reports is not the file's outcome.
  if (exiting) return 130;

  let written: string[] = [];
  let writeError: string | undefined;
  if (args.outDir) {
    try {
      written = await writeReportFiles(args.outDir, report);
    } catch (err) {
      writeError = `error: could not write the run's files to ${args.outDir}: ${err instanceof Error ? err.message : String(err)}`;
    }
    // The row outcome files were copied during the run, while the local S3 was up.
    const copyError = report.outcomes.filesError;
    if (writeError === undefined && copyError !== undefined)
      writeError = `error: could not copy the run's row outcome files to ${args.outDir}: ${copyError}`;
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report.document, null, 2)}\n`);
    if (args.outDir && !writeError) process.stderr.write(`Wrote ${written.length} files to ${args.outDir}\n`);
  } else {
    process.stdout.write(formatHuman(report));
    if (args.outDir && !writeError) {
      const rel = relative(process.cwd(), args.outDir) || ".";
      process.stdout.write(`\nWrote ${written.length} files to ${rel}/ — open ${rel}/report.html in a browser.\n`);
    }
  }
  // The report is out; a directory that became unusable during the run fails the command after it.
  if (writeError) {
    process.stderr.write(`${writeError}\n`);
    return 1;
  }
  return report.document.status === "SUCCEEDED" ? 0 : 1;
}

process.on("SIGINT", (s) => void interrupt(s));
process.on("SIGTERM", (s) => void interrupt(s));

main(process.argv.slice(2)).then(
  (code) => {
    if (!exiting) exit(code);
  },
  (err: unknown) => {
    if (exiting) return;
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}${err.message.includes("\n") ? "" : " (see --help)"}\n`);
      exit(2);
      return;
    }
    process.stderr.write(
      `error: the local run could not complete: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    if (process.env.DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    exit(1);
  },
);
