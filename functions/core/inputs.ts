import * as z from "zod";
import type {
  AggregateInput,
  CheckInput,
  ProcessChunkInput,
  SplitResult,
  StateFailure,
  UploadIdentity,
} from "../contract";
import { InputError } from "./errors";
import { isChunkSet } from "./unique/chunk-set";
import { MAX_UNIQUE_PARTITIONS } from "./unique/key-hash";

/**
 * What each handler accepts, as zod schemas, and the one way a handler reads its event: {@link parseInput}. A bad
 * event is an {@link InputError} that names the handler and every missing or bad field, so one failed state says
 * all that is wrong with its input. Fields a handler reads but does not require pass through unchanged.
 */

/** A required text field: absent, null or empty is "missing". */
const text = z.string({ error: "expected text" }).min(1, { error: "must not be empty" });

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((name) => typeof name === "string");

/** The split's header: its list of column names (empty when the header stays in the object). */
const header = z.custom<string[]>(isStringList, { error: "expected the split's list of column names" });

const isWhole = (n: unknown): n is number => Number.isInteger(n);

const isChunkRef = (value: unknown): boolean => {
  const c = value as Partial<Record<keyof ProcessChunkInput["chunk"], unknown>> | null;
  return (
    typeof c === "object" &&
    c !== null &&
    isWhole(c.id) &&
    isWhole(c.start) &&
    isWhole(c.end) &&
    c.start >= 0 &&
    c.end > c.start &&
    typeof c.firstLine === "number" &&
    c.firstLine >= 1 &&
    (c.firstRecord === undefined || (isWhole(c.firstRecord) && c.firstRecord >= 1))
  );
};

const ENCODINGS = ["utf-8", "shift_jis"] as const satisfies readonly SplitResult["encoding"][];

/** What the SplitCsv state passes (`upload` is read leniently: a hand-started run may lack it). */
export const splitInputSchema = z.looseObject({
  bucket: text,
  key: text,
  executionName: text,
  startTime: text,
});

/** What each Distributed Map child receives. */
const PARTITION_COUNT = `expected a whole number from 0 to ${MAX_UNIQUE_PARTITIONS} (the split's uniquePartitions)`;

export const processChunkInputSchema = z
  .looseObject({
    executionName: text,
    startTime: text,
    bucket: text,
    key: text,
    encoding: z.enum(ENCODINGS, { error: `expected the split's encoding, one of ${ENCODINGS.join(", ")}` }),
    header,
    chunk: z.custom<ProcessChunkInput["chunk"]>(isChunkRef, {
      error:
        "expected a whole id, whole offsets 0 ≤ start < end, firstLine ≥ 1 and, when given, a whole firstRecord ≥ 1",
    }),
    /** P, the split's unique-key partitions; absent: 0 (no unique key). */
    uniquePartitions: z
      .int({ error: PARTITION_COUNT })
      .min(0, { error: PARTITION_COUNT })
      .max(MAX_UNIQUE_PARTITIONS, { error: PARTITION_COUNT })
      .optional(),
    /** Second pass only: the partitions whose finder found later occurrences. */
    duplicatePartitions: z.unknown().optional(),
    /** Second pass only, beside `duplicatePartitions`: each one's chunks with later occurrences (chunk sets). */
    duplicateChunks: z.unknown().optional(),
  })
  .superRefine((input, ctx) => {
    const list = input.duplicatePartitions;
    const sets = input.duplicateChunks;
    if (
      sets !== undefined &&
      sets !== null &&
      !(Array.isArray(sets) && Array.isArray(list) && sets.length === list.length && sets.every(isChunkSet))
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["duplicateChunks"],
        message: "expected one chunk set (hex text) per entry of duplicatePartitions",
      });
    }
    if (list === undefined || list === null) return;
    const partitions = input.uniquePartitions ?? 0;
    const valid =
      Array.isArray(list) &&
      partitions > 0 &&
      list.every((p) => Number.isInteger(p) && p >= 0 && p < partitions) &&
      new Set(list).size === list.length;
    if (!valid) {
      ctx.addIssue({
        code: "custom",
        path: ["duplicatePartitions"],
        message: `expected distinct partition numbers from 0 to uniquePartitions - 1 (${partitions} partitions)`,
      });
    }
  });

/** What each FindDuplicates iteration receives: one partition of the split's P, and the chunks to read. */
export const findDuplicatesInputSchema = z
  .looseObject({
    executionName: text,
    bucket: text,
    partitions: z
      .int({ error: `expected a whole number from 1 to ${MAX_UNIQUE_PARTITIONS} (the split's uniquePartitions)` })
      .min(1, { error: `expected a whole number from 1 to ${MAX_UNIQUE_PARTITIONS} (the split's uniquePartitions)` })
      .max(MAX_UNIQUE_PARTITIONS, {
        error: `expected a whole number from 1 to ${MAX_UNIQUE_PARTITIONS} (the split's uniquePartitions)`,
      }),
    partition: z.int({ error: "expected a whole number from 0 to partitions - 1" }),
    chunkCount: z.int({ error: "expected a whole number of 1 or more" }).min(1, { error: "expected 1 or more" }),
  })
  .superRefine((input, ctx) => {
    if (input.partition < 0 || input.partition >= input.partitions) {
      ctx.addIssue({
        code: "custom",
        path: ["partition"],
        message: `expected a whole number from 0 to partitions - 1 (${input.partitions} partitions)`,
      });
    }
  });

/** The AggregateResults payload; `header` may be absent or null (older definitions, direct invokes): no columns. */
export const aggregateInputSchema = z.looseObject({
  executionName: text,
  bucket: text,
  key: text,
  header: header.nullish().transform((h) => h ?? []),
});

/** The aggregation's counts the check reads, or null when it was not given them as numbers (not told). */
function composedOf(value: unknown): CheckInput["composed"] {
  const c = value as Partial<Record<"chunks" | "invalid", unknown>> | null | undefined;
  const chunks = Number(c?.chunks);
  const invalid = Number(c?.invalid);
  if (c == null || typeof c !== "object" || !Number.isFinite(chunks) || !Number.isFinite(invalid)) return null;
  return { chunks, invalid };
}

/**
 * What check-errors-and-notify receives. Only the execution and the file are required: the check must run, and
 * report, whatever failed before it, so every other field reads a missing or odd value as "not told".
 */
export const checkInputSchema = z.object({
  executionName: text,
  startTime: text,
  bucket: text,
  key: text,
  chunkCount: z
    .unknown()
    .optional()
    .transform((n) => Number(n) || 0),
  splitStatus: z
    .unknown()
    .optional()
    .transform((s): CheckInput["splitStatus"] => (s === "OK" || s === "REJECTED" ? s : "NOT_RUN")),
  failure: z
    .unknown()
    .optional()
    .transform((f) => (f ?? null) as StateFailure | null),
  aggregationFailure: z
    .unknown()
    .optional()
    .transform((f) => (f ?? null) as StateFailure | null),
  composed: z.unknown().optional().transform(composedOf),
});

/** The fields the check's state passes, for its error message. */
const CHECK_FIELDS =
  "{ executionName, startTime, bucket, key, chunkCount, splitStatus, failure, aggregationFailure, composed }";

/** `chunk.end`, `header[2]`; the whole input when the path is empty. */
function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    "",
  );
}

function valueAt(event: unknown, path: readonly PropertyKey[]): unknown {
  let value = event;
  for (const part of path) value = (value as Record<PropertyKey, unknown> | null | undefined)?.[part];
  return value;
}

/** A value as an error message shows it: JSON, cut short. */
function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 200 ? `${json.slice(0, 200)}…` : json;
}

/**
 * Reads a handler's event through its schema. Throws one {@link InputError} naming the handler, every missing field
 * (absent, null or empty) and every bad one with its value and what it must be; `expected` says what the state
 * machine must pass (default: the missing fields).
 *
 * @example parseInput(splitInputSchema, event, "split-csv") // InputError "split-csv input lacks key: the state machine must pass them."
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  event: unknown,
  handler: string,
  expected = "them",
): z.output<S> {
  const input = event ?? {};
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const missing: string[] = [];
  const invalid: string[] = [];
  for (const issue of result.error.issues) {
    const value = valueAt(input, issue.path);
    const where = pathText(issue.path);
    if (where === "") invalid.push(`is not an object (got ${shown(value)})`);
    else if (value === undefined || value === null || (value === "" && issue.code !== "custom")) missing.push(where);
    else invalid.push(`has an invalid ${where} ${shown(value)}: ${issue.message}`);
  }
  const lacks = missing.length > 0 ? `lacks ${missing.join(", ")}` : undefined;
  const message =
    invalid.length === 0
      ? `${handler} input ${lacks}: the state machine must pass ${expected}.`
      : `${handler} input ${[...(lacks ? [`${lacks} (the state machine must pass ${expected})`] : []), ...invalid].join("; ")}.`;
  throw new InputError(message);
}

/** The split's input: a bad one names the fields. */
export const splitInput = (event: unknown) => parseInput(splitInputSchema, event, "split-csv") as SplitInput;

/** A chunk's input: a bad one names the fields. */
export const processChunkInput = (event: unknown) =>
  parseInput(processChunkInputSchema, event, "process-chunk") as ProcessChunkInput;

/** A FindDuplicates iteration's input: a bad one names the fields. */
export const findDuplicatesInput = (event: unknown) =>
  parseInput(findDuplicatesInputSchema, event, "find-duplicates", "the split's values");

/** The aggregation's input: a bad one names the fields. */
export const aggregateInput = (event: unknown) =>
  parseInput(aggregateInputSchema, event, "aggregate-results") as AggregateEvent & { header: string[] };

/** The check's input, every optional field normalised: a bad one names the fields and the whole payload. */
export const checkInput = (event: unknown): CheckInput =>
  parseInput(checkInputSchema, event, "check-errors-and-notify", CHECK_FIELDS);

/** What the SplitCsv state passes. */
export interface SplitInput {
  bucket: string;
  key: string;
  executionName: string;
  startTime: string;
  /** The execution's input: its ETag, version id and sequencer identify the upload, when it carries them. */
  upload?: UploadIdentity | null;
}

/** The AggregateResults payload; `header` and `splitStatus` may be absent (older definitions, direct invokes). */
export type AggregateEvent = Omit<AggregateInput, "header" | "splitStatus" | "chunkResults"> &
  Partial<Pick<AggregateInput, "header" | "splitStatus" | "chunkResults">>;
