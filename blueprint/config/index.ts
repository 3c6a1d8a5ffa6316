/**
 * The pipeline's settings, free of `@pulumi/*` so the local runner can use them without loading the Pulumi SDK: one
 * schema for a Pulumi stack's config (read by `infra/config.ts`) and for the local runner's `--config` file. What
 * callers use is exported here; each concern has its own file beside this one.
 */
export type { AlarmThresholds } from "./alarms";
export {
  type ChannelReasons,
  checkChannels,
  emailProblems,
  type RoutedPolicy,
  routeToConfiguredChannels,
} from "./channels";
export { MAX_EMAIL_RECIPIENTS } from "./email";
export { parseSettings, unknownKeyProblems } from "./parse-settings";
export { outputPrefixProblems } from "./prefix-overlaps";
export {
  ConfigError,
  type ConfigProblem,
  formatProblem,
  keyPath,
  type PathSegment,
  problemAt,
  renderExample,
  type SettingsSource,
  throwIfProblems,
} from "./problems";
export { type ResolvedFeed, type ResolveFeedsOptions, resolveFeeds } from "./resolve-feeds";
export { type RowSchemaPlace, type RowSchemaRead, readRowSchema } from "./row-schema";
export { CHUNK_BYTES_LIMITS, LOG_RETENTION_DAYS } from "./rules";
export {
  CHANNEL_KEYS,
  LOCAL_KEYS,
  type LocalKey,
  SETTINGS_FIELDS,
  type SettingKey,
  type Settings,
  STACK_KEYS,
  settingsSchema,
} from "./settings";
export { type SingleFeed, singleFeed } from "./single-feed";
export { feedsWithoutOwnSlack, slackConfigured, stackSlackProblems } from "./stack-slack";
