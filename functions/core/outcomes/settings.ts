import { DEFAULT_OUTCOME_SETTINGS, ENV, type FeedEnvEntry, type OutcomeSettings } from "../../contract";
import type { MessageLocale } from "../csv/validation-messages";
import { type Env, FUNCTION_ENV, flagEnv, optionalEnv, prefixEnv, readOnce } from "../env";
import { EnvironmentError } from "../errors";

function readOutcomeSettings(env: Env): OutcomeSettings {
  const d = DEFAULT_OUTCOME_SETTINGS;
  return {
    processedPrefix: prefixEnv(ENV.processedPrefix, d.processedPrefix, env),
    rejectedPrefix: prefixEnv(ENV.rejectedPrefix, d.rejectedPrefix, env),
    resultsPrefix: prefixEnv(ENV.resultsPrefix, d.resultsPrefix, env),
    processed: flagEnv(ENV.outputProcessed, d.processed, env),
    bom: flagEnv(ENV.outputBom, d.bom, env),
  };
}

const functionOutcomeSettings = readOnce(
  [ENV.processedPrefix, ENV.rejectedPrefix, ENV.resultsPrefix, ENV.outputProcessed, ENV.outputBom],
  readOutcomeSettings,
);

/**
 * Where row outcomes go and how they are written (defaults: the contract's): from `env`, else from the function's
 * environment, read once.
 */
export function outcomeSettings(env?: Env): OutcomeSettings {
  return env ? readOutcomeSettings(env) : functionOutcomeSettings();
}

/**
 * Language of the messages in `errors.csv`: the feed's (`locale` of its `FEEDS` entry) when it has its own, else
 * OUTPUT_LOCALE; default `ja`, as the notices.
 */
export function outputLocale(env: Env = FUNCTION_ENV, feed?: FeedEnvEntry): MessageLocale {
  const own = feed?.locale !== undefined;
  const value = own ? feed?.locale || undefined : optionalEnv(ENV.outputLocale, env);
  if (value === undefined) return "ja";
  if (value === "ja" || value === "en") return value;
  const where = own
    ? `Environment variable ${ENV.feeds} entry "${feed?.name}" has a locale that`
    : `Environment variable ${ENV.outputLocale}`;
  throw new EnvironmentError(`${where} must be "ja" or "en" (got ${JSON.stringify(value)}).`);
}
