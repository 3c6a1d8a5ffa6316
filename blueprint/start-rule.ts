/**
 * The rule that starts an execution for each uploaded CSV: which S3 "Object Created" events it matches and the input
 * its target gives the state machine. Free of `@pulumi/*`: the Pulumi program deploys it, and the local runner starts
 * every execution from an event through the same transformer.
 */

/** File extension that starts a run, matched in any letter case (`x.csv`, `X.CSV`, `x.Csv`). */
export const CSV_EXTENSION = "csv";

/**
 * EventBridge matchers of the object keys that start a run: under `prefix` (exactly: S3 keys are case-sensitive)
 * and ending in `.csv` in any letter case. EventBridge's `wildcard` is case-sensitive and a field's matchers are
 * alternatives, so each casing of the extension is one wildcard; `*` and `\` in the prefix are escaped.
 *
 * @example csvKeyPatterns("incoming/") // [{ wildcard: "incoming/*.csv" }, { wildcard: "incoming/*.csV" }, …]
 */
export function csvKeyPatterns(prefix: string): { wildcard: string }[] {
  let casings = [""];
  for (const ch of CSV_EXTENSION) casings = casings.flatMap((c) => [c + ch.toLowerCase(), c + ch.toUpperCase()]);
  const literal = prefix.replace(/[\\*]/g, (c) => `\\${c}`);
  return casings.map((ext) => ({ wildcard: `${literal}*.${ext}` }));
}

/**
 * The upload rule's event pattern for one feed: S3's "Object Created" events of `bucket` whose key is under the
 * feed's prefix and ends in `.csv` ({@link csvKeyPatterns}). `S` is how the bucket name is held (a Pulumi Output in
 * the program, a string locally).
 */
export function startRulePattern<S>(bucket: S, prefix: string) {
  return {
    source: ["aws.s3"],
    "detail-type": ["Object Created"],
    detail: {
      bucket: { name: [bucket] },
      object: { key: csvKeyPatterns(prefix) },
    },
  };
}

/** An EventBridge target's input transformer, as the API takes it. */
export interface InputTransformer {
  /** Variable name → JSON path into the event. */
  inputPaths: Readonly<Record<string, string>>;
  /** Text with `<variable>` placeholders. */
  inputTemplate: string;
}

/**
 * The execution's input: the bucket, the key and the event's whole `object` (etag, size, version-id when versioned,
 * sequencer). split-csv reads and claims exactly that object version, so a second delivery of the same event ends as
 * a duplicate and an upload that replaced it is never read in its place. The functions find the feed from the key.
 */
export const START_INPUT_TRANSFORMER: InputTransformer = {
  inputPaths: { bucket: "$.detail.bucket.name", key: "$.detail.object.key", object: "$.detail.object" },
  inputTemplate: '{"bucket": <bucket>, "key": <key>, "object": <object>}',
};
