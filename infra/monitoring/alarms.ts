import type * as pulumi from "@pulumi/pulumi";
import {
  ALARM_SEVERITIES,
  type AlarmSeverity,
  type Metric,
  type Monitor,
  type MonitorAlarm,
  type MonitorKind,
} from "./model";

/** One alarm as created: which monitor, which metric, which severity. */
export interface AlarmSpec {
  /** `<monitor>-<alarm>-<severity>`: the alarm's name after the name prefix, and its key in `Monitoring.alarms`. */
  id: string;
  monitor: string;
  kind: MonitorKind;
  severity: AlarmSeverity;
  metric: Metric;
  threshold: number;
  comparison: MonitorAlarm["comparison"];
  description: string;
}

/** The one alarm naming scheme: `<prefix>-<monitor>-<alarm>-<severity>`, all lower case. */
export function alarmId(monitor: string, alarm: string, severity: AlarmSeverity): string {
  return `${monitor}-${alarm}-${severity.toLowerCase()}`;
}

/**
 * Every alarm the monitors declare, in monitor order: one per alarmed metric and severity that has a threshold (a
 * severity left out of an alarm's thresholds raises none).
 */
export function alarmSpecs(monitors: readonly Monitor[]): AlarmSpec[] {
  return monitors.flatMap((monitor) =>
    monitor.alarms.flatMap((alarm) =>
      ALARM_SEVERITIES.flatMap((severity): AlarmSpec[] => {
        const threshold = alarm.thresholds[severity];
        if (threshold === undefined) return [];
        return [
          {
            id: alarmId(monitor.id, alarm.id, severity),
            monitor: monitor.id,
            kind: monitor.kind,
            severity,
            metric: alarm.metric,
            threshold,
            comparison: alarm.comparison,
            description: alarm.describe(threshold),
          },
        ];
      }),
    ),
  );
}

/** Who is notified when an alarm of a severity fires and when it recovers. */
export interface AlarmTargets {
  /** Critical alarms: the alarm topic (the on-call e-mail is subscribed to it without a filter). */
  alarmTopicArn: pulumi.Input<string>;
  /** Warning alarms: the team. */
  teamTopicArn: pulumi.Input<string>;
  /** Existing on-call topic (PagerDuty/Opsgenie) that Critical alarms also notify. */
  onCallTopicArn?: string;
}

/** The one place alarm actions are decided: Warning informs the team; Critical pages on-call and reports recovery. */
export function alarmActions(
  severity: AlarmSeverity,
  targets: AlarmTargets,
): { alarmActions: pulumi.Input<string>[]; okActions: pulumi.Input<string>[] } {
  if (severity === "Warning") return { alarmActions: [targets.teamTopicArn], okActions: [] };
  return {
    alarmActions: [targets.alarmTopicArn, ...(targets.onCallTopicArn ? [targets.onCallTopicArn] : [])],
    okActions: [targets.alarmTopicArn],
  };
}
