import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { METRICS } from "../contract";
import { clients } from "./clients";

/**
 * Publishes `FilesMissing` = 1 for a feed that missed its file: with `{Pipeline}` (the stack's alarm watches it) and
 * with `{Pipeline, Feed}`, the dimensions of every other run metric.
 */
export async function putFilesMissing(pipelineName: string, feed: string, at: Date): Promise<void> {
  const pipeline = { Name: METRICS.dimension, Value: pipelineName };
  const datum = { MetricName: METRICS.filesMissing, Value: 1, Unit: "Count" as const, Timestamp: at };
  await clients.cloudwatch().send(
    new PutMetricDataCommand({
      Namespace: METRICS.namespace,
      MetricData: [
        { ...datum, Dimensions: [pipeline] },
        { ...datum, Dimensions: [pipeline, { Name: METRICS.feedDimension, Value: feed }] },
      ],
    }),
  );
}
