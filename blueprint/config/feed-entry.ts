/** One entry of `feeds`: its name, upload prefix, row schema, and the notify settings and alarms it sets for itself. */
import * as z from "zod";
import { FEED_NAME_PATTERN } from "../../functions/contract";
import { arrivalField } from "../arrival";
import { alarmsField } from "./alarms";
import { email, emailList } from "./email";
import { validInputPrefix } from "./prefixes";
import { HTTPS_URL, RULES } from "./rules";
import { fromJsonText } from "./text-values";

/** The keys a feed may set, and the keys of its `notify`. */
export const FEED_KEYS = ["name", "prefix", "schema", "notify", "alarms", "arrival"] as const;
export const FEED_NOTIFY_KEYS = ["slackWebhookUrl", "emailTo", "onCallEmail", "notifyPolicy"] as const;

export const feedNotify = z.strictObject(
  {
    slackWebhookUrl: z.string({ error: RULES.slackUrl }).regex(HTTPS_URL, { error: RULES.slackUrl }).optional(),
    emailTo: emailList.optional(),
    onCallEmail: email.optional(),
    notifyPolicy: z.record(z.string(), z.unknown(), { error: RULES.object }).optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `is not a known notify setting (${FEED_NOTIFY_KEYS.join(", ")})`
        : RULES.object,
  },
);

export const feedEntry = z.strictObject(
  {
    name: z
      .string({ error: (issue) => (issue.input === undefined ? "is missing" : RULES.feedName) })
      .regex(FEED_NAME_PATTERN, { error: RULES.feedName }),
    prefix: z
      .string({ error: (issue) => (issue.input === undefined ? "is missing" : RULES.inputPrefix) })
      .refine(validInputPrefix, { error: RULES.inputPrefix }),
    schema: z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
      error: (issue) => (issue.input === undefined ? `is missing: ${RULES.feedSchema}` : RULES.feedSchema),
    }),
    notify: feedNotify.optional(),
    alarms: alarmsField.optional(),
    arrival: arrivalField.optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `is not a known feed setting (${FEED_KEYS.join(", ")})` : RULES.object,
  },
);

// The number of feeds and their names and prefixes across the list are checked by feedListProblems, so that a bad
// entry never hides them.
export const feedsField = z.preprocess(fromJsonText, z.array(feedEntry, { error: RULES.feeds })).optional();
