import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { IndexDefinition, TableDefinition } from "../../functions/contract";

/**
 * DynamoDB item sizes by the rules of the developer guide ("DynamoDB item sizes and formats",
 * docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * - an attribute costs the UTF-8 bytes of its name plus the size of its value;
 * - string: UTF-8 bytes; binary: raw bytes; number: 1 byte per two significant digits (leading and trailing zeros
 *   trimmed) + 1 byte; boolean and null: 1 byte;
 * - list or map: 3 bytes + 1 byte per element + the elements (a map element also costs its name's bytes);
 * - sets: the sum of their elements.
 */

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");

/** Bytes of a number as DynamoDB stores it (its significant digits, two per byte, plus one byte). */
export function numberBytes(text: string): number {
  const digits = text
    .replace(/^[+-]/, "")
    .replace(/[eE][+-]?\d+$/, "")
    .replace(".", "");
  const significant = digits.replace(/^0+/, "").replace(/0+$/, "");
  return Math.ceil(Math.max(1, significant.length) / 2) + 1;
}

/** Bytes of one attribute value (without its name). */
export function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberBytes(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((a, s) => a + utf8(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((a, n) => a + numberBytes(n), 0);
  if (v.BS !== undefined) return v.BS.reduce((a, b) => a + b.byteLength, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((a, e) => a + 1 + valueBytes(e), 0);
  if (v.M !== undefined) return 3 + Object.entries(v.M).reduce((a, [k, e]) => a + 1 + utf8(k) + valueBytes(e), 0);
  throw new TypeError(`Unknown attribute value ${JSON.stringify(Object.keys(v))}`);
}

/** Bytes of an item: every attribute's name and value. */
export function itemBytes(item: Record<string, AttributeValue>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) total += utf8(name) + valueBytes(value);
  return total;
}

/** Overhead DynamoDB counts for each global secondary index entry, in bytes. */
export const INDEX_ENTRY_OVERHEAD_BYTES = 100;

/**
 * Bytes of an item's entry in a GSI, or null when the item lacks the index's keys (a sparse index holds no entry):
 * the projected attributes (all of them for `ALL`), the table's and the index's key attributes, plus the overhead.
 */
export function indexEntryBytes(
  item: Record<string, AttributeValue>,
  table: Pick<TableDefinition, "partitionKey" | "sortKey">,
  index: IndexDefinition,
): number | null {
  if (item[index.partitionKey] === undefined || (index.sortKey && item[index.sortKey] === undefined)) return null;
  const keys = new Set([table.partitionKey, table.sortKey, index.partitionKey, index.sortKey]);
  let total = INDEX_ENTRY_OVERHEAD_BYTES;
  for (const [name, value] of Object.entries(item)) {
    if (index.projection === "ALL" || keys.has(name)) total += utf8(name) + valueBytes(value);
  }
  return total;
}

/** Write request units of a standard (non-transactional) write of `bytes`: 1 per KB, rounded up. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** Read request units of reading `bytes` in one request (4 KB each, rounded up; eventually consistent: half). */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}

/** A plain JSON value (strings, numbers, booleans, maps, lists) in attribute-value form, as the document client writes it. */
export function toAttributeValue(value: unknown): AttributeValue {
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") return { N: String(value) };
  if (typeof value === "boolean") return { BOOL: value };
  if (value === null) return { NULL: true };
  if (Array.isArray(value)) return { L: value.filter((v) => v !== undefined).map(toAttributeValue) };
  if (typeof value === "object") return { M: toItem(value as Record<string, unknown>) };
  throw new TypeError(`Cannot store a ${typeof value}`);
}

/** A plain object in attribute-value form (undefined attributes left out). */
export function toItem(value: Record<string, unknown>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toAttributeValue(v);
  return out;
}
