import { parseArgs } from "node:util";
import { asksForHelp, type CommandLineOptions, parseCommandLine } from "../local/cli/command-line";
import { UsageError } from "../local/usage-error";
import { type CallListener, createClients, describeAwsError } from "./aws";
import { ERRORS_OPTIONS, errorsCommand } from "./commands/errors";
import { REJECTED_OPTIONS, rejectedCommand } from "./commands/rejected";
import { RERUN_OPTIONS, rerunCommand } from "./commands/rerun";
import { RUNS_OPTIONS, runsCommand } from "./commands/runs";
import { SHOW_OPTIONS, showCommand } from "./commands/show";
import type { CommandArgs, OpsContext } from "./context";
import { OpsFailureError } from "./failure";
import { loadOutputs, type PulumiRunner, runPulumi } from "./outputs";

/**
 * `npm run ops -- <command>`: an operator's view of a deployed stack (or of any endpoint `AWS_ENDPOINT_URL` names).
 * Exit codes: 0 done, 1 the command could not be done (one line says why and what to do), 2 a usage error.
 */

export const USAGE = `Usage: npm run ops -- <command> (--stack NAME | --outputs FILE) [options]

Commands:
  runs [--feed F] [--since 1d] [--limit N] [--json]          recent runs, newest first
  show EXEC [--json]                                         one run: counts, notices, outcome files, links
  errors EXEC [--severity S] [--type T] [--format table|csv|json]
                                                             the run's error records, masked as in notices
  rejected EXEC --out DIR                                    downloads its rows.csv and errors.csv
  rerun EXEC [--force] [--wait] [--json]                     starts the run's input again (FAILED, TIMED_OUT,
                                                             ABORTED; --force otherwise: it then ends as a duplicate)

  --stack NAME     reads \`pulumi stack output --json --stack NAME\`
  --outputs FILE   reads a file of that JSON instead (no Pulumi CLI needed)

Credentials, region and endpoints come from the AWS SDK's default chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL,
…). The calls each command makes, as an IAM policy: docs/operate.md.`;

const GLOBAL_OPTIONS = {
  stack: { type: "string" },
  outputs: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type CommandRun = (ctx: OpsContext, args: CommandArgs) => Promise<number>;

const COMMANDS: Record<string, { options: CommandLineOptions; run: CommandRun }> = {
  runs: { options: RUNS_OPTIONS, run: runsCommand },
  show: { options: SHOW_OPTIONS, run: showCommand },
  errors: { options: ERRORS_OPTIONS, run: errorsCommand },
  rejected: { options: REJECTED_OPTIONS, run: rejectedCommand },
  rerun: { options: RERUN_OPTIONS, run: rerunCommand },
};

/** Where the CLI prints and what it calls (a test gives its own). */
export interface OpsIo {
  out(text: string): void;
  err(text: string): void;
  pulumi?: PulumiRunner;
  onCall?: CallListener;
  pollMs?: number;
  now?(): Date;
}

const STD_IO: OpsIo = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Every option any command knows: to find the command name among the arguments before the strict parse. */
const ALL_OPTIONS: CommandLineOptions = Object.assign(
  {},
  GLOBAL_OPTIONS,
  ...Object.values(COMMANDS).map((c) => c.options),
);

/** The command name: the first positional argument (flags may come before it). */
function commandOf(argv: readonly string[]): { name: string; index: number } | undefined {
  const { tokens } = parseArgs({
    args: [...argv],
    options: ALL_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const first = tokens.find((t) => t.kind === "positional");
  return first?.kind === "positional" ? { name: first.value, index: first.index } : undefined;
}

async function execute(argv: readonly string[], io: OpsIo): Promise<number> {
  const found = commandOf(argv);
  if (found === undefined) {
    if (asksForHelp(argv, GLOBAL_OPTIONS, false)) {
      io.out(USAGE);
      return 0;
    }
    throw new UsageError(`say which command: ${Object.keys(COMMANDS).join(", ")} (--help shows them)`);
  }
  const command = COMMANDS[found.name];
  if (command === undefined)
    throw new UsageError(`unknown command "${found.name}": one of ${Object.keys(COMMANDS).join(", ")}`);
  const rest = [...argv.slice(0, found.index), ...argv.slice(found.index + 1)];
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  if (asksForHelp(rest, options, true)) {
    io.out(USAGE);
    return 0;
  }
  const { values, positionals } = parseCommandLine({ args: rest, options, allowPositionals: true }, (p) => {
    switch (p.kind) {
      case "unknown-option":
        return `${found.name} has no option ${p.option} (--help lists them)`;
      case "missing-value":
        return `${p.option} needs a value`;
      case "unexpected-value":
        return `${p.option} takes no value`;
      default:
        return `unexpected argument "${p.arg}"`;
    }
  });
  const outputs = await loadOutputs(
    { outputs: values.outputs as string | undefined, stack: values.stack as string | undefined },
    io.pulumi ?? runPulumi,
  );
  const ctx: OpsContext = {
    outputs,
    clients: createClients(io.onCall),
    out: io.out,
    now: io.now ?? (() => new Date()),
    pollMs: io.pollMs ?? 5000,
  };
  return command.run(ctx, { values: values as CommandArgs["values"], positionals });
}

/** Runs one command line and returns the exit code; every refusal is one line on `io.err`. */
export async function main(argv: readonly string[], io: OpsIo = STD_IO): Promise<number> {
  try {
    return await execute(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`ops: ${err.message}`);
      return 2;
    }
    const described = err instanceof OpsFailureError ? err : describeAwsError(err);
    io.err(
      described instanceof OpsFailureError
        ? `ops: ${described.message}`
        : `ops: ${described.stack ?? described.message}`,
    );
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
