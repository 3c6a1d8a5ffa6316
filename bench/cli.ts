/**
 * `npm run bench [-- --quick] [-- --only P1,P3] [-- --out file.json]`: runs the benchmarks, each suite in its own
 * process, prints one table and writes `bench/results.json` (`{ id, measure, ours, anchor, ratio, goal, pass }` per
 * row). Every figure is a ratio against an anchor measured in the same run. `--quick` uses smaller sizes on the same
 * code paths (under a minute). What a suite prints on stdout before its rows (P6's cost breakdown) follows the table. Exit 0 when every suite ran (missed goals are reported, not fatal), 1 when a suite
 * failed, 2 for a bad flag.
 */

import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type CommandLineOptions, type CommandLineProblem, parseCommandLine } from "../local/cli/command-line";
import { UsageError } from "../local/usage-error";
import { lastJson, ROOT, runNode } from "./lib/measure";
import { assertRow, type BenchRow, renderTable } from "./lib/rows";

const ALL = ["P1", "P2", "P3", "P4", "P5", "P6", "P7"] as const;

/** Parsed command line of the benchmark runner. */
export interface BenchArgs {
  quick: boolean;
  only: string[];
  out: string;
}

/** The runner's flags, as `node:util` `parseArgs` takes them. */
const OPTIONS = {
  quick: { type: "boolean" },
  only: { type: "string" },
  out: { type: "string" },
} as const satisfies CommandLineOptions;

/** The one-line message for what `parseArgs` refuses. */
function describeProblem(problem: CommandLineProblem): string {
  if (problem.kind === "missing-value") return `${problem.option} needs a value`;
  return `unknown flag ${JSON.stringify(problem.arg)}; use --quick, --only P1,P2 or --out <file>`;
}

/**
 * Parses the flags (without `node` and the script); throws a one-line {@link UsageError} for anything unknown.
 * @example parseBenchArgs(["--quick", "--only", "P1,P3"])
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseCommandLine({ args: argv, options: OPTIONS }, describeProblem);
  const only = values.only === undefined ? [...ALL] : values.only.split(",").map((s) => s.trim().toUpperCase());
  const bad = only.filter((s) => !(ALL as readonly string[]).includes(s));
  if (bad.length) throw new UsageError(`--only: unknown suite ${bad.join(", ")}; choose from ${ALL.join(", ")}`);
  return {
    quick: values.quick === true,
    only,
    out: values.out === undefined ? join(ROOT, "bench", "results.json") : resolve(values.out),
  };
}

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    return 2;
  }
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  let failed = 0;
  for (const id of args.only) {
    const t0 = performance.now();
    process.stderr.write(`bench: ${id}${args.quick ? " (quick)" : ""} …\n`);
    const run = await runNode(["bench/suite.ts", id, ...(args.quick ? ["--quick"] : [])]);
    try {
      const got = lastJson<unknown[]>(run, `bench suite ${id}`);
      got.forEach(assertRow);
      rows.push(...(got as BenchRow[]));
      const printed = run.stdout.trimEnd().split("\n").slice(0, -1).join("\n").trim();
      if (printed !== "") notes.push(printed);
      process.stderr.write(`bench: ${id} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`bench: ${id} failed: ${(err as Error).message}\n`);
    }
  }
  writeFileSync(args.out, `${JSON.stringify(rows, null, 2)}\n`);
  process.stdout.write(`${renderTable(rows)}\n`);
  for (const note of notes) process.stdout.write(`\n${note}\n`);
  const missed = rows.filter((r) => !r.pass).map((r) => r.id);
  process.stdout.write(
    `\n${rows.length} rows written to ${args.out}; ${missed.length ? `goals missed: ${missed.join(", ")}` : "every goal met"}\n`,
  );
  return failed > 0 ? 1 : 0;
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
