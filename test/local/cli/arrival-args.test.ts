import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../../../local/cli/args";
import { checkStateDir, STATE_MARKER } from "../../../local/engine/state-dir";
import { UsageError } from "../../../local/usage-error";

describe("--state and --check-arrival on the command line", () => {
  const dir = mkdtempSync(join(tmpdir(), "csv-arrival-args-"));

  it("parses --check-arrival with --config, --state, --now and --json", () => {
    const config = join(dir, "c.yaml");
    writeFileSync(config, "arrival: { by: '10:00' }\n");
    const state = join(dir, "state");
    const parsed = parseArgs([
      "--check-arrival",
      "--config",
      config,
      "--state",
      state,
      "--now",
      "2025-06-02T10:05:00+09:00",
      "--json",
    ]);
    assert.deepEqual(parsed, {
      kind: "check-arrival",
      args: { configPath: config, stateDir: state, now: "2025-06-02T10:05:00+09:00", json: true, verbose: false },
    });
    assert.ok(readdirSync(state).includes(STATE_MARKER), "the state directory is created and marked");
  });

  it("refuses a CSV file or a run's option beside --check-arrival", () => {
    assert.throws(() => parseArgs(["--check-arrival", "samples/orders.csv"]), /--check-arrival reads no CSV file/);
    assert.throws(() => parseArgs(["--check-arrival", "--pattern", "parallel"]), /--check-arrival takes no --pattern/);
  });

  it("gives a run its --state directory, and none without the flag", () => {
    const state = join(dir, "run-state");
    const run = parseArgs(["samples/orders.csv", "--state", state]);
    assert.equal(run.kind === "run" && run.args.stateDir, state);
    const plain = parseArgs(["samples/orders.csv"]);
    assert.equal(plain.kind === "run" && plain.args.stateDir, undefined);
  });

  it("refuses a file, or a directory with other contents, as --state", () => {
    const file = join(dir, "f.txt");
    writeFileSync(file, "x");
    assert.throws(
      () => checkStateDir(file),
      (err: Error) => err instanceof UsageError && /is a file/.test(err.message),
    );
    const other = join(dir, "other");
    mkdirSync(other);
    writeFileSync(join(other, "keep.txt"), "x");
    assert.throws(() => checkStateDir(other), /holds other files and no csv-pipeline-state\.json/);
  });
});
