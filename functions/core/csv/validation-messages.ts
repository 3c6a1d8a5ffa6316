import type { ValidationMessage, ValidationMessageKey } from "../../contract";

/** Languages a validation message can be rendered in (those of the notices). */
export type MessageLocale = "ja" | "en";

type Params = ValidationMessage["params"];
type Template = (p: Params) => string;

const s = (p: Params, k: string): string => String(p[k] ?? "");

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
};

const GOT: Record<MessageLocale, (value: string) => string> = {
  en: (v) => ` (got ${v})`,
  ja: (v) => `(値: ${v})`,
};

/** True when `key` names a validation message this module can render. */
export function isValidationMessageKey(key: unknown): key is ValidationMessageKey {
  return typeof key === "string" && Object.hasOwn(EN, key);
}

/**
 * Renders a validation message in `locale`. The schema's words (column, pattern, limits, examples) are shown as
 * they are; the offending value (`params.value`, absent for a sensitive column) is passed through `showValue`
 * first, so a caller can mask and bound what came from the file without touching what came from the schema.
 * @example renderValidationMessage({ key: "pattern", params: { column: "id", pattern: "^A$", value: "B" } }, "ja")
 */
export function renderValidationMessage(
  message: ValidationMessage,
  locale: MessageLocale,
  showValue: (value: string) => string = (v) => v,
): string {
  const template = (locale === "ja" ? JA : EN)[message.key];
  const text = template(message.params);
  const value = message.params.value;
  return value === undefined ? text : `${text}${GOT[locale](JSON.stringify(showValue(String(value))))}`;
}
