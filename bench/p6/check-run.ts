/**
 * P6's check and aggregation of one run, on local DynamoDB and S3 holding the run's summaries, some example records
 * and the chunks' parts: the check's DynamoDB requests counted and both timed, as the handlers run them.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { clients } from "../../functions/adapters/clients";
import { ErrorWriter } from "../../functions/adapters/error-store";
import { dynamoRunStore } from "../../functions/adapters/run-store";
import { handler as aggregateResults } from "../../functions/aggregate-results";
import {
  type ChunkSummaryItem,
  type FileSummaryItem,
  NOTIFICATION_CHANNELS,
  type NotificationChannel,
} from "../../functions/contract";
import { type Logger, setLogSink } from "../../functions/core/log";
import { runCheck } from "../../functions/core/notify/check";
import { parseNotifyPolicy } from "../../functions/core/notify/policy";
import { startLocalServices } from "../../local/services/services";
import { countDynamo } from "../lib/dynamo-count";
import { timed } from "../lib/measure";
import { BENCH_NOW } from "../p1-probe-clock";
import { type ChunkRun, EXECUTION_NAME, START_TIME } from "./chunk-records";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The run the check and the aggregation see. */
export interface CheckInput {
  runs: ChunkRun[];
  summaries: ChunkSummaryItem[];
  fileSummary: FileSummaryItem;
  chunkCount: number;
  header: string[];
  /** Error records the chunks wrote: the check must count as many. */
  errors: number;
}

/** The check's time, DynamoDB requests by command, messages by channel and metric calls; the aggregation's time. */
export interface CheckMeasures {
  check: {
    ms: number;
    byCommand: Record<string, number>;
    sent: Record<NotificationChannel, number>;
    metrics: number;
  };
  aggregate: { ms: number };
}

/** Runs the check and then the aggregation on fresh local services; throws when either counts other than the chunks. */
export async function measureCheckAndAggregation(input: CheckInput): Promise<CheckMeasures> {
  const svc = await startLocalServices();
  const saved = { ...process.env };
  // The aggregation's handler logs through the module's sink (the check gets `silent`): its line would land among
  // the bench's output.
  const restoreSink = setLogSink(() => undefined);
  let check: CheckMeasures["check"];
  let aggregate: CheckMeasures["aggregate"];
  try {
    Object.assign(process.env, svc.env);
    clients.reset();
    const doc = clients.doc();
    for (const item of [...input.summaries, input.fileSummary]) {
      await doc.send(new PutCommand({ TableName: svc.runsTable, Item: item }));
    }
    const seedWriter = new ErrorWriter(svc.errorTable);
    for (const r of input.runs[0]?.examples ?? []) await seedWriter.add(r);
    await seedWriter.flush();
    const counter = countDynamo(clients.dynamo());
    counter.reset();
    const sent = Object.fromEntries(NOTIFICATION_CHANNELS.map((c) => [c, 0])) as Record<NotificationChannel, number>;
    let metrics = 0;
    const run = await timed(() =>
      runCheck(
        {
          executionName: EXECUTION_NAME,
          startTime: START_TIME,
          bucket: input.fileSummary.bucket,
          key: input.fileSummary.key,
          chunkCount: input.chunkCount,
          splitStatus: "OK",
          failure: null,
        },
        { pipelineName: "csv-pipeline", policy: parseNotifyPolicy({}), consoleRegion: "ap-northeast-1" },
        {
          now: () => BENCH_NOW,
          store: dynamoRunStore({ runsTable: svc.runsTable, errorTable: svc.errorTable }),
          send: async (message) => {
            sent[message.channel]++;
            return { attempts: 1 };
          },
          putMetrics: async () => {
            metrics++;
          },
          log: silent,
        },
      ),
    );
    if (run.value.errorCount !== input.errors) {
      throw new Error(`P6: the check counted ${run.value.errorCount} errors; the chunks wrote ${input.errors}`);
    }
    check = { ms: run.ms, byCommand: { ...counter.counts.byCommand }, sent, metrics };

    // The aggregation, as the handler runs it: the chunks' rows and errors parts in S3, composed into rows.csv and
    // errors.csv with the manifest; timed on local S3.
    for (const part of input.runs.flatMap((r) => r.parts)) {
      await clients.s3().send(new PutObjectCommand({ Bucket: svc.bucket, Key: part.key, Body: part.text }));
    }
    const aggregated = await timed(() =>
      aggregateResults({
        executionName: EXECUTION_NAME,
        startTime: START_TIME,
        bucket: svc.bucket,
        key: input.fileSummary.key,
        chunkCount: input.chunkCount,
        header: input.header,
        splitStatus: "OK",
      }),
    );
    const invalid = input.runs.reduce((a, r) => a + r.result.invalid, 0);
    if (aggregated.value.invalid !== invalid || aggregated.value.failedChunks !== 0) {
      throw new Error(
        `P6: the aggregation counted ${aggregated.value.invalid} rejected rows and ${aggregated.value.failedChunks} missing chunks; the chunks rejected ${invalid}`,
      );
    }
    aggregate = { ms: aggregated.ms };
  } finally {
    setLogSink(restoreSink);
    process.env = saved;
    clients.reset();
    await svc.stop();
  }
  return { check, aggregate };
}
