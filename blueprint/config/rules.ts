/** What the settings accept: patterns, limits, and the message each rule gives when a value breaks it. */
import { PREFIXES, WORK_PREFIX } from "../../functions/contract";
import { PIPELINE_PATTERNS } from "../../workflow/pipeline";

/** Retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Smallest and largest chunk size in bytes. */
export const CHUNK_BYTES_LIMITS = { min: 1024, max: 256 * 1024 * 1024 } as const;

/**
 * The pipeline name begins every resource name (the stack and a function's or table's name follow it): short, so the
 * names stay within Lambda's and IAM's 64 characters, and lower-case, as S3 requires.
 */
export const NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
export const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
export const PREFIX = /^([A-Za-z0-9!_.*'()-]+\/)*$/;
/**
 * An output prefix: one or more folders, each ending in "/". No `*`: IAM reads it in a grant's resource as a wildcard
 * (there is no escape), which would widen the functions' write grants beyond the folder.
 */
export const OUTPUT_PREFIX = /^([A-Za-z0-9!_.'()-]+\/)+$/;

export const RULES = {
  pipelineName:
    "must be 3–32 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen",
  pattern: `must be one of ${PIPELINE_PATTERNS.join(", ")}`,
  inputPrefix: `must end with "/" and not be under ${PREFIXES.config} or ${WORK_PREFIX} (nor be the bucket root, where the outputs are written)`,
  outputPrefix: `must be folders of letters, digits or !_.'()- each ending with "/" (no "*")`,
  boolean: "must be true or false",
  email: "must be an e-mail address",
  emailTo: "must be a list of e-mail addresses",
  slackMissing: "is missing (a secret)",
  slackUrl: "must be an https:// incoming-webhook URL (value not shown)",
  topicArn: "must be an SNS topic ARN",
  logRetention: `must be one CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(", ")})`,
  object: "must be an object",
  feedName: "must be 1–24 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen",
  feedSchema: "must be a schema file path or an inline row schema object",
  feeds: "must be a list of feeds, each with a name, prefix and schema",
} as const;

/** A Slack incoming-webhook URL: https only. */
export const HTTPS_URL = /^https:\/\/\S+$/;
