import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { BatchWriteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { clients } from "../../functions/adapters/clients";
import {
  type ChunkSummaryItem,
  type ErrorRecord,
  type FileSummaryItem,
  RUN_KEYS,
  SEVERITY_RANK,
  type Severity,
} from "../../functions/contract";
import type { RunSummary } from "../../functions/core/records/summary";
import {
  type SlackReceiver as LocalSlackReceiver,
  type SlackAnswer,
  type SlackDelivery,
  startSlackReceiver,
} from "../../local/services/slack-receiver";

/**
 * The local runner's loopback Slack webhook (local/services/slack-receiver.ts) for tests that post to it directly: records
 * every request in `received`; answers from the `script` queue, else as Slack does (200 ok).
 */
export class SlackReceiver {
  private receiver?: LocalSlackReceiver;
  url = "";

  /** Every request, in order of arrival. */
  get received(): SlackDelivery[] {
    return this.started().deliveries;
  }

  /** Answers for the next requests, in order. */
  get script(): SlackAnswer[] {
    return this.started().script;
  }

  async start(): Promise<this> {
    this.receiver = await startSlackReceiver();
    this.url = this.receiver.webhookUrl;
    return this;
  }

  reset(): void {
    this.receiver?.reset();
  }

  async stop(): Promise<void> {
    await this.receiver?.stop();
  }

  private started(): LocalSlackReceiver {
    if (!this.receiver) throw new Error("SlackReceiver: call start() first");
    return this.receiver;
  }
}

const SEVERITY_OF_RANK = ["CRITICAL", "HIGH", "MEDIUM", "LOW"] as const;

/** Writes the FILE item of an execution, as split-csv does. */
export async function putFileItem(table: string, exec: string, over: Partial<FileSummaryItem> = {}): Promise<void> {
  const item: FileSummaryItem = {
    pk: RUN_KEYS.execution(exec),
    sk: RUN_KEYS.file,
    executionName: exec,
    bucket: "in-bucket",
    key: "incoming/shop-a/orders.csv",
    status: "OK",
    encoding: "utf-8",
    chunkCount: 1,
    byType: {},
    bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
    errors: 0,
    updatedAt: "2025-06-02T03:00:00.000Z",
    expiresAt: 2_000_000_000,
    ...over,
  };
  await clients.doc().send(new PutCommand({ TableName: table, Item: item }));
}

/** Writes CHUNK items (as process-chunk does), spreading the given severity counts over `chunks` chunks. */
export async function putChunkItems(
  table: string,
  exec: string,
  chunks: number,
  perChunk: { rows: number; bySeverity: Partial<Record<Severity, number>>; type?: "ValidationError" | "ParseError" },
): Promise<void> {
  const items: ChunkSummaryItem[] = [];
  for (let id = 1; id <= chunks; id++) {
    const bySeverity = { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0, ...perChunk.bySeverity };
    const errors = bySeverity.LOW + bySeverity.MEDIUM + bySeverity.HIGH + bySeverity.CRITICAL;
    items.push({
      pk: RUN_KEYS.execution(exec),
      sk: RUN_KEYS.chunk(id),
      executionName: exec,
      chunkId: id,
      rows: perChunk.rows,
      valid: perChunk.rows - Math.min(errors, perChunk.rows),
      invalid: Math.min(errors, perChunk.rows),
      byType: errors ? { [perChunk.type ?? "ValidationError"]: errors } : {},
      bySeverity,
      errors,
      updatedAt: "2025-06-02T03:00:00.000Z",
      expiresAt: 2_000_000_000,
    });
  }
  await batchPut(table, items as unknown as Record<string, unknown>[]);
}

/** Writes error records in batches of 25. */
export async function batchPut(table: string, items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let req: unknown[] | undefined = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (req?.length) {
      const out: { UnprocessedItems?: Record<string, unknown[]> } = await clients
        .doc()
        .send(new BatchWriteCommand({ RequestItems: { [table]: req as never } }));
      req = out.UnprocessedItems?.[table];
    }
  }
}

/** An error record of the contract's shape. */
export function errorRecord(
  exec: string,
  row: number,
  severity: Severity,
  over: Partial<ErrorRecord> = {},
): ErrorRecord {
  return {
    errorId: `${exec}-${row}-${severity}`,
    timestamp: "2025-06-02T03:00:00.000Z",
    executionName: exec,
    errorType: "ValidationError",
    severity,
    errorMessage: `value does not match the pattern (row ${row})`,
    recordData: { order_id: `ORD-${String(row).padStart(6, "0")}`, email: "***", amount: "100" },
    retryCount: 0,
    processingStage: "process",
    rowNumber: row,
    chunkId: 1,
    column: "order_id",
    severityRow: `${SEVERITY_RANK[severity]}#${String(row).padStart(12, "0")}`,
    expiresAt: 2_000_000_000,
    ...over,
  };
}

export { SEVERITY_OF_RANK };

/** A run summary for message tests. */
export function sampleSummary(over: Partial<RunSummary> = {}): RunSummary {
  return {
    executionName: "exec-1",
    bucket: "in-bucket",
    key: "incoming/shop-a/orders.csv",
    startTime: "2025-06-02T03:00:00.000Z",
    errorCount: 3,
    criticalCount: 2,
    byType: { ValidationError: 3 },
    bySeverity: { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 0 },
    warningCount: 0,
    warningsByType: {},
    rows: { total: 100, valid: 97, invalid: 3 },
    chunkCount: 1,
    chunksReported: 1,
    failedChunks: 0,
    runFailed: false,
    failureReasons: [],
    ...over,
  };
}

/** The AWS services the check function calls, mocked (SSM answers the webhook URL: each test says how). */
export interface ChannelMocks {
  sns: AwsClientStub<SNSClient>;
  ses: AwsClientStub<SESClient>;
  cw: AwsClientStub<CloudWatchClient>;
  ssm: AwsClientStub<SSMClient>;
}

/** Mocks the check's SNS, SES, CloudWatch and SSM clients (undo with {@link restoreChannels}). */
export function mockChannels(): ChannelMocks {
  return {
    sns: mockClient(SNSClient),
    ses: mockClient(SESClient),
    cw: mockClient(CloudWatchClient),
    ssm: mockClient(SSMClient),
  };
}

/** Forgets every call and answer, then answers Publish, SendEmail and PutMetricData with success. */
export function answerChannels(m: ChannelMocks): void {
  for (const mock of [m.sns, m.ses, m.cw, m.ssm]) mock.reset();
  m.sns.on(PublishCommand).resolves({ MessageId: "m-1" });
  m.ses.on(SendEmailCommand).resolves({ MessageId: "e-1" });
  m.cw.on(PutMetricDataCommand).resolves({});
}

/** Gives the clients their real behaviour back. */
export function restoreChannels(m: ChannelMocks): void {
  for (const mock of [m.sns, m.ses, m.cw, m.ssm]) mock.restore();
}
