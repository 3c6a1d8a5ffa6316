/**
 * A set of chunk ids as a short hex text, small enough for the state: find-duplicates returns the chunks that hold
 * its partition's later occurrences, and the second pass of every other chunk then reads no dups file at all.
 *
 * Hex digit i (from the left) holds chunks 4i + 1 … 4i + 4, chunk 4i + 1 in its lowest bit: 256 chunks take 64
 * characters. Trailing zero digits are left out, so the empty set is "".
 */

/** The text of a set of chunk ids (each from 1 on). */
export function encodeChunkSet(chunkIds: Iterable<number>): string {
  const digits: number[] = [];
  for (const id of chunkIds) {
    if (!Number.isInteger(id) || id < 1) throw new RangeError(`A chunk id is a whole number from 1 (got ${id}).`);
    const at = (id - 1) >> 2;
    while (digits.length <= at) digits.push(0);
    digits[at] |= 1 << ((id - 1) & 3);
  }
  return digits.map((d) => d.toString(16)).join("");
}

/** Whether a text is a chunk set (lower-case hex digits, possibly none). */
export const isChunkSet = (text: unknown): text is string => typeof text === "string" && /^[0-9a-f]*$/.test(text);

/** Whether a chunk set's text holds `chunkId`. */
export function chunkSetHas(set: string, chunkId: number): boolean {
  const digit = set.charAt((chunkId - 1) >> 2);
  return digit !== "" && (Number.parseInt(digit, 16) & (1 << ((chunkId - 1) & 3))) !== 0;
}
