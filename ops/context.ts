import type { OpsClients } from "./aws";
import type { StackOutputs } from "./outputs";

/** What every command is given: the stack's outputs, the AWS clients and where to print. */
export interface OpsContext {
  outputs: StackOutputs;
  clients: OpsClients;
  /** Prints one block of text (a line break is added unless the text ends with one). */
  out(text: string): void;
  now(): Date;
  /** How long `rerun --wait` waits between two DescribeExecution calls. */
  pollMs: number;
}

/** A command's parsed command line: its flags' values and its positional arguments (the command name removed). */
export interface CommandArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Pads columns to their widest cell: a plain table for a terminal. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
