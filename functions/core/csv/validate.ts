import type { ErrorType, Severity, ValidationMessage, ValidationMessageKey } from "../../contract";
import type { ColumnSpec, RowSchema } from "./schema";
import { renderValidationMessage } from "./validation-messages";

/** One problem found in one row. `rule` is stable (it feeds the deterministic error id). */
export interface RowProblem {
  rule: string;
  errorType: ErrorType;
  severity: Severity;
  message: string;
  column?: string;
  /**
   * The message as a key and values, so notices and errors.csv can show it in their language; `message` is its
   * English text. Every problem the pipeline finds has one; a problem without one is shown as `message`.
   */
  detail?: ValidationMessage;
}

/** A column check: returns `[rule, message]` when the (non-empty) value breaks it, else null. */
type Check = (value: string) => [string, ValidationMessage] | null;

interface CompiledColumn {
  spec: ColumnSpec;
  /** Position of the column in the file's header (-1 when the file lacks this optional column). */
  index: number;
  check: Check;
}

const MAX_SHOWN_VALUE = 60;

/** A validation message about `spec`'s column; the value is kept (bounded) unless the column is sensitive. */
function problem(
  spec: ColumnSpec,
  key: ValidationMessageKey,
  params: Record<string, string | number>,
  value?: string,
): ValidationMessage {
  const all: Record<string, string | number> = { column: spec.name, ...params };
  if (value !== undefined && !spec.sensitive)
    all.value = value.length > MAX_SHOWN_VALUE ? `${value.slice(0, MAX_SHOWN_VALUE)}…` : value;
  return { key, params: all };
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** True when year-month-day names a real calendar day (leap years included). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [
    31,
    year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ];
  return day <= days[month - 1];
}

function rangeCheck(spec: ColumnSpec, n: number, value: string): [string, ValidationMessage] | null {
  if (spec.min !== undefined && n < spec.min) return ["min", problem(spec, "min", { min: spec.min }, value)];
  if (spec.max !== undefined && n > spec.max) return ["max", problem(spec, "max", { max: spec.max }, value)];
  return null;
}

function compileCheck(spec: ColumnSpec): Check {
  switch (spec.type) {
    case "string": {
      const re = spec.pattern !== undefined ? new RegExp(spec.pattern) : null;
      const { minLength, maxLength } = spec;
      return (v) => {
        if (minLength !== undefined && v.length < minLength) {
          return ["minLength", problem(spec, "minLength", { minLength, length: v.length })];
        }
        if (maxLength !== undefined && v.length > maxLength) {
          return ["maxLength", problem(spec, "maxLength", { maxLength, length: v.length })];
        }
        if (re !== null && !re.test(v))
          return ["pattern", problem(spec, "pattern", { pattern: spec.pattern ?? "" }, v)];
        return null;
      };
    }
    case "integer":
      return (v) => (INTEGER.test(v) ? rangeCheck(spec, Number(v), v) : ["type", problem(spec, "integer", {}, v)]);
    case "decimal":
      return (v) => (DECIMAL.test(v) ? rangeCheck(spec, Number(v), v) : ["type", problem(spec, "decimal", {}, v)]);
    case "date":
      return (v) => {
        const m = DATE.exec(v);
        if (m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) return null;
        return ["type", problem(spec, "date", {}, v)];
      };
    case "datetime":
      return (v) => {
        const m = DATETIME.exec(v);
        const ok =
          m !== null &&
          isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) &&
          Number(m[4]) < 24 &&
          Number(m[5]) < 60 &&
          (m[6] === undefined || Number(m[6]) < 60) &&
          (m[8] === undefined || (Number(m[8]) < 24 && Number(m[9]) < 60));
        if (ok) return null;
        return ["type", problem(spec, "datetime", {}, v)];
      };
    case "email":
      return (v) => {
        const at = v.lastIndexOf("@");
        if (v.length <= 254 && at > 0 && at <= 64 && EMAIL.test(v)) return null;
        return ["type", problem(spec, "email", {}, v)];
      };
    case "enum": {
      const allowed = new Set(spec.values ?? []);
      const list = (spec.values ?? []).join(", ");
      return (v) => (allowed.has(v) ? null : ["values", problem(spec, "enum", { values: list }, v)]);
    }
  }
}

/**
 * A row schema bound to the header of one file: validates rows given as arrays of field values in header order.
 * Each column yields at most one problem (the first rule it breaks); empty values only break `required`.
 */
export class RowValidator {
  private readonly columns: CompiledColumn[];
  /** Per header position: true when the column there is sensitive (its values must never leave the row). */
  readonly sensitive: boolean[];

  constructor(
    schema: RowSchema,
    readonly header: readonly string[],
  ) {
    const position = new Map<string, number>();
    header.forEach((name, i) => {
      if (!position.has(name)) position.set(name, i);
    });
    this.columns = schema.columns.map((spec) => ({
      spec,
      index: position.get(spec.name) ?? -1,
      check: compileCheck(spec),
    }));
    this.sensitive = header.map((name) => schema.columns.some((c) => c.name === name && c.sensitive));
  }

  /** Appends the problems of one row (fields in header order) to `out`; returns how many it appended. */
  validate(fields: readonly string[], out: RowProblem[]): number {
    let found = 0;
    for (const col of this.columns) {
      const value = col.index < 0 ? "" : (fields[col.index] ?? "");
      const spec = col.spec;
      if (value === "" || value.trim() === "") {
        if (spec.required) {
          const detail = problem(spec, "required", {});
          out.push({
            rule: `${spec.name}:required`,
            errorType: "ValidationError",
            severity: spec.severity,
            message: renderValidationMessage(detail, "en"),
            column: spec.name,
            detail,
          });
          found++;
        }
        continue;
      }
      const bad = col.check(value);
      if (bad !== null) {
        out.push({
          rule: `${spec.name}:${bad[0]}`,
          errorType: "ValidationError",
          severity: spec.severity,
          message: renderValidationMessage(bad[1], "en"),
          column: spec.name,
          detail: bad[1],
        });
        found++;
      }
    }
    return found;
  }
}
