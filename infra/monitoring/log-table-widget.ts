import * as awsx from "@pulumi/awsx";
import type * as pulumi from "@pulumi/pulumi";

/**
 * A Logs Insights widget drawn as a table. awsx's `LogWidget` always renders `view: "timeSeries"`, which CloudWatch
 * can draw only for a query whose `stats` group by `bin()`; a query that groups by fields (`stats … by severity,
 * level`) has no time axis and shows nothing as a time series. A log widget's `view` may be `table`, `timeSeries`,
 * `bar` or `pie` (CloudWatch dashboard body structure, "Properties of a log widget object").
 */
export class LogTableWidget extends awsx.classic.cloudwatch.LogWidget {
  protected override computeProperties(region: pulumi.Output<string>) {
    // awsx types `view` as "timeSeries" | "singleValue" only; CloudWatch accepts "table" for log widgets.
    return { ...super.computeProperties(region as never), view: "table" as never };
  }
}
