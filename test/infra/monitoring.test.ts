import assert from "node:assert/strict";
import type * as awsx from "@pulumi/awsx";
import { FUNCTION_KEYS, FUNCTION_SPECS } from "../../infra/functions";
import { alarmActions, alarmId } from "../../infra/monitoring/alarms";
import { dashboardGraphs } from "../../infra/monitoring/dashboard";
import { DEAD_LETTER_MONITOR_ID } from "../../infra/monitoring/dead-letter";
import { TABLE_OPERATIONS } from "../../infra/monitoring/dynamodb";
import type { Monitor } from "../../infra/monitoring/model";
import { monitoringThresholds } from "../../infra/monitoring/thresholds";
import { runProgram } from "../support/infra-program";
import { type MockResource, PROJECT, TEST_CONFIG } from "../support/pulumi-mocks";

type Metric = awsx.classic.cloudwatch.Metric;
const metric = (label: string) => ({ label }) as unknown as Metric;

describe("Monitoring", () => {
  describe("alarmId", () => {
    it("names an alarm <monitor>-<alarm>-<severity> in lower case", () => {
      assert.equal(alarmId("split-csv", "errors", "Warning"), "split-csv-errors-warning");
      assert.equal(alarmId("pipeline", "error-count", "Critical"), "pipeline-error-count-critical");
    });
  });

  describe("alarmActions", () => {
    const targets = { alarmTopicArn: "alarms", teamTopicArn: "team", onCallTopicArn: "pager" };

    it("informs the team of Warning alarms and never pages", () => {
      assert.deepEqual(alarmActions("Warning", targets), { alarmActions: ["team"], okActions: [] });
    });

    it("pages on-call for Critical alarms and reports their recovery on the alarm topic", () => {
      assert.deepEqual(alarmActions("Critical", targets), {
        alarmActions: ["alarms", "pager"],
        okActions: ["alarms"],
      });
      assert.deepEqual(alarmActions("Critical", { ...targets, onCallTopicArn: undefined }).alarmActions, ["alarms"]);
    });
  });

  describe("monitoringThresholds", () => {
    it("pages on-call at the configured row-error counts and informs the team of resource trouble", () => {
      const t = monitoringThresholds({ errorCount: 25, criticalErrorCount: 3, periodSeconds: 600 });
      assert.equal(t.periodSeconds, 600);
      assert.deepEqual(t.pipeline, { errorCount: { Critical: 25 }, criticalErrorCount: { Critical: 3 } });
      assert.deepEqual(t.stateMachine.executionsFailed, { Critical: 1 });
      assert.deepEqual(t.functions, { errors: { Warning: 1 }, throttles: { Warning: 1 } });
      assert.deepEqual(t.tables.throttledRequests, { Warning: 1 });
    });
  });

  describe("dashboardGraphs", () => {
    it("orders graphs by monitor kind and merges same-titled graphs of one kind", () => {
      const monitors: Monitor[] = [
        { id: "b-table", kind: "table", alarms: [], graphs: [{ title: "Throttles", metrics: [metric("b")] }] },
        { id: "f1", kind: "function", alarms: [], graphs: [{ title: "Lambda", metrics: [metric("f1")] }] },
        { id: "a-table", kind: "table", alarms: [], graphs: [{ title: "Throttles", metrics: [metric("a")] }] },
        { id: "f2", kind: "function", alarms: [], graphs: [{ title: "Lambda", metrics: [metric("f2")] }] },
        { id: "pipeline", kind: "pipeline", alarms: [], graphs: [{ title: "Rows", metrics: [metric("p")] }] },
      ];
      const graphs = dashboardGraphs(monitors);
      assert.deepEqual(
        graphs.map((g) => [g.title, g.metrics.map((m) => (m as unknown as { label: string }).label)]),
        [
          ["Rows", ["p"]],
          ["Lambda", ["f1", "f2"]],
          ["Throttles", ["b", "a"]],
        ],
      );
      assert.deepEqual(monitors[1].graphs[0].metrics.length, 1, "merging leaves the monitors' own graphs alone");
    });
  });

  describe("in the deployed program", () => {
    let alarms: MockResource[];

    before(async function () {
      this.timeout(120_000);
      const { resources } = await runProgram();
      alarms = resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
    });

    it("has one monitor per thing watched, every alarm named by the one scheme", () => {
      const monitors = [
        "pipeline",
        "sfn",
        ...FUNCTION_KEYS.map((k) => FUNCTION_SPECS[k].name),
        ...Object.keys(TABLE_OPERATIONS).map((k) => `${k}-table`),
        DEAD_LETTER_MONITOR_ID,
      ];
      const scheme = new RegExp(`^orders-dev-(${monitors.join("|")})-[a-z-]+-(warning|critical)$`);
      for (const a of alarms) assert.match(String(a.inputs.name), scheme);
      const seen = new Set(alarms.map((a) => String(a.inputs.name).match(scheme)![1]));
      assert.deepEqual([...seen].sort(), [...monitors].sort());
    });

    it("routes each alarm by the severity in its name", () => {
      const onCall = TEST_CONFIG[`${PROJECT}:onCallTopicArn`];
      for (const a of alarms) {
        const actions = a.inputs.alarmActions as string[];
        const critical = String(a.inputs.name).endsWith("-critical");
        assert.equal(actions.includes(onCall), critical, `${a.inputs.name}: ${actions.join(", ")}`);
        assert.match(String(a.inputs.alarmDescription), critical ? /^\[Critical\] / : /^\[Warning\] /);
      }
    });

    it("watches each table by name for every operation its handlers call", () => {
      const watched = alarms
        .filter((a) => a.inputs.namespace === "AWS/DynamoDB")
        .map((a) => {
          const d = a.inputs.dimensions as { TableName: string; Operation: string };
          return `${d.TableName} ${d.Operation}`;
        })
        .sort();
      // The DynamoDB calls of functions/adapters (error-store, run-store, upload-claim, chunk-summaries).
      assert.deepEqual(watched, [
        "orders-dev-errors BatchWriteItem",
        "orders-dev-errors PutItem",
        "orders-dev-errors Query",
        "orders-dev-runs BatchWriteItem",
        "orders-dev-runs DeleteItem",
        "orders-dev-runs GetItem",
        "orders-dev-runs PutItem",
        "orders-dev-runs Query",
        "orders-dev-runs UpdateItem",
      ]);
    });
  });
});
