import { readFileSync, writeFileSync } from "node:fs";

/**
 * Whether this run may rewrite golden files: `UPDATE_GOLDEN=1`, and never under CI. A golden test that rewrites its
 * file before comparing passes by construction, so CI (which sets `CI`) refuses the flag instead of hiding a change
 * to the rendered output; regenerate on a workstation and commit the file.
 */
export function goldenUpdateRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.UPDATE_GOLDEN !== "1") return false;
  if (env.CI !== undefined && env.CI !== "" && env.CI !== "false") {
    throw new Error(
      "UPDATE_GOLDEN=1 is refused under CI (CI is set): a rewritten golden file would pass by construction. " +
        "Run the test with UPDATE_GOLDEN=1 locally, review the diff of test/golden/ and commit it.",
    );
  }
  return true;
}

/**
 * The golden file's text: first rewritten with `actual` when {@link goldenUpdateRequested} allows it, then read back,
 * so the caller compares what is on disk.
 */
export function readGolden(file: string, actual: string, env: NodeJS.ProcessEnv = process.env): string {
  if (goldenUpdateRequested(env)) writeFileSync(file, actual);
  return readFileSync(file, "utf8");
}
