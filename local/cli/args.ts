import { existsSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { LOCAL_KEYS } from "../../blueprint/config";
import { PREFIXES } from "../../functions/contract";
import { PIPELINE_PATTERNS, type PipelinePattern } from "../../workflow/pipeline";
import { checkStateDir } from "../engine/state-dir";
import { FAULT_HELP, FAULT_NAMES, type FaultPlan, parseFaults } from "../services/faults";
import { UsageError } from "../usage-error";
import { type ArrivalArgs, arrivalCommand } from "./arrival-args";
import { asksForHelp, type CommandLineOptions, describeWith, parseCommandLine, repeatedOption } from "./command-line";

/** The pipeline's pattern, as `--pattern` names it. */
export type Pattern = PipelinePattern;

/** Parsed command line of the local runner. */
export interface RunArgs {
  csvPath: string;
  /** The schema a run without feeds uses: `--schema`, else the one beside the CSV, else the sample's. */
  schemaPath: string;
  /** Whether `--schema` named `schemaPath`: then it also replaces the schema of the feed picked from `--config`. */
  schemaGiven?: boolean;
  configPath?: string;
  /** `--feed <name>`: the config's feed the file runs under. */
  feed?: string;
  /** `--key <key>`: the object key the file is uploaded to (default: the feed's prefix and the file's name). */
  key?: string;
  pattern: PipelinePattern;
  /** The run's clock (execution start time and the notification policy's "now"), ISO-8601. */
  now?: string;
  json: boolean;
  outDir?: string;
  faults: FaultPlan;
  /** The `--inject` values as given, in order. */
  injected: string[];
  verbose: boolean;
  /** `--state <dir>`: keeps the local DynamoDB and S3 between runs. */
  stateDir?: string;
}

export type ParsedCommand =
  | { kind: "help" }
  | { kind: "run"; args: RunArgs }
  | { kind: "check-arrival"; args: ArrivalArgs };

/** Root of the repository (for the bundled samples). */
export const REPO_ROOT = resolve(__dirname, "..", "..");
export const DEFAULT_CSV = join(REPO_ROOT, "samples", "orders.csv");
export const DEFAULT_SCHEMA = join(REPO_ROOT, "samples", "orders.schema.yaml");

export const USAGE = `Usage: npm start -- [file.csv] [options]

Runs a CSV file through the real pipeline on this machine: embedded DynamoDB and S3, the state machine definition
that is deployed, the real Lambda handlers, and loopback SNS, SES, CloudWatch, SSM and Slack endpoints.
Without a file it runs samples/orders.csv.

Options:
  --schema <file>        row schema (YAML or JSON); default: the feed's schema with feeds in --config, else
                         <file>.schema.yaml beside the CSV if present, else samples/orders.schema.yaml
  --config <file>        local settings (YAML or JSON) with the stack config's keys and rules:
                         ${LOCAL_KEYS.slice(0, 5).join(", ")},
                         ${LOCAL_KEYS.slice(5).join(", ")}
                         (emailTo: [] turns e-mail off; onCallEmail: null turns on-call off;
                         a feed's schema path is relative to the file: see samples/feeds.yaml)
  --feed <name>          the feed of the config's feeds the file runs under (its prefix, schema and recipients);
                         default: the feed whose prefix --key is under, else the only feed
  --key <key>            the object key the file is uploaded to, e.g. incoming/orders/2025-06-01.csv;
                         default: the feed's prefix and the file's name (without feeds: incoming/<file>)
  --pattern <p>          ${PIPELINE_PATTERNS.map((p, i) => (i === 0 ? `${p} (default)` : p)).join(" | ")}
  --now <ISO-8601>       the run's clock, e.g. 2025-06-02T23:30:00+09:00 (quiet hours, holidays, start time)
  --json                 print exactly one JSON document on stdout (logs go to stderr)
  --out <dir>            write run.json, each notice, the diagram with the path taken, report.html (every error)
                         and the row outcomes: rejected/rows.csv, rejected/errors.csv, processed/, results.json
  --inject <fault[:n]>   inject a fault (repeatable, n = how many times):
${FAULT_NAMES.map((n) => `                           ${n.padEnd(20)} ${FAULT_HELP[n].what}`).join("\n")}
  --state <dir>          keep the local DynamoDB and S3 in <dir> between runs (runs, claims, rate limits);
                         without it a run starts empty
  --check-arrival        instead of a run: check every feed with an arrival rule in --config at --now
                         against the state in --state, as each feed's schedule does at its deadline
  --verbose              show the handlers' JSON logs on stderr
  -h, --help             show this help

Exit codes: 0 the execution succeeded (row errors are data), 1 it failed, 2 usage error.
`;

/** The runner's flags, as `node:util` `parseArgs` takes them; `--inject` is the one that repeats. */
const OPTIONS = {
  schema: { type: "string" },
  config: { type: "string" },
  feed: { type: "string" },
  key: { type: "string" },
  pattern: { type: "string" },
  now: { type: "string" },
  out: { type: "string" },
  inject: { type: "string", multiple: true },
  json: { type: "boolean" },
  verbose: { type: "boolean" },
  state: { type: "string" },
  "check-arrival": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies CommandLineOptions;

const describeProblem = describeWith((arg) => `one CSV file at a time (got ${arg})`);

const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Checks a `--now` value: an ISO-8601 time with a zone whose fields name a real moment. `Date.parse` rolls an
 * impossible date over (2025-02-30 becomes 2 March) and takes hour 24, so each field is checked: the day against
 * its month (leap years included), hours 00–23, minutes and seconds 00–59, a zone offset of at most 23:59.
 */
export function checkNow(now: string): string {
  const fields = ISO_WITH_ZONE.exec(now);
  if (fields === null) {
    throw new UsageError(`--now ${now}: use an ISO-8601 time with a zone, e.g. 2025-06-02T23:30:00+09:00`);
  }
  const [, year, month, day, hour, minute, second = "00", zoneHour = "00", zoneMinute = "00"] = fields;
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const calendar = new Date(Date.UTC(y, m - 1, d));
  // Date.UTC maps years 0–99 to 1900–1999: set the year itself.
  calendar.setUTCFullYear(y, m - 1, d);
  const problem =
    m < 1 || m > 12
      ? `month ${month} does not exist`
      : calendar.getUTCMonth() !== m - 1 || calendar.getUTCDate() !== d
        ? `${year}-${month} has no day ${day}`
        : Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59
          ? `${hour}:${minute}:${second} is not a time of day (00:00:00–23:59:59)`
          : Number(zoneHour) > 23 || Number(zoneMinute) > 59
            ? `the zone offset ${zoneHour}:${zoneMinute} does not exist`
            : undefined;
  if (problem !== undefined || Number.isNaN(Date.parse(now))) {
    throw new UsageError(
      `--now ${now}: ${problem ?? "not a time"}; give a real date and time, e.g. 2025-06-02T23:30:00+09:00`,
    );
  }
  return now;
}

function requireFile(path: string, what: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new UsageError(`${what} not found: ${path}`);
  if (!statSync(full).isFile()) throw new UsageError(`${what} is not a file: ${path}`);
  return full;
}

/** S3's limit on an object key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * Checks a `--key` value: an S3 object key as an upload has it — not empty, at most {@link MAX_KEY_BYTES} bytes, no
 * leading "/" (S3 would keep it as part of the key, and no feed's prefix starts with one), not a folder, and not
 * under `_config/`, where the stack keeps its schemas.
 */
export function checkKey(key: string): string {
  if (key.startsWith("/")) throw new UsageError(`--key ${key}: an object key has no leading "/"; e.g. incoming/x.csv`);
  if (key.endsWith("/")) throw new UsageError(`--key ${key}: names a folder; end it with the file's name`);
  if (key.startsWith(PREFIXES.config))
    throw new UsageError(
      `--key ${key}: ${PREFIXES.config} holds the stack's schemas, not uploads; use a feed's prefix`,
    );
  // The upload rule matches ".csv" in any letter case (infra/pipeline.ts): any other key starts no run on AWS.
  if (!/\.csv$/i.test(key))
    throw new UsageError(`--key ${key}: only a key ending in .csv (any letter case) starts a run; e.g. incoming/x.csv`);
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    throw new UsageError(`--key: ${Buffer.byteLength(key)} bytes; S3 object keys have at most ${MAX_KEY_BYTES}`);
  return key;
}

/** The schema used when `--schema` is not given: `<name>.schema.{yaml,yml,json}` beside the CSV, else the sample's. */
export function defaultSchemaFor(csvPath: string): string {
  const stem = join(dirname(csvPath), basename(csvPath, extname(csvPath)));
  for (const ext of [".schema.yaml", ".schema.yml", ".schema.json"]) {
    if (existsSync(stem + ext)) return stem + ext;
  }
  return DEFAULT_SCHEMA;
}

/**
 * Parses the command line (without `node` and the script). Throws {@link UsageError} with a one-line message for an
 * unknown flag, a missing or bad value, or a file that does not exist.
 * @example parseArgs(["data.csv", "--pattern", "parallel", "--json"])
 */
export function parseArgs(argv: readonly string[]): ParsedCommand {
  if (asksForHelp(argv, OPTIONS, true)) return { kind: "help" };
  const { values, positionals } = parseCommandLine(
    { args: argv, options: OPTIONS, allowPositionals: true },
    describeProblem,
  );
  const repeated = repeatedOption(argv, OPTIONS);
  if (repeated !== undefined) throw new UsageError(`${repeated} given twice`);
  const injected = values.inject ?? [];
  for (const [name, value] of Object.entries(values)) {
    if (value === "" || (Array.isArray(value) && value.includes(""))) throw new UsageError(`--${name} needs a value`);
  }
  if (positionals.length > 1) throw new UsageError(`one CSV file at a time (got ${positionals.join(", ")})`);

  const pattern = (values.pattern ?? PIPELINE_PATTERNS[0]) as PipelinePattern;
  if (!PIPELINE_PATTERNS.includes(pattern)) {
    throw new UsageError(`--pattern ${pattern}: use ${PIPELINE_PATTERNS.join(" or ")}`);
  }
  const now = values.now === undefined ? undefined : checkNow(values.now);
  const stateDir = values.state === undefined ? undefined : checkStateDir(values.state);
  if (values["check-arrival"] === true) return arrivalCommand(values, positionals, now, stateDir);
  const faults = parseFaults(injected);
  const csvPath = positionals[0] === undefined ? DEFAULT_CSV : requireFile(positionals[0], "CSV file");
  const schemaPath =
    values.schema === undefined ? defaultSchemaFor(csvPath) : requireFile(values.schema, "schema file");
  const key = values.key === undefined ? undefined : checkKey(values.key);
  const configPath = values.config === undefined ? undefined : requireFile(values.config, "config file");
  const outDir = values.out === undefined ? undefined : resolve(values.out);
  if (outDir !== undefined && existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new UsageError(`--out ${values.out}: exists and is not a directory`);
  }
  return {
    kind: "run",
    args: {
      csvPath,
      schemaPath,
      schemaGiven: values.schema !== undefined,
      configPath,
      feed: values.feed,
      key,
      pattern,
      now,
      json: values.json === true,
      outDir,
      faults,
      injected,
      verbose: values.verbose === true,
      stateDir,
    },
  };
}
