import { WorkflowValidationError } from "../errors";
import { checkPath } from "../jsonpath";
import { type Target, type Transition, targetName } from "../node";
import { defined, type JsonObject, type JsonValue, type StateJson } from "../types";
import { State } from "./state";

/** Comparison operators of a Choice rule (the `…Path` variants compare with another path). */
export type ComparisonOperator =
  | "StringEquals"
  | "StringLessThan"
  | "StringGreaterThan"
  | "StringLessThanEquals"
  | "StringGreaterThanEquals"
  | "StringMatches"
  | "NumericEquals"
  | "NumericLessThan"
  | "NumericGreaterThan"
  | "NumericLessThanEquals"
  | "NumericGreaterThanEquals"
  | "BooleanEquals"
  | "TimestampEquals"
  | "TimestampLessThan"
  | "TimestampGreaterThan"
  | "TimestampLessThanEquals"
  | "TimestampGreaterThanEquals"
  | "IsNull"
  | "IsPresent"
  | "IsNumeric"
  | "IsString"
  | "IsBoolean"
  | "IsTimestamp";

/** A Choice rule condition. Build with the static helpers. */
export class Condition {
  private constructor(
    private readonly json: JsonObject,
    private readonly paths: string[],
    private readonly nested: Condition[],
  ) {}

  /** `variable <operator> value`. */
  static compare(variable: string, operator: ComparisonOperator, value: string | number | boolean): Condition {
    return new Condition({ Variable: variable, [operator]: value }, [variable], []);
  }

  /** `variable <operator> otherPath` (e.g. `NumericGreaterThanPath`). */
  static comparePath(variable: string, operator: ComparisonOperator, otherPath: string): Condition {
    return new Condition({ Variable: variable, [`${operator}Path`]: otherPath }, [variable, otherPath], []);
  }

  static stringEquals(variable: string, value: string): Condition {
    return Condition.compare(variable, "StringEquals", value);
  }

  static numericEquals(variable: string, value: number): Condition {
    return Condition.compare(variable, "NumericEquals", value);
  }

  static numericGreaterThan(variable: string, value: number): Condition {
    return Condition.compare(variable, "NumericGreaterThan", value);
  }

  static booleanEquals(variable: string, value: boolean): Condition {
    return Condition.compare(variable, "BooleanEquals", value);
  }

  static isPresent(variable: string, present = true): Condition {
    return Condition.compare(variable, "IsPresent", present);
  }

  static isNull(variable: string, isNull = true): Condition {
    return Condition.compare(variable, "IsNull", isNull);
  }

  static and(...conditions: Condition[]): Condition {
    return new Condition({ And: conditions.map((c) => c.toJson()) }, [], conditions);
  }

  static or(...conditions: Condition[]): Condition {
    return new Condition({ Or: conditions.map((c) => c.toJson()) }, [], conditions);
  }

  static not(condition: Condition): Condition {
    return new Condition({ Not: condition.toJson() }, [], [condition]);
  }

  /** The rule body, without Next. */
  toJson(): JsonObject {
    return structuredClone(this.json);
  }

  /** Problems in the variable paths, and empty And/Or lists. */
  problems(): string[] {
    const out: string[] = [];
    for (const path of this.paths) {
      const p = checkPath(path, { context: true });
      if (p) out.push(`Variable ${p}`);
    }
    if (("And" in this.json || "Or" in this.json) && this.nested.length === 0)
      out.push("has an empty And/Or; give at least one condition");
    for (const n of this.nested) out.push(...n.problems());
    return out;
  }

  /** Short text for diagrams. */
  describe(): string {
    const entries = Object.entries(this.json) as [string, JsonValue][];
    if (this.nested.length > 0 || entries.length === 1) {
      const [op] = entries[0];
      return `${op}(${this.nested.map((n) => n.describe()).join(", ")})`;
    }
    const variable = this.json.Variable;
    const [op, value] = entries.find(([k]) => k !== "Variable") ?? ["?", null];
    return `${String(variable)} ${op} ${JSON.stringify(value)}`;
  }
}

/** Fields of a Choice state. */
export interface ChoiceProps {
  comment?: string;
  inputPath?: string | null;
  outputPath?: string | null;
}

/** A Choice state: goes to the first rule that matches, else to the default. */
export class Choice extends State {
  readonly type = "Choice" as const;
  private readonly rules: { condition: Condition; next: Target; comment?: string }[] = [];
  private defaultTarget?: Target;

  constructor(name: string, props: ChoiceProps = {}) {
    super(name, props);
  }

  /** Adds a rule: when `condition` holds, go to `next`. */
  when(condition: Condition, next: Target, comment?: string): this {
    this.rules.push({ condition, next: typeof next === "string" ? next : next.startState, comment });
    return this;
  }

  /** Where to go when no rule matches. Throws when a default is already set. */
  otherwise(next: Target): this {
    if (this.defaultTarget !== undefined)
      throw new WorkflowValidationError([
        `Choice "${this.name}" already has Default "${targetName(this.defaultTarget)}"; a Choice has one Default`,
      ]);
    this.defaultTarget = next;
    return this;
  }

  override transitions(): Transition[] {
    const out: Transition[] = this.rules.map((r) => ({
      target: r.next,
      kind: "choice",
      label: r.condition.describe(),
    }));
    if (this.defaultTarget !== undefined) out.push({ target: this.defaultTarget, kind: "default", label: "Default" });
    return out;
  }

  override validate(): string[] {
    const problems = super.validate();
    if (this.rules.length === 0) problems.push(this.problem("has no rules; add one with when(condition, next)"));
    this.rules.forEach((r, i) => {
      for (const p of r.condition.problems()) problems.push(this.problem(`Choices[${i}] ${p}`));
    });
    return problems;
  }

  toStateJson(): StateJson {
    return {
      ...this.renderHead(),
      ...this.renderIo(),
      Choices: this.rules.map((r) => ({
        ...r.condition.toJson(),
        ...defined({ Comment: r.comment }),
        Next: targetName(r.next),
      })),
      ...defined({ Default: this.defaultTarget === undefined ? undefined : targetName(this.defaultTarget) }),
    };
  }
}
