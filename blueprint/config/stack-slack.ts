/**
 * The stack's own Slack webhook (`slackWebhookUrl`): the webhook of every feed that sets none of its own. A stack
 * needs it unless each of its `feeds` sets `notify.slackWebhookUrl`; then nothing would ever post through it.
 */
import { type ConfigProblem, problemAt } from "./problems";
import { RULES } from "./rules";
import { fromJsonText, isObject } from "./text-values";

/**
 * The indexes of the `feeds` entries that set no `notify.slackWebhookUrl` of their own; `undefined` when `feeds` is
 * unset or not a list (then the single-feed keys describe the one feed, or the list's own problem is reported). An
 * entry that is not an object is left out: its own problem is reported.
 */
export function feedsWithoutOwnSlack(input: Readonly<Record<string, unknown>>): number[] | undefined {
  const list = fromJsonText(input.feeds);
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((entry: unknown, i) =>
    isObject(entry) && !(isObject(entry.notify) && entry.notify.slackWebhookUrl !== undefined) ? [i] : [],
  );
}

/**
 * Whether some webhook serves the stack's notices: the stack's own, or each feed's own (a feed list of at least one
 * entry, every one with its `notify.slackWebhookUrl`). The stack's policy is routed to Slack only then.
 */
export function slackConfigured(input: Readonly<Record<string, unknown>>): boolean {
  if (input.slackWebhookUrl !== undefined) return true;
  const list = fromJsonText(input.feeds);
  return Array.isArray(list) && list.length > 0 && feedsWithoutOwnSlack(input)?.length === 0;
}

/**
 * A missing `slackWebhookUrl` is a problem unless every feed sets its own: without `feeds` (the single-feed keys),
 * or naming the feeds that would have no webhook.
 */
export function stackSlackProblems(input: Readonly<Record<string, unknown>>): ConfigProblem[] {
  if (input.slackWebhookUrl !== undefined) return [];
  if (input.feeds === undefined) return [problemAt(["slackWebhookUrl"], RULES.slackMissing)];
  const without = feedsWithoutOwnSlack(input);
  if (without === undefined || without.length === 0) return [];
  const named = without.map((i) => `feeds[${i}]`).join(", ");
  return [
    problemAt(
      ["slackWebhookUrl"],
      `${RULES.slackMissing}: ${named} ${without.length > 1 ? "set" : "sets"} no notify.slackWebhookUrl of ${without.length > 1 ? "their" : "its"} own (give the stack one, or every feed its own)`,
    ),
  ];
}
