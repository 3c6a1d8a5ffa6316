/**
 * Runs one benchmark suite in this process and prints its rows as one JSON line (bench/cli.ts starts one process per
 * suite, so no suite's heap, services or warm caches disturb another's).
 *
 *   node -r ./local/register.js bench/suite.ts <P1|P2|P3|P4|P5|P6|P7> [--quick]
 */

import type { BenchRow } from "./lib/rows";
import { P1_FULL, P1_QUICK, runP1 } from "./p1-error-check";
import { P2_FULL, P2_QUICK, runP2 } from "./p2-chunk-throughput";
import { runP3 } from "./p3-package-size";
import { P4_FULL, P4_QUICK, runP4 } from "./p4-end-to-end";
import { runP5 } from "./p5-fanout";
import { P6_FULL, P6_QUICK, runP6 } from "./p6-cost";
import { P7_FULL, P7_QUICK, runP7 } from "./p7-uniqueness";

/** The suites, in the order they run. */
export const SUITES = {
  P1: (quick: boolean) => runP1(quick ? P1_QUICK : P1_FULL),
  P2: (quick: boolean) => runP2(quick ? P2_QUICK : P2_FULL),
  P3: (_quick: boolean) => runP3(),
  P4: (quick: boolean) => runP4(quick ? P4_QUICK : P4_FULL),
  P5: (quick: boolean) => runP5({ rounds: quick ? 2 : 5 }),
  P6: (quick: boolean) => runP6(quick ? P6_QUICK : P6_FULL),
  P7: (quick: boolean) => runP7(quick ? P7_QUICK : P7_FULL),
} satisfies Record<string, (quick: boolean) => Promise<BenchRow[]>>;
export type SuiteId = keyof typeof SUITES;

if (require.main === module) {
  const [id, ...flags] = process.argv.slice(2);
  const suite = SUITES[id as SuiteId];
  if (suite === undefined) {
    process.stderr.write(
      `usage: bench/suite.ts <${Object.keys(SUITES).join("|")}> [--quick] (got ${JSON.stringify(id)})\n`,
    );
    process.exit(2);
  }
  suite(flags.includes("--quick")).then(
    (rows) => {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
