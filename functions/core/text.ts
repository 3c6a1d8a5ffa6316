/** C0 controls but TAB, DEL, and the C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this module's job
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this module's job
const HAS_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;

/**
 * Makes the control characters of a string that came from a file (a header, a cell, a key) visible as `\xNN`, so
 * that neither a terminal nor a notice can be driven by them: ESC cannot clear a screen or recolour a line, BEL
 * cannot ring, NUL cannot cut a message, a line break cannot forge a line. TAB stays. Strings without controls (the
 * usual case) are returned as they are.
 *
 * @example visible("a\u001b[2Jb") // "a\\x1b[2Jb"
 */
export function visible(text: string): string {
  if (!HAS_CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
