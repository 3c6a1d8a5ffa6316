/**
 * `npm run local:stack -- [--state DIR] [--config FILE] [--inject FAULT…]`: the pipeline as a local service (see
 * `STACK_USAGE`). It prints where its outputs and environment are, one line per notice as it arrives and per run as
 * it starts and ends, and stops everything on SIGINT or SIGTERM. Exit codes: 0 stopped by a signal, 1 it could not
 * start, 2 usage error.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Cleanups } from "../engine/environment";
import { UsageError } from "../usage-error";
import { parseStackArgs, STACK_USAGE } from "./stack-args";
import { noticeLine, runEndedLine } from "./stack-lines";

/** How long stopping may take before the process exits all the same. */
const STOP_TIMEOUT_MS = 15_000;

/** The file that tells a second stack the state directory is in use (DynamoDB's files admit one process). */
const PID_FILE = "stack.pid";

/** Marks `dir` as this stack's; refuses one a running stack holds. */
function claimStateDir(dir: string): void {
  const file = join(dir, PID_FILE);
  const holder = existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : undefined;
  if (holder !== undefined && Number.isInteger(holder) && holder !== process.pid) {
    let running = false;
    try {
      process.kill(holder, 0);
      running = true;
    } catch {
      // A stack that stopped without removing its mark (killed): the directory is free.
    }
    if (running)
      throw new UsageError(
        `--state ${dir}: a local stack (pid ${holder}) is running on it; stop it or give another directory`,
      );
  }
  writeFileSync(file, `${process.pid}\n`);
}

const cleanups = new Cleanups();
let stopping = false;

function exit(code: number): void {
  // Flush stdout before exiting: the SDK's keep-alive sockets would otherwise hold the process open.
  process.stdout.write("", () => process.exit(code));
}

const say = (line: string) => process.stdout.write(`${line}\n`);

async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`\n${signal}: stopping the local stack…\n`);
  const timer = setTimeout(() => {
    process.stderr.write(`the local stack did not stop within ${STOP_TIMEOUT_MS / 1000} s; exiting\n`);
    exit(1);
  }, STOP_TIMEOUT_MS);
  await cleanups.run();
  clearTimeout(timer);
  process.stderr.write("stopped\n");
  exit(0);
}

async function main(argv: string[]): Promise<number | undefined> {
  const args = parseStackArgs(argv);
  if (args === undefined) {
    process.stdout.write(STACK_USAGE);
    return 0;
  }
  // Whatever a handler prints stays out of the stack's own lines unless asked for.
  const toStderr = (...parts: unknown[]) => {
    if (args.verbose) process.stderr.write(`${parts.map(String).join(" ")}\n`);
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;

  let stateDir = args.stateDir;
  if (stateDir === undefined) {
    const temporary = mkdtempSync(join(tmpdir(), "csv-pipeline-stack-"));
    cleanups.add(() => rmSync(temporary, { recursive: true, force: true }));
    const { checkStateDir } = await import("../engine/state-dir");
    stateDir = checkStateDir(temporary);
  }
  const dir = stateDir;
  claimStateDir(dir);
  cleanups.add(() => rmSync(join(dir, PID_FILE), { force: true }));
  // A stopped stack's files name an endpoint that is gone: they exist only while a stack runs.
  const forgetFiles = () => {
    for (const name of ["outputs.json", "env"]) rmSync(join(dir, name), { force: true });
  };
  forgetFiles();
  cleanups.add(forgetFiles);

  // Loaded only for a real start, so that --help and usage errors answer at once.
  const { loadConfig } = await import("./run-config");
  const { defaultFeed } = await import("./feed-choice");
  const { localMapConcurrency } = await import("./run-local");
  const { loadPipeline } = await import("../engine/pipeline-source");
  const { openStack } = await import("../engine/stack");
  const { localOperator, localStackEnv, localStackOutputs, writeStackFiles } = await import("./stack-outputs");

  const config = loadConfig(args.configPath);
  const feeds = config.feeds?.length
    ? config.feeds
    : [defaultFeed(config, { path: args.schemaPath, text: readFileSync(args.schemaPath, "utf8") })];
  const pipeline = loadPipeline(args.pattern, { mapConcurrency: localMapConcurrency(config.mapConcurrency) });
  const stack = await openStack(
    {
      config,
      feeds,
      pipeline,
      faults: args.faults,
      stateDir: dir,
      port: args.port,
      operator: localOperator(config),
      onLog: (line) => {
        if (args.verbose) process.stderr.write(`${line}\n`);
      },
      onNotice: (notice) => say(noticeLine(notice)),
      onRunStarted: (name, key) =>
        say(`run     ${name} started${key === undefined ? " (StartExecution)" : ` for ${key}`}`),
      onRunEnded: (summary) => say(runEndedLine(summary)),
      onProblem: (message) => process.stderr.write(`warning: ${message}\n`),
    },
    cleanups,
  );
  if (stopping) return undefined;
  const files = writeStackFiles(
    dir,
    localStackOutputs(stack.endpoint, config, feeds, pipeline),
    localStackEnv(stack.endpoint),
  );
  const shown = (path: string) =>
    relative(process.cwd(), path).startsWith("..") ? path : relative(process.cwd(), path);
  say(
    `local stack up: AWS endpoint ${stack.endpoint} (S3 path-style, DynamoDB, Step Functions, SNS, SES, CloudWatch, SSM)`,
  );
  say(`  outputs  ${shown(files.outputs)}   (npm run ops -- runs --outputs ${shown(files.outputs)})`);
  say(
    `  env      ${shown(files.env)}   (the endpoint, region and the operator's keys: set -a; . ${shown(files.env)}; set +a)`,
  );
  say(`  state    ${shown(dir)}${args.stateDir === undefined ? " (temporary: removed on stop)" : " (kept)"}`);
  say(
    `  uploads  under ${feeds.map((f) => `s3://${stack.env.bucket}/${f.prefix}`).join(", ")} start a run ` +
      "(the operator's key may not put objects: upload with the local account's own, S3RVER / S3RVER)",
  );
  say("Ctrl-C stops it.");
  return undefined;
}

process.on("SIGINT", (s) => void stop(s));
process.on("SIGTERM", (s) => void stop(s));

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined && !stopping) exit(code);
  },
  async (err: unknown) => {
    if (stopping) return;
    stopping = true;
    await cleanups.run();
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message} (see --help)\n`);
      exit(2);
      return;
    }
    process.stderr.write(
      `error: the local stack could not start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    if (process.env.DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    exit(1);
  },
);
