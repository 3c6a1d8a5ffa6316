/** A valid value for every key, shown beside a problem with that key (or with a key inside it). */
import { PREFIXES } from "../../functions/contract";
import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_ROWS } from "../../functions/core/csv/settings";
import { DEFAULT_NOTIFY_POLICY } from "../../functions/core/notify/policy";
import { ARRIVAL_EXAMPLE } from "../arrival";
import type { ConfigProblem, PathSegment } from "./paths";
import type { SettingKey } from "./settings";
import { isObject, valueAt } from "./text-values";

/** A valid feed with every key it may set, for examples beside a problem inside a feed. */
const FEED_EXAMPLE = {
  name: "orders",
  prefix: "incoming/orders/",
  schema: "schemas/orders.schema.yaml",
  notify: {
    emailTo: ["orders-team@example.com"],
    slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX",
    onCallEmail: "orders-oncall@example.com",
    notifyPolicy: { locale: "en" },
  },
  alarms: { errorCount: 10, criticalErrorCount: 1, periodSeconds: 300 },
};
/** The keys every feed sets. */
const FEED_SHORT_EXAMPLE = { name: FEED_EXAMPLE.name, prefix: FEED_EXAMPLE.prefix, schema: FEED_EXAMPLE.schema };

/** A valid value per key, shown beside a problem with that key. */
export const EXAMPLES: Record<SettingKey, unknown> = {
  pipelineName: "orders-pipeline",
  pattern: "parallel",
  inputPrefix: "incoming/",
  outputs: {
    processed: true,
    bom: true,
    processedPrefix: PREFIXES.processed,
    rejectedPrefix: PREFIXES.rejected,
    resultsPrefix: PREFIXES.results,
  },
  rowSchema: { columns: [{ name: "order_id", type: "string" }] },
  rowSchemaPath: "samples/orders.schema.yaml",
  feeds: [FEED_SHORT_EXAMPLE],
  chunkRows: DEFAULT_CHUNK_ROWS,
  chunkBytes: DEFAULT_CHUNK_BYTES,
  mapConcurrency: 100,
  toleratedFailurePercentage: 0,
  slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX",
  emailFrom: "alerts@example.com",
  emailTo: ["ops@example.com"],
  onCallEmail: "oncall@example.com",
  onCallTopicArn: "arn:aws:sns:ap-northeast-1:123456789012:pagerduty",
  notifyPolicy: { locale: "en" },
  alarms: { errorCount: 10, criticalErrorCount: 1, periodSeconds: 300 },
  arrival: ARRIVAL_EXAMPLE,
  errorRetentionDays: 30,
  logRetentionDays: 30,
};

/** An example for a key inside feed `path[1]`: the nearest key of {@link FEED_EXAMPLE} (or the policy's default). */
export function feedExampleFor(path: PathSegment[]): ConfigProblem["example"] {
  const [, index] = path;
  if (typeof index !== "number") return { path: ["feeds"], value: EXAMPLES.feeds };
  const named = path.slice(2).filter((p): p is string => typeof p === "string");
  if (named[0] === "notify" && named[1] === "notifyPolicy" && named.length > 2) {
    const fallback = valueAt(DEFAULT_NOTIFY_POLICY, named.slice(2));
    if (fallback !== undefined) return { path: ["feeds", index, ...named], value: fallback };
  }
  for (let n = named.length; n > 0; n--) {
    const value = valueAt(FEED_EXAMPLE, named.slice(0, n));
    if (value === undefined) continue;
    // Beside an unknown key of `notify` or `alarms`: one known key of it, not all of them.
    const first = n < named.length && isObject(value) ? Object.entries(value)[0] : undefined;
    if (first) return { path: ["feeds", index, ...named.slice(0, n), first[0]], value: first[1] };
    return { path: ["feeds", index, ...named.slice(0, n)], value };
  }
  return { path: ["feeds", index], value: FEED_SHORT_EXAMPLE };
}

export function exampleFor(path: PathSegment[]): ConfigProblem["example"] {
  const key = path[0] as SettingKey;
  if (key === "feeds") return feedExampleFor(path);
  const named = path.filter((p): p is string => typeof p === "string");
  if (key === "notifyPolicy" && named.length > 1) {
    const fallback = valueAt(DEFAULT_NOTIFY_POLICY, named.slice(1));
    if (fallback !== undefined) return { path: named, value: fallback };
  }
  if ((key === "alarms" || key === "outputs") && named.length > 1) {
    const fallback = valueAt(EXAMPLES[key], named.slice(1));
    if (fallback !== undefined) return { path: named, value: fallback };
  }
  return { path: [key], value: EXAMPLES[key] };
}
