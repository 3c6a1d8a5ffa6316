import { existsSync, readdirSync, realpathSync } from "node:fs";
import { join } from "node:path";

/**
 * What the handler bundles (`infra/package.ts`) leave out or take from another build: code-page tables our code
 * cannot reach, and packages resolved to a build esbuild can tree-shake.
 */

/** Files of an npm package that our handlers cannot reach, replaced by a small module when bundling. */
export interface TrimmedModule {
  /** npm package holding the files. */
  package: string;
  /** Folder inside the package. */
  dir: string;
  /** The files in `dir` replaced: these names, or every file with extension `ext` except those in `allBut`. */
  files: string[] | { ext: string; allBut: string[] };
  /**
   * What a replaced module does when loaded: `throw` for files loaded on first use of their encoding (loading one
   * means a new encoding is in use and must be kept), `empty` for files merged into a registry at load time (an
   * encoding they defined is then unknown to iconv-lite, which says so by name).
   */
  as: "throw" | "empty";
  /** Why our code cannot reach them. */
  reason: string;
}

/**
 * What the bundles leave out. Our code decodes only `cp932` (iconv-lite's alias of `shiftjis`, whose table is
 * `encodings/tables/shiftjis.json`) and `utf8` (defined in `encodings/internal.js`); every other table is loaded
 * only when its encoding is first used, and the other codec modules only define encodings looked up by name.
 */
export const TRIMMED_MODULES: readonly TrimmedModule[] = [
  {
    package: "iconv-lite",
    dir: "encodings/tables",
    files: { ext: ".json", allBut: ["shiftjis.json"] },
    as: "throw",
    reason: "only Shift_JIS/CP932 and UTF-8 are decoded (functions/core/csv/encoding.ts)",
  },
  {
    package: "iconv-lite",
    dir: "encodings",
    files: ["sbcs-codec.js", "sbcs-data.js", "sbcs-data-generated.js", "utf7.js", "utf16.js", "utf32.js"],
    as: "empty",
    reason: "only Shift_JIS/CP932 and UTF-8 are decoded (functions/core/csv/encoding.ts)",
  },
];

/** A package import resolved to another build of the same package. */
export interface ModuleRedirect {
  /** The import specifier, e.g. `yaml`. */
  spec: string;
  /** File it resolves to, relative to node_modules. */
  file: string;
  reason: string;
}

/**
 * yaml's `node` export is one CommonJS build esbuild cannot tree-shake; its ES module build (published for
 * browsers, same sources) can be. The two differ only in where they print warnings (`process.emitWarning` vs
 * `console.warn`), in two debug variables (`LOG_TOKENS`, `LOG_STREAM`) and in decoding `!!binary` with
 * `Buffer` vs `atob` (a YAML 1.1 tag the row schema does not use). Saves ~17 KB per bundle.
 */
export const MODULE_REDIRECTS: readonly ModuleRedirect[] = [
  { spec: "yaml", file: "yaml/browser/index.js", reason: "the tree-shakeable ES module build" },
];

/**
 * The project's node_modules by its real path: esbuild loads files by their real path, so a symlinked node_modules
 * must not hide them from the replacement.
 */
export function realNodeModules(projectDir: string): string {
  return realpathSync(join(projectDir, "node_modules"));
}

/** Absolute paths of the files {@link TRIMMED_MODULES} replaces, with the module text each is replaced by. */
export function trimmedFiles(projectDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rule of TRIMMED_MODULES) {
    const dir = join(realNodeModules(projectDir), rule.package, rule.dir);
    if (!existsSync(dir)) continue;
    const { files } = rule;
    const names = Array.isArray(files)
      ? files.filter((f) => existsSync(join(dir, f)))
      : readdirSync(dir).filter((f) => f.endsWith(files.ext) && !files.allBut.includes(f));
    for (const file of names) {
      const id = `${rule.package}/${rule.dir}/${file}`;
      out[join(dir, file)] =
        rule.as === "empty"
          ? "module.exports = {};"
          : `throw new Error(${JSON.stringify(
              `${id} is not in this Lambda bundle: ${rule.reason}. To decode another encoding, keep ${file} ` +
                `(add it to "allBut" in TRIMMED_MODULES of infra/bundle-shaping.ts) and deploy again.`,
            )});`;
    }
  }
  return out;
}
