import assert from "node:assert/strict";
import { walkDefinition } from "../../workflow/graph";
import { buildPipeline, STATE_NAMES as N, PLACEHOLDER_RESOURCES } from "../../workflow/pipeline";
import { toSvg } from "../../workflow/svg";

function boxOf(svg: string, name: string): string {
  const match = svg.match(new RegExp(`<g class="state" data-state="${name}"[^>]*>`));
  assert.ok(match, `no box for ${name}`);
  return match[0];
}

describe("toSvg", () => {
  for (const pattern of ["sequential", "parallel"] as const) {
    it(`draws every state of the ${pattern} pipeline once, with nothing external`, () => {
      const definition = buildPipeline({ pattern, resources: PLACEHOLDER_RESOURCES }).render();

      const svg = toSvg(definition);

      for (const { name } of walkDefinition(definition)) {
        assert.equal(svg.split(`data-state="${name}"`).length - 1, 1, name);
        assert.match(svg, new RegExp(`>${name}(?: \\(\\w+\\))?</text>`));
      }
      assert.doesNotMatch(svg, /https?:|<script|href=/);
    });
  }

  it("puts the Map's processor inside its container and draws Catch edges dashed", () => {
    const definition = buildPipeline({ pattern: "sequential", resources: PLACEHOLDER_RESOURCES }).render();

    const svg = toSvg(definition);

    const map = svg.indexOf(`data-state="${N.processChunks}"`);
    const child = svg.indexOf(`data-state="${N.processChunk}"`);
    const mapEnd = svg.indexOf(`data-state="${N.checkErrors}"`);
    assert.ok(map < child && svg.slice(map, child).split("<g").length - 1 === 1, "the processor is nested in the Map");
    assert.ok(mapEnd > child);
    assert.match(svg, />Catch: States\.ALL<\/text>/);
    assert.match(svg, /stroke-dasharray="6 4"[^>]*class="edge catch"/);
  });

  it("orders states by execution: the split before the Map, the Map before the aggregation, then the check", () => {
    const definition = buildPipeline({ pattern: "sequential", resources: PLACEHOLDER_RESOURCES }).render();

    const svg = toSvg(definition);

    const at = (name: string) => svg.indexOf(`data-state="${name}"`);
    assert.ok(at(N.prepare) < at(N.splitCsv));
    assert.ok(at(N.splitCsv) < at(N.processChunks));
    assert.ok(at(N.processChunks) < at(N.aggregateResults));
    assert.ok(at(N.aggregateResults) < at(N.checkErrors));
    assert.ok(at(N.checkErrors) < at(N.runOutcome));
  });

  it("highlights the states entered by their outcome and leaves the others plain", () => {
    const definition = buildPipeline({ pattern: "sequential", resources: PLACEHOLDER_RESOURCES }).render();
    const entered = new Map([
      [N.prepare, "succeeded"],
      [N.processChunks, "caught"],
      [N.processChunk, "failed"],
    ] as const);

    const svg = toSvg(definition, { entered });

    assert.match(boxOf(svg, N.prepare), /data-entered="succeeded"/);
    assert.match(boxOf(svg, N.processChunks), /data-entered="caught"/);
    assert.match(boxOf(svg, N.processChunk), /data-entered="failed"/);
    assert.doesNotMatch(boxOf(svg, N.checkErrors), /data-entered/);
  });

  it("escapes state names", () => {
    const svg = toSvg({ StartAt: "A<b>&", States: { "A<b>&": { Type: "Succeed" } } });

    assert.match(svg, />A&lt;b&gt;&amp;<\/text>/);
    assert.doesNotMatch(svg, /<b>/);
  });
});
