import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";

/** A named resource of a stack: its type and the physical name the program gave it. */
interface Named {
  type: string;
  physicalName: string;
}

/** Runs the program under mocks as stack `STACK` (its own process: mocks are per process) and prints named resources. */
const RUNNER = `
const { installMocks, settle, TEST_CONFIG } = require("./test/support/pulumi-mocks");
const resources = installMocks(TEST_CONFIG, undefined, process.env.STACK);
require("./index");
settle(resources, 2000).then(() => {
  const named = [];
  for (const r of resources) {
    const name = r.inputs.name ?? r.inputs.dashboardName ?? (r.type === "aws:s3/bucket:Bucket" ? r.inputs.bucket : undefined);
    if (typeof name === "string") named.push({ type: r.type, physicalName: name });
    // The custom metrics' Pipeline dimension: what the functions emit (PIPELINE_NAME) and what the alarms watch.
    const pipeline = r.inputs.environment?.variables?.PIPELINE_NAME ?? r.inputs.dimensions?.Pipeline;
    if (typeof pipeline === "string") named.push({ type: "Pipeline dimension", physicalName: pipeline });
  }
  process.stdout.write(JSON.stringify(named));
});
`;

function namedResources(stack: string): Promise<Named[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["-r", join(process.cwd(), "local", "register.js"), "-e", RUNNER],
      { env: { ...process.env, STACK: stack }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`stack ${stack}: ${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}

describe("Two stacks of one pipeline in one account", () => {
  let dev: Named[];
  let prod: Named[];

  before(async function () {
    this.timeout(240_000);
    // One after the other: both stage the Lambda bundles into the same out/ directory.
    dev = await namedResources("dev");
    prod = await namedResources("prod");
  });

  it("names tables, the webhook parameter, log groups, alarms, the query, the state machine and the dashboard", () => {
    const types = new Set(dev.map((r) => r.type));
    for (const type of [
      "aws:dynamodb/table:Table",
      "aws:ssm/parameter:Parameter",
      "aws:cloudwatch/logGroup:LogGroup",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "aws:cloudwatch/queryDefinition:QueryDefinition",
      "aws:sfn/stateMachine:StateMachine",
      "aws:cloudwatch/dashboard:Dashboard",
    ]) {
      assert.ok(types.has(type), `no named ${type} in stack dev`);
    }
  });

  it("gives no two resources of the same type the same physical name across the stacks", () => {
    const key = (r: Named) => `${r.type} ${r.physicalName}`;
    const resource = (r: Named) => r.type !== "Pipeline dimension";
    const all = [...dev, ...prod].filter(resource).map(key);
    const duplicates = all.filter((k, i) => all.indexOf(k) !== i);
    assert.deepEqual([...new Set(duplicates)], []);
    assert.equal(
      new Set(dev.filter(resource).map(key)).size,
      prod.filter(resource).length,
      "both stacks declare the same named resources",
    );
  });

  it("keeps each stack's custom metrics apart: one Pipeline dimension per stack, emitted and watched", () => {
    const dimension = (named: Named[]) =>
      [...new Set(named.filter((r) => r.type === "Pipeline dimension").map((r) => r.physicalName))].sort();
    assert.deepEqual(dimension(dev), ["orders-dev"]);
    assert.deepEqual(dimension(prod), ["orders-prod"]);
  });

  it("keeps each stack's names under its own prefix", () => {
    for (const r of dev) assert.match(r.physicalName, /orders-dev/, `${r.type} ${r.physicalName}`);
    for (const r of prod) assert.match(r.physicalName, /orders-prod/, `${r.type} ${r.physicalName}`);
  });
});
