import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FUNCTION_KEYS, FUNCTION_SPECS } from "../blueprint/function-specs";
import { stageHandler } from "../infra/package";
import { defaultPackageBytes, zipSize } from "./lib/archive-size";
import { buildArchive, writeArchive } from "./lib/callback-archive";
import { ROOT } from "./lib/measure";
import { type BenchRow, row } from "./lib/rows";

const MIB = 1024 * 1024;

/**
 * P3: each function's archive, built as CallbackFunction builds it from the esbuild bundle, against Pulumi's default
 * CallbackFunction packaging of this project. Both sides are unpacked bytes; the zip size (what Lambda limits and
 * Pulumi uploads) is a second row per function, against the 1 MiB goal.
 */
export async function runP3(): Promise<BenchRow[]> {
  const anchor = await defaultPackageBytes(ROOT);
  const work = mkdtempSync(join(tmpdir(), "csv-pipeline-bench-p3-"));
  const rows: BenchRow[] = [];
  try {
    for (const key of FUNCTION_KEYS) {
      const spec = FUNCTION_SPECS[key];
      const bundle = stageHandler(spec.name, spec.entry, { projectDir: ROOT });
      const files = await buildArchive(bundle);
      const dir = join(work, spec.name);
      const written = await writeArchive(files, dir);
      const zip = await zipSize(files, dir);
      rows.push(
        row(
          `P3.${spec.name}.unpacked`,
          `${spec.name} archive bytes, ours vs default CallbackFunction`,
          written.bytes,
          anchor.bytes,
          {
            kind: "ratio-max",
            max: 0.01,
            text: "≥ 100× smaller (ratio ≤ 0.01)",
          },
        ),
        row(`P3.${spec.name}.zip`, `${spec.name} zip bytes vs 1 MiB`, zip, MIB, {
          kind: "ratio-max",
          max: 1,
          text: "≤ 1 MiB",
        }),
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}
