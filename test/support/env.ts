/**
 * Puts `process.env` back to a snapshot key by key. Assigning `process.env = snapshot` would swap Node's live
 * environment for a plain object, after which changes (e.g. TMPDIR) no longer reach `os.tmpdir()` or child
 * processes' defaults — and every later test in the same mocha process would see that.
 */
export function restoreEnv(snapshot: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in snapshot)) delete process.env[key];
  for (const [key, value] of Object.entries(snapshot)) if (value !== undefined) process.env[key] = value;
}
