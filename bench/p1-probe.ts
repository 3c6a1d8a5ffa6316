/**
 * P1 probe, run in its own process (so its heap is its own): times one error-check approach against the error data
 * a P1 run seeded in local DynamoDB, counting DynamoDB requests and items read and sampling the heap.
 *
 *   node --expose-gc -r ./local/register.js bench/p1-probe.ts <ours|original> <executionName> <iterations>
 *
 * Needs the local services' environment (AWS_ENDPOINT_URL_DYNAMODB, ERROR_TABLE_NAME, RUNS_TABLE_NAME). Prints one
 * JSON line: `{ latencyMs, requests, itemsRead, peakHeapBytes, errorCount }`.
 */

import { DeleteCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { clients } from "../functions/adapters/clients";
import { dynamoRunStore } from "../functions/adapters/run-store";
import {
  type CheckInput,
  CRITICAL_SEVERITIES,
  ENV,
  ERROR_TABLE,
  NOTIFICATION_CHANNELS,
  type Severity,
} from "../functions/contract";
import { requireEnv } from "../functions/core/env";
import type { Logger } from "../functions/core/log";
import { type CheckConfig, runCheck } from "../functions/core/notify/check";
import { NOTIFY_KEYS } from "../functions/core/notify/keys";
import { parseNotifyPolicy } from "../functions/core/notify/policy";
import { countDynamo } from "./lib/dynamo-count";
import { median, peakHeapDuring } from "./lib/measure";
import { BENCH_NOW } from "./p1-probe-clock";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The original design's check: every error item of the execution through the GSI, all pages, then counted. */
async function originalCheck(
  errorTable: string,
  executionName: string,
): Promise<{ errorCount: number; criticalCount: number }> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await clients.doc().send(
      new QueryCommand({
        TableName: errorTable,
        IndexName: ERROR_TABLE.executionIndex.name,
        KeyConditionExpression: "executionName = :e",
        ExpressionAttributeValues: { ":e": executionName },
        ExclusiveStartKey,
      }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  const bySeverity: Record<string, number> = {};
  for (const item of items) bySeverity[String(item.severity)] = (bySeverity[String(item.severity)] ?? 0) + 1;
  const critical = CRITICAL_SEVERITIES.reduce((n, s: Severity) => n + (bySeverity[s] ?? 0), 0);
  return { errorCount: items.length, criticalCount: critical };
}

async function main(): Promise<void> {
  const [approach, executionName, iterArg] = process.argv.slice(2);
  if ((approach !== "ours" && approach !== "original") || !executionName) {
    throw new Error("usage: p1-probe.ts <ours|original> <executionName> <iterations>");
  }
  const iterations = Math.max(1, Number(iterArg) || 3);
  const errorTable = requireEnv(ENV.errorTable);
  const runsTable = requireEnv(ENV.runsTable);
  const chunkCount = Number(process.env.BENCH_CHUNKS ?? "0");
  let sampleHeap: (() => void) | undefined;
  const counter = countDynamo(clients.dynamo(), () => sampleHeap?.());

  const cfg: CheckConfig = {
    pipelineName: "bench",
    policy: parseNotifyPolicy(
      JSON.stringify({
        routing: {
          CRITICAL: [...NOTIFICATION_CHANNELS],
          HIGH: [...NOTIFICATION_CHANNELS],
          MEDIUM: ["slack"],
          LOW: ["slack"],
        },
        rateLimit: { max: 10000, windowMinutes: 10 },
      }),
      "bench policy",
    ),
    consoleRegion: "ap-northeast-1",
  };
  const store = dynamoRunStore({ runsTable, errorTable });
  const input: CheckInput = {
    executionName,
    startTime: BENCH_NOW.toISOString(),
    bucket: "bench",
    key: "incoming/bench.csv",
    chunkCount,
    splitStatus: "OK",
    failure: null,
  };
  const once = async (): Promise<number> => {
    if (approach === "original") return (await originalCheck(errorTable, executionName)).errorCount;
    const out = await runCheck(input, cfg, {
      now: () => BENCH_NOW,
      store,
      send: async () => ({ attempts: 1 }),
      putMetrics: async () => undefined,
      log: silent,
    });
    return out.errorCount;
  };
  // A later check of the same execution would only find its notices already sent: clear the ledger between runs,
  // outside the measured window, so every iteration does the full work.
  const clearLedger = async () => {
    for (const channel of NOTIFICATION_CHANNELS) {
      await clients
        .doc()
        .send(new DeleteCommand({ TableName: runsTable, Key: NOTIFY_KEYS.ledger(executionName, channel) }));
    }
  };

  await clearLedger();
  await once(); // warm-up: module code, connections
  const latencies: number[] = [];
  let requests = 0;
  let itemsRead = 0;
  let peakHeapBytes = 0;
  let errorCount = 0;
  for (let i = 0; i < iterations; i++) {
    await clearLedger();
    counter.reset();
    let ms = 0;
    const measured = await peakHeapDuring(async (sample) => {
      sampleHeap = sample;
      const t0 = performance.now();
      try {
        return await once();
      } finally {
        ms = performance.now() - t0;
        sampleHeap = undefined;
      }
    });
    latencies.push(ms);
    errorCount = measured.value;
    requests = counter.counts.requests;
    itemsRead = counter.counts.itemsRead;
    peakHeapBytes = Math.max(peakHeapBytes, measured.peakHeapBytes);
  }
  process.stdout.write(
    `${JSON.stringify({ latencyMs: median(latencies), requests, itemsRead, peakHeapBytes, errorCount, byCommand: counter.counts.byCommand, msByCommand: counter.counts.msByCommand })}\n`,
  );
  clients.dynamo().destroy();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
