import type * as awsx from "@pulumi/awsx";

/**
 * What a monitor is: the alarms and graphs of one watched thing (a function, a table, the state machine, a queue),
 * each alarm with its thresholds by severity. Each file of this folder builds the monitor of one kind of thing from
 * its metric factory; `./index.ts` turns the monitors into alarms (`./alarms.ts`) and the dashboard
 * (`./dashboard.ts`). A monitor needs only this model.
 */

/** A CloudWatch metric as the monitors declare it (alarmed and graphed alike). */
export type Metric = awsx.classic.cloudwatch.Metric;

export type AlarmSeverity = "Critical" | "Warning";
export const ALARM_SEVERITIES: readonly AlarmSeverity[] = ["Warning", "Critical"];

/** The threshold at which an alarm is raised, per severity; a severity left out raises no alarm. */
export type SeverityThresholds = Partial<Record<AlarmSeverity, number>>;

/**
 * Kinds of monitored things; the dashboard lays its graphs out by kind, except a feed's, which make the feed's own
 * row.
 */
export type MonitorKind = "pipeline" | "stateMachine" | "function" | "table" | "feed";

/** One alarmed metric of a monitor. */
export interface MonitorAlarm {
  /** Unique within the monitor, e.g. `errors`. */
  id: string;
  metric: Metric;
  thresholds: SeverityThresholds;
  comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";
  /** What a breach means, for the alarm's description. */
  describe(threshold: number): string;
}

/** A graph of the dashboard; graphs of the same title from monitors of one kind are drawn as one. */
export interface MonitorGraph {
  title: string;
  metrics: Metric[];
}

/** Everything watched about one thing: its alarms and its graphs. */
export interface Monitor {
  /** Unique among monitors, e.g. `split-csv`: the middle of its alarms' names. */
  id: string;
  kind: MonitorKind;
  alarms: MonitorAlarm[];
  graphs: MonitorGraph[];
}
