import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FUNCTION_KEYS, FUNCTION_SPECS } from "../../infra/functions";

/** What the Pulumi program consists of: everything `pulumi up` reads, and nothing else. */
const PROGRAM_FILES = [
  "index.ts",
  "infra",
  "blueprint",
  "workflow",
  "functions",
  "package.json",
  "package-lock.json",
  "Pulumi.yaml",
  "tsconfig.json",
];

/**
 * Loads the program as Pulumi's Node.js language host does — TypeScript compiler and ts-node chosen by
 * `@pulumi/pulumi/tsutils` (the project's, else Pulumi's vendored ones), type-checking unless tsconfig says
 * `noCheck` — under the test mocks, and prints the registered resources' types and names.
 */
const RUNNER = `
const tsutils = require("@pulumi/pulumi/tsutils");
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
require(tsnodeRequire).register({
  compiler: typescriptRequire,
  transpileOnly: compilerOptions.noCheck,
  project: "tsconfig.json",
  skipProject: false,
  compilerOptions: {},
});
const { installMocks, settle } = require("./mocks/pulumi-mocks.ts");
const resources = installMocks();
require("./index.ts");
settle(resources, 3000).then(() =>
  process.stdout.write(JSON.stringify(resources.map((r) => ({ type: r.type, name: r.name })))),
);
`;

function run(
  file: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          npm_config_cache: process.env.npm_config_cache,
        },
      },
      (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
    );
  });
}

describe("Pulumi program after npm ci --omit=dev", () => {
  let dir: string;

  before(async function () {
    this.timeout(300_000);
    dir = mkdtempSync(join(tmpdir(), "csv-pipeline-prod-"));
    for (const file of PROGRAM_FILES) cpSync(file, join(dir, file), { recursive: true });
    mkdirSync(join(dir, "mocks"));
    cpSync(join("test", "support", "pulumi-mocks.ts"), join(dir, "mocks", "pulumi-mocks.ts"));
    writeFileSync(join(dir, "run.js"), RUNNER);
    const npm = await run(
      "npm",
      ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
      dir,
      240_000,
    );
    assert.equal(npm.code, 0, `npm ci --omit=dev failed:\n${npm.stderr}`);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("installs no devDependency", () => {
    for (const dev of ["dynalite", "s3rver", "mocha", "aws-local-stepfunctions", "@biomejs/biome"])
      assert.ok(!existsSync(join(dir, "node_modules", dev)), `${dev} was installed without devDependencies`);
  });

  it("declares every resource, Lambda bundles included, with the production install alone", async function () {
    this.timeout(300_000);
    const out = await run(process.execPath, ["run.js"], dir, 280_000);
    assert.equal(out.code, 0, `the program failed to load:\n${out.stderr}`);
    const resources = JSON.parse(out.stdout) as { type: string; name: string }[];
    const count = (type: string) => resources.filter((r) => r.type === type).length;
    assert.equal(count("aws:lambda/function:Function"), FUNCTION_KEYS.length);
    assert.equal(count("aws:dynamodb/table:Table"), 2);
    assert.equal(count("aws:sfn/stateMachine:StateMachine"), 1);
    assert.equal(count("aws:cloudwatch/dashboard:Dashboard"), 1);
    for (const key of FUNCTION_KEYS) {
      const bundle = join(dir, "out", "lambda", FUNCTION_SPECS[key].name, "index.js");
      assert.ok(existsSync(bundle), `${key} was not bundled (${bundle})`);
    }
  });
});
