import { Chain } from "../chain";
import { WorkflowValidationError } from "../errors";
import { checkPath, checkPayloadTemplate } from "../jsonpath";
import { type Chainable, type StateNode, type StateType, type Target, type Transition, targetName } from "../node";
import type { Scope } from "../scope";
import { defined, type JsonObject, type JsonValue, MAX_STATE_NAME_LENGTH, type StateJson } from "../types";

/** Input/output processing fields shared by several state types; each state type accepts its own subset. */
export interface IoProps {
  comment?: string;
  inputPath?: string | null;
  outputPath?: string | null;
  parameters?: JsonValue;
  resultSelector?: JsonValue;
  /** `null` discards the result and passes the input through. */
  resultPath?: string | null;
}

/**
 * Base class of every state: a name, the shared input/output fields, rendering (`toStateJson()`) and the problems it
 * can see on its own (`validate()`). Graph-wide problems (duplicates, reachability, unknown names) are the graph's.
 */
export abstract class State implements StateNode {
  abstract readonly type: StateType;
  readonly name: string;
  protected readonly io: IoProps;

  protected constructor(name: string, io: IoProps = {}) {
    this.name = name;
    this.io = { ...io };
  }

  /** A state is a chain of one. */
  get startState(): State {
    return this;
  }

  /** Outgoing transitions (Next, Catch, Choice rules, Default). */
  transitions(): Transition[] {
    return [];
  }

  /** Nested graphs (Parallel branches, Map processor). */
  children(): Scope[] {
    return [];
  }

  /** The rendered state, exactly as set (`0` stays `0`; empty lists are omitted). */
  abstract toStateJson(): StateJson;

  /** Problems this state can see by itself, each naming the state and the fix. */
  validate(): string[] {
    const problems: string[] = [];
    if (this.name.length === 0)
      problems.push("A state has an empty name; give every state a name of 1 to 80 characters");
    if (this.name.length > MAX_STATE_NAME_LENGTH)
      problems.push(
        this.problem(`name is ${this.name.length} characters long; shorten it to at most ${MAX_STATE_NAME_LENGTH}`),
      );
    const { inputPath, outputPath, resultPath, parameters, resultSelector } = this.io;
    for (const [field, value] of [
      ["InputPath", inputPath],
      ["OutputPath", outputPath],
    ] as const) {
      if (typeof value === "string") {
        const p = checkPath(value, {});
        if (p) problems.push(this.problem(`${field} ${p}`));
      }
    }
    if (typeof resultPath === "string") {
      const p = checkPath(resultPath, { reference: true });
      if (p) problems.push(this.problem(`ResultPath ${p}`));
    }
    for (const p of checkPayloadTemplate(parameters, this.parametersField())) problems.push(this.problem(p));
    for (const p of checkPayloadTemplate(resultSelector, "ResultSelector")) problems.push(this.problem(p));
    return problems;
  }

  /** Formats a problem about this state. */
  protected problem(message: string): string {
    return `State "${this.name}": ${message}`;
  }

  /** The field name under which `parameters` renders (Map renders it as ItemSelector). */
  protected parametersField(): string {
    return "Parameters";
  }

  /** Type and Comment, first in every rendered state. */
  protected renderHead(): StateJson {
    return { Type: this.type, ...defined({ Comment: this.io.comment }) };
  }

  /** The input/output fields that were set, in ASL processing order. */
  protected renderIo(): JsonObject {
    return defined({
      InputPath: this.io.inputPath,
      [this.parametersField()]: this.io.parameters,
      ResultSelector: this.io.resultSelector,
      ResultPath: this.io.resultPath,
      OutputPath: this.io.outputPath,
    });
  }
}

/** A state that continues with `next()` or ends with `end()` (Task, Pass, Wait, Parallel, Map). */
export abstract class NextableState extends State {
  private nextTarget?: Target;
  private isEnd = false;

  /**
   * Continues with `target`. Throws at once when this state already has a Next.
   * Returns a chain so calls can continue: `a.next(b).next(c)`.
   */
  next(target: Target | Chainable): Chain {
    if (this.nextTarget !== undefined)
      throw new WorkflowValidationError([
        `State "${this.name}" already continues to "${targetName(this.nextTarget)}"; a state has one Next — branch with a Choice or a Parallel instead`,
      ]);
    const resolved = typeof target === "string" ? target : target.startState;
    this.nextTarget = resolved;
    return typeof target === "string" ? Chain.closed(this) : Chain.between(this, target);
  }

  /** Marks this state as the last of its scope (`End: true`). */
  end(): this {
    this.isEnd = true;
    return this;
  }

  /** The Next target, when set. */
  get nextState(): Target | undefined {
    return this.nextTarget;
  }

  /** Whether `next()` can still be called. */
  get isOpen(): boolean {
    return this.nextTarget === undefined && !this.isEnd;
  }

  override transitions(): Transition[] {
    return this.nextTarget === undefined ? [] : [{ target: this.nextTarget, kind: "next" }];
  }

  override validate(): string[] {
    const problems = super.validate();
    if (this.nextTarget === undefined && !this.isEnd)
      problems.push(this.problem("has neither Next nor End; call next(state) or end()"));
    if (this.nextTarget !== undefined && this.isEnd)
      problems.push(this.problem(`has both Next ("${targetName(this.nextTarget)}") and End; keep one`));
    return problems;
  }

  /** Next / End, last in every rendered state. */
  protected renderTail(): JsonObject {
    const out: JsonObject = {};
    if (this.nextTarget !== undefined) out.Next = targetName(this.nextTarget);
    if (this.isEnd) out.End = true;
    return out;
  }
}
