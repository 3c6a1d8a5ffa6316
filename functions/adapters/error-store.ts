import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ChunkSummaryItem, ErrorRecord, FileSummaryItem } from "../contract";
import { UnprocessedItemsError } from "../core/errors";
import { type BackoffOptions, withRetry } from "../core/retry";
import { clients } from "./clients";

/**
 * The part of the DynamoDB client the writer uses: BatchWriteItem with items already in attribute-value form (a
 * wrapper can count or disturb calls; it hands back what DynamoDB left unprocessed, in the same form).
 */
export interface BatchSender {
  send(command: BatchWriteItemCommand): Promise<BatchWriteItemCommandOutput>;
}

/** Retries of UnprocessedItems: up to 8 BatchWriteItem calls per batch, exponential backoff with full jitter. */
export const DEFAULT_RETRY: BackoffOptions = { attempts: 8, baseMs: 50, capMs: 5000, jitter: "full" };

/** BatchWriteItem's limit. */
export const BATCH_SIZE = 25;

/**
 * The errors DynamoDB throws (HTTP 400) when it throttles a whole request, rather than handing items back in
 * `UnprocessedItems`: nothing of the batch was written, and the same batch may be sent again.
 */
export const THROTTLING_ERRORS: readonly string[] = ["ProvisionedThroughputExceededException", "ThrottlingException"];

/** Whether `err` is DynamoDB throttling the whole request (after the SDK's own retries of it). */
export function isThrottlingError(err: unknown): boolean {
  return err instanceof Error && THROTTLING_ERRORS.includes(err.name);
}

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

/**
 * Writes error records in batches of 25 as they come (bounded memory: one open batch plus at most `concurrency`
 * batches in flight). Items DynamoDB leaves unprocessed, and batches it refuses whole with a throttling error
 * ({@link THROTTLING_ERRORS}), are sent again with exponential backoff and full jitter; after `attempts` calls the
 * writer fails with `UnprocessedItemsError` so the state machine retries the chunk (record ids are deterministic,
 * so the retry overwrites instead of duplicating).
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
      retry?: Pick<BackoffOptions, "attempts" | "baseMs" | "capMs">;
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
    let pending = items;
    let made = 0;
    let throttled = 0;
    try {
      await withRetry(
        async (n) => {
          this.calls++;
          made = n;
          let out: BatchWriteItemCommandOutput;
          try {
            out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
          } catch (err) {
            if (isThrottlingError(err)) throttled++;
            throw err;
          }
          const left = out.UnprocessedItems?.[this.tableName] ?? [];
          this.written += pending.length - left.length;
          pending = left;
          if (left.length > 0) {
            throw new UnprocessedItemsError(
              `BatchWriteItem call ${n} left ${left.length} items unprocessed on table ${this.tableName}`,
              left.length,
            );
          }
        },
        {
          ...DEFAULT_RETRY,
          ...this.options.retry,
          retryable: (err) => err instanceof UnprocessedItemsError || isThrottlingError(err),
          sleep: this.options.sleep,
          random: this.options.random,
        },
      );
    } catch (err) {
      if (!(err instanceof UnprocessedItemsError) && !isThrottlingError(err)) throw err;
      const refused = throttled > 0 ? ` (${throttled} of them refused whole with a throttling error)` : "";
      throw new UnprocessedItemsError(
        `DynamoDB left ${pending.length} of ${items.length} error records unprocessed after ${made} BatchWriteItem calls on table ${this.tableName}${refused}; the chunk should be retried.`,
        pending.length,
        { cause: err },
      );
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
