/**
 * AWS's size limits as a local run meets them: each limit's maximum, and the largest value the run produced against
 * it, with where. The local services refuse what AWS refuses (a state payload over 256 KiB fails the execution, an
 * item over 400 KB fails the write); this ledger shows how close a run came.
 *
 * Sources: Step Functions measures a state's input and output as UTF-8 bytes of its JSON, at most 262,144
 * (StateEnteredEventDetails.input, TaskScheduledEventDetails.parameters); DynamoDB sizes an item as the UTF-8 bytes
 * of its attribute names plus their values (numbers: 1 byte per two significant digits + 1; lists and maps: 3 bytes
 * + 1 byte per element), at most 400 KB (409,600 bytes).
 */

/** One AWS limit: what `--json` calls it and its maximum in bytes. */
export interface AwsLimit {
  limit: string;
  max: number;
}

/** The limits a local run measures. */
export const AWS_LIMITS = {
  statePayload: { limit: "state payload", max: 262_144 },
  dynamoItem: { limit: "DynamoDB item", max: 409_600 },
} as const satisfies Record<string, AwsLimit>;

/** One entry of `--json`'s `awsLimits`: the largest value the run produced against a limit, and where. */
export interface AwsLimitEntry {
  limit: string;
  max: number;
  largest: number;
  /** The state or the table of the largest value; empty when the run produced none. */
  where: string;
}

/** Records the largest value a run produced against each limit. */
export class LimitLedger {
  private readonly largest = new Map<string, { bytes: number; where: string }>();

  /** Notes a value of `bytes` against `limit`, produced at `where` (a state or a table). */
  observe(limit: AwsLimit, bytes: number, where: string): void {
    const seen = this.largest.get(limit.limit);
    if (seen === undefined || bytes > seen.bytes) this.largest.set(limit.limit, { bytes, where });
  }

  /** One entry per known limit, in the order of {@link AWS_LIMITS}; a limit nothing was measured against has 0. */
  entries(): AwsLimitEntry[] {
    return Object.values(AWS_LIMITS).map((l) => {
      const seen = this.largest.get(l.limit);
      return { limit: l.limit, max: l.max, largest: seen?.bytes ?? 0, where: seen?.where ?? "" };
    });
  }
}

/** UTF-8 bytes of a value's JSON, as Step Functions measures a payload. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "null", "utf8");
}

/** A DynamoDB attribute value in the wire format (`{ S: "x" }`, `{ N: "1" }`, `{ M: {...} }`, …) or an SDK input. */
type WireValue = Record<string, unknown>;

function numberBytes(n: string): number {
  const digits = n
    .replace(/^[-+]/, "")
    .replace(/[eE].*$/, "")
    .replace(".", "")
    .replace(/^0+/, "")
    .replace(/0+$/, "");
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** Bytes of a binary value: base64 text in a request's body, bytes in an SDK command's input. */
function binaryBytes(v: unknown): number {
  return v instanceof Uint8Array ? v.byteLength : Buffer.from(String(v), "base64").length;
}

function valueBytes(value: WireValue): number {
  const [type, v] = Object.entries(value)[0] ?? ["NULL", true];
  switch (type) {
    case "S":
      return Buffer.byteLength(String(v), "utf8");
    case "N":
      return numberBytes(String(v));
    case "B":
      return binaryBytes(v);
    case "BOOL":
    case "NULL":
      return 1;
    case "SS":
      return (v as string[]).reduce((n, s) => n + Buffer.byteLength(s, "utf8"), 0);
    case "NS":
      return (v as string[]).reduce((n, s) => n + numberBytes(s), 0);
    case "BS":
      return (v as unknown[]).reduce((n: number, s) => n + binaryBytes(s), 0);
    case "L":
      return 3 + (v as WireValue[]).reduce((n, e) => n + 1 + valueBytes(e), 0);
    case "M":
      return 3 + Object.entries(v as Record<string, WireValue>).reduce((n, [k, e]) => n + 1 + attributeBytes(k, e), 0);
    default:
      return 0;
  }
}

function attributeBytes(name: string, value: WireValue): number {
  return Buffer.byteLength(name, "utf8") + valueBytes(value);
}

/**
 * The size DynamoDB gives an item (wire format): the UTF-8 bytes of each attribute name plus its value's size.
 * @example dynamoItemBytes({ pk: { S: "a" }, n: { N: "12" } }) // (2 + 1) + (1 + 2) = 6
 */
export function dynamoItemBytes(item: Record<string, WireValue>): number {
  return Object.entries(item).reduce((n, [name, value]) => n + attributeBytes(name, value), 0);
}
