/**
 * The shape of one benchmark figure and the helpers that build, check and print them. Every figure is a ratio of
 * what this project does (`ours`) to an anchor measured in the same run (`anchor`), so drift of the machine between
 * runs cancels out; `ratio` is always `ours / anchor`.
 */

import { renderTable as renderTableLines } from "../../local/report/text-table";

/** One row of `bench/results.json`. */
export interface BenchRow {
  /** Stable id, e.g. `P1.latency.scale`. */
  id: string;
  /** What is measured, with its unit. */
  measure: string;
  ours: number;
  anchor: number;
  /** `ours / anchor`. */
  ratio: number;
  /** The goal in words, e.g. `ratio ≤ 2`. */
  goal: string;
  pass: boolean;
}

/** How a row's figures are judged. */
export type Goal =
  | { kind: "ratio-max"; max: number; text?: string }
  | { kind: "ratio-min"; min: number; text?: string }
  | { kind: "ours-max"; max: number; text: string }
  | { kind: "equal"; text?: string };

/** Builds a row: computes the ratio and judges it against the goal. */
export function row(id: string, measure: string, ours: number, anchor: number, goal: Goal): BenchRow {
  const ratio = anchor === 0 ? (ours === 0 ? 1 : Number.POSITIVE_INFINITY) : ours / anchor;
  let pass: boolean;
  let text: string;
  switch (goal.kind) {
    case "ratio-max":
      pass = ratio <= goal.max;
      text = goal.text ?? `ratio ≤ ${goal.max}`;
      break;
    case "ratio-min":
      pass = ratio >= goal.min;
      text = goal.text ?? `ratio ≥ ${goal.min}`;
      break;
    case "ours-max":
      pass = ours <= goal.max;
      text = goal.text;
      break;
    case "equal":
      pass = ours === anchor;
      text = goal.text ?? "ours = anchor";
      break;
  }
  return { id, measure, ours: round(ours), anchor: round(anchor), ratio: round(ratio, 4), goal: text, pass };
}

function round(n: number, digits = 2): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Throws when a value read from results.json is not a well-formed row (names the row and the field). */
export function assertRow(value: unknown, index: number): asserts value is BenchRow {
  const r = value as Record<string, unknown>;
  const where = `results.json row ${index}${typeof r?.id === "string" ? ` (${r.id})` : ""}`;
  for (const k of ["id", "measure", "goal"] as const) {
    if (typeof r?.[k] !== "string" || r[k] === "") throw new Error(`${where}: "${k}" must be a non-empty string`);
  }
  for (const k of ["ours", "anchor", "ratio"] as const) {
    if (typeof r[k] !== "number" || !Number.isFinite(r[k] as number)) {
      throw new Error(`${where}: "${k}" must be a finite number (got ${JSON.stringify(r[k])})`);
    }
  }
  if (typeof r.pass !== "boolean") throw new Error(`${where}: "pass" must be a boolean`);
}

function fmt(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  if (Math.abs(n) >= 100) return n.toLocaleString("en-US", { maximumFractionDigits: 1 });
  return n.toLocaleString("en-US", { maximumSignificantDigits: 4 });
}

/** Renders rows as a fixed-width table (also valid Markdown). */
export function renderTable(rows: readonly BenchRow[]): string {
  const head = ["id", "measure", "ours", "anchor", "ratio", "goal", "pass"];
  const body = rows.map((r) => [
    r.id,
    r.measure,
    fmt(r.ours),
    fmt(r.anchor),
    fmt(r.ratio),
    r.goal,
    r.pass ? "yes" : "NO",
  ]);
  return renderTableLines(head, body, { style: "markdown" }).join("\n");
}
