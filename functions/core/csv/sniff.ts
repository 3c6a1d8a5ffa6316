import iconv from "iconv-lite";
import type { RowProblem } from "./validate";

/** What a file that is not CSV text looks like, and what its sender should do. */
export interface NotText {
  /** e.g. "gzip-compressed", "ZIP or XLSX", "binary". */
  looksLike: string;
  /** What the file is, as the rest of a sentence starting "it …". */
  phrase: string;
  advice: string;
}

interface Signature extends NotText {
  magic: number[];
}

const SAVE_AS_CSV = "open it in the program that made it, save it as CSV (UTF-8) and upload that file";

/** Leading bytes of formats people upload by mistake under a .csv name. */
const SIGNATURES: readonly Signature[] = [
  {
    magic: [0x1f, 0x8b],
    looksLike: "gzip-compressed",
    phrase: "is gzip-compressed",
    advice: "decompress it (gunzip) and upload the CSV inside",
  },
  {
    magic: [0x50, 0x4b, 0x03, 0x04],
    looksLike: "ZIP or XLSX",
    phrase: "is a ZIP archive or an Excel workbook (XLSX)",
    advice: `if it is an Excel workbook, ${SAVE_AS_CSV}; if it is a ZIP archive, upload the CSV inside`,
  },
  {
    magic: [0x50, 0x4b, 0x05, 0x06],
    looksLike: "ZIP or XLSX",
    phrase: "is an empty ZIP archive",
    advice: "upload the CSV file itself",
  },
  {
    magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    looksLike: "XLS",
    phrase: "is an Excel 97-2003 workbook (XLS)",
    advice: SAVE_AS_CSV,
  },
  {
    magic: [0x25, 0x50, 0x44, 0x46, 0x2d],
    looksLike: "PDF",
    phrase: "is a PDF document",
    advice: "export the table as CSV and upload that file",
  },
  { magic: [0xff, 0xfe], looksLike: "UTF-16 text", phrase: "is UTF-16 text", advice: SAVE_AS_CSV },
  { magic: [0xfe, 0xff], looksLike: "UTF-16 text", phrase: "is UTF-16 text", advice: SAVE_AS_CSV },
];

/** Share of undecodable characters (or control characters) above which the bytes are not text. */
const MAX_GARBLED_SHARE = 0.1;

const startsWith = (bytes: Uint8Array, magic: readonly number[]) =>
  bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);

/** C0 controls other than TAB, LF, CR (and DEL): never in a CSV text. */
function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f;
}

function garbledShare(text: string): number {
  if (text.length === 0) return 0;
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || isControl(c)) bad++;
  }
  return bad / text.length;
}

/**
 * Looks at the first bytes of a file (up to 64 KiB, BOM included) and says what it looks like when it is not text:
 * a known binary format by its magic number, or bytes that are mostly control characters (NUL bytes of binary data
 * or of UTF-16 text) or undecodable as both UTF-8 and Shift_JIS. Returns null for text: a stray NUL byte in text is
 * the business of the row that holds it (see `nul.ts`), the same near the start of the file as anywhere else.
 */
export function sniffNotText(prefix: Uint8Array): NotText | null {
  for (const sig of SIGNATURES) {
    if (startsWith(prefix, sig.magic)) return { looksLike: sig.looksLike, phrase: sig.phrase, advice: sig.advice };
  }
  // A valid UTF-8 prefix is text unless it is mostly control characters, NUL included (a character cut at the end is
  // allowed). A few NUL bytes in text make no binary file: the row that holds one is rejected, wherever it is.
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(prefix, { stream: true });
    return garbledShare(text) > MAX_GARBLED_SHARE
      ? {
          looksLike: "binary",
          phrase: "looks like binary data (most of its characters are control characters)",
          advice: SAVE_AS_CSV,
        }
      : null;
  } catch {
    // not UTF-8: Shift_JIS, or not text at all
  }
  const body = prefix.length > 4 ? prefix.subarray(0, prefix.length - 2) : prefix;
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const utf8 = garbledShare(buf.toString("utf8"));
  const sjis = garbledShare(iconv.decode(buf, "cp932"));
  if (Math.min(utf8, sjis) > MAX_GARBLED_SHARE) {
    return {
      looksLike: "binary",
      phrase: "looks like binary data (most of its bytes are neither UTF-8 nor Shift_JIS text)",
      advice: SAVE_AS_CSV,
    };
  }
  return null;
}

/** The CRITICAL problem that rejects a file {@link sniffNotText} finds is not text, or null for text. */
export function notTextProblem(prefix: Uint8Array): RowProblem | null {
  const notText = sniffNotText(prefix);
  if (notText === null) return null;
  return {
    rule: "file:not-text",
    errorType: "EncodingError",
    severity: "CRITICAL",
    message: `The file is not CSV text: it ${notText.phrase}. To fix it, ${notText.advice}.`,
    detail: {
      key: "fileNotText",
      params: { looksLike: notText.looksLike, phrase: notText.phrase, advice: notText.advice },
    },
  };
}
