/**
 * The command line of `npm run local:stack`: which state to keep, which config and faults to run with, which port
 * the one AWS endpoint listens on. Refusals are one line, in the run CLI's words (./args).
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { PIPELINE_PATTERNS, type PipelinePattern } from "../../workflow/pipeline";
import { checkStateDir } from "../engine/state-dir";
import { FAULT_NAMES, type FaultPlan, parseFaults } from "../services/faults";
import { UsageError } from "../usage-error";
import { DEFAULT_SCHEMA } from "./args";
import { asksForHelp, type CommandLineOptions, describeWith, parseCommandLine, repeatedOption } from "./command-line";

/** Parsed command line of the local stack. */
export interface StackArgs {
  /** `--state <dir>` (checked and created); unset: a fresh temporary directory, removed on stop. */
  stateDir?: string;
  configPath?: string;
  /** The default feed's schema (a config without `feeds`): `--schema`, else the bundled sample's. */
  schemaPath: string;
  pattern: PipelinePattern;
  /** `--port`: the one AWS endpoint's port (unset: a free one). */
  port?: number;
  faults: FaultPlan;
  injected: string[];
  verbose: boolean;
}

export const STACK_USAGE = `Usage: npm run local:stack -- [options]

Starts the pipeline as a local service and keeps it running until Ctrl-C (SIGINT) or SIGTERM: embedded DynamoDB
and S3, the deployed state machine definition with the real Lambda handlers, and one AWS endpoint (127.0.0.1) for
S3, DynamoDB, Step Functions, SNS, SES, CloudWatch and SSM. A .csv put under a feed's prefix starts a run, as the
deployed upload rule starts one; StartExecution (e.g. \`npm run ops -- rerun\`) runs one too. It writes
<state>/outputs.json (as \`pulumi stack output --json\`) and <state>/env (the endpoint and the operator's keys).

Options:
  --state <dir>          keep DynamoDB, S3 and the executions in <dir> across restarts; without it a temporary
                         directory is used and removed on stop
  --config <file>        local settings (YAML or JSON), as \`npm start --config\` takes them (feeds, notify, …);
                         without it the one feed "default" under incoming/
  --schema <file>        the default feed's row schema (a config without feeds); default samples/orders.schema.yaml
  --pattern <p>          ${PIPELINE_PATTERNS.map((p, i) => (i === 0 ? `${p} (default)` : p)).join(" | ")}
  --port <n>             the AWS endpoint's port (default: a free one)
  --inject <fault[:n]>   inject a fault, as \`npm start --inject\`; n is consumed across runs
                         (${FAULT_NAMES.slice(0, 4).join(", ")}, …: see npm start -- --help)
  --verbose              show the handlers' JSON logs on stderr
  -h, --help             show this help

Exit codes: 0 stopped by a signal, 1 it could not start, 2 usage error.
`;

const OPTIONS = {
  state: { type: "string" },
  config: { type: "string" },
  schema: { type: "string" },
  pattern: { type: "string" },
  port: { type: "string" },
  inject: { type: "string", multiple: true },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies CommandLineOptions;

const describeProblem = describeWith(
  (arg) => `the local stack takes no file (got ${arg}): put files in its bucket once it runs`,
);

function requireFile(path: string, what: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new UsageError(`${what} not found: ${path}`);
  if (!statSync(full).isFile()) throw new UsageError(`${what} is not a file: ${path}`);
  return full;
}

/**
 * Parses the local stack's command line (without `node` and the script); `undefined` when it asks for help.
 * @example parseStackArgs(["--state", ".stack", "--inject", "chunk-crash:1"])
 */
export function parseStackArgs(argv: readonly string[]): StackArgs | undefined {
  if (asksForHelp(argv, OPTIONS, false)) return undefined;
  const { values } = parseCommandLine({ args: argv, options: OPTIONS, allowPositionals: false }, describeProblem);
  const repeated = repeatedOption(argv, OPTIONS);
  if (repeated !== undefined) throw new UsageError(`${repeated} given twice`);
  for (const [name, value] of Object.entries(values)) {
    if (value === "" || (Array.isArray(value) && value.includes(""))) throw new UsageError(`--${name} needs a value`);
  }
  const pattern = (values.pattern ?? PIPELINE_PATTERNS[0]) as PipelinePattern;
  if (!PIPELINE_PATTERNS.includes(pattern))
    throw new UsageError(`--pattern ${pattern}: use ${PIPELINE_PATTERNS.join(" or ")}`);
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port < 1 || port > 65535)
      throw new UsageError(`--port ${values.port}: give a TCP port from 1 to 65535 (or none, for a free one)`);
  }
  const injected = values.inject ?? [];
  return {
    stateDir: values.state === undefined ? undefined : checkStateDir(values.state),
    configPath: values.config === undefined ? undefined : requireFile(values.config, "config file"),
    schemaPath: values.schema === undefined ? DEFAULT_SCHEMA : requireFile(values.schema, "schema file"),
    pattern,
    port,
    faults: parseFaults(injected),
    injected,
    verbose: values.verbose === true,
  };
}
