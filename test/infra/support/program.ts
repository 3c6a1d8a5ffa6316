import { installMocks, type MockResource, settle } from "../../support/pulumi-mocks";

let loaded: Promise<{ resources: MockResource[]; program: Record<string, unknown> }> | undefined;

/** Runs the Pulumi program once per test process under mocks; every infra test file shares the result. */
export function runProgram(): Promise<{ resources: MockResource[]; program: Record<string, unknown> }> {
  loaded ??= (async () => {
    const resources = installMocks();
    const program = require("../../../index") as Record<string, unknown>;
    await settle(resources);
    return { resources, program };
  })();
  return loaded;
}
