/**
 * The pipeline's settings: one schema for a Pulumi stack's config (`csv-pipeline:<key>`, read by `infra/config.ts`)
 * and for the local runner's `--config` file (`<key>`, read by `local/cli/run-config.ts`). Both get the same defaults,
 * the same limits and the same messages; only how a key and an example are written differs between the two.
 */
import * as z from "zod";
import { DEFAULT_PIPELINE_NAME, type NotificationChannel, PREFIXES } from "../../functions/contract";
import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_ROWS } from "../../functions/core/csv/settings";
import { PIPELINE_PATTERNS } from "../../workflow/pipeline";
import { arrivalField } from "../arrival";
import { alarmsField } from "./alarms";
import { email, emailList } from "./email";
import { feedsField } from "./feed-entry";
import { policyField } from "./notify-policy";
import { outputsField, validInputPrefix } from "./prefixes";
import { CHUNK_BYTES_LIMITS, HTTPS_URL, LOG_RETENTION_DAYS, NAME, RULES, TOPIC_ARN } from "./rules";
import { fromJsonText, fromNumberText, wholeNumber } from "./text-values";

/** Every setting, its default and its rule. A stack reads all of them; a local file reads {@link LOCAL_KEYS}. */
export const SETTINGS_FIELDS = {
  pipelineName: z
    .string({ error: RULES.pipelineName })
    .regex(NAME, { error: RULES.pipelineName })
    .default(DEFAULT_PIPELINE_NAME),
  pattern: z.enum(PIPELINE_PATTERNS, { error: RULES.pattern }).default("sequential"),
  inputPrefix: z
    .string({ error: RULES.inputPrefix })
    .refine(validInputPrefix, { error: RULES.inputPrefix })
    .default(PREFIXES.input),
  outputs: outputsField,
  rowSchema: z
    .preprocess(fromJsonText, z.record(z.string(), z.unknown(), { error: "must be a row schema object" }))
    .optional(),
  rowSchemaPath: z.string().optional(),
  feeds: feedsField,
  chunkRows: wholeNumber(1, 1_000_000, DEFAULT_CHUNK_ROWS),
  chunkBytes: wholeNumber(
    CHUNK_BYTES_LIMITS.min,
    CHUNK_BYTES_LIMITS.max,
    DEFAULT_CHUNK_BYTES,
    `must be a whole number of bytes from ${CHUNK_BYTES_LIMITS.min} (1 KiB) to ${CHUNK_BYTES_LIMITS.max} (256 MiB)`,
  ),
  mapConcurrency: wholeNumber(1, 10_000, 100),
  toleratedFailurePercentage: wholeNumber(0, 100, 0),
  // Optional here: whether a stack needs its own depends on its feeds (see stackSlackProblems).
  slackWebhookUrl: z.string({ error: RULES.slackUrl }).regex(HTTPS_URL, { error: RULES.slackUrl }).optional(),
  emailFrom: email.optional(),
  emailTo: z.preprocess(fromJsonText, emailList).default([]),
  onCallEmail: email.optional(),
  onCallTopicArn: z.string({ error: RULES.topicArn }).regex(TOPIC_ARN, { error: RULES.topicArn }).optional(),
  notifyPolicy: policyField,
  alarms: alarmsField,
  arrival: arrivalField.optional(),
  errorRetentionDays: wholeNumber(1, 3650, 30),
  logRetentionDays: z
    .preprocess(
      fromNumberText,
      z
        .number({ error: RULES.logRetention })
        .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), { error: RULES.logRetention }),
    )
    .default(30),
};

/** The schema of every setting (a stack's view). */
export const settingsSchema = z.object(SETTINGS_FIELDS);
export type Settings = z.output<typeof settingsSchema>;
export type SettingKey = keyof typeof SETTINGS_FIELDS;

/** Every key a stack reads (documented in Pulumi.dev.yaml). */
export const STACK_KEYS = Object.keys(SETTINGS_FIELDS) as SettingKey[];

/** Keys a local `--config` file may set: the ones that change a local run. */
export const LOCAL_KEYS = [
  "pipelineName",
  "chunkRows",
  "chunkBytes",
  "errorRetentionDays",
  "mapConcurrency",
  "emailFrom",
  "emailTo",
  "onCallEmail",
  "notifyPolicy",
  "outputs",
  "arrival",
  "feeds",
] as const satisfies readonly SettingKey[];
export type LocalKey = (typeof LOCAL_KEYS)[number];

/** Which keys configure each notification channel. */
export const CHANNEL_KEYS: Record<NotificationChannel, readonly SettingKey[]> = {
  slack: ["slackWebhookUrl"],
  email: ["emailFrom", "emailTo"],
  sns: ["onCallEmail"],
};
