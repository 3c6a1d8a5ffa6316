import { defined, type JsonValue, type StateJson } from "../types";
import { type IoProps, NextableState } from "./state";

/** Fields of a Pass state. */
export interface PassProps extends Omit<IoProps, "resultSelector"> {
  /** Fixed output (before ResultPath). */
  result?: JsonValue;
}

/** A Pass state: shapes data (Parameters, Result, ResultPath) without calling anything. */
export class Pass extends NextableState {
  readonly type = "Pass" as const;
  private readonly result?: JsonValue;

  constructor(name: string, props: PassProps = {}) {
    const { result, ...io } = props;
    super(name, io);
    this.result = result;
  }

  toStateJson(): StateJson {
    return { ...this.renderHead(), ...defined({ Result: this.result }), ...this.renderIo(), ...this.renderTail() };
  }
}
