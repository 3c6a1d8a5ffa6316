/**
 * How a local execution starts: from an S3 "Object Created" event shaped as EventBridge delivers it, through the
 * upload rule's own input transformer (blueprint/start-rule), as a deployed stack starts one.
 */
import { randomUUID } from "node:crypto";
import type { InputTransformer } from "../../blueprint/start-rule";
import type { Json } from "./invoke";

/** One object version as a PutObject left it. */
export interface PutObjectVersion {
  bucket: string;
  key: string;
  size: number;
  /** As S3 returns it (quoted); the event carries it bare. */
  etag: string;
  /** Set only in a versioned bucket. */
  versionId?: string;
}

/** How the event spells the key: as stored, or URL-encoded as S3's own notifications spell it (spaces as `+`). */
export type EventKeyForm = "raw" | "url-encoded";

/** A key as S3 notifications encode it: each byte but letters, digits, `-_.*` and `/` percent-encoded, spaces as `+`. */
export function urlEncodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, "/")
    .replace(/%20/g, "+")
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

let lastSequencer = 0n;

/**
 * A sequencer as S3 gives one: a hexadecimal string that grows with each event of a key (compare them only for the
 * same key, after padding). Locally it grows with each object put in this process.
 */
export function nextSequencer(now: number = Date.now()): string {
  const candidate = BigInt(now) * 1000n;
  lastSequencer = candidate > lastSequencer ? candidate : lastSequencer + 1n;
  return lastSequencer.toString(16).toUpperCase().padStart(18, "0");
}

/** The event EventBridge delivers for an object put, with the fields its documentation shows. */
export function objectCreatedEvent(
  put: PutObjectVersion,
  opts: {
    region: string;
    account: string;
    time: string;
    keyForm?: EventKeyForm;
    sequencer?: string;
    /** What created the object (`PutObject`, `CopyObject`, `CompleteMultipartUpload`, …; default `PutObject`). */
    reason?: string;
  },
): Json {
  const object: Record<string, Json> = {
    key: opts.keyForm === "url-encoded" ? urlEncodeEventKey(put.key) : put.key,
    size: put.size,
    etag: put.etag.replace(/^"(.*)"$/, "$1"),
  };
  if (put.versionId !== undefined) object["version-id"] = put.versionId;
  object.sequencer = opts.sequencer ?? nextSequencer();
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Object Created",
    source: "aws.s3",
    account: opts.account,
    time: opts.time.replace(/\.\d+Z$/, "Z"),
    region: opts.region,
    resources: [`arn:aws:s3:::${put.bucket}`],
    detail: {
      version: "0",
      bucket: { name: put.bucket },
      object,
      "request-id": randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase(),
      requester: opts.account,
      "source-ip-address": "127.0.0.1",
      reason: opts.reason ?? "PutObject",
    },
  };
}

/** The value at a dot-notation JSON path (`$.detail.object.key`); undefined when a step is missing. */
export function valueAtPath(event: Json, path: string): Json | undefined {
  if (path === "$") return event;
  if (!path.startsWith("$.")) throw new Error(`input path ${JSON.stringify(path)} must start with "$."`);
  let node: Json | undefined = event;
  for (const step of path.slice(2).split(".")) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = (node as Record<string, Json>)[step];
  }
  return node;
}

/**
 * Applies an input transformer to an event as EventBridge does: a `<variable>` outside a JSON string is replaced by
 * the value as JSON (a string quoted), inside a string by its text (escaped for the string); a path that finds
 * nothing gives `null` (outside) or nothing (inside). The result is parsed: a template that does not give JSON
 * throws, as EventBridge refuses it.
 */
export function transformInput(transformer: InputTransformer, event: Json): Json {
  const values = new Map<string, Json | undefined>();
  for (const [name, path] of Object.entries(transformer.inputPaths)) values.set(name, valueAtPath(event, path));
  let out = "";
  let inString = false;
  const template = transformer.inputTemplate;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch === "\\" && inString) {
      out += ch + (template[i + 1] ?? "");
      i++;
      continue;
    }
    if (ch === '"') inString = !inString;
    const placeholder = ch === "<" ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i)) : null;
    if (placeholder && values.has(placeholder[1])) {
      const value = values.get(placeholder[1]);
      if (inString) {
        const text =
          value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
        out += JSON.stringify(text).slice(1, -1);
      } else {
        out += value === undefined ? "null" : JSON.stringify(value);
      }
      i += placeholder[0].length - 1;
      continue;
    }
    out += ch;
  }
  return JSON.parse(out) as Json;
}
