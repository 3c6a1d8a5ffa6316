/**
 * Counts, in one chunk, the rows with a non-empty value in each column a `dataset.completeness` rule names: a value
 * of only blanks is empty (as for `required`), and a record that could not be read as a row (wrong field count, a NUL
 * byte, bytes invalid in the encoding, an unclosed quote) is never counted, so it is a row without a value.
 */
export class FilledCounter {
  private readonly counts: number[];
  private readonly positions: number[];

  constructor(
    private readonly columns: readonly string[],
    header: readonly string[],
  ) {
    this.counts = columns.map(() => 0);
    // A column absent from the header has no value in any row.
    this.positions = columns.map((c) => header.indexOf(c));
  }

  /** The columns a schema's completeness rules name, or none. */
  static columnsOf(schema: { dataset?: { completeness?: Record<string, unknown> } }): string[] {
    return Object.keys(schema.dataset?.completeness ?? {});
  }

  /** Counts one row read with the header's width. */
  count(fields: readonly string[]): void {
    for (let i = 0; i < this.positions.length; i++) {
      const at = this.positions[i];
      if (at >= 0 && (fields[at] ?? "").trim() !== "") this.counts[i]++;
    }
  }

  /** The counts per column, or undefined when no column is counted (the chunk result then has no `filled`). */
  result(): Record<string, number> | undefined {
    if (this.columns.length === 0) return undefined;
    return Object.fromEntries(this.columns.map((c, i) => [c, this.counts[i]]));
  }
}
