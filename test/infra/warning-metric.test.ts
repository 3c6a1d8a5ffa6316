import assert from "node:assert/strict";
import { METRICS } from "../../functions/contract";
import { runProgram } from "../support/infra-program";
import type { MockResource } from "../support/pulumi-mocks";

describe("WarningCount in the deployed program", () => {
  let resources: MockResource[];

  before(async function () {
    this.timeout(120_000);
    ({ resources } = await runProgram());
  });

  it("graphs WarningCount beside ErrorCount on the dashboard, on {Pipeline}", () => {
    const dash = resources.find((r) => r.type === "aws:cloudwatch/dashboard:Dashboard");
    const body = JSON.parse(String(dash?.inputs.dashboardBody)) as {
      widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
    };
    const graph = body.widgets.find((w) => w.properties.title === "Row errors");
    const names = (graph?.properties.metrics ?? []).map((m) => m.filter((x) => typeof x === "string").slice(0, 2));
    assert.deepEqual(
      names.map(([namespace, name]) => `${namespace} ${name}`),
      [METRICS.errorCount, METRICS.criticalErrorCount, METRICS.warningCount, METRICS.rowsProcessed].map(
        (name) => `${METRICS.namespace} ${name}`,
      ),
    );
  });

  it("alarms on no WarningCount: a header warning pages no one and informs no alarm topic", () => {
    const alarms = resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
    assert.ok(
      alarms.some((a) => a.inputs.metricName === METRICS.errorCount),
      "the ErrorCount alarm exists",
    );
    assert.deepEqual(
      alarms.filter((a) => a.inputs.metricName === METRICS.warningCount).map((a) => a.inputs.name),
      [],
    );
  });
});
