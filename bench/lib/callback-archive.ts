import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type HandlerBundle, lambdaCode, PackagingError } from "../../infra/package";

/**
 * A handler's archive as `aws.lambda.CallbackFunction` would upload it, built and unpacked without a deploy: the
 * package-size goal (P3) and the offline deploy test measure and run what a deploy would ship. Deploys never need
 * them, so they live with the bench.
 */

/** Archive contents, keyed by path inside the archive. */
export type ArchiveFiles = Record<string, pulumi.asset.Asset | pulumi.asset.Archive>;

/**
 * Builds a handler's archive contents exactly as `aws.lambda.CallbackFunction` does: `serializeFunction` with the
 * same options into `__index.js`, then `pulumi.runtime.computeCodePaths` (with `aws-sdk` excluded, as it adds).
 */
export async function buildArchive(bundle: HandlerBundle): Promise<ArchiveFiles> {
  const code = lambdaCode(bundle);
  const closure = await pulumi.runtime.serializeFunction(code.callbackFactory, {
    serialize: (_) => true,
    exportName: "handler",
    isFactoryFunction: true,
    allowSecrets: true,
  });
  const files: ArchiveFiles = { "__index.js": new pulumi.asset.StringAsset(closure.text) };
  const options: pulumi.runtime.CodePathOptions = {
    ...code.codePathOptions,
    extraExcludePackages: [...(code.codePathOptions.extraExcludePackages ?? []), "aws-sdk"],
  };
  for (const [path, asset] of await pulumi.runtime.computeCodePaths(options)) files[path] = asset;
  return files;
}

/** Writes archive contents into `dir` (as Lambda would unpack them); returns the file count and total bytes. */
export async function writeArchive(files: ArchiveFiles, dir: string): Promise<{ files: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  const put = (target: string, data: Buffer) => {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
    count += 1;
    bytes += data.length;
  };
  for (const [path, item] of Object.entries(files)) {
    const target = join(dir, path);
    // biome-ignore lint/suspicious/noExplicitAny: asset classes expose their source through Promise-typed fields
    const a = item as any;
    if (a.text !== undefined) put(target, Buffer.from(await a.text));
    else if (a.path !== undefined && item instanceof pulumi.asset.FileAsset) put(target, readFileSync(await a.path));
    else if (a.path !== undefined && item instanceof pulumi.asset.FileArchive) {
      throw new PackagingError(`Archive entry ${path} is a whole directory; packaging lists single files only.`);
    } else throw new PackagingError(`Archive entry ${path} has an unsupported asset type.`);
  }
  return { files: count, bytes };
}
