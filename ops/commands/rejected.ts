import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { UsageError } from "../../local/usage-error";
import type { CommandArgs, OpsContext } from "../context";
import { OpsFailureError } from "../failure";
import { describeExecution, readManifest, unknownExecution } from "../store";
import { executionArgument } from "./show";

export const REJECTED_OPTIONS = { out: { type: "string" } } as const;

/** Downloads one object to `path`, byte for byte. */
async function download(ctx: OpsContext, key: string, path: string): Promise<number> {
  const out = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: ctx.outputs.bucketName, Key: key }));
  const bytes = await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
  writeFileSync(path, bytes);
  return bytes.length;
}

/**
 * `rejected EXEC --out DIR`: the run's `rows.csv` (the rejected rows as read) and `errors.csv` (why), at the keys
 * its manifest names.
 */
export async function rejectedCommand(ctx: OpsContext, args: CommandArgs): Promise<number> {
  const exec = executionArgument("rejected", args);
  const dir = args.values.out as string | undefined;
  if (dir === undefined) throw new UsageError("rejected needs --out DIR (where rows.csv and errors.csv go)");
  const manifest = await readManifest(ctx.clients, ctx.outputs, exec);
  if (manifest === undefined) {
    if ((await describeExecution(ctx.clients, ctx.outputs, exec)) === undefined) throw unknownExecution(exec);
    throw new OpsFailureError(
      `run "${exec}" has no manifest (${ctx.outputs.resultsPrefix}${exec}.json): its aggregation did not run, so no rejected rows were written; \`npm run ops -- show ${exec}\` tells why`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const files = [
    { name: "rows.csv", key: manifest.rejected.rows },
    { name: "errors.csv", key: manifest.rejected.errors },
  ];
  for (const f of files) {
    const bytes = await download(ctx, f.key, join(dir, f.name));
    ctx.out(`${join(dir, f.name)}  ${bytes} bytes  (s3://${ctx.outputs.bucketName}/${f.key})`);
  }
  ctx.out(`${manifest.rejected.rowCount} rejected row(s), ${manifest.rejected.errorCount} error line(s)`);
  return 0;
}
