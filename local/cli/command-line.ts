import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "../usage-error";

/**
 * What every command line of the project shares: `node:util`'s `parseArgs` in strict mode, with its refusals turned
 * into a one-line {@link UsageError} in the command's own words. Each command keeps its flags beside it and says how
 * it words a {@link CommandLineProblem}; this module only finds the problem.
 */

/** The flags a command knows, as `parseArgs` takes them. */
export type CommandLineOptions = NonNullable<ParseArgsConfig["options"]>;

/**
 * The first thing `parseArgs` refuses on a command line, read from its tokens. `option` is the flag as written
 * (`--out`, `-x`); `arg` is the whole argument it came from (`--out=x`, `-xy`); `index` is that argument's place in
 * the command line.
 */
export type CommandLineProblem =
  | { kind: "unknown-option"; option: string; arg: string; index: number }
  /**
   * A string flag at the end, or followed by something that looks like a flag (`--out --json`, `--out -x`): then
   * `next` is that argument, which `parseArgs` takes as a value only when written inline (`--out=-x`).
   */
  | { kind: "missing-value"; option: string; arg: string; index: number; next?: string }
  /** A boolean flag given a value (`--json=yes`). */
  | { kind: "unexpected-value"; option: string; arg: string; index: number }
  /** A positional argument to a command that takes none. */
  | { kind: "unexpected-positional"; arg: string; index: number };

/** Words a problem as the one line the command prints. */
export type DescribeProblem = (problem: CommandLineProblem) => string;

/**
 * The one-line wording of each problem, shared by the commands; `positional` words an argument where the command
 * takes none (what each command takes instead differs).
 */
export function describeWith(positional: (arg: string) => string): DescribeProblem {
  return (problem) => {
    switch (problem.kind) {
      case "unknown-option":
        // As written, up to any "=": `--colour=red` is `--colour`, a group of short flags `-xv` stays whole.
        return `unknown option ${problem.arg.split("=")[0]}`;
      case "missing-value":
        // A value that starts with a single "-" is taken only inline: say how.
        return problem.next === undefined || problem.next.startsWith("--")
          ? `${problem.option} needs a value`
          : `${problem.option} needs a value; give one that starts with "-" as ${problem.option}=${problem.next}`;
      case "unexpected-value":
        return `${problem.option} takes no value`;
      case "unexpected-positional":
        return positional(problem.arg);
    }
  };
}

/** The codes of the errors `parseArgs` throws for a bad command line (other errors are the program's own). */
const PARSE_ARGS_CODES = new Set([
  "ERR_PARSE_ARGS_UNKNOWN_OPTION",
  "ERR_PARSE_ARGS_INVALID_OPTION_VALUE",
  "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL",
]);

/** A value `parseArgs` calls ambiguous: it starts with "-" and was not written inline (`--out=-x`). */
function looksLikeOption(value: string): boolean {
  return value.length > 1 && value.startsWith("-");
}

/**
 * Finds the first argument strict `parseArgs` would refuse, reading the tokens of a lenient parse: an unknown flag,
 * a string flag without its value, a boolean flag with one, or a positional argument where none is taken.
 */
export function findProblem(
  args: readonly string[],
  options: CommandLineOptions,
  allowPositionals: boolean,
): CommandLineProblem | undefined {
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === "positional") {
      if (!allowPositionals) return { kind: "unexpected-positional", arg: token.value, index: token.index };
      continue;
    }
    if (token.kind !== "option") continue;
    const where = { option: token.rawName, arg: args[token.index], index: token.index };
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (option === undefined) return { kind: "unknown-option", ...where };
    if (option.type === "boolean" && token.value !== undefined) return { kind: "unexpected-value", ...where };
    if (option.type === "string") {
      if (token.value === undefined) return { kind: "missing-value", ...where };
      if (!token.inlineValue && looksLikeOption(token.value))
        return { kind: "missing-value", ...where, next: token.value };
    }
  }
  return undefined;
}

/**
 * Parses `config.args` with `parseArgs` in strict mode. A command line it refuses throws a {@link UsageError}
 * whose message is `describe` applied to the first problem, on one line; the `parseArgs` error is its cause.
 * @example
 * const { values } = parseCommandLine({ args: ["--out", "x"], options: { out: { type: "string" } } }, (p) =>
 *   p.kind === "missing-value" ? `${p.option} needs a value` : `unknown option ${p.arg}`,
 * );
 */
export function parseCommandLine<const T extends ParseArgsConfig & { args: readonly string[] }>(
  config: T,
  describe: DescribeProblem,
): ReturnType<typeof parseArgs<T & { strict: true }>> {
  try {
    return parseArgs({ ...config, strict: true }) as ReturnType<typeof parseArgs<T & { strict: true }>>;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== "string" || !PARSE_ARGS_CODES.has(code)) throw err;
    const problem = findProblem(config.args, config.options ?? {}, config.allowPositionals === true);
    const message = problem === undefined ? (err as Error).message.split("\n")[0] : describe(problem);
    throw new UsageError(message, { cause: err });
  }
}

/**
 * Whether the command line asks for help (`--help`, or the option's short name) before anything `parseArgs` would
 * refuse: help then wins over the rest of the line, as it does when read from left to right.
 */
export function asksForHelp(
  args: readonly string[],
  options: CommandLineOptions,
  allowPositionals: boolean,
  help = "help",
): boolean {
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const asked = tokens.find((t) => t.kind === "option" && t.name === help && t.value === undefined);
  if (asked === undefined) return false;
  const problem = findProblem(args, options, allowPositionals);
  return problem === undefined || asked.index < problem.index;
}

/** The first flag that takes one value and is given again, as written the second time (`--out`), if any. */
export function repeatedOption(args: readonly string[], options: CommandLineOptions): string | undefined {
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== "option" || options[token.name]?.multiple === true || options[token.name]?.type !== "string")
      continue;
    if (seen.has(token.name)) return token.rawName;
    seen.add(token.name);
  }
  return undefined;
}
