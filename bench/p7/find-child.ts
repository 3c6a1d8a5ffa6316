/**
 * One find-duplicates invocation in a process of its own, for P7's memory figure: the real handler on one partition
 * of the key files the suite wrote to its local S3 (endpoint and credentials from the environment). Prints
 * `{ partition, duplicates, ms, heapPeakBytes }`; the usage preload records the process's peak RSS.
 *
 *   node -r ./local/register.js bench/p7/find-child.ts <execution> <partition> <partitions> <chunkCount>
 */
import { handler } from "../../functions/find-duplicates";
import { LOCAL_BUCKET } from "../../local/services/services";
import { peakHeapDuring } from "../lib/measure";

async function main(): Promise<void> {
  const [executionName, partition, partitions, chunkCount] = process.argv.slice(2);
  const bucket = process.env.P7_BUCKET ?? LOCAL_BUCKET;
  const t0 = performance.now();
  const { value, peakHeapBytes } = await peakHeapDuring(() =>
    handler({
      executionName,
      bucket,
      partition: Number(partition),
      partitions: Number(partitions),
      chunkCount: Number(chunkCount),
    }),
  );
  process.stdout.write(`${JSON.stringify({ ...value, ms: performance.now() - t0, heapPeakBytes: peakHeapBytes })}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
