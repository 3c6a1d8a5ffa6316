import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { parseBenchArgs } from "../../bench/cli";
import { UsageError } from "../../local/usage-error";

const ROOT = join(__dirname, "..", "..");

describe("parseBenchArgs", () => {
  it("runs every suite at full size into bench/results.json by default", () => {
    assert.deepEqual(parseBenchArgs([]), {
      quick: false,
      only: ["P1", "P2", "P3", "P4", "P5", "P6", "P7"],
      out: join(ROOT, "bench", "results.json"),
    });
  });

  it("reads --quick, --only in any letter case with spaces, and --out in both forms", () => {
    assert.deepEqual(parseBenchArgs(["--quick", "--only", "p1, P3", "--out=x.json"]), {
      quick: true,
      only: ["P1", "P3"],
      out: resolve("x.json"),
    });
    assert.deepEqual(parseBenchArgs(["--only=P6", "--out", "y.json"]).only, ["P6"]);
  });

  const flags = "use --quick, --only P1,P2 or --out <file>";
  const bad: [string[], string][] = [
    [["--frob"], `unknown flag "--frob"; ${flags}`],
    [["P1"], `unknown flag "P1"; ${flags}`],
    [["--quick=1"], `unknown flag "--quick=1"; ${flags}`],
    [["--only"], "--only needs a value"],
    [["--only", "--quick"], "--only needs a value"],
    [["--out"], "--out needs a value"],
    [["--only", "p1, p9,P10"], "--only: unknown suite P9, P10; choose from P1, P2, P3, P4, P5, P6, P7"],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${argv.join(" ")} with one line: ${message}`, () => {
      assert.throws(
        () => parseBenchArgs(argv),
        (err: unknown) => err instanceof UsageError && err.message === message,
      );
    });
  }
});
