import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeOrdersFile } from "../scripts/generate-csv";
import { lastJson, runNode, startScriptNodeFlags } from "./lib/measure";
import { type BenchRow, row } from "./lib/rows";
import { sampleProcessTree } from "./p4-process-tree";

/** Sizes of a P4 run. */
export interface P4Options {
  rows: number;
}

export const P4_FULL: P4Options = { rows: 1_000_000 };
export const P4_QUICK: P4Options = { rows: 50_000 };

const MB = 1024 * 1024;
/** A weekday daytime clock, so the run's notices are sent rather than deferred. */
const NOW = "2025-06-03T11:00:00+09:00";

interface P4Measure {
  oursMs: number;
  bareMs: number;
  oursRssBytes: number;
  /** Peak RSS of the largest process the run started (the services process). */
  servicesRssBytes: number;
  /** Peak RSS of every process the run started, added up. */
  startedRssBytes: number;
  bareRssBytes: number;
  oursCpuSeconds: number;
  /** CPU time of every process the run started, added up. */
  startedCpuSeconds: number;
  bareCpuSeconds: number;
}

/** Runs bare csv-parse and the local run on one generated file; checks both counted every row. */
async function measure(file: string, rows: number, errorRate: number): Promise<P4Measure> {
  const expected = await writeOrdersFile(file, { rows, errorRate, seed: 7 });
  const bare = await runNode(["bench/p4-bare.ts", file]);
  const bareOut = lastJson<{ rows: number }>(bare, "p4-bare");
  // The local run hosts its services in a process of its own (and bundles it first): every process it starts is
  // sampled from /proc and counted too.
  const tree = sampleProcessTree();
  const ours = await runNode(["local/cli/cli.ts", file, "--json", "--now", NOW], { nodeFlags: startScriptNodeFlags() });
  const started = tree.stop().filter((p) => p.depth >= 2);
  const doc = lastJson<{ status: string; rows: { total: number } }>(
    { ...ours, stdout: ours.stdout.trim().replace(/\n\s*/g, " ") },
    "npm start --json",
  );
  if (doc.rows.total !== expected.rows || bareOut.rows !== expected.rows || doc.status !== "SUCCEEDED") {
    throw new Error(
      `P4 counted ${doc.rows.total} rows (${doc.status}) locally and ${bareOut.rows} with csv-parse; the file has ${expected.rows}`,
    );
  }
  return {
    oursMs: ours.ms,
    bareMs: bare.ms,
    oursRssBytes: ours.maxRssBytes,
    servicesRssBytes: Math.max(0, ...started.map((p) => p.peakRssBytes)),
    startedRssBytes: started.reduce((sum, p) => sum + p.peakRssBytes, 0),
    bareRssBytes: bare.maxRssBytes,
    oursCpuSeconds: ours.cpuSeconds,
    startedCpuSeconds: started.reduce((sum, p) => sum + p.cpuSeconds, 0),
    bareCpuSeconds: bare.cpuSeconds,
  };
}

/** The local run may take this many times bare csv-parse beyond the local DynamoDB's floor. */
export const P4_WALL_BEYOND_FLOOR_MAX = 4;

/**
 * The wall-time rows of P4. The whole run (`P4.wall`) is reported only: the local DynamoDB alone needs about 7.7×
 * bare csv-parse to store a 10 %-bad file's error records (`P4.floor.dynamo.wall`), a cost of the emulator that a
 * deployed stack does not pay. The goal is on what the run takes beyond that floor,
 * `(P4.wall − P4.floor.dynamo.wall) ≤ 4 ×` bare csv-parse (`P4.wall.beyond-floor`; 0 when the run is faster than the
 * floor alone).
 */
export function p4WallRows(label: string, runMs: number, floorMs: number, bareMs: number): BenchRow[] {
  return [
    row("P4.wall", `wall ms for ${label} rows (10 % bad), local run vs bare csv-parse`, runMs, bareMs, {
      kind: "ratio-max",
      max: Number.POSITIVE_INFINITY,
      text: "report only",
    }),
    row(
      "P4.wall.beyond-floor",
      `wall ms for ${label} rows (10 % bad), local run minus the local DynamoDB's floor (P4.wall − P4.floor.dynamo.wall), vs bare csv-parse`,
      Math.max(0, runMs - floorMs),
      bareMs,
      { kind: "ratio-max", max: P4_WALL_BEYOND_FLOOR_MAX },
    ),
  ];
}

/**
 * P4: `npm start -- <file> --json` (the local runner with `npm start`'s node flags: embedded services, the deployed
 * definition, the real handlers) on a generated file with 10 % bad rows, against bare csv-parse streaming the same file; each in its own
 * process, timed from spawn to exit, with its peak RSS. The same on a file without bad rows is reported beside it,
 * to show what the error records cost, and so is the floor the local DynamoDB sets: the time it needs to store the
 * file's error records alone (`p4-dynamo-floor.ts`); the wall-time goal is on the time beyond it ({@link p4WallRows}).
 */
export async function runP4(opts: P4Options): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "csv-pipeline-bench-p4-"));
  try {
    const m = await measure(join(dir, "orders.csv"), opts.rows, 0.1);
    const clean = await measure(join(dir, "clean.csv"), opts.rows, 0);
    const floorRun = await runNode(["bench/p4-dynamo-floor.ts", String(opts.rows)]);
    const floor = lastJson<{ records: number; cpuSeconds: number; ms: number }>(floorRun, "p4-dynamo-floor");
    const label = opts.rows.toLocaleString("en-US");
    const reportOnly = { kind: "ratio-max", max: Number.POSITIVE_INFINITY, text: "report only" } as const;
    const bareCpu = `vs bare csv-parse's CPU s`;
    return [
      ...p4WallRows(label, m.oursMs, floor.ms, m.bareMs),
      row(
        "P4.rss",
        `peak RSS MB for ${label} rows (10 % bad), local run (runner + every process it starts, sum of peaks) vs bare csv-parse`,
        (m.oursRssBytes + m.startedRssBytes) / MB,
        m.bareRssBytes / MB,
        { kind: "ours-max", max: 512, text: "ours ≤ 512 MB" },
      ),
      row(
        "P4.rss.runner",
        `peak RSS MB for ${label} rows (10 % bad), runner process vs bare csv-parse`,
        m.oursRssBytes / MB,
        m.bareRssBytes / MB,
        { kind: "ours-max", max: 256, text: "ours ≤ 256 MB" },
      ),
      row(
        "P4.rss.services",
        `peak RSS MB for ${label} rows (10 % bad), services process (DynamoDB on disk, S3) vs bare csv-parse`,
        m.servicesRssBytes / MB,
        m.bareRssBytes / MB,
        reportOnly,
      ),
      row(
        "P4.cpu.runner",
        `CPU s for ${label} rows (10 % bad), runner process, ${bareCpu}`,
        m.oursCpuSeconds,
        m.bareCpuSeconds,
        reportOnly,
      ),
      row(
        "P4.cpu.services",
        `CPU s for ${label} rows (10 % bad), processes the runner starts (services, bundler), ${bareCpu}`,
        m.startedCpuSeconds,
        m.bareCpuSeconds,
        reportOnly,
      ),
      row(
        "P4.cpu.services.bad-rows",
        `CPU s the 10 % bad rows add to those processes (error records, rejected parts), ${bareCpu}`,
        Math.max(0, m.startedCpuSeconds - clean.startedCpuSeconds),
        m.bareCpuSeconds,
        reportOnly,
      ),
      row(
        "P4.floor.dynamo.wall",
        `wall ms the local DynamoDB alone needs to store the ${floor.records.toLocaleString("en-US")} error records of the same file (BatchWriteItem, nothing else), vs bare csv-parse's wall ms`,
        floor.ms,
        m.bareMs,
        reportOnly,
      ),
      row(
        "P4.floor.dynamo.cpu",
        `CPU s the services process spends storing those records, ${bareCpu}`,
        floor.cpuSeconds,
        m.bareCpuSeconds,
        reportOnly,
      ),
      row(
        "P4.wall.clean",
        `wall ms for ${label} rows without bad rows, local run vs bare csv-parse`,
        clean.oursMs,
        clean.bareMs,
        reportOnly,
      ),
      row(
        "P4.rss.clean",
        `peak RSS MB for ${label} rows without bad rows, runner + every process it starts vs bare csv-parse`,
        (clean.oursRssBytes + clean.startedRssBytes) / MB,
        clean.bareRssBytes / MB,
        reportOnly,
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
