import type { ValidationMessage, ValidationMessageKey } from "../../contract";
import { columnLabelEn, columnLabelJa } from "./column-label";

/** Languages a validation message can be rendered in (those of the notices). */
export type MessageLocale = "ja" | "en";

type Params = ValidationMessage["params"];
/** Makes a text that came from the file fit to show (the caller's masking hook). */
type Show = (value: string) => string;
type Template = (p: Params, show: Show) => string;

const s = (p: Params, k: string): string => String(p[k] ?? "");
/** A param that came from the file (header names, a parser's reason): shown through the caller's hook. */
const f = (p: Params, k: string, show: Show): string => show(s(p, k));
const plural = (p: Params, k: string): string => (Number(p[k]) === 1 ? "" : "s");

/** What an upload that is not CSV text looks like (the `looksLike` of the sniffer) and what to do, in Japanese. */
const SAVE_AS_CSV_JA = "作成したプログラムで開いて CSV(UTF-8)として保存し、そのファイルをアップロードしてください";
const NOT_TEXT_JA: Record<string, { what: string; advice: string }> = {
  "gzip-compressed": {
    what: "gzip で圧縮されています",
    advice: "展開(gunzip)して、中の CSV ファイルをアップロードしてください",
  },
  "ZIP or XLSX": {
    what: "ZIP アーカイブか Excel ブック(XLSX)です",
    advice: `Excel ブックなら${SAVE_AS_CSV_JA}。ZIP アーカイブなら中の CSV ファイルをアップロードしてください`,
  },
  XLS: { what: "Excel 97-2003 ブック(XLS)です", advice: SAVE_AS_CSV_JA },
  PDF: { what: "PDF 文書です", advice: "表を CSV としてエクスポートし、そのファイルをアップロードしてください" },
  "UTF-16 text": { what: "UTF-16 のテキストです", advice: SAVE_AS_CSV_JA },
  binary: { what: "バイナリデータのようです", advice: SAVE_AS_CSV_JA },
};

/** The delimiters a file may be separated by instead of commas (`fileDelimiter`'s `delimiter`), as words. */
const DELIMITER_EN: Record<string, string> = { semicolon: "semicolons (;)", tab: "tabs (a TSV file)" };
const DELIMITER_JA: Record<string, string> = { semicolon: "セミコロン(;)", tab: "タブ(TSV ファイル)" };

const REMOVE_NUL_EN =
  "CSV text never holds NUL bytes: remove it (or save the file again as CSV from the program that made it) and upload the file again";
const REMOVE_NUL_JA =
  "CSV テキストに NUL バイトは含まれません。取り除くか、作成したプログラムで CSV として保存し直して、もう一度アップロードしてください";
const hasOffset = (p: Params) => p.offset !== undefined && p.offset !== "";
const enOffset = (p: Params) => (hasOffset(p) ? ` at byte offset ${s(p, "offset")} of the file (counted from 0)` : "");
const jaOffset = (p: Params) => (hasOffset(p) ? `(ファイル先頭を 0 とするバイト位置 ${s(p, "offset")})` : "");
const enColumns = (p: Params, show: Show) =>
  Number(p.count) > 0 ? ` in column${plural(p, "count")} ${f(p, "columns", show)}` : "";
const jaColumns = (p: Params, show: Show) => (Number(p.count) > 0 ? `の列 ${f(p, "columns", show)} ` : "");

const EN: Record<ValidationMessageKey, Template> = {
  required: (p) => `${s(p, "column")} is required but empty`,
  minLength: (p) => `${s(p, "column")} must be at least ${s(p, "minLength")} characters long (got ${s(p, "length")})`,
  maxLength: (p) => `${s(p, "column")} must be at most ${s(p, "maxLength")} characters long (got ${s(p, "length")})`,
  pattern: (p) => `${s(p, "column")} must match ${s(p, "pattern")}`,
  min: (p) => `${s(p, "column")} must be at least ${s(p, "min")}`,
  max: (p) => `${s(p, "column")} must be at most ${s(p, "max")}`,
  integer: (p) => `${s(p, "column")} must be a whole number`,
  decimal: (p) => `${s(p, "column")} must be a decimal number such as 1234.50`,
  date: (p) => `${s(p, "column")} must be a calendar date as YYYY-MM-DD`,
  datetime: (p) => `${s(p, "column")} must be an ISO-8601 date-time with a UTC offset, e.g. 2024-05-01T09:30:00+09:00`,
  email: (p) => `${s(p, "column")} must be an e-mail address such as name@example.com`,
  enum: (p) => `${s(p, "column")} must be one of ${s(p, "values")}`,
  rowColumns: (p) =>
    `The record on line ${s(p, "line")} has ${s(p, "fields")} field${plural(p, "fields")} but the header has ${s(p, "width")}; check for an unquoted comma, a missing field or a stray line break.`,
  rowEncoding: (p, show) =>
    `The record on line ${s(p, "line")} has bytes that are not valid ${s(p, "encoding")} in column${plural(p, "count")} ${f(p, "columns", show)}; save the file as UTF-8 (or set the schema's encoding) and upload it again.`,
  rowNul: (p, show) =>
    `The record on line ${s(p, "line")} holds a NUL byte${enOffset(p)}${enColumns(p, show)}; ${REMOVE_NUL_EN}.`,
  rowUnclosedQuote: (p) =>
    `The record on line ${s(p, "line")} opens a quote that is never closed, so every following line of the file was read into it and could not be checked; close the quote and upload the file again.`,
  rowUnparsable: (p, show) => `The record on line ${s(p, "line")} cannot be parsed: ${f(p, "reason", show)}`,
  headerDuplicate: (p, show) =>
    `The header names ${p.length === undefined ? "column " : ""}${columnLabelEn(p, show)} twice (positions ${s(p, "first")} and ${s(p, "second")}); rename or remove one and upload the file again.`,
  headerMissing: (p, show) => {
    const one = Number(p.count) === 1;
    return `The header lacks the required column${one ? "" : "s"} ${s(p, "columns")} (found: ${f(p, "found", show)}). Add the column${one ? "" : "s"} to the first line of the file, or make ${one ? "it" : "them"} optional in the row schema, and upload the file again.`;
  },
  headerExtra: (p, show) =>
    `The header has ${p.length === undefined ? "a column " : ""}${columnLabelEn(p, show)} that the row schema does not define; its values are not checked.`,
  headerUnnamed: (p) => `Header column ${s(p, "position")} has no name; its values are not checked.`,
  headerTooLong: (p) =>
    `The header line is longer than ${s(p, "max")} bytes; check that the file is a CSV with a header line.`,
  headerParse: (p, show) =>
    `The header line cannot be parsed (${f(p, "reason", show)}); fix its quoting and upload the file again.`,
  headerUnclosedQuote: () =>
    "The header line opens a quote that is never closed, so the whole file reads as one line; fix the quoting and upload the file again.",
  headerNul: (p) =>
    `The header (line ${s(p, "line")}) holds a NUL byte${enOffset(p)}, so its column names cannot be read; ${REMOVE_NUL_EN}.`,
  fileEmpty: () => "The file is empty: it needs a header line naming the columns and then the rows.",
  fileNotText: (p) => `The file is not CSV text: it ${s(p, "phrase")}. To fix it, ${s(p, "advice")}.`,
  fileDelimiter: (p) =>
    `The file is separated by ${DELIMITER_EN[s(p, "delimiter")] ?? s(p, "delimiter")}, not commas: save it as comma-separated CSV (UTF-8) and upload it again.`,
  fileLineEnding: () =>
    "The lines of the file end with a carriage return (CR) only, as on classic Mac OS, so the file reads as one line: save it with Windows (CRLF) or Unix (LF) line endings and upload it again.",
  sourceChanged: (p) =>
    `The file was replaced while it was being processed: rows from line ${s(p, "line")} of this chunk were not read. Upload the file again once the upload is complete.`,
  duplicate: (p) =>
    `${s(p, "key")} repeats the value of record ${s(p, "first")} (line ${s(p, "firstLine")}): each value may appear once in the file`,
  datasetRowCount: (p) =>
    p.min !== undefined && Number(p.count) < Number(p.min)
      ? `The file has ${s(p, "count")} row${plural(p, "count")}; the feed expects at least ${s(p, "min")}`
      : `The file has ${s(p, "count")} row${plural(p, "count")}; the feed expects at most ${s(p, "max")}`,
  datasetCompleteness: (p) =>
    `${s(p, "column")} has a value in ${s(p, "share")} of the rows; at least ${s(p, "min")} is expected`,
  historyRowCount: (p) =>
    `The file has ${s(p, "count")} row${plural(p, "count")}, ${s(p, "ratio")}× the median ${s(p, "median")} of the feed's last ${s(p, "runs")} runs (expected ${s(p, "bound")})`,
  historyErrorRate: (p) =>
    `${s(p, "rate")} of the rows are invalid, ${s(p, "ratio")}× the median ${s(p, "median")} of the feed's last ${s(p, "runs")} runs (expected at most ${s(p, "maxRatio")}×)`,
};

const JA: Record<ValidationMessageKey, Template> = {
  required: (p) => `${s(p, "column")} は必須ですが空です`,
  minLength: (p) => `${s(p, "column")} は${s(p, "minLength")}文字以上にしてください(${s(p, "length")}文字)`,
  maxLength: (p) => `${s(p, "column")} は${s(p, "maxLength")}文字以内にしてください(${s(p, "length")}文字)`,
  pattern: (p) => `${s(p, "column")} は ${s(p, "pattern")} に一致する必要があります`,
  min: (p) => `${s(p, "column")} は ${s(p, "min")} 以上にしてください`,
  max: (p) => `${s(p, "column")} は ${s(p, "max")} 以下にしてください`,
  integer: (p) => `${s(p, "column")} は整数にしてください`,
  decimal: (p) => `${s(p, "column")} は 1234.50 のような数値にしてください`,
  date: (p) => `${s(p, "column")} は YYYY-MM-DD 形式の実在する日付にしてください`,
  datetime: (p) =>
    `${s(p, "column")} は UTC オフセット付きの ISO-8601 日時にしてください(例: 2024-05-01T09:30:00+09:00)`,
  email: (p) => `${s(p, "column")} は name@example.com のようなメールアドレスにしてください`,
  enum: (p) => `${s(p, "column")} は ${s(p, "values")} のいずれかにしてください`,
  rowColumns: (p) =>
    `${s(p, "line")}行目のレコードは項目が${s(p, "fields")}個ですが、ヘッダーは${s(p, "width")}列です。引用符で囲まれていないカンマ、項目の不足、余分な改行がないか確認してください`,
  rowEncoding: (p, show) =>
    `${s(p, "line")}行目のレコードの列 ${f(p, "columns", show)} に ${s(p, "encoding")} として不正なバイトがあります。ファイルを UTF-8 で保存し直して(またはスキーマの encoding を設定して)、もう一度アップロードしてください`,
  rowNul: (p, show) =>
    `${s(p, "line")}行目のレコード${jaColumns(p, show)}に NUL バイトがあります${jaOffset(p)}。${REMOVE_NUL_JA}`,
  rowUnclosedQuote: (p) =>
    `${s(p, "line")}行目のレコードで開いた引用符が閉じられていないため、以降の行がすべてこのレコードとして読み込まれ、チェックできませんでした。引用符を閉じて、もう一度アップロードしてください`,
  rowUnparsable: (p, show) => `${s(p, "line")}行目のレコードを解析できません: ${f(p, "reason", show)}`,
  headerDuplicate: (p, show) =>
    `ヘッダーに${p.length === undefined ? "列 " : ""}${columnLabelJa(p, show)} が2回あります(${s(p, "first")}番目と${s(p, "second")}番目)。どちらかの名前を変えるか削除して、もう一度アップロードしてください`,
  headerMissing: (p, show) =>
    `ヘッダーに必須列 ${s(p, "columns")} がありません(ヘッダーの列: ${f(p, "found", show)})。ファイルの1行目に列を追加するか、行スキーマで任意の列にして、もう一度アップロードしてください`,
  headerExtra: (p, show) =>
    `ヘッダーの${p.length === undefined ? "列 " : ""}${columnLabelJa(p, show)} は行スキーマに定義されていないため、値はチェックされません`,
  headerUnnamed: (p) => `ヘッダーの${s(p, "position")}列目に名前がないため、値はチェックされません`,
  headerTooLong: (p) =>
    `ヘッダー行が ${s(p, "max")} バイトを超えています。ヘッダー行のある CSV ファイルか確認してください`,
  headerParse: (p, show) =>
    `ヘッダー行を解析できません(${f(p, "reason", show)})。引用符を修正して、もう一度アップロードしてください`,
  headerUnclosedQuote: () =>
    "ヘッダー行で開いた引用符が閉じられていないため、ファイル全体が1行として読み込まれます。引用符を修正して、もう一度アップロードしてください",
  headerNul: (p) =>
    `ヘッダー(${s(p, "line")}行目)に NUL バイトがあるため${jaOffset(p)}、列名を読み取れません。${REMOVE_NUL_JA}`,
  fileEmpty: () => "ファイルが空です。1行目に列名を並べたヘッダー行、その後にデータ行が必要です",
  fileNotText: (p) => {
    const ja = NOT_TEXT_JA[s(p, "looksLike")];
    // A kind this version does not know: its English words rather than a wrong Japanese one.
    if (ja === undefined) return `ファイルが CSV テキストではありません(${s(p, "phrase")})。${s(p, "advice")}`;
    return `ファイルが CSV テキストではありません: ${ja.what}。${ja.advice}`;
  },
  fileDelimiter: (p) =>
    `ファイルの区切り文字がカンマではなく${DELIMITER_JA[s(p, "delimiter")] ?? s(p, "delimiter")}です。カンマ区切りの CSV(UTF-8)として保存し直して、もう一度アップロードしてください`,
  fileLineEnding: () =>
    "ファイルの改行コードが CR のみ(旧 Mac OS 形式)のため、ファイル全体が1行として読み込まれます。改行コードを CRLF か LF にして保存し直し、もう一度アップロードしてください",
  sourceChanged: (p) =>
    `処理中にファイルが置き換えられたため、このチャンクの${s(p, "line")}行目以降の行は読み込まれていません。アップロードが完了してから、もう一度アップロードしてください`,
  duplicate: (p) =>
    `${s(p, "key")} の値が ${s(p, "first")} 件目(${s(p, "firstLine")}行目)と重複しています。ファイル内で値は一度しか使えません`,
  datasetRowCount: (p) =>
    p.min !== undefined && Number(p.count) < Number(p.min)
      ? `ファイルの行数は ${s(p, "count")} 行です。このフィードは ${s(p, "min")} 行以上を想定しています`
      : `ファイルの行数は ${s(p, "count")} 行です。このフィードは ${s(p, "max")} 行以下を想定しています`,
  datasetCompleteness: (p) =>
    `${s(p, "column")} に値がある行は ${s(p, "share")} です。${s(p, "min")} 以上を想定しています`,
  historyRowCount: (p) =>
    `ファイルの行数 ${s(p, "count")} 行は、このフィードの直近 ${s(p, "runs")} 回の中央値 ${s(p, "median")} 行の ${s(p, "ratio")} 倍です(想定: ${s(p, "bound")})`,
  historyErrorRate: (p) =>
    `不正な行の割合 ${s(p, "rate")} は、このフィードの直近 ${s(p, "runs")} 回の中央値 ${s(p, "median")} の ${s(p, "ratio")} 倍です(想定: ${s(p, "maxRatio")} 倍以下)`,
};

/** Longest text from the file that a message keeps in its params (header names, a parser's reason): records stay small. */
export const MAX_PARAM_CHARS = 200;

/** `text` cut to `max` characters, ending with `…` when cut. */
export function boundedParam(text: string, max: number = MAX_PARAM_CHARS): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // Never cut a surrogate pair in half.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

const GOT: Record<MessageLocale, (value: string) => string> = {
  en: (v) => ` (got ${v})`,
  ja: (v) => `(値: ${v})`,
};

/** True when `key` names a validation message this module can render. */
export function isValidationMessageKey(key: unknown): key is ValidationMessageKey {
  return typeof key === "string" && Object.hasOwn(EN, key);
}

/**
 * Renders a validation or structural message in `locale`. The schema's words (column, pattern, limits, examples),
 * line numbers and counts are shown as they are; what came from the file — the offending value (`params.value`,
 * absent for a sensitive column), header names, a parser's reason — is passed through `showValue` first, so a caller
 * can mask and bound it without touching the rest.
 * @example renderValidationMessage({ key: "pattern", params: { column: "id", pattern: "^A$", value: "B" } }, "ja")
 */
export function renderValidationMessage(
  message: ValidationMessage,
  locale: MessageLocale,
  showValue: (value: string) => string = (v) => v,
): string {
  const template = (locale === "ja" ? JA : EN)[message.key];
  const text = template(message.params, showValue);
  const value = message.params.value;
  return value === undefined ? text : `${text}${GOT[locale](JSON.stringify(showValue(String(value))))}`;
}
