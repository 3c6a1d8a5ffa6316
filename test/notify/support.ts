import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BatchWriteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
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

/** A loopback Slack webhook: records every request body; answers from a queue of scripted responses (default 200 ok). */
export class SlackReceiver {
  readonly received: { body: string; json: unknown; at: number }[] = [];
  readonly script: { status: number; headers?: Record<string, string>; delayMs?: number; body?: string }[] = [];
  private server?: Server;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        this.received.push({ body, json: JSON.parse(body), at: Date.now() });
        const next = this.script.shift() ?? { status: 200 };
        const answer = () => {
          if (res.destroyed) return;
          res.writeHead(next.status, { "content-type": "text/plain", ...(next.headers ?? {}) });
          res.end(next.body ?? (next.status === 200 ? "ok" : "error"));
        };
        if (next.delayMs) setTimeout(answer, next.delayMs);
        else answer();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
    return this;
  }

  reset(): void {
    this.received.length = 0;
    this.script.length = 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
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
    rows: { total: 100, valid: 97, invalid: 3 },
    chunkCount: 1,
    chunksReported: 1,
    failedChunks: 0,
    runFailed: false,
    failureReasons: [],
    ...over,
  };
}
