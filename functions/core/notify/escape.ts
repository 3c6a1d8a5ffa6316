/**
 * Escaping for every notice format. CSV-derived text is untrusted: in Slack it must not mention (`<!channel>`),
 * link (`<https://x|y>`) or format (`*x*`); in HTML it must not become markup; in a spreadsheet it must not become a
 * formula (`=HYPERLINK(…)`).
 */

/** Escapes the three characters Slack mrkdwn gives meaning to (`&`, `<`, `>`), so mentions and links are inert. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Renders untrusted text as an inline code span in Slack mrkdwn: escaped, on one line, backticks replaced, so
 * neither mentions, links nor `*bold*` / `_italic_` / `~strike~` markers take effect.
 */
export function slackCode(text: string): string {
  const flat = escapeMrkdwn(text.replace(/\r\n|\r|\n/g, " ⏎ ")).replace(/`/g, "ˋ");
  return flat === "" ? "` `" : `\`${flat}\``;
}

/**
 * A Slack mrkdwn link `<url|label>` to one of our own console pages. Both parts are escaped (a console URL's query
 * has `&`); `|` cannot end the URL early, since a link we build percent-encodes it.
 */
export function slackLink(url: string, label: string): string {
  return `<${escapeMrkdwn(url)}|${escapeMrkdwn(label.replace(/\|/g, "¦"))}>`;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * Prefixes a `'` to a value a spreadsheet would run as a formula (starts with `=`, `+`, `-`, `@`, tab or CR),
 * unless it is a plain number such as `-12.5`.
 */
export function neutralizeFormula(text: string): string {
  if (/^[=+\-@\t\r]/.test(text) && !/^[+-]?\d+(\.\d+)?$/.test(text)) return `'${text}`;
  return text;
}

/** Removes line breaks and control characters (SNS subjects, Slack header text). */
export function singleLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
}

/** Cuts `text` to at most `max` characters (code points), ending with `…` when cut. */
export function truncateChars(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(max - 1, 0)).join("")}…`;
}

/**
 * Cuts `text` so that it, plus `note`, fits in `maxBytes` of UTF-8, cutting at a character boundary; returns the
 * text unchanged when it already fits.
 */
export function truncateUtf8(text: string, maxBytes: number, note: string): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return { text, truncated: false };
  const budget = maxBytes - Buffer.byteLength(note, "utf8");
  let used = 0;
  let out = "";
  for (const ch of text) {
    const n = Buffer.byteLength(ch, "utf8");
    if (used + n > budget) break;
    out += ch;
    used += n;
  }
  return { text: out + note, truncated: true };
}
