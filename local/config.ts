import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import * as z from "zod";
import { DEFAULT_PIPELINE_NAME } from "../functions/contract";
import { type NotifyPolicy, PolicyError, parseNotifyPolicy } from "../functions/core/notify/policy";
import { UsageError } from "./faults";

/** Settings of a local run: what a stack's config sets on AWS, with local defaults. */
export interface LocalConfig {
  pipelineName: string;
  chunkRows?: number;
  chunkBytes?: number;
  errorRetentionDays: number;
  mapConcurrency: number;
  emailFrom: string;
  emailTo: string[];
  notify: NotifyPolicy;
}

export const CONFIG_EXAMPLE = `pipelineName: csv-pipeline
chunkRows: 5000
emailFrom: csv-pipeline@example.com
emailTo: [ops@example.com]
notifyPolicy: { locale: en, quietHours: { start: "22:00", end: "07:00" } }`;

const fileSchema = z.strictObject({
  pipelineName: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { message: "must be 1-64 letters, digits, '.', '_' or '-'" })
    .default(DEFAULT_PIPELINE_NAME),
  chunkRows: z.int().min(1).optional(),
  chunkBytes: z.int().min(1024).optional(),
  errorRetentionDays: z.int().min(1).max(3650).default(30),
  mapConcurrency: z.int().min(1).max(10_000).default(100),
  emailFrom: z.email().default("csv-pipeline@example.com"),
  emailTo: z.array(z.email()).min(1).default(["ops@example.com"]),
  notifyPolicy: z.unknown().optional(),
});

/**
 * Reads and validates a local config file (YAML or JSON). Every problem is reported at once, naming the file and the
 * key, with an example; the `notifyPolicy` section is checked by the same function the Pulumi program uses.
 */
export function loadConfig(path?: string): LocalConfig {
  if (path === undefined) return { ...fileSchema.parse({}), notify: parseNotifyPolicy({}) };
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, "utf8")) ?? {};
  } catch (err) {
    throw new UsageError(`config file ${path}: not valid YAML or JSON (${(err as Error).message.split("\n")[0]})`);
  }
  const parsed = fileSchema.safeParse(raw);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
  let notify: NotifyPolicy | undefined;
  try {
    notify = parseNotifyPolicy((raw as { notifyPolicy?: unknown } | null)?.notifyPolicy ?? {}, "notifyPolicy");
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    problems.push(...err.problems.map((p) => `notifyPolicy.${p}`));
  }
  if (!parsed.success || notify === undefined || problems.length > 0) {
    throw new UsageError(`config file ${path}: ${problems.join("; ")}. Example:\n${CONFIG_EXAMPLE}`);
  }
  return { ...parsed.data, notify };
}
