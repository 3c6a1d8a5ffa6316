import type { DynamoClientPlugin } from "../../functions/adapters/clients";
import { AWS_LIMITS, dynamoItemBytes, type LimitLedger } from "./aws-limits";

/** An item in attribute-value form (`{ name: { S: "…" }, … }`), as a request's input or body holds it. */
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

/**
 * An SDK plugin that sizes every item a DynamoDB client writes whole (PutItem, BatchWriteItem, TransactWriteItems) as
 * DynamoDB sizes it, into `ledger` by table. It changes nothing: the database refuses an item over 400 KB as DynamoDB
 * does. It reads each command's input at the build step, once the document client has marshalled it, so a request
 * is neither parsed again nor sent through a proxy on its way. (UpdateItem is not sized: the functions use it only
 * for a run's claim and counters, a few fixed attributes.)
 */
export function dynamoSizesPlugin(ledger: LimitLedger): DynamoClientPlugin {
  return {
    applyToStack(stack) {
      stack.add(
        (next, context) => async (args) => {
          const operation = String(context.commandName ?? "").replace(/Command$/, "");
          if (operation === "PutItem" || operation === "BatchWriteItem" || operation === "TransactWriteItems") {
            for (const { table, item } of itemsWritten(operation, args.input))
              ledger.observe(AWS_LIMITS.dynamoItem, dynamoItemBytes(item), table);
          }
          return next(args);
        },
        { step: "build", name: "sizeItemsWritten" },
      );
    },
  };
}
