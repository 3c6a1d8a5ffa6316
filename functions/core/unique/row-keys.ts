import type { UniqueKey } from "../csv/dataset-schema";
import type { RowProblem } from "../csv/validate";
import { renderValidationMessage } from "../csv/validation-messages";
import type { DuplicateHits } from "./dups-file";
import type { KeyFileBuilder } from "./key-file";
import { keyHash } from "./key-hash";

/** Longest value a duplicate's message shows, as validation messages show values. */
const MAX_SHOWN_VALUE = 60;

/** A value that takes no part in a key: empty or only white space, as `required` reads it. */
const isEmpty = (value: string) => value === "" || value.trim() === "";

interface BoundKey {
  key: UniqueKey;
  /** Header positions of the key's columns; null when the file lacks one of them (the key never applies). */
  positions: number[] | null;
  /** Header position of a single-column key whose values may be shown, else -1. */
  shown: number;
}

/**
 * A chunk's part in uniqueness across the file, for the rows that take part: rows read as rows (the header's field
 * count, no NUL, no invalid bytes) whose every key column has a value. In the first pass it hashes each such row's
 * keys into the chunk's key file; in the second it adds one `DuplicateError` per key a row repeats.
 */
export class ChunkUniqueness {
  private readonly bound: BoundKey[];

  constructor(
    keys: readonly UniqueKey[],
    header: readonly string[],
    sensitive: readonly boolean[],
    private readonly entries: KeyFileBuilder | undefined,
    private readonly hits: DuplicateHits | undefined,
  ) {
    const position = new Map<string, number>();
    header.forEach((name, i) => {
      if (!position.has(name)) position.set(name, i);
    });
    this.bound = keys.map((key) => {
      const at = key.columns.map((c) => position.get(c) ?? -1);
      const positions = at.includes(-1) ? null : at;
      const shown = positions !== null && positions.length === 1 && !sensitive[positions[0]] ? positions[0] : -1;
      return { key, positions, shown };
    });
  }

  /**
   * One row that was read as a row: its key entries go to the key file, and its duplicates (second pass) to
   * `problems`. A row without a record number (an older chunk reference) takes no part.
   */
  take(fields: readonly string[], recordNumber: number | undefined, line: number, problems: RowProblem[]): void {
    if (recordNumber === undefined) return;
    if (this.entries !== undefined) {
      for (let k = 0; k < this.bound.length; k++) {
        const positions = this.bound[k].positions;
        if (positions === null) continue;
        const values: string[] = [];
        for (const p of positions) values.push(fields[p]);
        if (values.some(isEmpty)) continue;
        this.entries.add(keyHash(k, values), k, recordNumber, line);
      }
    }
    const hits = this.hits?.get(recordNumber);
    if (hits === undefined) return;
    for (const hit of hits) {
      const bound = this.bound[hit.keyIndex];
      if (bound === undefined) continue;
      problems.push(this.duplicateProblem(bound, fields, hit.first, hit.firstLine));
    }
  }

  private duplicateProblem(bound: BoundKey, fields: readonly string[], first: number, firstLine: number): RowProblem {
    const { key } = bound;
    const params: Record<string, string | number> = { key: key.name, first, firstLine };
    if (bound.shown >= 0) {
      const value = fields[bound.shown];
      params.value = value.length > MAX_SHOWN_VALUE ? `${value.slice(0, MAX_SHOWN_VALUE)}…` : value;
    }
    const detail = { key: "duplicate" as const, params };
    const problem: RowProblem = {
      rule: `unique:${key.name}`,
      errorType: "DuplicateError",
      severity: key.severity,
      message: renderValidationMessage(detail, "en"),
      detail,
    };
    if (key.columns.length === 1) problem.column = key.columns[0];
    return problem;
  }
}
