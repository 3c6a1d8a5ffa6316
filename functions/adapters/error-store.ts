import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ChunkSummaryItem, ErrorRecord, FileSummaryItem } from "../contract";
import { UnprocessedItemsError } from "../core/errors";
import { clients } from "./clients";

/**
 * The part of the DynamoDB client the writer uses: BatchWriteItem with items already in attribute-value form (a
 * wrapper can count or disturb calls; it hands back what DynamoDB left unprocessed, in the same form).
 */
export interface BatchSender {
  send(command: BatchWriteItemCommand): Promise<BatchWriteItemCommandOutput>;
}

/** Retry policy for UnprocessedItems: exponential backoff with full jitter, bounded. */
export interface RetryPolicy {
  /** Calls per batch in all (first try included). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 5000 };

/** BatchWriteItem's limit. */
export const BATCH_SIZE = 25;

/** Marshals one attribute of an error record; `path` names it in the error a value of another kind gets. */
function attributeValueOf(value: unknown, path: string): AttributeValue {
  switch (typeof value) {
    case "string":
      return { S: value };
    case "number":
      if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) {
        throw new RangeError(
          `Error record attribute ${path} is ${value}, which DynamoDB cannot store exactly; use a finite number within ±${Number.MAX_SAFE_INTEGER}.`,
        );
      }
      return { N: String(value) };
    case "boolean":
      return { BOOL: value };
    case "object": {
      if (value === null) return { NULL: true };
      if (Array.isArray(value)) {
        const list: AttributeValue[] = [];
        value.forEach((v, i) => {
          if (v !== undefined) list.push(attributeValueOf(v, `${path}[${i}]`));
        });
        return { L: list };
      }
      return { M: attributeMapOf(value as Record<string, unknown>, `${path}.`) };
    }
  }
  throw new TypeError(
    `Error record attribute ${path} is a ${typeof value}; only strings, numbers, booleans, lists and maps can be stored.`,
  );
}

function attributeMapOf(value: Record<string, unknown>, prefix: string): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v !== undefined) out[key] = attributeValueOf(v, prefix + key);
  }
  return out;
}

/**
 * An error record as a DynamoDB item in attribute-value form: the same item the document client writes for it
 * (strings `S`, numbers `N`, `recordData` a map `M`, undefined attributes left out), without its generic marshaller.
 */
export function errorRecordItem(record: ErrorRecord): Record<string, AttributeValue> {
  return attributeMapOf(record as unknown as Record<string, unknown>, "");
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes error records in batches of 25 as they come (bounded memory: one open batch plus at most `concurrency`
 * batches in flight). Items DynamoDB leaves unprocessed are retried with exponential backoff and full jitter; after
 * `maxAttempts` calls the writer fails with `UnprocessedItemsError` so the state machine retries the chunk (record
 * ids are deterministic, so the retry overwrites instead of duplicating).
 *
 * @example
 * const writer = new ErrorWriter(tableName);
 * for (const r of records) await writer.add(r);
 * await writer.flush();
 */
export class ErrorWriter {
  /** BatchWriteItem calls made (retries included). */
  calls = 0;
  /** Items written. */
  written = 0;
  private batch: WriteRequest[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown = null;

  constructor(
    private readonly tableName: string,
    private readonly options: {
      client?: BatchSender;
      retry?: RetryPolicy;
      concurrency?: number;
      random?: () => number;
      sleep?: (ms: number) => Promise<void>;
    } = {},
  ) {}

  private get client(): BatchSender {
    return this.options.client ?? clients.dynamo();
  }

  /** Queues one record; returns a promise only when the caller should wait (too many batches in flight). */
  add(record: ErrorRecord): undefined | Promise<void> {
    if (this.failure !== null) throw this.failure;
    this.batch.push({ PutRequest: { Item: errorRecordItem(record) } });
    if (this.batch.length < BATCH_SIZE) return undefined;
    this.dispatch();
    if (this.inFlight.size >= (this.options.concurrency ?? 4))
      return Promise.race(this.inFlight).then(() => this.check());
    return undefined;
  }

  /** Writes what is queued and waits for every batch; throws the first failure. */
  async flush(): Promise<void> {
    if (this.batch.length > 0) this.dispatch();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.check();
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
  }

  private dispatch(): void {
    const items = this.batch;
    this.batch = [];
    const p: Promise<void> = this.write(items)
      .catch((err) => {
        if (this.failure === null) this.failure = err;
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async write(items: WriteRequest[]): Promise<void> {
    const retry = this.options.retry ?? DEFAULT_RETRY;
    const random = this.options.random ?? Math.random;
    const wait = this.options.sleep ?? sleep;
    let pending = items;
    for (let attempt = 1; ; attempt++) {
      this.calls++;
      const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
      const left = out.UnprocessedItems?.[this.tableName] ?? [];
      this.written += pending.length - left.length;
      if (left.length === 0) return;
      if (attempt >= retry.maxAttempts) {
        throw new UnprocessedItemsError(
          `DynamoDB left ${left.length} of ${items.length} error records unprocessed after ${attempt} BatchWriteItem calls on table ${this.tableName}; the chunk should be retried.`,
          left.length,
          { cause: new Error(`UnprocessedItems: ${left.length} items for ${this.tableName}`) },
        );
      }
      const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
      await wait(Math.floor(random() * cap));
      pending = left;
    }
  }
}

/** Writes a chunk's summary item (one PutItem: a re-run of the chunk overwrites it, never adds to it). */
export async function putChunkSummary(tableName: string, item: ChunkSummaryItem): Promise<void> {
  await clients.doc().send(new PutCommand({ TableName: tableName, Item: item }));
}

/** Writes the file-level summary item of split-csv (overwritten by a re-run). */
export async function putFileSummary(tableName: string, item: FileSummaryItem): Promise<void> {
  await clients.doc().send(new PutCommand({ TableName: tableName, Item: item }));
}
