/**
 * Generates order CSV files for samples/orders.schema.yaml, deterministically from a seed, streaming to disk.
 *
 *   node -r ./local/register.js scripts/generate-csv.ts --rows 1000000 --error-rate 0.1 --seed 7 --out /tmp/big.csv
 *
 * Every invalid row carries exactly one problem, so the expected counts (printed as JSON on stderr) are exact:
 * rows, invalid rows, error records by type and by severity.
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { CountsBySeverity, CountsByType, ErrorType, Severity } from "../functions/contract";
import { type CommandLineOptions, type CommandLineProblem, parseCommandLine } from "../local/cli/command-line";
import { UsageError } from "../local/usage-error";

/** Header of the generated files (the columns of samples/orders.schema.yaml). */
export const ORDER_HEADER = ["order_id", "email", "amount", "quantity", "status", "ordered_at", "updated_at", "note"];

/** Small fast deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The problems an invalid row can carry (one each), with what the validator reports for it. */
export const ERROR_KINDS: readonly { kind: string; errorType: ErrorType; severity: Severity }[] = [
  { kind: "pattern", errorType: "ValidationError", severity: "HIGH" },
  { kind: "email", errorType: "ValidationError", severity: "MEDIUM" },
  { kind: "negative-amount", errorType: "ValidationError", severity: "MEDIUM" },
  { kind: "enum", errorType: "ValidationError", severity: "MEDIUM" },
  { kind: "date", errorType: "ValidationError", severity: "MEDIUM" },
  { kind: "missing-required", errorType: "ValidationError", severity: "MEDIUM" },
  { kind: "column-count", errorType: "ParseError", severity: "HIGH" },
];

/** Parsed command line of the generator. */
export interface GenerateArgs {
  rows: number;
  errorRate: number;
  seed: number;
  out: string;
}

/** Expected outcome of a generated file. */
export interface ExpectedCounts {
  rows: number;
  invalid: number;
  byType: CountsByType;
  bySeverity: CountsBySeverity;
  byKind: Record<string, number>;
}

const STATUSES = ["NEW", "PAID", "SHIPPED"];
const NOTES = [
  "",
  "",
  "",
  "gift wrap",
  '"leave at door, ring twice"',
  '"2nd floor\nback entrance"',
  '"customer said ""rush"""',
  '"call before delivery\r\nif late"',
  "standard",
];

/** Order ids have six digits (`^ORD-[0-9]{6}$`); row numbers past 999,999 wrap around to ORD-000001 again. */
export const ORDER_ID_SPAN = 999_999;

/** The valid order id of generated row `i` (1-based): `ORD-000001` … `ORD-999999`, then wrapping. */
export function orderIdFor(i: number): string {
  return `ORD-${String(((i - 1) % ORDER_ID_SPAN) + 1).padStart(6, "0")}`;
}

function csvQuote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Yields the lines of a generated file (header first; each line ends with "\n") and fills `expected` as it goes.
 */
export function* generateOrderLines(
  opts: { rows: number; errorRate: number; seed: number },
  expected: ExpectedCounts,
): Generator<string> {
  const rnd = prng(opts.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  yield `${ORDER_HEADER.join(",")}\n`;
  for (let i = 1; i <= opts.rows; i++) {
    const month = 1 + Math.floor(rnd() * 12);
    const day = 1 + Math.floor(rnd() * 28);
    const fields = [
      orderIdFor(i),
      `customer${i}@example.${pick(["com", "co.jp", "org"])}`,
      (rnd() * 50000).toFixed(2),
      String(1 + Math.floor(rnd() * 20)),
      pick(STATUSES),
      `2024-${pad(month, 2)}-${pad(day, 2)}`,
      `2024-${pad(month, 2)}-${pad(day, 2)}T${pad(Math.floor(rnd() * 24), 2)}:${pad(Math.floor(rnd() * 60), 2)}:00+09:00`,
      pick(NOTES),
    ];
    expected.rows++;
    if (rnd() < opts.errorRate) {
      const e = pick(ERROR_KINDS);
      switch (e.kind) {
        case "pattern":
          fields[0] = `ORD-${pad(i, 4)}X`;
          break;
        case "email":
          fields[1] = `customer${i}.example.com`;
          break;
        case "negative-amount":
          fields[2] = `-${fields[2]}`;
          break;
        case "enum":
          fields[4] = pick(["CANCELLED", "paid", "REFUNDED"]);
          break;
        case "date":
          fields[5] = pick(["2024-02-30", "2024/05/01", "2023-13-01", "yesterday"]);
          break;
        case "missing-required":
          fields[1] = "";
          break;
        case "column-count":
          fields.splice(3, 1);
          break;
      }
      expected.invalid++;
      expected.byType[e.errorType] = (expected.byType[e.errorType] ?? 0) + 1;
      expected.bySeverity[e.severity]++;
      expected.byKind[e.kind] = (expected.byKind[e.kind] ?? 0) + 1;
    }
    // The note (always last) is pre-quoted CSV text; the other fields are quoted when they need it.
    yield `${fields.map((f, k) => (k === fields.length - 1 ? f : csvQuote(f))).join(",")}\n`;
  }
}

/** Fresh zero counts. */
export function emptyExpected(): ExpectedCounts {
  return { rows: 0, invalid: 0, byType: {}, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 }, byKind: {} };
}

/** Writes a generated file to `out`, streaming (respects backpressure), and returns the expected counts. */
export async function writeOrdersFile(
  out: string,
  opts: { rows: number; errorRate: number; seed: number },
): Promise<ExpectedCounts> {
  const expected = emptyExpected();
  const stream = createWriteStream(out);
  let buffer = "";
  for (const line of generateOrderLines(opts, expected)) {
    buffer += line;
    if (buffer.length >= 64 * 1024) {
      if (!stream.write(buffer)) await once(stream, "drain");
      buffer = "";
    }
  }
  stream.end(buffer);
  await once(stream, "finish");
  return expected;
}

/** The generator's flags, as `node:util` `parseArgs` takes them. */
const OPTIONS = {
  rows: { type: "string", default: "1000" },
  "error-rate": { type: "string", default: "0.1" },
  seed: { type: "string", default: "1" },
  out: { type: "string" },
} as const satisfies CommandLineOptions;

const USAGE = "usage: generate-csv --rows N --error-rate 0.1 --seed S --out file.csv";

/** The one-line message for what `parseArgs` refuses: the usage, naming the argument. */
function describeProblem(problem: CommandLineProblem): string {
  if (problem.kind === "missing-value" && problem.next !== undefined && !problem.next.startsWith("--"))
    return `${USAGE} (bad argument ${JSON.stringify(problem.option)}: give a value that starts with "-" as ${problem.option}=${problem.next})`;
  const bad = problem.kind === "missing-value" ? problem.option : problem.arg;
  return `${USAGE} (bad argument ${JSON.stringify(bad)})`;
}

/**
 * Parses the generator's command line (without `node` and the script). Throws a one-line {@link UsageError} for an
 * unknown flag or argument, a flag without its value, or a value out of range.
 * @example parseGenerateArgs(["--rows", "1000", "--out", "/tmp/a.csv"])
 */
export function parseGenerateArgs(argv: readonly string[]): GenerateArgs {
  const { values } = parseCommandLine({ args: argv, options: OPTIONS }, describeProblem);
  const rows = Number(values.rows);
  const errorRate = Number(values["error-rate"]);
  const seed = Number(values.seed);
  const out = values.out;
  if (!Number.isInteger(rows) || rows < 0) throw new UsageError("--rows must be a whole number ≥ 0");
  if (!(errorRate >= 0 && errorRate <= 1)) throw new UsageError("--error-rate must be between 0 and 1");
  if (!Number.isInteger(seed)) throw new UsageError("--seed must be a whole number");
  if (out === undefined) throw new UsageError("--out is required");
  return { rows, errorRate, seed, out };
}

if (require.main === module) {
  (async () => {
    let opts: GenerateArgs;
    try {
      opts = parseGenerateArgs(process.argv.slice(2));
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(2);
    }
    const expected = await writeOrdersFile(opts.out, opts);
    process.stderr.write(`${JSON.stringify(expected)}\n`);
  })().catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
