import type { RunSummary } from "../records/summary";
import { truncateChars } from "./escape";
import { texts } from "./i18n";

/** Longest warning type name a notice shows. */
const MAX_TYPE_CHARS = 40;

/**
 * The warnings part every channel shows: its heading, one line per warning type with its count, and what warnings
 * are (they reject no row and page no one). Undefined when the run has no warnings.
 */
export function warningParts(
  summary: Pick<RunSummary, "warningCount" | "warningsByType">,
  locale: "ja" | "en",
): { heading: string; lines: string[]; note: string } | undefined {
  if (!(summary.warningCount > 0)) return undefined;
  const t = texts(locale);
  const lines = Object.entries(summary.warningsByType)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([type, n]) => `${truncateChars(type, MAX_TYPE_CHARS)}: ${t.count(n ?? 0)}`);
  return { heading: t.warnings, lines, note: t.warningsNote };
}

/** Whether a notice of this level reports a run without errors (clean, or with warnings only). */
export function withoutErrors(level: string): boolean {
  return level === "SUCCESS" || level === "WARNING";
}
