import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** DynamoDB requests and items read, counted on the wire by SDK middleware. */
export interface DynamoCounts {
  requests: number;
  byCommand: Record<string, number>;
  /** Milliseconds spent waiting for each command's responses, summed. */
  msByCommand: Record<string, number>;
  /** Items returned (Query/Scan `Count`, GetItem 1 when found, BatchGetItem responses). */
  itemsRead: number;
}

/**
 * Adds counting middleware to a DynamoDB client (the document client shares its middleware stack, so commands sent
 * through either are counted). `onResponse` runs after every response (e.g. to sample the heap).
 */
export function countDynamo(client: DynamoDBClient, onResponse?: () => void): { counts: DynamoCounts; reset(): void } {
  const counts: DynamoCounts = { requests: 0, byCommand: {}, msByCommand: {}, itemsRead: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.requests++;
      const name = String(context.commandName ?? "unknown");
      counts.byCommand[name] = (counts.byCommand[name] ?? 0) + 1;
      const t0 = performance.now();
      const result = await next(args);
      counts.msByCommand[name] = (counts.msByCommand[name] ?? 0) + performance.now() - t0;
      const out = result.output as {
        Count?: number;
        Item?: unknown;
        Responses?: Record<string, unknown[]>;
      };
      if (typeof out.Count === "number") counts.itemsRead += out.Count;
      else if (out.Item !== undefined) counts.itemsRead += 1;
      else if (out.Responses) for (const list of Object.values(out.Responses)) counts.itemsRead += list.length;
      onResponse?.();
      return result;
    },
    { step: "initialize", name: "benchDynamoCounter", override: true },
  );
  return {
    counts,
    reset() {
      counts.requests = 0;
      counts.byCommand = {};
      counts.msByCommand = {};
      counts.itemsRead = 0;
    },
  };
}
