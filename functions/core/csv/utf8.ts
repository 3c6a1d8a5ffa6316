import { isUtf8 } from "node:buffer";

/**
 * What a run of invalid UTF-8 bytes becomes in a decoded cell: U+FFFF, a noncharacter that text never carries, so
 * a cell that holds it had bytes that were not UTF-8 — while a literal U+FFFD (valid UTF-8 for "�") stays data.
 */
export const INVALID_UTF8_MARK = "\uFFFF";
const MARK_BYTES = Buffer.from(INVALID_UTF8_MARK, "utf8");

/** Length of the sequence a lead byte starts, or 0 when the byte cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Allowed range of the byte after `lead` (the others are 0x80..0xBF), per the Unicode well-formed table. */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

/**
 * Length of the well-formed sequence at `i`, or the negated length of its maximal invalid subpart (at least 1), or
 * 0 when `bytes` ends inside a sequence that may still complete.
 */
function scan(bytes: Uint8Array, i: number): number {
  const need = sequenceLength(bytes[i]);
  if (need === 0) return -1;
  const [low, high] = secondByteRange(bytes[i]);
  for (let k = 1; k < need; k++) {
    if (i + k >= bytes.length) return 0;
    const b = bytes[i + k];
    const ok = k === 1 ? b >= low && b <= high : b >= 0x80 && b <= 0xbf;
    if (!ok) return -k;
  }
  return need;
}

/** Start of the trailing bytes that may be a sequence cut by the end of the piece (at most 3 bytes back). */
function completeEnd(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back];
    if (b < 0x80) return bytes.length;
    if (b >= 0xc0) return sequenceLength(b) > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/**
 * Passes a UTF-8 byte stream through, piece by piece, with every maximal invalid subpart replaced by
 * {@link INVALID_UTF8_MARK} — so invalid bytes are found by a strict decoder, not by looking for U+FFFD after
 * decoding. A sequence cut between two pieces is carried over; valid pieces (the usual case) are checked natively
 * and passed on as they are.
 */
export class Utf8Guard {
  private carry: Uint8Array = new Uint8Array(0);

  /** The bytes of `piece` (after any carried tail) that are complete, repaired. */
  push(piece: Uint8Array): Uint8Array {
    const bytes = this.carry.length === 0 ? piece : Buffer.concat([this.carry, piece]);
    const end = completeEnd(bytes);
    this.carry = bytes.subarray(end);
    const body = bytes.subarray(0, end);
    return isUtf8(body) ? body : repair(body);
  }

  /** What is left at the end of the stream (an incomplete sequence is invalid). */
  end(): Uint8Array {
    const rest = this.carry;
    this.carry = new Uint8Array(0);
    return rest.length === 0 || isUtf8(rest) ? rest : repair(rest);
  }
}

/** Copies `bytes` with each maximal invalid subpart (or a sequence cut by the end) replaced by the mark. */
function repair(bytes: Uint8Array): Uint8Array {
  const out: Uint8Array[] = [];
  let from = 0;
  let i = 0;
  while (i < bytes.length) {
    const n = scan(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    const bad = n === 0 ? bytes.length - i : -n;
    out.push(bytes.subarray(from, i), MARK_BYTES);
    i += bad;
    from = i;
  }
  out.push(bytes.subarray(from));
  return Buffer.concat(out);
}
