import { type FaultPlan, fire } from "./faults";
import { readBody, startLoopbackServer } from "./http";

/** One POST the webhook received. */
export interface SlackDelivery {
  path: string;
  contentType: string;
  /** The raw body, exactly as received. */
  body: string;
  /** The body parsed as JSON, or null when it is not JSON. */
  json: unknown;
  /** HTTP status answered. */
  status: number;
  at: string;
}

export interface SlackReceiver {
  /** An incoming-webhook-shaped URL on the loopback server. */
  webhookUrl: string;
  deliveries: SlackDelivery[];
  stop(): Promise<void>;
}

/** Path of the local webhook, shaped like Slack's `/services/T…/B…/…`. */
export const LOCAL_WEBHOOK_PATH = "/services/T0LOCAL00/B0LOCAL00/localwebhooksecret0000000";

/**
 * A loopback stand-in for a Slack incoming webhook: records each POST and answers like Slack does — `200 ok`,
 * `400 invalid_payload` for a body that is not JSON, `404 no_service` for another path, and the injected faults
 * (`slack-5xx` → `500`, `slack-429` → `429` with `Retry-After: 1`).
 */
export async function startSlackReceiver(faults: FaultPlan = {}): Promise<SlackReceiver> {
  const deliveries: SlackDelivery[] = [];
  const server = await startLoopbackServer(async (req, res) => {
    const body = await readBody(req);
    let json: unknown = null;
    try {
      json = JSON.parse(body);
    } catch {
      json = null;
    }
    const answer = (status: number, text: string, headers: Record<string, string> = {}): void => {
      deliveries.push({
        path: req.url ?? "",
        contentType: String(req.headers["content-type"] ?? ""),
        body,
        json,
        status,
        at: new Date().toISOString(),
      });
      res.writeHead(status, { "content-type": "text/plain", ...headers });
      res.end(text);
    };
    if (req.method !== "POST" || req.url !== LOCAL_WEBHOOK_PATH) return answer(404, "no_service");
    if (fire(faults, "slack-429")) return answer(429, "rate_limited", { "retry-after": "1" });
    if (fire(faults, "slack-5xx")) return answer(500, "internal_error");
    if (json === null || typeof json !== "object") return answer(400, "invalid_payload");
    return answer(200, "ok");
  });
  return { webhookUrl: `${server.url}${LOCAL_WEBHOOK_PATH}`, deliveries, stop: () => server.close() };
}
