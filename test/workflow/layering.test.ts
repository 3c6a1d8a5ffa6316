import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ERROR_NAMES } from "../../functions/contract";
import { PipelineError as CorePipelineError, InputError } from "../../functions/core/errors";
import { PipelineError } from "../../functions/pipeline-error";
import { WorkflowValidationError } from "../../workflow/errors";
import { buildPipeline, PIPELINE_PATTERNS, PLACEHOLDER_RESOURCES } from "../../workflow/pipeline";

const ROOT = join(__dirname, "..", "..");

/** Every `.ts` file under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The module specifiers a file imports or re-exports from. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:import|export)\s[^;]*?from\s+"([^"]+)"/g)].map((m) => m[1]);
}

/** Every `ErrorEquals` list anywhere in a rendered definition (nested Parallel branches and Map processors too). */
function errorEquals(value: unknown): string[][] {
  if (Array.isArray(value)) return value.flatMap(errorEquals);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === "ErrorEquals" && Array.isArray(v) ? [v as string[]] : errorEquals(v),
  );
}

describe("workflow layering", () => {
  it("imports no Lambda code from functions/core: the definition knows ARNs and shared names only", () => {
    const files = sources(join(ROOT, "workflow"));
    assert.ok(files.length > 5, `expected the workflow sources, found ${files.length}`);
    const offending = files.flatMap((file) =>
      specifiers(file)
        .filter((spec) => spec.includes("functions/core") || spec.includes("functions/adapters"))
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    assert.deepEqual(offending, []);
  });

  it("keeps the shared base class free of imports, so the definition pulls in no handler code through it", () => {
    assert.deepEqual(specifiers(join(ROOT, "functions", "pipeline-error.ts")), []);
  });

  it("shares one error model: workflow and handler errors extend the same PipelineError", () => {
    assert.equal(CorePipelineError, PipelineError);
    const workflowError = new WorkflowValidationError(["a problem"]);
    assert.ok(workflowError instanceof PipelineError);
    assert.equal(workflowError.name, "WorkflowValidationError");
    assert.ok(new InputError("bad") instanceof PipelineError);
  });

  it("writes no error name as a string literal in a Retry or Catch list: each comes from ERROR_NAMES", () => {
    const literal = /\b(?:errors|ErrorEquals)\s*:\s*\[[^\]]*["'`]/;
    const offending = sources(join(ROOT, "workflow")).flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .map((line, i) => ({ line: line.trim(), at: `${relative(ROOT, file)}:${i + 1}` }))
        .filter(({ line }) => !line.startsWith("*") && !line.startsWith("//") && literal.test(line))
        .map(({ line, at }) => `${at}: ${line}`),
    );
    assert.deepEqual(offending, []);
  });

  for (const pattern of PIPELINE_PATTERNS) {
    it(`matches only names of ERROR_NAMES in the ${pattern} definition`, () => {
      const lists = errorEquals(buildPipeline({ pattern, resources: PLACEHOLDER_RESOURCES }).render());
      assert.ok(lists.length >= 5, `expected the Retry and Catch lists, found ${lists.length}`);
      const known = new Set<string>(Object.values(ERROR_NAMES));
      assert.deepEqual(
        lists.flat().filter((name) => !known.has(name)),
        [],
      );
    });
  }
});
