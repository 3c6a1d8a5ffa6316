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
  /** When it arrived (ISO-8601). */
  at: string;
}

/** A scripted answer: status, extra headers, body (default `ok` for 200, else `error`), and a delay before it. */
export interface SlackAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

export interface SlackReceiver {
  /** An incoming-webhook-shaped URL on the loopback server. */
  webhookUrl: string;
  /** Each feed's own webhook URL (the feeds given to {@link startSlackReceiver}), by feed name. */
  feedWebhookUrls: Record<string, string>;
  /** Every request, in order of arrival (also those whose answer is still delayed). */
  deliveries: SlackDelivery[];
  /** Answers for the next requests to the webhook, taken in order before the faults and Slack's own rules. */
  script: SlackAnswer[];
  /** Forgets the deliveries and the answers still scripted. */
  reset(): void;
  stop(): Promise<void>;
}

/** Path of the local webhook, shaped like Slack's `/services/T…/B…/…`. */
export const LOCAL_WEBHOOK_PATH = "/services/T0LOCAL00/B0LOCAL00/localwebhooksecret0000000";

/** Path of a feed's own local webhook: another channel of the same workspace, so a delivery tells which it went to. */
export function feedWebhookPath(feed: string): string {
  return `/services/T0LOCAL00/B0FEED000/${feed}`;
}

/**
 * A loopback stand-in for a Slack incoming webhook: records each request and answers like Slack does — `200 ok`,
 * `400 invalid_payload` for a body that is not JSON, `404 no_service` for another path — unless an answer is
 * scripted (`script`) or a fault is injected (`slack-429` → `429` with `Retry-After: 1`, `slack-5xx` → `500`).
 * Besides the stack's webhook it serves one for each of `feeds` (see {@link feedWebhookPath}). `onDelivery` is told of
 * each request as it is recorded.
 */
export async function startSlackReceiver(
  faults: FaultPlan = {},
  feeds: readonly string[] = [],
  onDelivery?: (delivery: SlackDelivery) => void,
): Promise<SlackReceiver> {
  const paths = new Set([LOCAL_WEBHOOK_PATH, ...feeds.map(feedWebhookPath)]);
  const deliveries: SlackDelivery[] = [];
  const script: SlackAnswer[] = [];
  const server = await startLoopbackServer(async (req, res) => {
    const body = await readBody(req);
    let json: unknown = null;
    try {
      json = JSON.parse(body);
    } catch {
      json = null;
    }
    const path = req.url ?? "";
    const decide = (): SlackAnswer => {
      if (req.method !== "POST" || !paths.has(path)) return { status: 404, body: "no_service" };
      const scripted = script.shift();
      if (scripted) return scripted;
      if (fire(faults, "slack-429")) return { status: 429, headers: { "retry-after": "1" }, body: "rate_limited" };
      if (fire(faults, "slack-5xx")) return { status: 500, body: "internal_error" };
      if (json === null || typeof json !== "object") return { status: 400, body: "invalid_payload" };
      return { status: 200, body: "ok" };
    };
    const answer = decide();
    const delivery: SlackDelivery = {
      path,
      contentType: String(req.headers["content-type"] ?? ""),
      body,
      json,
      status: answer.status,
      at: new Date().toISOString(),
    };
    deliveries.push(delivery);
    onDelivery?.(delivery);
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (res.destroyed) return;
    res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
    res.end(answer.body ?? (answer.status === 200 ? "ok" : "error"));
  });
  return {
    webhookUrl: `${server.url}${LOCAL_WEBHOOK_PATH}`,
    feedWebhookUrls: Object.fromEntries(feeds.map((feed) => [feed, `${server.url}${feedWebhookPath(feed)}`])),
    deliveries,
    script,
    reset: () => {
      deliveries.length = 0;
      script.length = 0;
    },
    stop: () => server.close(),
  };
}
