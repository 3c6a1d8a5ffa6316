/**
 * Writes the pipeline definition of both patterns, rendered on placeholder ARNs, with a Mermaid diagram beside each:
 * out/pipeline-<pattern>.asl.json and out/pipeline-<pattern>.mmd. Run with `npm run synth`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { toMermaid } from "../workflow/mermaid";
import { buildPipeline, PIPELINE_PATTERNS, PLACEHOLDER_RESOURCES } from "../workflow/pipeline";

/** Renders both patterns into `outDir`; returns the files written. */
export function synth(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const pattern of PIPELINE_PATTERNS) {
    const graph = buildPipeline({ pattern, resources: PLACEHOLDER_RESOURCES });
    const asl = join(outDir, `pipeline-${pattern}.asl.json`);
    const mmd = join(outDir, `pipeline-${pattern}.mmd`);
    writeFileSync(asl, `${JSON.stringify(graph.render(), null, 2)}\n`);
    writeFileSync(mmd, toMermaid(graph));
    written.push(asl, mmd);
  }
  return written;
}

if (require.main === module) {
  const outDir = resolve(process.argv[2] ?? "out");
  for (const file of synth(outDir)) console.log(`wrote ${relative(process.cwd(), file)}`);
}
