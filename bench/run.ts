/**
 * `npm run bench [-- --quick] [-- --only P1,P3] [-- --out file.json]`: runs the benchmarks, each suite in its own
 * process, prints one table and writes `bench/results.json` (`{ id, measure, ours, anchor, ratio, goal, pass }` per
 * row). Every figure is a ratio against an anchor measured in the same run. `--quick` uses smaller sizes on the same
 * code paths (under a minute). What a suite prints on stdout before its rows (P6's cost breakdown) follows the table. Exit 0 when every suite ran (missed goals are reported, not fatal), 1 when a suite
 * failed, 2 for a bad flag.
 */

import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { lastJson, ROOT, runNode } from "./lib/measure";
import { assertRow, type BenchRow, renderTable } from "./lib/rows";

const ALL = ["P1", "P2", "P3", "P4", "P5", "P6"] as const;

/** Parsed command line of the benchmark runner. */
export interface BenchArgs {
  quick: boolean;
  only: string[];
  out: string;
}

/** Parses the flags; throws a one-line message for anything unknown. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { quick: false, only: [...ALL], out: join(ROOT, "bench", "results.json") };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--quick") args.quick = true;
    else if (flag === "--only" || flag === "--out") {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${flag} needs a value`);
      if (flag === "--out") args.out = resolve(value);
      else {
        args.only = value.split(",").map((s) => s.trim().toUpperCase());
        const bad = args.only.filter((s) => !(ALL as readonly string[]).includes(s));
        if (bad.length) throw new Error(`--only: unknown suite ${bad.join(", ")}; choose from ${ALL.join(", ")}`);
      }
    } else throw new Error(`unknown flag ${JSON.stringify(flag)}; use --quick, --only P1,P2 or --out <file>`);
  }
  return args;
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

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
