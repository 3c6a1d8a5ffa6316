/**
 * P4's floor, run in its own process: the CPU time the local DynamoDB needs to store the error records of the file P4
 * runs, and nothing else. It starts the services process as a local run does (dynalite on disk, s3rver, the same
 * heap limit), builds the records of the generated file (same generator, same seed) with the chunk path, writes
 * them with the handler's `ErrorWriter` (BatchWriteItem, 25 per call, 4 calls in flight), and reads the services
 * process's CPU time from /proc before and after. Prints `{ records, calls, cpuSeconds, ms }` as JSON.
 *
 *   node -r ./local/register.js bench/p4-dynamo-floor.ts <rows>
 */

import { ErrorWriter } from "../functions/adapters/error-store";
import { processChunkStream } from "../functions/core/csv/chunk";
import { startServicesProcess } from "../local/services/services-process";
import { generatedFile, inPieces, wholeFileJob } from "./lib/generated";
import { readCpuSeconds } from "./p4-process-tree";

async function main(): Promise<void> {
  const rows = Number(process.argv[2]);
  if (!Number.isInteger(rows) || rows <= 0) throw new Error("usage: p4-dynamo-floor.ts <rows>");
  const file = generatedFile(rows);
  const job = wholeFileJob(file, "bench-p4-floor");
  const svc = await startServicesProcess();
  try {
    const before = readCpuSeconds(svc.pid);
    if (before === undefined) throw new Error("cannot read the services process's CPU time from /proc");
    const t0 = performance.now();
    const writer = new ErrorWriter(svc.errorTable, { client: svc.dynamo });
    await processChunkStream(inPieces(file.bytes.subarray(file.headerBytes)), job, (r) => writer.add(r));
    await writer.flush();
    const ms = performance.now() - t0;
    const after = readCpuSeconds(svc.pid) ?? before;
    process.stdout.write(
      `${JSON.stringify({ records: writer.written, calls: writer.calls, cpuSeconds: after - before, ms })}\n`,
    );
  } finally {
    await svc.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
