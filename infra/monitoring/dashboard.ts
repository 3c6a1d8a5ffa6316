import * as awsx from "@pulumi/awsx";
import type * as pulumi from "@pulumi/pulumi";
import type { AlarmSpec } from "./alarms";
import { feedMonitorId, type MonitoredFeed } from "./feed";
import { checkRunsWidget } from "./logs";
import type { Monitor, MonitorGraph, MonitorKind } from "./model";

const cw = awsx.classic.cloudwatch;
type Widget = awsx.classic.cloudwatch.Widget;

/** The order in which the dashboard shows monitor kinds. */
export const DASHBOARD_KIND_ORDER: readonly MonitorKind[] = ["pipeline", "stateMachine", "function", "table"];

/**
 * The dashboard's graphs: kinds in {@link DASHBOARD_KIND_ORDER}; within a kind, graphs of the same title (one per
 * function, one per table) are merged into one, in monitor order.
 */
export function dashboardGraphs(monitors: readonly Monitor[]): MonitorGraph[] {
  const out: MonitorGraph[] = [];
  for (const kind of DASHBOARD_KIND_ORDER) {
    const byTitle = new Map<string, MonitorGraph>();
    for (const monitor of monitors.filter((m) => m.kind === kind)) {
      for (const graph of monitor.graphs) {
        const merged = byTitle.get(graph.title);
        if (merged) merged.metrics.push(...graph.metrics);
        else {
          const copy = { title: graph.title, metrics: [...graph.metrics] };
          byTitle.set(graph.title, copy);
          out.push(copy);
        }
      }
    }
  }
  return out;
}

/** What the dashboard is composed of. */
export interface DashboardContent {
  /** Named in the title row. */
  pipelineName: string;
  monitors: readonly Monitor[];
  /** Every alarm created, in creation order: feeds list their own, the alarm widget shows them all. */
  specs: readonly AlarmSpec[];
  alarmArns: pulumi.Input<string>[];
  feeds: readonly MonitoredFeed[];
  /** The check function's log group, whose runs the bottom table sums. */
  checkLogGroupName: pulumi.Input<string>;
}

/**
 * The dashboard's rows, top-down: a title; the monitors' graphs by kind ({@link dashboardGraphs}) two to a row,
 * ending with the alarms; one row per feed (what it watches, its alarms, its graphs); the check runs by severity.
 */
export function dashboardRows(content: DashboardContent): Widget[] {
  const graphs = dashboardGraphs(content.monitors).map(
    (g) => new cw.LineGraphMetricWidget({ title: g.title, metrics: g.metrics, width: 12 }),
  );
  const halfWidth: Widget[] = [
    ...graphs,
    new cw.AlarmWidget({ title: "Alarms", alarms: content.alarmArns, width: 12 }),
  ];
  const rows: Widget[] = [
    new cw.RowWidget(
      new cw.TextWidget({ markdown: `# ${content.pipelineName}: CSV processing`, width: 24, height: 1 }),
    ),
  ];
  for (let i = 0; i < halfWidth.length; i += 2) rows.push(new cw.RowWidget(...halfWidth.slice(i, i + 2)));
  for (const feed of content.feeds) rows.push(feedRow(feed, content));
  rows.push(new cw.RowWidget(checkRunsWidget(content.checkLogGroupName)));
  return rows;
}

/** One feed's row: where its uploads go and its own alarms, beside its graphs. */
function feedRow(feed: MonitoredFeed, content: DashboardContent): Widget {
  const monitor = content.monitors.find((m) => m.id === feedMonitorId(feed.name))!;
  const alarms = content.specs.filter((spec) => spec.monitor === monitor.id);
  const lines = [
    `### Feed ${feed.name}`,
    `Uploads under \`${feed.prefix}\``,
    alarms.length > 0 ? alarms.map((spec) => `- ${spec.description}`).join("\n") : "No alarms of its own.",
  ];
  return new cw.RowWidget(
    new cw.TextWidget({ markdown: lines.join("\n\n"), width: 6, height: 6 }),
    ...monitor.graphs.map((g) => new cw.LineGraphMetricWidget({ title: g.title, metrics: g.metrics, width: 9 })),
  );
}
