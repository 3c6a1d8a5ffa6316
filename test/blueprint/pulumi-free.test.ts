import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import * as ts from "typescript";

const ROOT = resolve(__dirname, "../..");

/** The extensions a relative import may leave out, in the order TypeScript and ts-node try them. */
const RESOLVE_SUFFIXES = [".ts", ".tsx", ".js", ".json", "/index.ts", "/index.js"];

/** Every `.ts` file under a folder, sorted. */
function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(folder, name))
    .sort();
}

/** The file a relative import names, or undefined when none exists. */
function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [base, ...RESOLVE_SUFFIXES.map((suffix) => base + suffix)]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * The import chains from `entries` that end in an `@pulumi/*` package, following the project's own files
 * transitively. Every kind of import counts (`import type`, `export … from`, `require`, `import()`): a file that
 * only names a Pulumi type still cannot be read without the Pulumi SDK installed.
 */
function pulumiChains(entries: string[], root: string): string[][] {
  const chains: string[][] = [];
  const seen = new Set<string>();
  const walk = (file: string, path: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const here = [...path, relative(root, file).split(sep).join("/")];
    for (const { fileName } of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
      if (fileName === "@pulumi" || fileName.startsWith("@pulumi/")) {
        chains.push([...here, fileName]);
      } else if (fileName.startsWith(".")) {
        const target = resolveRelative(file, fileName);
        assert.ok(target, `${here.at(-1)} imports ${fileName}, which names no file`);
        if (/\.tsx?$/.test(target)) walk(target, here);
      }
    }
  };
  for (const entry of entries) walk(entry, []);
  return chains;
}

function describeChains(chains: string[][]): string {
  return chains.map((chain) => chain.join(" → ")).join("; ");
}

describe("Pulumi-free folders", () => {
  it("keeps every file under blueprint/ free of @pulumi/*, directly and through the files it imports", () => {
    const files = sourceFiles(join(ROOT, "blueprint"));
    const names = files.map((file) => relative(ROOT, file).split(sep).join("/"));
    for (const shared of [
      "blueprint/config/index.ts",
      "blueprint/config/settings.ts",
      "blueprint/role-statements.ts",
      "blueprint/subscriptions.ts",
    ]) {
      assert.ok(names.includes(shared), `${shared} is missing: the walk would prove nothing about it`);
    }
    const chains = pulumiChains(files, ROOT);
    assert.deepEqual(
      chains,
      [],
      `blueprint/ must not load the Pulumi SDK; move the file to infra/: ${describeChains(chains)}`,
    );
  });

  it("keeps every file under functions/ free of @pulumi/*, directly and through the files it imports", () => {
    const files = sourceFiles(join(ROOT, "functions"));
    assert.ok(files.length > 0, "functions/ holds no .ts file");
    const chains = pulumiChains(files, ROOT);
    assert.deepEqual(chains, [], `the handlers must not load the Pulumi SDK: ${describeChains(chains)}`);
  });

  describe("the import walk", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "pulumi-free-"));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it("reports a Pulumi import two files away, a type-only one too, with the chain that reaches it", () => {
      writeFileSync(join(dir, "rule.ts"), 'import { helper } from "./helper";\nexport const rule = helper;\n');
      writeFileSync(
        join(dir, "helper.ts"),
        'import type * as aws from "@pulumi/aws";\nexport { make } from "./deep/index";\nexport const helper = 1;\n',
      );
      writeFileSync(join(dir, "clean.ts"), 'import { rule } from "./rule";\nexport const clean = rule;\n');
      mkdirSync(join(dir, "deep"));
      writeFileSync(join(dir, "deep", "index.ts"), 'export const make = () => require("@pulumi/pulumi");\n');

      const chains = pulumiChains([join(dir, "clean.ts")], dir);

      assert.deepEqual(chains, [
        ["clean.ts", "rule.ts", "helper.ts", "@pulumi/aws"],
        ["clean.ts", "rule.ts", "helper.ts", "deep/index.ts", "@pulumi/pulumi"],
      ]);
    });

    it("finds nothing in a file that only mentions @pulumi in a comment or a string", () => {
      writeFileSync(
        join(dir, "quiet.ts"),
        '// import * as pulumi from "@pulumi/pulumi";\nexport const note = \'import "@pulumi/aws"\';\n',
      );

      assert.deepEqual(pulumiChains([join(dir, "quiet.ts")], dir), []);
    });
  });
});
