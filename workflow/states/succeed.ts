import type { StateJson } from "../types";
import { State } from "./state";

/** Fields of a Succeed state. */
export interface SucceedProps {
  comment?: string;
  inputPath?: string | null;
  outputPath?: string | null;
}

/** A Succeed state: ends its scope successfully. */
export class Succeed extends State {
  readonly type = "Succeed" as const;

  constructor(name: string, props: SucceedProps = {}) {
    super(name, props);
  }

  toStateJson(): StateJson {
    return { ...this.renderHead(), ...this.renderIo() };
  }
}
