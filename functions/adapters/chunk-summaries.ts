import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { type ChunkResult, type ChunkSummaryItem, type FileSummaryItem, RUN_KEYS } from "../contract";
import { clients } from "./clients";

/**
 * The FILE item and every CHUNK item of one execution: a strongly consistent Query on its partition, every page.
 * The range `sk BETWEEN "CHUNK#" AND "FILE"` holds exactly those items (sorted byte-wise, "CHUNK#…" < "FILE" <
 * "NOTIFY#…"), so the read grows with the number of chunks, never with the notification ledger. Needs only
 * `dynamodb:Query` on the runs table.
 */
export async function readRunSummaries(
  runsTable: string,
  executionName: string,
): Promise<{ file?: FileSummaryItem; chunks: ChunkSummaryItem[] }> {
  let file: FileSummaryItem | undefined;
  const chunks: ChunkSummaryItem[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await clients.doc().send(
      new QueryCommand({
        TableName: runsTable,
        ConsistentRead: true,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
        ExpressionAttributeValues: {
          ":pk": RUN_KEYS.execution(executionName),
          ":lo": RUN_KEYS.chunkPrefix,
          ":hi": RUN_KEYS.file,
        },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const sk = String(item.sk);
      if (sk === RUN_KEYS.file) file = item as FileSummaryItem;
      else if (sk.startsWith(RUN_KEYS.chunkPrefix)) chunks.push(item as ChunkSummaryItem);
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return { file, chunks };
}

/**
 * A chunk's stored result (its CHUNK item, read with a strongly consistent GetItem), or undefined when it has none.
 * Needs `dynamodb:GetItem` on the runs table.
 */
export async function readChunkResult(
  runsTable: string,
  executionName: string,
  chunkId: number,
): Promise<ChunkResult | undefined> {
  const res = await clients.doc().send(
    new GetCommand({
      TableName: runsTable,
      Key: { pk: RUN_KEYS.execution(executionName), sk: RUN_KEYS.chunk(chunkId) },
      ConsistentRead: true,
    }),
  );
  const item = res.Item as ChunkSummaryItem | undefined;
  if (item === undefined) return undefined;
  const { rows, valid, invalid, byType, bySeverity } = item;
  return { chunkId: item.chunkId, rows, valid, invalid, byType, bySeverity };
}
