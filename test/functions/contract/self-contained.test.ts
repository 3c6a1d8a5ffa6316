import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as ts from "typescript";
import * as contract from "../../../functions/contract";

const FOLDER = resolve(__dirname, "../../../functions/contract");

/** The contract's files: bundled into every Lambda archive, so they import nothing but each other. */
const files = readdirSync(FOLDER)
  .filter((name) => name.endsWith(".ts"))
  .sort();

describe("functions/contract (self-contained)", () => {
  it("holds the index and one file per section", () => {
    assert.ok(files.includes("index.ts"));
    assert.equal(files.length, 11, `files: ${files.join(", ")}`);
  });

  it("imports only its own sibling files", () => {
    const outside: string[] = [];
    for (const name of files) {
      const text = readFileSync(join(FOLDER, name), "utf8");
      for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
        if (!/^\.\/[a-z-]+$/.test(fileName)) outside.push(`${name} imports ${fileName}`);
      }
    }
    assert.deepEqual(outside, []);
  });

  it("re-exports every section from the index", () => {
    const index = readFileSync(join(FOLDER, "index.ts"), "utf8");
    const sections = files.filter((name) => name !== "index.ts").map((name) => name.replace(/\.ts$/, ""));
    const missing = sections.filter((section) => !index.includes(`export * from "./${section}";`));
    assert.deepEqual(missing, []);
    assert.equal(typeof contract.STATE_NAMES, "object");
    assert.equal(contract.feedSchemaKey("orders"), "_config/feeds/orders/schema.json");
  });

  it("keeps every file under 450 lines", () => {
    const long = files.filter((name) => readFileSync(join(FOLDER, name), "utf8").split("\n").length > 450);
    assert.deepEqual(long, []);
  });
});
