import type * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import type { Metric, Monitor } from "./model";
import type { MonitoringThresholds } from "./thresholds";

/** The execution metrics alarmed on, each with its threshold key and the middle of its alarm's name. */
const STATE_MACHINE_ALARMS = [
  { metric: "ExecutionsFailed", key: "executionsFailed", id: "executions-failed" },
  { metric: "ExecutionsTimedOut", key: "executionsTimedOut", id: "executions-timedout" },
  { metric: "ExecutionsAborted", key: "executionsAborted", id: "executions-aborted" },
] as const;

/** The execution metrics graphed, from started to every way an execution ends. */
const EXECUTION_METRICS = [
  "ExecutionsStarted",
  "ExecutionsSucceeded",
  "ExecutionsFailed",
  "ExecutionsTimedOut",
  "ExecutionsAborted",
] as const;

/** The metric factory of one state machine: an `AWS/States` metric by name, summed over `period`. */
export function stateMachineMetricFactory(
  stateMachine: aws.sfn.StateMachine,
  period: number,
): (metricName: string) => Metric {
  return (metricName) =>
    new awsx.classic.cloudwatch.Metric({
      namespace: "AWS/States",
      name: metricName,
      dimensions: { StateMachineArn: stateMachine.arn },
      period,
      statistic: "Sum",
    });
}

/** The state machine's executions: a failed, timed-out or aborted one alarms. */
export function stateMachineMonitor(
  stateMachine: aws.sfn.StateMachine,
  t: MonitoringThresholds["stateMachine"],
  period: number,
): Monitor {
  const states = stateMachineMetricFactory(stateMachine, period);
  return {
    id: "sfn",
    kind: "stateMachine",
    alarms: STATE_MACHINE_ALARMS.map((a) => ({
      id: a.id,
      metric: states(a.metric),
      thresholds: t[a.key],
      comparison: "GreaterThanOrEqualToThreshold",
      describe: (n) => `State machine ${a.metric} ≥ ${n} in ${period} s`,
    })),
    graphs: [{ title: "Executions", metrics: EXECUTION_METRICS.map((name) => states(name)) }],
  };
}
