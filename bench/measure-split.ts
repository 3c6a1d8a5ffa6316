/**
 * Times the two ways of handing chunks to the Map on local S3 (s3rver): planning byte ranges while streaming the
 * object once, versus also writing each chunk back as its own object. Not one of the bench goals (`npm run bench`);
 * run it by hand:
 *
 *   node -r ./local/register.js bench/measure-split.ts [megabytes]
 */

import type { Readable } from "node:stream";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { splitCsv } from "../functions/core/csv/split";
import { startLocalServices } from "../local/services/services";
import { emptyExpected, generateOrderLines } from "../scripts/generate-csv";
import { sampleSchema } from "../test/support/csv-fixtures";

async function main(): Promise<void> {
  const mb = Number(process.argv[2] ?? 50);
  const svc = await startLocalServices();
  try {
    const parts: string[] = [];
    let size = 0;
    for (const line of generateOrderLines(
      { rows: Number.MAX_SAFE_INTEGER, errorRate: 0.1, seed: 1 },
      emptyExpected(),
    )) {
      parts.push(line);
      size += line.length;
      if (size >= mb * 1024 * 1024) break;
    }
    const body = Buffer.from(parts.join(""));
    await svc.s3.send(new PutObjectCommand({ Bucket: svc.bucket, Key: "big.csv", Body: body }));
    const schema = sampleSchema();

    const t0 = performance.now();
    const obj = await svc.s3.send(new GetObjectCommand({ Bucket: svc.bucket, Key: "big.csv" }));
    const plan = await splitCsv(obj.Body as Readable, {
      totalBytes: body.length,
      schema,
      chunkRows: 5000,
      chunkBytes: 4 << 20,
    });
    const rangesMs = performance.now() - t0;

    const t1 = performance.now();
    const obj2 = await svc.s3.send(new GetObjectCommand({ Bucket: svc.bucket, Key: "big.csv" }));
    const all: Buffer[] = [];
    for await (const p of obj2.Body as Readable) all.push(p as Buffer);
    const whole = Buffer.concat(all);
    await Promise.all(
      plan.chunks.map((c) =>
        svc.s3.send(
          new PutObjectCommand({ Bucket: svc.bucket, Key: `chunks/${c.id}.csv`, Body: whole.subarray(c.start, c.end) }),
        ),
      ),
    );
    const copyMs = performance.now() - t1;
    console.log(
      JSON.stringify({
        bytes: body.length,
        chunks: plan.chunks.length,
        rangesMs: Math.round(rangesMs),
        readAndCopyMs: Math.round(copyMs),
      }),
    );
  } finally {
    await svc.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
