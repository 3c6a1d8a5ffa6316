import { DEFAULT_OUTCOME_SETTINGS, ENV, type FeedEnvEntry, type OutcomeSettings } from "../../contract";
import type { MessageLocale } from "../csv/validation-messages";
import type { Env } from "../env";
import { InputError } from "../errors";

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InputError(`${name} must be "true" or "false" (got ${JSON.stringify(value)}).`);
}

function prefix(env: Env, name: string, fallback: string): string {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  if (!value.endsWith("/")) throw new InputError(`${name} must end with "/" (got ${JSON.stringify(value)}).`);
  return value;
}

/** Where row outcomes go and how they are written, from the function's environment (defaults: the contract's). */
export function outcomeSettings(env: Env = process.env): OutcomeSettings {
  const d = DEFAULT_OUTCOME_SETTINGS;
  return {
    processedPrefix: prefix(env, ENV.processedPrefix, d.processedPrefix),
    rejectedPrefix: prefix(env, ENV.rejectedPrefix, d.rejectedPrefix),
    resultsPrefix: prefix(env, ENV.resultsPrefix, d.resultsPrefix),
    processed: flag(env, ENV.outputProcessed, d.processed),
    bom: flag(env, ENV.outputBom, d.bom),
  };
}

/**
 * Language of the messages in `errors.csv`: the feed's (`locale` of its `FEEDS` entry) when it has its own, else
 * OUTPUT_LOCALE; default `ja`, as the notices.
 */
export function outputLocale(env: Env = process.env, feed?: FeedEnvEntry): MessageLocale {
  const own = feed?.locale !== undefined;
  const value: string | undefined = own ? feed?.locale : env[ENV.outputLocale];
  if (value === undefined || value === "") return "ja";
  if (value === "ja" || value === "en") return value;
  const where = own ? `${ENV.feeds} entry "${feed?.name}" has a locale that` : ENV.outputLocale;
  throw new InputError(`${where} must be "ja" or "en" (got ${JSON.stringify(value)}).`);
}
