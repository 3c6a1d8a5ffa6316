import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeOrdersFile } from "../scripts/generate-csv";
import { lastJson, runNode } from "./lib/measure";
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

/**
 * P4: `npm start -- <file> --json` (the local runner: embedded services, the deployed definition, the real
 * handlers) on a generated file, against bare csv-parse streaming the same file; each in its own process, timed from
 * spawn to exit, with its peak RSS.
 */
export async function runP4(opts: P4Options): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "csv-pipeline-bench-p4-"));
  try {
    const file = join(dir, "orders.csv");
    const expected = await writeOrdersFile(file, { rows: opts.rows, errorRate: 0.1, seed: 7 });
    const bare = await runNode(["bench/p4-bare.ts", file]);
    const bareOut = lastJson<{ rows: number }>(bare, "p4-bare");
    // The local run hosts its services in a process of its own: its peak is sampled from /proc and counted too.
    const tree = sampleProcessTree();
    const ours = await runNode(["local/cli.ts", file, "--json", "--now", NOW]);
    const servicesRssBytes = Math.max(
      0,
      ...tree
        .stop()
        .filter((p) => p.depth >= 2)
        .map((p) => p.peakRssBytes),
    );
    const doc = lastJson<{ status: string; rows: { total: number } }>(
      { ...ours, stdout: ours.stdout.trim().replace(/\n\s*/g, " ") },
      "npm start --json",
    );
    if (doc.rows.total !== expected.rows || bareOut.rows !== expected.rows || doc.status !== "SUCCEEDED") {
      throw new Error(
        `P4 counted ${doc.rows.total} rows (${doc.status}) locally and ${bareOut.rows} with csv-parse; the file has ${expected.rows}`,
      );
    }
    const label = opts.rows.toLocaleString("en-US");
    return [
      row("P4.wall", `wall ms for ${label} rows, local run vs bare csv-parse`, ours.ms, bare.ms, {
        kind: "ratio-max",
        max: 4,
      }),
      row(
        "P4.rss",
        `peak RSS MB for ${label} rows, local run (runner + services process, sum of peaks) vs bare csv-parse`,
        (ours.maxRssBytes + servicesRssBytes) / MB,
        bare.maxRssBytes / MB,
        {
          kind: "ours-max",
          max: 512,
          text: "ours ≤ 512 MB",
        },
      ),
      row(
        "P4.rss.runner",
        `peak RSS MB for ${label} rows, runner process vs bare csv-parse`,
        ours.maxRssBytes / MB,
        bare.maxRssBytes / MB,
        {
          kind: "ratio-max",
          max: Number.POSITIVE_INFINITY,
          text: "report only",
        },
      ),
      row(
        "P4.rss.services",
        `peak RSS MB for ${label} rows, services process (DynamoDB, S3) vs bare csv-parse`,
        servicesRssBytes / MB,
        bare.maxRssBytes / MB,
        { kind: "ratio-max", max: Number.POSITIVE_INFINITY, text: "report only" },
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
