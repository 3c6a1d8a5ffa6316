import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_SCHEMA } from "../../../local/cli/args";
import { parseStackArgs } from "../../../local/cli/stack-args";

describe("parseStackArgs", () => {
  const dir = mkdtempSync(join(tmpdir(), "stack-args-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("takes the state directory, the faults (counts added up) and the port", () => {
    const args = parseStackArgs([
      "--state",
      join(dir, "state"),
      "--inject",
      "chunk-crash:1",
      "--inject",
      "chunk-crash:1",
      "--port",
      "4566",
    ]);
    assert.ok(args);
    assert.equal(args.stateDir, join(dir, "state"));
    assert.equal(args.faults["chunk-crash"], 2);
    assert.equal(args.port, 4566);
    assert.equal(args.schemaPath, DEFAULT_SCHEMA);
    assert.equal(args.pattern, "sequential");
  });

  it("answers --help with no stack", () => {
    assert.equal(parseStackArgs(["--help"]), undefined);
  });

  it("refuses a bad command line in one line that says what to do", () => {
    const refusal = (argv: string[]) => {
      try {
        parseStackArgs(argv);
      } catch (err) {
        return (err as Error).message;
      }
      return "accepted";
    };
    assert.equal(refusal(["--colour"]), "unknown option --colour");
    assert.equal(refusal(["--port", "0"]), "--port 0: give a TCP port from 1 to 65535 (or none, for a free one)");
    assert.equal(refusal(["--port", "http"]), "--port http: give a TCP port from 1 to 65535 (or none, for a free one)");
    assert.match(refusal(["data.csv"]), /^the local stack takes no file \(got data\.csv\): put files in its bucket/);
    assert.match(refusal(["--inject", "meteor"]), /^--inject meteor: unknown fault; use one of /);
    assert.equal(refusal(["--config", join(dir, "none.yaml")]), `config file not found: ${join(dir, "none.yaml")}`);
    assert.equal(refusal(["--state", "a", "--state", "b"]), "--state given twice");
    const file = join(dir, "file");
    writeFileSync(file, "x");
    assert.equal(refusal(["--state", file]), `--state ${file}: is a file; give a directory`);
  });
});
