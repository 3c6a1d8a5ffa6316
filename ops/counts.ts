import { CRITICAL_SEVERITIES, SEVERITIES, type Severity } from "../functions/contract";
import type { ExecutionItems, FeedRunItem } from "./store";

/** A run's counts as the operator's commands show them (`runs --json`, `show --json`). */
export interface RunCounts {
  rows: { total: number; valid: number; invalid: number };
  errors: {
    total: number;
    /** HIGH + CRITICAL, as in every summary. */
    critical: number;
    byType: Record<string, number>;
    bySeverity: Record<Severity, number>;
  };
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function addInto(target: Record<string, number>, counts: unknown): void {
  if (typeof counts !== "object" || counts === null) return;
  for (const [k, v] of Object.entries(counts)) target[k] = (target[k] ?? 0) + num(v);
}

/**
 * Sums a run's exact counts from its items: every chunk's rows and errors, plus the file's own errors when the file
 * was rejected (an accepted file's header findings are warnings, not errors).
 */
export function countsOfItems(items: ExecutionItems): RunCounts {
  const rows = { total: 0, valid: 0, invalid: 0 };
  const byType: Record<string, number> = {};
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let total = 0;
  for (const c of items.chunks) {
    rows.total += num(c.rows);
    rows.valid += num(c.valid);
    rows.invalid += num(c.invalid);
    total += num(c.errors);
    addInto(byType, c.byType);
    addInto(bySeverity, c.bySeverity);
  }
  if (items.file?.status === "REJECTED") {
    total += num(items.file.errors);
    addInto(byType, items.file.byType);
    addInto(bySeverity, items.file.bySeverity);
  }
  const critical = CRITICAL_SEVERITIES.reduce((n, s) => n + bySeverity[s], 0);
  return { rows, errors: { total, critical, byType, bySeverity } };
}

/**
 * The counts of a `RUN#` item when the check wrote them there (`rows`, `valid`, `invalid`, and `errors` as a number
 * or as `{ total, critical }`); undefined when any is missing, so the caller sums the run's items instead.
 */
export function countsOfRunItem(
  run: FeedRunItem,
): (Pick<RunCounts, "rows"> & { errors: { total: number; critical: number } }) | undefined {
  if (run.rows === undefined || run.valid === undefined || run.invalid === undefined) return undefined;
  const e = run.errors as { total?: unknown; critical?: unknown } | number | undefined;
  const total = typeof e === "number" ? e : typeof e?.total === "number" ? e.total : undefined;
  const critical = typeof e === "object" && typeof e?.critical === "number" ? e.critical : run.critical;
  if (total === undefined || critical === undefined) return undefined;
  return { rows: { total: run.rows, valid: run.valid, invalid: run.invalid }, errors: { total, critical } };
}
