import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { type FeedRunItem, RUN_KEYS } from "../contract";
import { type HistoryRun, historyRunsOf } from "../core/dataset/evaluate";
import type { FeedHistoryPort } from "../core/notify/check-dataset";
import { clients } from "./clients";

/** Most Query pages one history read makes (each up to 1 MB; a run item is about 200 bytes). */
export const MAX_HISTORY_PAGES = 10;

/** Items per history page: enough for the largest window with a few failed runs between. */
const PAGE_ITEMS = 100;

/**
 * The feed history of the runs table `runsTable`. Reads with a consistent Query read backwards, page by page until
 * `window` runs that did not fail are found (at most {@link MAX_HISTORY_PAGES} pages); writes one PutItem per run.
 * Needs `dynamodb:Query` and `dynamodb:PutItem` on the table.
 */
export function dynamoFeedHistory(runsTable: string): FeedHistoryPort {
  return {
    async readRuns(feed, current, window) {
      const items: (HistoryRun & { status: string })[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
        const out = await clients.doc().send(
          new QueryCommand({
            TableName: runsTable,
            ConsistentRead: true,
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :run)",
            ExpressionAttributeValues: { ":pk": RUN_KEYS.feedHistory(feed), ":run": RUN_KEYS.feedRunPrefix },
            ScanIndexForward: false,
            Limit: PAGE_ITEMS,
            ExclusiveStartKey,
          }),
        );
        for (const i of out.Items ?? []) {
          items.push({
            executionName: String(i.executionName ?? ""),
            startTime: String(i.startTime ?? ""),
            rows: Number(i.rows) || 0,
            invalid: Number(i.invalid) || 0,
            status: String(i.status ?? ""),
          });
        }
        ExclusiveStartKey = out.LastEvaluatedKey;
        if (!ExclusiveStartKey || historyRunsOf(items, current, window).length >= window) break;
      }
      return historyRunsOf(items, current, window);
    },
    async putRun(feed, item) {
      const full: FeedRunItem = {
        pk: RUN_KEYS.feedHistory(feed),
        sk: RUN_KEYS.feedRun(item.startTime, item.executionName),
        ...item,
      };
      await clients.doc().send(new PutCommand({ TableName: runsTable, Item: full }));
    },
  };
}
