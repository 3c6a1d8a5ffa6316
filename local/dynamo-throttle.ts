import { request } from "node:http";
import { type FaultPlan, fire } from "./faults";
import { readBody, startLoopbackServer } from "./http";

export interface DynamoThrottle {
  /** Endpoint to give the handlers instead of the database's own. */
  endpoint: string;
  /** BatchWriteItem calls answered with every item unprocessed. */
  throttled: number;
  stop(): Promise<void>;
}

/**
 * A pass-through proxy in front of the local DynamoDB that produces the `dynamodb-throttle` fault the way DynamoDB
 * throttles a batch: `BatchWriteItem` answers 200 with every request item back in `UnprocessedItems` (nothing written)
 * while the fault has firings left. Every other request goes to the database unchanged.
 */
export async function startDynamoThrottle(target: string, faults: FaultPlan): Promise<DynamoThrottle> {
  const upstream = new URL(target);
  const state = { throttled: 0 };
  const server = await startLoopbackServer(async (req, res) => {
    const body = await readBody(req);
    const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1];
    if (operation === "BatchWriteItem" && fire(faults, "dynamodb-throttle")) {
      state.throttled++;
      const input = JSON.parse(body) as { RequestItems?: unknown };
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ UnprocessedItems: input.RequestItems ?? {} }));
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
          answer.on("end", resolve);
          answer.on("error", reject);
        },
      );
      forward.on("error", reject);
      forward.end(body);
    });
  });
  return {
    endpoint: server.url,
    get throttled() {
      return state.throttled;
    },
    stop: () => server.close(),
  };
}
