import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { ARRIVAL_KEYS } from "../core/arrival/keys";
import type { ArrivalStorePort, DayClaim, FeedRun } from "../core/arrival/ports";
import { NOTIFY_ITEM_TTL_SECONDS } from "../core/notify/keys";
import { clients } from "./clients";

function isConditionFailure(err: unknown): boolean {
  return (err as Error)?.name === "ConditionalCheckFailedException";
}

/** How long a claimed day whose notice is still being sent blocks other checks (a crashed check frees it then). */
const DAY_LEASE_MS = 120_000;

/**
 * Records that a run of `feed` started (split-csv, once it holds the upload's claim): the item the arrival check finds
 * the feed's latest run by. Expires with the run's other items (`expiresAt`, epoch seconds).
 */
export async function recordFeedRun(
  runsTable: string,
  run: FeedRun & { feed: string; expiresAt: number },
): Promise<void> {
  // One spelling of the start time, so sort keys order by it (Step Functions gives UTC with milliseconds).
  const startTime = new Date(run.startTime).toISOString();
  await clients.doc().send(
    new PutCommand({
      TableName: runsTable,
      Item: {
        ...ARRIVAL_KEYS.run(run.feed, startTime, run.executionName),
        executionName: run.executionName,
        startTime,
        key: run.key,
        expiresAt: run.expiresAt,
      },
    }),
  );
}

/** The DynamoDB implementation of {@link ArrivalStorePort} on the runs table. */
export function dynamoArrivalStore(runsTable: string): ArrivalStorePort {
  const doc = () => clients.doc();
  return {
    async latestRun(feed) {
      const out = await doc().send(
        new QueryCommand({
          TableName: runsTable,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :run)",
          ExpressionAttributeValues: { ":pk": ARRIVAL_KEYS.partition(feed), ":run": ARRIVAL_KEYS.runPrefix },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const item = out.Items?.[0];
      if (!item) return undefined;
      return { executionName: String(item.executionName), startTime: String(item.startTime), key: String(item.key) };
    },

    async claimDay(feed, date, now): Promise<DayClaim> {
      const Key = ARRIVAL_KEYS.day(feed, date);
      try {
        const out = await doc().send(
          new PutCommand({
            TableName: runsTable,
            Item: {
              ...Key,
              status: "pending",
              leaseUntil: now.getTime() + DAY_LEASE_MS,
              updatedAt: now.toISOString(),
              expiresAt: Math.floor(now.getTime() / 1000) + NOTIFY_ITEM_TTL_SECONDS,
            },
            ConditionExpression: "attribute_not_exists(pk) OR #s = :failed OR (#s = :pending AND leaseUntil < :now)",
            ExpressionAttributeNames: { "#s": "status" },
            ExpressionAttributeValues: { ":failed": "failed", ":pending": "pending", ":now": now.getTime() },
            ReturnValues: "ALL_OLD",
          }),
        );
        return { claimed: true, first: out.Attributes === undefined };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        const got = await doc().send(new GetCommand({ TableName: runsTable, Key, ConsistentRead: true }));
        return {
          claimed: false,
          status: got.Item?.status === "sent" ? "sent" : "pending",
          ...(got.Item?.updatedAt ? { updatedAt: String(got.Item.updatedAt) } : {}),
        };
      }
    },

    async completeDay(feed, date, status, now) {
      await doc().send(
        new PutCommand({
          TableName: runsTable,
          Item: {
            ...ARRIVAL_KEYS.day(feed, date),
            status,
            updatedAt: now.toISOString(),
            expiresAt: Math.floor(now.getTime() / 1000) + NOTIFY_ITEM_TTL_SECONDS,
          },
        }),
      );
    },
  };
}
