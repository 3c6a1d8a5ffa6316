/** How `renderTable` lays a table out. */
export interface TableOptions {
  /** Right-align the columns marked `true` (numbers); the others are left-aligned. */
  alignRight?: readonly boolean[];
  /**
   * `plain` (default): columns two spaces apart, a `─` rule under the head, no trailing spaces — for a terminal.
   * `markdown`: a pipe table, every cell padded — also readable as fixed-width text.
   */
  style?: "plain" | "markdown";
}

/** Display width of a cell, in code points (so `≤` or `█` count as one). */
const widthOf = (text: string) => [...text].length;

/**
 * Renders a table as lines of fixed-width text, each column as wide as its widest cell.
 * @example renderTable(["metric", "value"], [["ErrorCount", 109]], { alignRight: [false, true] })
 * // ["metric      value", "──────────  ─────", "ErrorCount    109"]
 */
export function renderTable(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  options: TableOptions = {},
): string[] {
  const cells = [head, ...rows].map((r) => head.map((_, i) => String(r[i] ?? "")));
  const widths = head.map((_, i) => Math.max(...cells.map((r) => widthOf(r[i]))));
  const right = (i: number) => options.alignRight?.[i] === true;
  const pad = (cell: string, i: number) => {
    const fill = " ".repeat(widths[i] - widthOf(cell));
    return right(i) ? fill + cell : cell + fill;
  };
  if (options.style === "markdown") {
    const line = (r: string[]) => `| ${r.map(pad).join(" | ")} |`;
    const rule = widths.map((w, i) => (right(i) ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2)));
    return [line(cells[0]), `|${rule.join("|")}|`, ...cells.slice(1).map(line)];
  }
  const line = (r: string[]) => r.map(pad).join("  ").trimEnd();
  return [line(cells[0]), widths.map((w) => "─".repeat(w)).join("  "), ...cells.slice(1).map(line)];
}
