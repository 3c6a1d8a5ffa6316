import { type FaultPlan, fire } from "./faults";
import { forwardRequest, readBody, startLoopbackServer } from "./http";

/**
 * The two ways DynamoDB throttles a BatchWriteItem: it answers 200 and hands items back in `UnprocessedItems`, or
 * it refuses the whole request with HTTP 400 and a throttling exception (`ProvisionedThroughputExceededException`
 * when a table's capacity is exceeded, `ThrottlingException` when the request rate is).
 */
export const THROTTLE_FORMS = [
  "UnprocessedItems",
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
] as const;
export type ThrottleForm = (typeof THROTTLE_FORMS)[number];

/** DynamoDB's answer (JSON 1.0 protocol) to a request it refuses whole. */
const REFUSALS: Record<Exclude<ThrottleForm, "UnprocessedItems">, { type: string; message: string }> = {
  ProvisionedThroughputExceededException: {
    type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    message:
      "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
  },
  ThrottlingException: {
    type: "com.amazon.coral.availability#ThrottlingException",
    message: "Rate of requests exceeds the allowed throughput.",
  },
};

export interface DynamoThrottle {
  /** Endpoint to give the handlers instead of the database's own. */
  endpoint: string;
  /** BatchWriteItem calls the fault answered (nothing of them was written). */
  throttled: number;
  /** The same, by the form each was answered in. */
  byForm: Record<ThrottleForm, number>;
  stop(): Promise<void>;
}

/**
 * A pass-through proxy in front of the local DynamoDB that produces the `dynamodb-throttle` fault the way DynamoDB
 * throttles a batch, while the fault has firings left: each firing answers one `BatchWriteItem` in the next of
 * `forms` (in turn; by default each of {@link THROTTLE_FORMS}), writing nothing. Every other request goes to the
 * database unchanged.
 */
export async function startDynamoThrottle(
  target: string,
  faults: FaultPlan,
  forms: readonly ThrottleForm[] = THROTTLE_FORMS,
): Promise<DynamoThrottle> {
  if (forms.length === 0) throw new RangeError("dynamodb-throttle needs at least one form to answer in");
  const upstream = new URL(target);
  const byForm = Object.fromEntries(THROTTLE_FORMS.map((f) => [f, 0])) as Record<ThrottleForm, number>;
  let throttled = 0;
  const server = await startLoopbackServer(async (req, res) => {
    const body = await readBody(req);
    const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1];
    if (operation === "BatchWriteItem" && fire(faults, "dynamodb-throttle")) {
      const form = forms[throttled % forms.length];
      throttled++;
      byForm[form]++;
      res.writeHead(form === "UnprocessedItems" ? 200 : 400, { "content-type": "application/x-amz-json-1.0" });
      if (form === "UnprocessedItems") {
        const input = JSON.parse(body) as { RequestItems?: unknown };
        res.end(JSON.stringify({ UnprocessedItems: input.RequestItems ?? {} }));
      } else {
        res.end(JSON.stringify({ __type: REFUSALS[form].type, message: REFUSALS[form].message }));
      }
      return;
    }
    await forwardRequest(upstream, req, res, body);
  });
  return {
    endpoint: server.url,
    get throttled() {
      return throttled;
    },
    byForm,
    stop: () => server.close(),
  };
}
