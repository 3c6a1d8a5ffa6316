import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { build, type Metafile } from "esbuild";
import { BUNDLER_PACKAGE } from "../../infra/package";

const BUILTINS = new Set(builtinModules);

/**
 * What Pulumi's Node.js language host loads from the project to run index.ts (Pulumi.yaml: `typescript: true`):
 * without them it falls back to its vendored TypeScript 3.8, which cannot compile this code (`import { type … }`,
 * `satisfies`).
 */
const LANGUAGE_HOST_PACKAGES = ["typescript", "ts-node"];

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

function isBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || BUILTINS.has(spec) || BUILTINS.has(packageName(spec));
}

/** The Pulumi program's module graph from index.ts: its own files, and each bare package with who imports it. */
async function programGraph(): Promise<{ files: string[]; packages: Map<string, string[]> }> {
  const result = await build({
    entryPoints: ["index.ts"],
    bundle: true,
    write: false,
    metafile: true,
    packages: "external",
    platform: "node",
    format: "cjs",
    logLevel: "silent",
  });
  const metafile = result.metafile as Metafile;
  const packages = new Map<string, string[]>();
  for (const [file, input] of Object.entries(metafile.inputs)) {
    for (const imp of input.imports) {
      if (!imp.external || isBuiltin(imp.path)) continue;
      const name = packageName(imp.path);
      packages.set(name, [...(packages.get(name) ?? []), file]);
    }
  }
  return { files: Object.keys(metafile.inputs), packages };
}

describe("Pulumi program dependencies", () => {
  let graph: Awaited<ReturnType<typeof programGraph>>;
  const dependencies = Object.keys(
    (JSON.parse(readFileSync("package.json", "utf8")) as { dependencies?: Record<string, string> }).dependencies ?? {},
  );

  before(async function () {
    this.timeout(60_000);
    graph = await programGraph();
  });

  it("lists every package the program imports in dependencies, so an install without devDependencies deploys", () => {
    assert.ok(graph.packages.has("@pulumi/pulumi"), "the module graph of index.ts was not read");
    const missing = [...graph.packages]
      .filter(([name]) => !dependencies.includes(name))
      .map(([name, importers]) => `${name} (imported by ${[...new Set(importers)].join(", ")})`);
    assert.deepEqual(missing, [], `not in "dependencies" of package.json: ${missing.join("; ")}`);
  });

  it("lists the bundler that packages the functions during pulumi up in dependencies", () => {
    assert.ok(
      dependencies.includes(BUNDLER_PACKAGE),
      `${BUNDLER_PACKAGE} (resolved by infra/package.ts during pulumi up) is not in "dependencies" of package.json`,
    );
  });

  it("lists the TypeScript compiler and loader Pulumi runs index.ts with in dependencies", () => {
    const missing = LANGUAGE_HOST_PACKAGES.filter((name) => !dependencies.includes(name));
    assert.deepEqual(missing, [], `not in "dependencies" of package.json: ${missing.join(", ")}`);
  });

  it("reaches no file of the local runner or the tests from index.ts", () => {
    assert.ok(graph.files.includes("index.ts") && graph.files.some((f) => f.startsWith("infra/")));
    const offending = graph.files.filter((f) => /^(local|test|bench|scripts)\//.test(f));
    assert.deepEqual(offending, [], `the Pulumi program loads ${offending.join(", ")}`);
  });
});
