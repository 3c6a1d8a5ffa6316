import assert from "node:assert/strict";
import { CHECK_RUNS_QUERY } from "../../infra/monitoring/logs";
import { runProgram } from "../support/infra-program";
import type { MockResource } from "../support/pulumi-mocks";

interface Widget {
  type: string;
  height: number;
  properties: Record<string, unknown>;
}

describe("Dashboard (under mocks)", () => {
  let widgets: Widget[];

  before(async function () {
    this.timeout(120_000);
    const { resources } = await runProgram();
    const dashboard = resources.find((r: MockResource) => r.type === "aws:cloudwatch/dashboard:Dashboard")!;
    widgets = (JSON.parse(String(dashboard.inputs.dashboardBody)) as { widgets: Widget[] }).widgets;
  });

  it("draws the check-runs query, which groups by severity and level without bin(), as a table", () => {
    assert.match(CHECK_RUNS_QUERY, /\| stats .* by severity, level/);
    assert.doesNotMatch(CHECK_RUNS_QUERY, /bin\(/, "a query grouped by bin() could be a time series");
    const logs = widgets.filter((w) => w.type === "log");
    assert.equal(logs.length, 1);
    const [widget] = logs;
    assert.equal(widget.properties.title, "Check runs by severity");
    assert.equal(widget.properties.view, "table");
    assert.ok(String(widget.properties.query).endsWith(CHECK_RUNS_QUERY));
    assert.match(String(widget.properties.query), /^SOURCE '\/aws\/lambda\/[^']+' \| fields /);
    assert.equal(widget.properties.region, "ap-northeast-1");
    assert.ok(widget.height >= 6, `a table of a few rows needs room (height ${widget.height})`);
  });
});
