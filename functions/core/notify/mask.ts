/**
 * Masking of personal data in notices. Values of `sensitive: true` columns are already `***` in the error table
 * (replaced when the record is written); on top of that, anything shaped like an e-mail address, a phone number or a
 * payment card number is masked in every string a notice shows, whichever column it came from.
 */

import { MASK } from "../records/error-record";

const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}/g;
/** 13–19 digits, optionally grouped by spaces or dashes; only masked when the Luhn check passes. */
const CARD_CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
/**
 * Phone numbers: international (+81 90-1234-5678), Japanese with separators (03-1234-5678, 090 1234 5678), or
 * Japanese without separators (0312345678, 09012345678). Plain numbers not starting with 0 (amounts, ids) are kept.
 */
const PHONE =
  /(?<![\w+])(?:\+\d{1,3}[ -]?\(?\d{1,4}\)?(?:[ -]?\d{2,4}){2,3}|0\d{1,4}[ -]\d{1,4}[ -]\d{3,4}|\(0\d{1,4}\)\s?\d{1,4}[ -]\d{3,4}|0[5789]0\d{8}|0\d{9})(?!\w)/g;

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let n = digits.charCodeAt(i) - 48;
    if (double) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Masks e-mail addresses, card numbers (Luhn-valid) and phone numbers inside `text`.
 *
 * @example maskText("mail taro@example.jp or call 090-1234-5678") // "mail *** or call ***"
 */
export function maskText(text: string): string {
  return text
    .replace(EMAIL, MASK)
    .replace(CARD_CANDIDATE, (m) => {
      const digits = m.replace(/[ -]/g, "");
      return digits.length >= 13 && digits.length <= 19 && luhn(digits) ? MASK : m;
    })
    .replace(PHONE, MASK);
}

/**
 * Masks a record's values: columns named in `sensitiveColumns` entirely, every other value with {@link maskText}.
 * Returns a new object.
 */
export function maskRecord(
  record: Record<string, unknown>,
  sensitiveColumns: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [column, value] of Object.entries(record ?? {})) {
    const text = value === null || value === undefined ? "" : String(value);
    out[column] = sensitiveColumns.has(column) ? MASK : maskText(text);
  }
  return out;
}
