import { execFile } from "node:child_process";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { installMocks, type MockResource, resolveOutput, settle } from "./pulumi-mocks";

let loaded: Promise<{ resources: MockResource[]; program: Record<string, unknown> }> | undefined;

/**
 * Runs the Pulumi program once per test process under mocks; every infra test file shares the result. Waits for
 * every stack output, then until no resource has been registered for 1.5 s (a loaded machine delays registrations
 * that wait on other resources' outputs).
 */
export function runProgram(): Promise<{ resources: MockResource[]; program: Record<string, unknown> }> {
  loaded ??= (async () => {
    const resources = installMocks();
    const program = require("../../index") as Record<string, unknown>;
    await Promise.all(Object.values(program).map((v) => resolveOutput(v as pulumi.Output<unknown>)));
    await settle(resources, 1500);
    return { resources, program };
  })();
  return loaded;
}

/** What a program run in its own process produced: its resources, its stack outputs, or how it failed. */
export interface ProgramRun {
  resources: MockResource[];
  outputs: Record<string, unknown>;
}

/** Runs the program under mocks in a process of its own (mocks and config are per process). */
const RUNNER = `
const { installMocks, resolveOutput, settle } = require("./test/support/pulumi-mocks");
const resources = installMocks(JSON.parse(process.env.MOCK_CONFIG), JSON.parse(process.env.MOCK_SECRET_KEYS));
const program = require("./index");
(async () => {
  const names = Object.keys(program);
  const values = await Promise.all(names.map((n) => resolveOutput(program[n])));
  await settle(resources, 2000);
  process.stdout.write(JSON.stringify({ resources, outputs: Object.fromEntries(names.map((n, i) => [n, values[i]])) }));
})();
`;

/**
 * Runs the program under mocks with `config` in a child process and resolves with its resources and outputs; rejects
 * with the child's stderr when the program fails.
 */
export function runProgramWith(config: Record<string, string>, secretKeys: readonly string[]): Promise<ProgramRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["-r", join(process.cwd(), "local", "register.js"), "-e", RUNNER],
      {
        env: { ...process.env, MOCK_CONFIG: JSON.stringify(config), MOCK_SECRET_KEYS: JSON.stringify(secretKeys) },
        timeout: 180_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
  });
}
