import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { ERROR_TABLE, SEVERITY_RANK, type ValidationMessage } from "../contract";
import { isValidationMessageKey } from "../core/csv/validation-messages";
import { UnprocessedItemsError } from "../core/errors";
import type { DigestEntry } from "../core/notify/digest";
import { NOTIFY_ITEM_TTL_SECONDS, NOTIFY_KEYS } from "../core/notify/keys";
import type { ErrorExample } from "../core/notify/messages";
import type { LedgerClaim, LedgerStatus, MetricsClaim, RateDecision, RunStorePort } from "../core/notify/ports";
import { type BackoffOptions, withRetry } from "../core/retry";
import { readRunSummaries } from "./chunk-summaries";
import { clients } from "./clients";

function isConditionFailure(err: unknown): boolean {
  return (err as Error)?.name === "ConditionalCheckFailedException";
}

const ttl = (now: Date) => Math.floor(now.getTime() / 1000) + NOTIFY_ITEM_TTL_SECONDS;

/** An error record's `message` when it is one this version can render (older or foreign records have none). */
function validationMessageOf(value: unknown): ValidationMessage | undefined {
  const m = value as { key?: unknown; params?: unknown } | null | undefined;
  if (!m || !isValidationMessageKey(m.key) || typeof m.params !== "object" || m.params === null) return undefined;
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(m.params)) if (typeof v === "string" || typeof v === "number") params[k] = v;
  return { key: m.key, params };
}

/** Upper bound of GSI pages read for examples (one page is the normal case: `Limit: 5`). */
const MAX_EXAMPLE_PAGES = 3;

/** Retries of digest entries DynamoDB leaves undeleted (UnprocessedItems). */
const DELETE_RETRY: BackoffOptions = { attempts: 5, baseMs: 50, capMs: 1000, jitter: "full" };

/** Options of the DynamoDB run store. */
export interface RunStoreOptions {
  runsTable: string;
  errorTable: string;
  /** How long a claimed-but-unfinished notification blocks others (a crashed check releases it after this). */
  leaseMs?: number;
  /** Backoff of BatchWriteItem calls that leave items unprocessed (tests). */
  deleteRetry?: BackoffOptions;
  /**
   * The feed whose notices this store keeps: its rate limit, suppressed count, digest and failure streaks are apart
   * from other feeds' (they go to other recipients). Unset or `default`: the keys of a stack without feeds.
   */
  feed?: string;
}

/**
 * The DynamoDB implementation of {@link RunStorePort} (runs table + the error table's `ExecutionName-index`), for the
 * notices of one feed (`opts.feed`).
 */
export function dynamoRunStore(opts: RunStoreOptions): RunStorePort {
  const doc = () => clients.doc();
  const T = opts.runsTable;
  const leaseMs = opts.leaseMs ?? 120_000;
  const { feed } = opts;

  async function queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await doc().send(new QueryCommand({ ...input, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  return {
    readRun: (executionName) => readRunSummaries(T, executionName),

    async readExamples(executionName, limit) {
      const examples: ErrorExample[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      for (let page = 0; page < MAX_EXAMPLE_PAGES && examples.length < limit; page++) {
        const out = await doc().send(
          new QueryCommand({
            TableName: opts.errorTable,
            IndexName: ERROR_TABLE.executionIndex.name,
            KeyConditionExpression: "executionName = :e AND severityRow < :two",
            ExpressionAttributeValues: { ":e": executionName, ":two": String(SEVERITY_RANK.MEDIUM) },
            Limit: limit - examples.length,
            ExclusiveStartKey,
          }),
        );
        for (const i of out.Items ?? []) {
          examples.push({
            rowNumber: Number(i.rowNumber) || 0,
            ...(Number.isInteger(i.recordNumber) && i.recordNumber > 0 ? { recordNumber: i.recordNumber } : {}),
            errorType: String(i.errorType ?? ""),
            severity: String(i.severity ?? ""),
            column: i.column === undefined ? undefined : String(i.column),
            errorMessage: String(i.errorMessage ?? ""),
            ...(validationMessageOf(i.message) ? { message: validationMessageOf(i.message) } : {}),
            recordData: (i.recordData ?? {}) as Record<string, string>,
          });
        }
        ExclusiveStartKey = out.LastEvaluatedKey;
        if (!ExclusiveStartKey) break;
      }
      return examples.slice(0, limit);
    },

    async claimNotification(executionName, channel, now): Promise<LedgerClaim> {
      const key = NOTIFY_KEYS.ledger(executionName, channel);
      try {
        // An earlier attempt's item is replaced, but its HTTP attempts carry over (the budget is per notice).
        const out = await doc().send(
          new PutCommand({
            TableName: T,
            Item: {
              ...key,
              status: "pending",
              leaseUntil: now.getTime() + leaseMs,
              updatedAt: now.toISOString(),
              expiresAt: ttl(now),
            },
            ConditionExpression: "attribute_not_exists(pk) OR #s = :failed OR (#s = :pending AND leaseUntil < :now)",
            ExpressionAttributeNames: { "#s": "status" },
            ExpressionAttributeValues: { ":failed": "failed", ":pending": "pending", ":now": now.getTime() },
            ReturnValues: "ALL_OLD",
          }),
        );
        return { claimed: true, attempts: attemptsOf(out.Attributes) };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        const got = await doc().send(new GetCommand({ TableName: T, Key: key, ConsistentRead: true }));
        return {
          claimed: false,
          status: (got.Item?.status ?? "pending") as LedgerStatus,
          updatedAt: got.Item?.updatedAt as string | undefined,
          attempts: attemptsOf(got.Item),
        };
      }
    },

    async completeNotification(executionName, channel, status, now, outcome = {}) {
      await doc().send(
        new PutCommand({
          TableName: T,
          Item: {
            ...NOTIFY_KEYS.ledger(executionName, channel),
            status,
            reason: outcome.reason,
            attempts: outcome.attempts,
            updatedAt: now.toISOString(),
            expiresAt: ttl(now),
          },
        }),
      );
    },

    async claimRunMetrics(executionName, now): Promise<MetricsClaim> {
      const Key = NOTIFY_KEYS.metrics(executionName);
      try {
        await doc().send(
          new PutCommand({
            TableName: T,
            Item: { ...Key, status: "pending", leaseUntil: now.getTime() + leaseMs, expiresAt: ttl(now) },
            ConditionExpression: "attribute_not_exists(pk) OR #s = :failed OR (#s = :pending AND leaseUntil < :now)",
            ExpressionAttributeNames: { "#s": "status" },
            ExpressionAttributeValues: { ":failed": "failed", ":pending": "pending", ":now": now.getTime() },
          }),
        );
        return { claimed: true };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        const got = await doc().send(new GetCommand({ TableName: T, Key, ConsistentRead: true }));
        return { claimed: false, status: got.Item?.status === "published" ? "published" : "pending" };
      }
    },

    async completeRunMetrics(executionName, status, now) {
      await doc().send(
        new PutCommand({
          TableName: T,
          Item: { ...NOTIFY_KEYS.metrics(executionName), status, updatedAt: now.toISOString(), expiresAt: ttl(now) },
        }),
      );
    },

    async claimRunLine(executionName, now) {
      try {
        await doc().send(
          new PutCommand({
            TableName: T,
            Item: { ...NOTIFY_KEYS.runLine(executionName), loggedAt: now.toISOString(), expiresAt: ttl(now) },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },

    async acquireRateSlot(channel, windowStart, max, now): Promise<RateDecision> {
      const Key = NOTIFY_KEYS.rate(channel, feed);
      const expiresAt = ttl(now);
      // 1. A slot in the current window; takes the suppressed count atomically (ALL_OLD) to report it.
      try {
        const out = await doc().send(
          new UpdateCommand({
            TableName: T,
            Key,
            UpdateExpression: "SET #c = #c + :one, expiresAt = :x REMOVE suppressed, suppressedSince",
            ConditionExpression: "windowStart = :ws AND #c < :max",
            ExpressionAttributeNames: { "#c": "count" },
            ExpressionAttributeValues: { ":one": 1, ":ws": windowStart, ":max": max, ":x": expiresAt },
            ReturnValues: "ALL_OLD",
          }),
        );
        return { allowed: true, suppressedBefore: suppressedOf(out.Attributes) };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      // 2. First notice of a new window.
      try {
        const out = await doc().send(
          new UpdateCommand({
            TableName: T,
            Key,
            UpdateExpression: "SET windowStart = :ws, #c = :one, expiresAt = :x REMOVE suppressed, suppressedSince",
            // Any other window (also an older one: a skewed or replayed clock) starts afresh.
            ConditionExpression: "attribute_not_exists(pk) OR windowStart <> :ws",
            ExpressionAttributeNames: { "#c": "count" },
            ExpressionAttributeValues: { ":one": 1, ":ws": windowStart, ":x": expiresAt },
            ReturnValues: "ALL_OLD",
          }),
        );
        return { allowed: true, suppressedBefore: suppressedOf(out.Attributes) };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      // 3. The window is full: count the notice as suppressed.
      await doc().send(
        new UpdateCommand({
          TableName: T,
          Key,
          UpdateExpression:
            "ADD suppressed :one SET suppressedSince = if_not_exists(suppressedSince, :now), expiresAt = :x",
          ExpressionAttributeValues: { ":one": 1, ":now": now.toISOString(), ":x": expiresAt },
        }),
      );
      return { allowed: false, windowStart };
    },

    async takeSuppressed(channel) {
      const out = await doc()
        .send(
          new UpdateCommand({
            TableName: T,
            Key: NOTIFY_KEYS.rate(channel, feed),
            UpdateExpression: "REMOVE suppressed, suppressedSince",
            ConditionExpression: "attribute_exists(suppressed)",
            ReturnValues: "ALL_OLD",
          }),
        )
        .catch((err) => {
          if (isConditionFailure(err)) return undefined;
          throw err;
        });
      return suppressedOf(out?.Attributes);
    },

    async restoreSuppressed(channel, s) {
      await doc().send(
        new UpdateCommand({
          TableName: T,
          Key: NOTIFY_KEYS.rate(channel, feed),
          UpdateExpression: "ADD suppressed :n SET suppressedSince = if_not_exists(suppressedSince, :since)",
          ExpressionAttributeValues: { ":n": s.count, ":since": s.since },
        }),
      );
    },

    async recordStreak(keyPrefix, executionName, failed, now) {
      const Key = NOTIFY_KEYS.streak(keyPrefix, feed);
      const base = { ":e": executionName, ":now": now.toISOString(), ":x": ttl(now) };
      try {
        const out = await doc().send(
          new UpdateCommand({
            TableName: T,
            Key,
            UpdateExpression: failed
              ? "SET lastExecution = :e, updatedAt = :now, expiresAt = :x ADD #c :one"
              : "SET lastExecution = :e, updatedAt = :now, expiresAt = :x, #c = :zero",
            // The same execution (a retried check) is counted once.
            ConditionExpression: "attribute_not_exists(pk) OR lastExecution <> :e",
            ExpressionAttributeNames: { "#c": "count" },
            ExpressionAttributeValues: failed ? { ...base, ":one": 1 } : { ...base, ":zero": 0 },
            ReturnValues: "ALL_NEW",
          }),
        );
        return Number(out.Attributes?.count) || 0;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        const got = await doc().send(new GetCommand({ TableName: T, Key, ConsistentRead: true }));
        return Number(got.Item?.count) || 0;
      }
    },

    async putDigestEntry(channel, entry, now) {
      await doc().send(
        new PutCommand({
          TableName: T,
          Item: { ...NOTIFY_KEYS.digestEntry(channel, entry.executionName, feed), ...entry, expiresAt: ttl(now) },
        }),
      );
    },

    async claimDigestFlush(channel, now) {
      try {
        await doc().send(
          new PutCommand({
            TableName: T,
            Item: {
              ...NOTIFY_KEYS.digestLock(channel, feed),
              leaseUntil: now.getTime() + leaseMs,
              expiresAt: ttl(now),
            },
            ConditionExpression: "attribute_not_exists(pk) OR leaseUntil < :now",
            ExpressionAttributeValues: { ":now": now.getTime() },
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },

    async readDigestEntries(channel) {
      const items = await queryAll({
        TableName: T,
        ConsistentRead: true,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues: {
          ":pk": NOTIFY_KEYS.digestPartition(channel, feed),
          ":p": NOTIFY_KEYS.digestEntryPrefix,
        },
      });
      return items.map(({ pk: _pk, sk: _sk, expiresAt: _x, ...rest }) => rest as unknown as DigestEntry);
    },

    async deleteDigestEntries(channel, executionNames) {
      for (let i = 0; i < executionNames.length; i += 25) {
        let requests = executionNames
          .slice(i, i + 25)
          .map((e) => ({ DeleteRequest: { Key: NOTIFY_KEYS.digestEntry(channel, e, feed) } }));
        try {
          await withRetry(
            async (n) => {
              const out = await doc().send(new BatchWriteCommand({ RequestItems: { [T]: requests } }));
              requests = (out.UnprocessedItems?.[T] ?? []) as typeof requests;
              if (requests.length > 0) {
                throw new UnprocessedItemsError(
                  `BatchWriteItem call ${n} left ${requests.length} digest entries of ${channel} undeleted in ${T}`,
                  requests.length,
                );
              }
            },
            { ...(opts.deleteRetry ?? DELETE_RETRY), retryable: (err) => err instanceof UnprocessedItemsError },
          );
        } catch (err) {
          if (!(err instanceof UnprocessedItemsError)) throw err;
          throw new UnprocessedItemsError(
            `Could not delete ${requests.length} sent digest entries of ${channel} from ${T}; the next flush deletes them.`,
            requests.length,
            { cause: err },
          );
        }
      }
    },

    async releaseDigestFlush(channel) {
      await doc().send(new DeleteCommand({ TableName: T, Key: NOTIFY_KEYS.digestLock(channel, feed) }));
    },
  };
}

function attemptsOf(item: Record<string, unknown> | undefined): number {
  return Number(item?.attempts) || 0;
}

function suppressedOf(attrs: Record<string, unknown> | undefined): { count: number; since: string } | undefined {
  const count = Number(attrs?.suppressed) || 0;
  return count > 0 ? { count, since: String(attrs?.suppressedSince ?? "") } : undefined;
}
