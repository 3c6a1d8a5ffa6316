import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../usage-error";

/** The file that marks a directory as the local runner's kept state (so `--state` never adopts another folder). */
export const STATE_MARKER = "csv-pipeline-state.json";

/**
 * Checks a `--state` directory and makes it ready: created when missing, used again when it holds the runner's
 * state (its marker file), refused when it is a file or a folder with other contents. Returns its absolute path.
 *
 * @example checkStateDir(".state") // "/home/me/project/.state"
 */
export function checkStateDir(path: string): string {
  const dir = resolve(path);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--state ${path}: is a file; give a directory`);
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(STATE_MARKER)) {
      throw new UsageError(
        `--state ${path}: the directory holds other files and no ${STATE_MARKER}; give an empty or new directory`,
      );
    }
  }
  mkdirSync(dir, { recursive: true });
  const marker = join(dir, STATE_MARKER);
  if (!existsSync(marker)) {
    writeFileSync(marker, `${JSON.stringify({ kind: "csv-pipeline local state", dynamo: "dynamo/", s3: "s3/" })}\n`);
  }
  return dir;
}
