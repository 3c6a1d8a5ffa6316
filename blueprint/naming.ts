import { DEFAULT_FEED } from "../functions/contract";

/**
 * The prefix of every physical name a stack gives its resources (tables, the webhook parameter, log groups, the
 * state machine, alarms, the saved query, the dashboard): the pipeline name and the stack, so two stacks of the
 * same pipeline in one account never collide. Characters some AWS names refuse (a stack may contain `.`) become `-`.
 *
 * @example stackNamePrefix("orders", "prod") // "orders-prod"
 */
export function stackNamePrefix(pipelineName: string, stack: string): string {
  return `${pipelineName}-${stack.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

/**
 * The logical name of a resource made once per feed: the `default` feed keeps the name a single-feed stack has always
 * given it (so upgrading a stack replaces nothing), every other feed's name ends in `-<feed>`.
 *
 * @example feedResourceName("pipeline-csv-uploaded", "stock") // "pipeline-csv-uploaded-stock"
 */
export function feedResourceName(base: string, feed: string): string {
  return feed === DEFAULT_FEED ? base : `${base}-${feed}`;
}
