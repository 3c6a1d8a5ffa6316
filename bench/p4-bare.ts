/**
 * P4 anchor, run in its own process: what a user would otherwise run — csv-parse streaming the file from disk,
 * counting records. Prints `{ rows }` as JSON.
 *
 *   node -r ./local/register.js bench/p4-bare.ts <file.csv>
 */

import { createReadStream } from "node:fs";
import { parse } from "csv-parse";

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error("usage: p4-bare.ts <file.csv>");
  let rows = 0;
  for await (const _record of createReadStream(file).pipe(parse({ relax_column_count: true, from_line: 2 }))) rows++;
  process.stdout.write(`${JSON.stringify({ rows })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
