import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { join, relative, resolve, sep } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { PipelineError } from "../functions/core/errors";
import { MODULE_REDIRECTS, realNodeModules, trimmedFiles } from "./bundle-shaping";
import { BUNDLED_SDK_PACKAGES, RUNTIME_PROVIDED_SCOPES } from "./runtime-sdk";

/** A function cannot be packaged: the message names the function or file and what to do. */
export class PackagingError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PackagingError", message, options);
  }
}

/**
 * Lambda packaging.
 *
 * `aws.lambda.CallbackFunction` serializes a closure into `__index.js` and, by default, adds every package named in
 * `dependencies` of package.json with its whole dependency tree (@pulumi/aws alone is ~84 MB). Two problems follow:
 * the archive is huge, and closure serialization of our handler modules by value is not faithful (module-level
 * `Map`s become plain objects, so a warm-container cache would throw at run time).
 *
 * So each handler is bundled instead: esbuild turns its module graph into one minified CommonJS file,
 * `out/lambda/<name>/index.js` (platform node, target node22, tree-shaken). CallbackFunction still builds the
 * archive: `callbackFactory` is a one-line closure that `require`s that file at cold start,
 * `codePathOptions.extraIncludePaths` lists it and `extraExcludePackages` drops every package.json dependency, so
 * the archive holds exactly `__index.js` and the bundle.
 *
 * - `@aws-sdk/*` (and the `@smithy/*` / `@aws-crypto/*` packages beneath it) stay external: the nodejs22.x runtime
 *   provides AWS SDK v3 on its module path; but the SDK's libraries (`BUNDLED_SDK_PACKAGES`) are bundled at the
 *   tested version. `@pulumi/*` is deployment-time only; a bundle that reaches it fails.
 * - Modules our code cannot reach are replaced while bundling ({@link TRIMMED_MODULES}): iconv-lite's code-page
 *   tables other than Shift_JIS (we only ever decode CP932 and UTF-8, see `functions/core/csv/encoding.ts`) and its
 *   generated single-byte code pages. A replaced table throws a message naming this file if it is ever loaded.
 * - zod is imported as a namespace (`import * as z from "zod"`, in functions/core), which esbuild tree-shakes:
 *   `import { z }` would keep every export of zod (all its locales, ~290 KB minified). `yaml` resolves to its ES
 *   module build ({@link MODULE_REDIRECTS}).
 * - No source map goes into the archive: mapping needs `--enable-source-maps` at run time (slower stack traces,
 *   and the map would be larger than the code). esbuild writes `index.js.map` beside the bundle under `out/`
 *   instead; the build is deterministic, so a minified stack trace from CloudWatch can be mapped back locally.
 */

/**
 * The bundler, resolved from the project while `pulumi up` runs: a deploy-time dependency, so it is listed in
 * `dependencies` of package.json (an install without devDependencies must still deploy).
 */
export const BUNDLER_PACKAGE = "esbuild";

export { MODULE_REDIRECTS, type ModuleRedirect, TRIMMED_MODULES, type TrimmedModule } from "./bundle-shaping";
export { BUNDLED_SDK_PACKAGES, RUNTIME_PROVIDED_SCOPES } from "./runtime-sdk";

/** What one bundled handler consists of. Paths are relative to the project directory (the Pulumi program's cwd). */
export interface HandlerBundle {
  /** Function name, e.g. `split-csv`. */
  name: string;
  /** The handler's TypeScript entry, e.g. `functions/split-csv.ts`. */
  entry: string;
  /** Directory holding the bundle (and its source map, which is not packed). */
  stageDir: string;
  /** Path that `__index.js` requires at cold start (relative to the archive root). */
  requirePath: string;
  /** Every file the archive must contain besides `__index.js`: the bundle alone. */
  files: string[];
  /** npm packages bundled in (by name), sorted. */
  packages: string[];
  /** Runtime-provided packages the code loads (left external), sorted. */
  runtimePackages: string[];
  /** Package files replaced by {@link TRIMMED_MODULES} (as `package/path`), sorted. */
  trimmed: string[];
  /** Bytes each npm package (by name) and `functions/` contribute to the bundle, largest first. */
  contributions: { source: string; bytes: number }[];
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function packageNameOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** `node_modules/<pkg>/...` (the innermost node_modules) → package name; undefined for project files. */
function packageOfInput(path: string): string | undefined {
  const at = path.lastIndexOf("node_modules/");
  return at === -1 ? undefined : packageNameOf(path.slice(at + "node_modules/".length));
}

/**
 * Runs in a child Node process: esbuild's synchronous API takes no plugins, and the Pulumi program declares its
 * resources synchronously. Reads `{ esbuild, options, replace, redirects }` from stdin and writes
 * `{ metafile, replaced }` to stdout; on failure, esbuild's messages to stderr.
 */
const BUILD_SCRIPT = String.raw`
const fs = require("node:fs");
const req = JSON.parse(fs.readFileSync(0, "utf8"));
const { build } = require(req.esbuild);
const replaced = new Set();
const packageOf = (spec) => spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/");
const shape = {
  name: "shape-bundle",
  setup(b) {
    for (const r of req.redirects) b.onResolve({ filter: new RegExp(r.filter) }, () => ({ path: r.path }));
    // The runtime's SDK stays external, but for the packages bundled at the tested version.
    b.onResolve({ filter: /^@/ }, (args) => {
      if (!req.runtimeScopes.some((s) => args.path.startsWith(s))) return undefined;
      if (req.bundledSdk.includes(packageOf(args.path))) return undefined;
      return { path: args.path, external: true };
    });
    b.onLoad({ filter: /\.(js|json)$/ }, (args) => {
      const contents = req.replace[args.path];
      if (contents === undefined) return undefined;
      replaced.add(args.path);
      return { contents, loader: "js" };
    });
  },
};
build(Object.assign({}, req.options, { plugins: [shape] })).then(
  (result) =>
    process.stdout.write(JSON.stringify({ metafile: result.metafile, replaced: [...replaced] })),
  (error) => {
    const where = (e) => (e.location ? e.location.file + ":" + e.location.line + ": " : "");
    const lines = (error.errors || []).map((e) => where(e) + e.text);
    process.stderr.write(lines.length > 0 ? lines.join("\n") : String(error && error.message));
    process.exit(1);
  },
);
`;

interface Metafile {
  inputs: Record<string, { bytes: number; imports: { path: string; external?: boolean }[] }>;
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

/**
 * Bundles a handler with esbuild into `out/lambda/<name>/index.js` (minified CommonJS for nodejs22.x, AWS SDK
 * external but for {@link BUNDLED_SDK_PACKAGES}, unreachable modules trimmed). Synchronous, so the Pulumi program can call it while declaring resources.
 *
 * @example
 * const bundle = stageHandler("split-csv", "functions/split-csv.ts");
 * bundle.packages; // ["csv-parse", "iconv-lite", "safer-buffer", "yaml", "zod"]
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
    throw new PackagingError(
      `Cannot package function ${name}: ${entry} does not exist. Check the handler path in infra/functions.ts.`,
    );
  }
  let esbuild: string;
  try {
    esbuild = createRequire(join(projectDir, "package.json")).resolve(BUNDLER_PACKAGE);
  } catch {
    throw new PackagingError(
      `Cannot package function ${name}: ${BUNDLER_PACKAGE} is not installed in ${projectDir}. Run npm install.`,
    );
  }
  // Built in a folder of this process's own, then renamed into place file by file (a rename replaces a file
  // atomically): another process staging the same handler at the same time never sees a half-written bundle.
  const buildDir = `${stageRoot}.build-${process.pid}`;
  rmSync(buildDir, { recursive: true, force: true });
  mkdirSync(buildDir, { recursive: true });
  mkdirSync(stageRoot, { recursive: true });
  const outfile = join(stageRoot, "index.js");
  const options = {
    absWorkingDir: projectDir,
    entryPoints: [entryAbs],
    outfile: join(buildDir, "index.js"),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    treeShaking: true,
    // Node reads sources as UTF-8: Japanese text and code-page tables stay 3 bytes a character instead of 6.
    charset: "utf8",
    sourcemap: "external",
    metafile: true,
    logLevel: "silent",
  };
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, ["-e", BUILD_SCRIPT], {
      cwd: projectDir,
      input: JSON.stringify({
        esbuild,
        options,
        replace: trimmedFiles(projectDir),
        runtimeScopes: RUNTIME_PROVIDED_SCOPES,
        bundledSdk: BUNDLED_SDK_PACKAGES,
        redirects: MODULE_REDIRECTS.map((r) => ({
          filter: `^${r.spec.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`,
          path: join(projectDir, "node_modules", r.file),
        })),
      }),
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    rmSync(buildDir, { recursive: true, force: true });
    const detail = String((err as { stderr?: string }).stderr ?? "").trim() || (err as Error).message;
    throw new PackagingError(`Cannot bundle function ${name} (${entry}):\n${detail}\nFix the import named above.`);
  }
  const { metafile, replaced } = JSON.parse(stdout) as { metafile: Metafile; replaced: string[] };
  for (const built of ["index.js.map", "index.js"]) renameSync(join(buildDir, built), join(stageRoot, built));
  rmSync(buildDir, { recursive: true, force: true });

  const packages = new Set<string>();
  const runtimePackages = new Set<string>();
  for (const [input, info] of Object.entries(metafile.inputs)) {
    const pkg = packageOfInput(input);
    if (pkg?.startsWith("@pulumi/")) {
      rmSync(stageRoot, { recursive: true, force: true });
      throw new PackagingError(`Function ${name} bundles ${input}: functions/ must never import @pulumi/*.`);
    }
    if (pkg) packages.add(pkg);
    for (const imp of info.imports) {
      if (imp.external && !BUILTINS.has(imp.path)) runtimePackages.add(packageNameOf(imp.path));
    }
  }
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(".js"));
  const bySource = new Map<string, number>();
  for (const [input, info] of Object.entries(output?.[1].inputs ?? {})) {
    const source = packageOfInput(input) ?? input.split("/")[0];
    bySource.set(source, (bySource.get(source) ?? 0) + info.bytesInOutput);
  }
  const file = relative(projectDir, outfile);
  return {
    name,
    entry,
    stageDir: relative(projectDir, stageRoot),
    requirePath: `./${file.split(sep).join("/")}`,
    files: [file],
    packages: [...packages].sort(),
    runtimePackages: [...runtimePackages].sort(),
    trimmed: replaced.map((p) => relative(realNodeModules(projectDir), p).split(sep).join("/")).sort(),
    contributions: [...bySource]
      .map(([source, bytes]) => ({ source, bytes }))
      .sort((a, b) => b.bytes - a.bytes || a.source.localeCompare(b.source)),
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
