import { AWS_LIMITS, dynamoItemBytes, type LimitLedger } from "./aws-limits";
import { forwardRequest, readBody, startLoopbackServer } from "./http";

/** A wire-format item (`{ name: { S: "…" }, … }`). */
type WireItem = Record<string, Record<string, unknown>>;

/** The items a write request puts whole, with their table: PutItem, BatchWriteItem's puts, TransactWriteItems' puts. */
export function itemsWritten(operation: string, body: unknown): { table: string; item: WireItem }[] {
  const req = (body ?? {}) as {
    TableName?: string;
    Item?: WireItem;
    RequestItems?: Record<string, { PutRequest?: { Item?: WireItem } }[]>;
    TransactItems?: { Put?: { TableName?: string; Item?: WireItem } }[];
  };
  switch (operation) {
    case "PutItem":
      return req.Item ? [{ table: String(req.TableName), item: req.Item }] : [];
    case "BatchWriteItem":
      return Object.entries(req.RequestItems ?? {}).flatMap(([table, requests]) =>
        requests.flatMap((r) => (r.PutRequest?.Item ? [{ table, item: r.PutRequest.Item }] : [])),
      );
    case "TransactWriteItems":
      return (req.TransactItems ?? []).flatMap((t) =>
        t.Put?.Item ? [{ table: String(t.Put.TableName), item: t.Put.Item }] : [],
      );
    default:
      return [];
  }
}

export interface DynamoSizes {
  /** Endpoint to give the handlers instead of the database's own. */
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * A pass-through proxy in front of the local DynamoDB that sizes every item written whole (PutItem, BatchWriteItem,
 * TransactWriteItems) as DynamoDB sizes it, into `ledger` by table. It changes nothing: the database behind it
 * refuses an item over 400 KB as DynamoDB does. (UpdateItem is not sized: the functions use it only for a run's
 * claim and counters, a few fixed attributes.)
 */
export async function startDynamoSizes(target: string, ledger: LimitLedger): Promise<DynamoSizes> {
  const upstream = new URL(target);
  const server = await startLoopbackServer(async (req, res) => {
    const body = await readBody(req);
    const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
    if (operation === "PutItem" || operation === "BatchWriteItem" || operation === "TransactWriteItems") {
      try {
        for (const { table, item } of itemsWritten(operation, JSON.parse(body)))
          ledger.observe(AWS_LIMITS.dynamoItem, dynamoItemBytes(item), table);
      } catch {
        // A body that is not JSON: the database answers it (SerializationException); nothing to size.
      }
    }
    await forwardRequest(upstream, req, res, body);
  });
  return { endpoint: server.url, stop: () => server.close() };
}
