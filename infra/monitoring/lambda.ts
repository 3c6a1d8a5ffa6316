import type * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import { FUNCTION_SPECS, type FunctionKey } from "../functions";
import type { Metric, Monitor } from "./model";
import type { MonitoringThresholds } from "./thresholds";

/** The metric factory of one Lambda function: its invocation errors and throttles, summed over `period`. */
export function lambdaMetrics(fn: aws.lambda.Function, period: number): { errors: Metric; throttles: Metric } {
  return {
    errors: awsx.classic.lambda.metrics.errors({ function: fn, period, statistic: "Sum" }),
    throttles: awsx.classic.lambda.metrics.throttles({ function: fn, period, statistic: "Sum" }),
  };
}

/** One Lambda function's errors and throttles. */
export function functionMonitor(
  key: FunctionKey,
  fn: aws.lambda.Function,
  t: MonitoringThresholds["functions"],
  period: number,
): Monitor {
  const fnName = FUNCTION_SPECS[key].name;
  const { errors, throttles } = lambdaMetrics(fn, period);
  return {
    id: fnName,
    kind: "function",
    alarms: [
      {
        id: "errors",
        metric: errors,
        thresholds: t.errors,
        comparison: "GreaterThanOrEqualToThreshold",
        describe: (n) => `${fnName}: at least ${n} invocation errors in ${period} s (retried by the state machine)`,
      },
      {
        id: "throttles",
        metric: throttles,
        thresholds: t.throttles,
        comparison: "GreaterThanOrEqualToThreshold",
        describe: (n) => `${fnName}: at least ${n} throttled invocations in ${period} s`,
      },
    ],
    graphs: [{ title: "Lambda errors and throttles", metrics: [errors, throttles] }],
  };
}
