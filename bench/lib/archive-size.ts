import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { deflateRawSync } from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import type { ArchiveFiles } from "./callback-archive";

/**
 * Archive measurements for the package-size goal (P3) and the offline deploy test: what the default packaging
 * would upload, and the zip size of what ours uploads. Deploys never need them, so they live with the bench.
 */

function bytesUnder(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += bytesUnder(join(path, entry));
  return total;
}

/**
 * Bytes of what `aws.lambda.CallbackFunction` packs by default for this project: `computeCodePaths()` without
 * options (every `dependencies` entry of package.json with its dependency tree; `aws-sdk` excluded, as it does).
 * The yardstick of the archive sizes.
 */
export async function defaultPackageBytes(projectDir = process.cwd()): Promise<{ bytes: number; entries: number }> {
  const paths = await pulumi.runtime.computeCodePaths({ extraExcludePackages: ["aws-sdk"] });
  let bytes = 0;
  for (const [path] of paths) bytes += bytesUnder(resolve(projectDir, path));
  return { bytes, entries: paths.size };
}

/**
 * Size in bytes of the zip Pulumi uploads for these contents: each file deflated (level 9) plus the zip format's
 * local header, central directory entry and end record. Lambda's deployment size limits apply to this number.
 */
export async function zipSize(files: ArchiveFiles, dir: string): Promise<number> {
  let total = 22;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        const name = Buffer.byteLength(relative(dir, p));
        const data = readFileSync(p);
        total += 30 + name + Math.min(data.length, deflateRawSync(data, { level: 9 }).length) + 46 + name;
      }
    }
  };
  if (Object.keys(files).length > 0) walk(dir);
  return total;
}
