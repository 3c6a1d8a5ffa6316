import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { goldenUpdateRequested, readGolden } from "./golden";

describe("golden files", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "golden-"));
    file = join(dir, "x.asl.json");
    writeFileSync(file, "committed\n");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses UPDATE_GOLDEN=1 when CI is set, naming both variables, and leaves the file as committed", () => {
    assert.throws(
      () => readGolden(file, "rendered\n", { UPDATE_GOLDEN: "1", CI: "true" }),
      /UPDATE_GOLDEN=1 is refused under CI \(CI is set\)/,
    );
    assert.equal(readFileSync(file, "utf8"), "committed\n");
  });

  it("rewrites the file with UPDATE_GOLDEN=1 outside CI, and returns what it wrote", () => {
    assert.equal(readGolden(file, "rendered\n", { UPDATE_GOLDEN: "1" }), "rendered\n");
    assert.equal(readFileSync(file, "utf8"), "rendered\n");
  });

  it("reads the committed file, unchanged, without UPDATE_GOLDEN (CI or not)", () => {
    assert.equal(readGolden(file, "rendered\n", { CI: "true" }), "committed\n");
    assert.equal(readGolden(file, "rendered\n", {}), "committed\n");
    assert.equal(readFileSync(file, "utf8"), "committed\n");
  });

  it("treats an empty or false CI as no CI", () => {
    assert.equal(goldenUpdateRequested({ UPDATE_GOLDEN: "1", CI: "" }), true);
    assert.equal(goldenUpdateRequested({ UPDATE_GOLDEN: "1", CI: "false" }), true);
    assert.equal(goldenUpdateRequested({ UPDATE_GOLDEN: "0", CI: "true" }), false);
  });
});
