import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import ts from "typescript";

/**
 * Lambda packaging.
 *
 * `aws.lambda.CallbackFunction` serializes a closure into `__index.js` and, by default, adds every package named in
 * `dependencies` of package.json with its whole dependency tree (@pulumi/aws alone is ~84 MB). Two problems follow:
 * the archive is huge, and closure serialization of our handler modules by value is not faithful (module-level
 * `Map`s become plain objects, so a warm-container cache would throw at run time).
 *
 * So each handler is staged instead: its TypeScript module graph is transpiled to CommonJS under
 * `out/lambda/<name>/`, every `require()` is traced statically file by file, and the archive holds exactly the files
 * reached — the handler's own modules and the individual files of the npm packages it loads (with their
 * package.json files for `exports` resolution). CallbackFunction still builds the archive: `callbackFactory` is a
 * one-line closure that `require`s the staged entry at cold start, `codePathOptions.extraIncludePaths` lists the
 * traced files and `extraExcludePackages` drops every package.json dependency (nothing is added by the walk).
 *
 * `@aws-sdk/*` (and the `@smithy/*` / `@aws-crypto/*` packages beneath it) are not packed: the nodejs22.x runtime
 * provides AWS SDK v3 on its module path. `@pulumi/*` is deployment-time only and never reached from `functions/`.
 */

/** Packages the Lambda nodejs22.x runtime provides (AWS SDK v3 and its internals). */
export const RUNTIME_PROVIDED_SCOPES = ["@aws-sdk/", "@smithy/", "@aws-crypto/", "@aws/"] as const;

/** What one staged handler consists of. Paths are relative to the project directory (the Pulumi program's cwd). */
export interface HandlerBundle {
  /** Function name, e.g. `split-csv`. */
  name: string;
  /** The handler's TypeScript entry, e.g. `functions/split-csv.ts`. */
  entry: string;
  /** Directory holding the transpiled modules. */
  stageDir: string;
  /** Path that `__index.js` requires at cold start (relative to the archive root). */
  requirePath: string;
  /** Every file the archive must contain besides `__index.js` (staged modules + traced npm files). */
  files: string[];
  /** npm packages packed (by name), sorted. */
  packages: string[];
  /** Runtime-provided packages the code loads (not packed), sorted. */
  runtimePackages: string[];
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const REQUIRE_RE = /\brequire\(\s*["']([^"'\n]+)["']\s*\)/g;

function packageNameOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

function isRuntimeProvided(pkg: string): boolean {
  return RUNTIME_PROVIDED_SCOPES.some((scope) => pkg.startsWith(scope));
}

/** Root directory of the package that holds `file` (the nearest node_modules/<name> above it). */
function packageRootOf(file: string): string {
  const marker = `${sep}node_modules${sep}`;
  const at = file.lastIndexOf(marker);
  const rest = file.slice(at + marker.length).split(sep);
  const depth = rest[0].startsWith("@") ? 2 : 1;
  return file.slice(0, at + marker.length) + rest.slice(0, depth).join(sep);
}

function resolveLocal(fromFile: string, spec: string): string {
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [
    base,
    `${base}.ts`,
    `${base}.js`,
    `${base}.json`,
    join(base, "index.ts"),
    join(base, "index.js"),
  ]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`Cannot package ${fromFile}: its import "${spec}" does not resolve to a file. Fix the import path.`);
}

/**
 * Transpiles a handler's local module graph to `out/lambda/<name>/` and traces every file it loads.
 * Synchronous, so the Pulumi program can call it while declaring resources.
 *
 * @example
 * const bundle = stageHandler("split-csv", "functions/split-csv.ts");
 * bundle.packages; // ["csv-parse", "iconv-lite", "safer-buffer", ...]
 */
export function stageHandler(
  name: string,
  entry: string,
  opts: { projectDir?: string; outDir?: string } = {},
): HandlerBundle {
  const projectDir = resolve(opts.projectDir ?? process.cwd());
  const stageRoot = resolve(projectDir, opts.outDir ?? join("out", "lambda"), name);
  const entryAbs = resolve(projectDir, entry);
  if (!existsSync(entryAbs)) {
    throw new Error(
      `Cannot package function ${name}: ${entry} does not exist. Check the handler path in infra/functions.ts.`,
    );
  }
  rmSync(stageRoot, { recursive: true, force: true });

  const files = new Set<string>();
  const packages = new Set<string>();
  const runtimePackages = new Set<string>();
  const seen = new Set<string>();
  const queue: string[] = [entryAbs];

  const stagedPathOf = (src: string) => join(stageRoot, relative(projectDir, src).replace(/\.ts$/, ".js"));

  const follow = (fromFile: string, text: string) => {
    for (const match of text.matchAll(REQUIRE_RE)) {
      const spec = match[1];
      if (BUILTINS.has(spec)) continue;
      if (spec.startsWith(".") || spec.startsWith("/")) {
        const inPackage = fromFile.includes(`${sep}node_modules${sep}`);
        if (inPackage) {
          let target: string;
          try {
            target = createRequire(fromFile).resolve(spec);
          } catch {
            continue; // optional files some packages probe for inside try/catch
          }
          queue.push(target);
        } else {
          queue.push(resolveLocal(fromFile, spec));
        }
        continue;
      }
      const pkg = packageNameOf(spec);
      if (isRuntimeProvided(pkg)) {
        runtimePackages.add(pkg);
        continue;
      }
      if (pkg.startsWith("@pulumi/")) {
        throw new Error(
          `Function ${name} loads ${spec} (from ${relative(projectDir, fromFile)}): functions/ must never import @pulumi/*.`,
        );
      }
      let target: string;
      try {
        target = createRequire(fromFile).resolve(spec);
      } catch {
        if (fromFile.includes(`${sep}node_modules${sep}`)) continue; // optional peer probed inside a package
        throw new Error(
          `Function ${name} loads "${spec}" (from ${relative(projectDir, fromFile)}) but it is not installed. Add it to dependencies.`,
        );
      }
      if (BUILTINS.has(target)) continue;
      queue.push(target);
    }
  };

  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (file.includes(`${sep}node_modules${sep}`)) {
      const root = packageRootOf(file);
      const pkgJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string };
      packages.add(pkgJson.name);
      files.add(relative(projectDir, join(root, "package.json")));
      files.add(relative(projectDir, file));
      if (/\.(c?js)$/.test(file)) follow(file, readFileSync(file, "utf8"));
      continue;
    }
    const out = stagedPathOf(file);
    mkdirSync(dirname(out), { recursive: true });
    if (file.endsWith(".ts")) {
      const js = ts.transpileModule(readFileSync(file, "utf8"), {
        fileName: file,
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
          sourceMap: false,
        },
      }).outputText;
      writeFileSync(out, js);
      follow(file, js);
    } else {
      copyFileSync(file, out);
      if (file.endsWith(".js")) follow(file, readFileSync(file, "utf8"));
    }
    files.add(relative(projectDir, out));
  }

  const requirePath = `./${relative(projectDir, stagedPathOf(entryAbs)).split(sep).join("/")}`;
  return {
    name,
    entry,
    stageDir: relative(projectDir, stageRoot),
    requirePath,
    files: [...files].sort(),
    packages: [...packages].sort(),
    runtimePackages: [...runtimePackages].sort(),
  };
}

/** Every `dependencies` entry of the project's package.json (all excluded from the default walk). */
export function projectDependencies(projectDir = process.cwd()): string[] {
  const pkg = JSON.parse(readFileSync(join(projectDir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(pkg.dependencies ?? {}).sort();
}

/** A Lambda handler as loaded at cold start. */
export type LoadedHandler = (event: unknown, context: unknown) => Promise<unknown>;

/**
 * The `callbackFactory` and `codePathOptions` to give `aws.lambda.CallbackFunction` for a staged handler.
 * The factory runs once per cold start and loads the staged module, so module-level state works as written.
 */
export function lambdaCode(bundle: HandlerBundle): {
  callbackFactory: () => LoadedHandler;
  codePathOptions: pulumi.runtime.CodePathOptions;
} {
  const path = bundle.requirePath;
  return {
    callbackFactory: () => require(path).handler,
    codePathOptions: {
      extraIncludePaths: [...bundle.files],
      extraExcludePackages: projectDependencies(),
    },
  };
}

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
      throw new Error(`Archive entry ${path} is a whole directory; packaging lists single files only.`);
    } else throw new Error(`Archive entry ${path} has an unsupported asset type.`);
  }
  return { files: count, bytes };
}

/**
 * Size in bytes of the zip Pulumi uploads for these contents: each file deflated (level 9) plus the zip format's
 * local header, central directory entry and end record. Lambda's deployment size limits apply to this number.
 */
export async function zipSize(files: ArchiveFiles, dir: string): Promise<number> {
  const { deflateRawSync } = await import("node:zlib");
  const { readdirSync } = await import("node:fs");
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
