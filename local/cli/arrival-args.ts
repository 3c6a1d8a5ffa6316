import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "../usage-error";

/** The command line of `--check-arrival`. */
export interface ArrivalArgs {
  configPath?: string;
  stateDir?: string;
  /** The check's clock, ISO-8601 (default: now). */
  now?: string;
  json: boolean;
  verbose: boolean;
}

/** Options a run takes that mean nothing to an arrival check. */
const RUN_ONLY = ["schema", "feed", "key", "pattern", "out", "inject"] as const;

/**
 * The `--check-arrival` command from the parsed flags: `--config`, `--state`, `--now`, `--json` and `--verbose` only;
 * a CSV file or a run's option is a usage error naming it.
 */
export function arrivalCommand(
  values: Record<string, unknown>,
  positionals: readonly string[],
  now: string | undefined,
  stateDir: string | undefined,
): { kind: "check-arrival"; args: ArrivalArgs } {
  if (positionals.length > 0) throw new UsageError(`--check-arrival reads no CSV file (got ${positionals[0]})`);
  const extra = RUN_ONLY.find((name) => values[name] !== undefined);
  if (extra !== undefined) throw new UsageError(`--check-arrival takes no --${extra}`);
  const config = values.config as string | undefined;
  if (config !== undefined && !(existsSync(resolve(config)) && statSync(resolve(config)).isFile())) {
    throw new UsageError(`config file not found: ${config}`);
  }
  return {
    kind: "check-arrival",
    args: {
      ...(config !== undefined ? { configPath: resolve(config) } : {}),
      ...(stateDir !== undefined ? { stateDir } : {}),
      ...(now !== undefined ? { now } : {}),
      json: values.json === true,
      verbose: values.verbose === true,
    },
  };
}
