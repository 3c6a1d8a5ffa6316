import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { clients } from "../functions/adapters/clients";
import { dynamoRunStore } from "../functions/adapters/run-store";
import { type CheckInput, NOTIFICATION_CHANNELS, type NotificationChannel, RUN_KEYS } from "../functions/contract";
import type { Logger } from "../functions/core/log";
import { type CheckConfig, runCheck } from "../functions/core/notify/check";
import { parseNotifyPolicy } from "../functions/core/notify/policy";
import type { ChannelSender } from "../functions/core/notify/ports";
import { emptyBySeverity } from "../functions/core/records/error-record";
import { startLocalServices } from "../local/services/services";
import { median, timed } from "./lib/measure";
import { type BenchRow, row } from "./lib/rows";
import { BENCH_NOW } from "./p1-probe-clock";

/** Delay injected into each channel's delivery. */
export const CHANNEL_DELAYS: Record<NotificationChannel, number> = { slack: 100, sns: 300, email: 500 };

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * P5: the check of a run with HIGH errors routed to Slack, SNS and e-mail, each delivery delayed (100/300/500 ms),
 * against the same three deliveries one after another (their sum), on local DynamoDB. Each round is a new execution,
 * so every channel is claimed and sent.
 */
export async function runP5(opts: { rounds: number }): Promise<BenchRow[]> {
  const svc = await startLocalServices();
  const saved = { ...process.env };
  try {
    Object.assign(process.env, svc.env);
    clients.reset();
    const store = dynamoRunStore({ runsTable: svc.runsTable, errorTable: svc.errorTable });
    const cfg: CheckConfig = {
      pipelineName: "bench",
      policy: parseNotifyPolicy(
        JSON.stringify({ routing: { HIGH: [...NOTIFICATION_CHANNELS] }, rateLimit: { max: 10000, windowMinutes: 10 } }),
        "bench policy",
      ),
      consoleRegion: "ap-northeast-1",
    };
    const send: ChannelSender = async (message) => {
      await sleep(CHANNEL_DELAYS[message.channel]);
      return { attempts: 1 };
    };
    const ours: number[] = [];
    const serial: number[] = [];
    for (let i = 0; i <= opts.rounds; i++) {
      const executionName = `bench-p5-${i}`;
      const bySeverity = { ...emptyBySeverity(), HIGH: 3 };
      await clients.doc().send(
        new PutCommand({
          TableName: svc.runsTable,
          Item: {
            pk: RUN_KEYS.execution(executionName),
            sk: RUN_KEYS.chunk(0),
            executionName,
            chunkId: 0,
            rows: 10,
            valid: 7,
            invalid: 3,
            byType: { ValidationError: 3 },
            bySeverity,
            errors: 3,
            updatedAt: BENCH_NOW.toISOString(),
            expiresAt: 2_000_000_000,
          },
        }),
      );
      const input: CheckInput = {
        executionName,
        startTime: BENCH_NOW.toISOString(),
        bucket: "bench",
        key: `incoming/p5-${i}.csv`,
        chunkCount: 1,
        splitStatus: "OK",
        failure: null,
      };
      const run = await timed(() =>
        runCheck(input, cfg, { now: () => BENCH_NOW, store, send, putMetrics: async () => undefined, log: silent }),
      );
      const sent = run.value.notifications.filter((n) => n.status === "sent").length;
      if (sent !== NOTIFICATION_CHANNELS.length) {
        throw new Error(
          `P5 round ${i}: ${sent} of ${NOTIFICATION_CHANNELS.length} channels sent: ${JSON.stringify(run.value.notifications)}`,
        );
      }
      const one = await timed(async () => {
        for (const channel of NOTIFICATION_CHANNELS) await sleep(CHANNEL_DELAYS[channel]);
      });
      if (i === 0) continue; // warm-up round
      ours.push(run.ms);
      serial.push(one.ms);
    }
    const slowest = Math.max(...Object.values(CHANNEL_DELAYS));
    return [
      row("P5.fan-out", "check ms with 100/300/500 ms channels vs their sum", median(ours), median(serial), {
        kind: "ours-max",
        max: 1.3 * slowest,
        text: `ours ≤ 1.3× slowest (${1.3 * slowest} ms)`,
      }),
    ];
  } finally {
    process.env = saved;
    clients.reset();
    await svc.stop();
  }
}
