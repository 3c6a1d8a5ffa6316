import type * as pulumi from "@pulumi/pulumi";
import { installMocks, type MockResource, resolveOutput, settle } from "../../support/pulumi-mocks";

let loaded: Promise<{ resources: MockResource[]; program: Record<string, unknown> }> | undefined;

/**
 * Runs the Pulumi program once per test process under mocks; every infra test file shares the result. Waits for
 * every stack output, then until no resource has been registered for 1.5 s (a loaded machine delays registrations
 * that wait on other resources' outputs).
 */
export function runProgram(): Promise<{ resources: MockResource[]; program: Record<string, unknown> }> {
  loaded ??= (async () => {
    const resources = installMocks();
    const program = require("../../../index") as Record<string, unknown>;
    await Promise.all(Object.values(program).map((v) => resolveOutput(v as pulumi.Output<unknown>)));
    await settle(resources, 1500);
    return { resources, program };
  })();
  return loaded;
}
