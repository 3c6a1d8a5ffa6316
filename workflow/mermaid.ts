import type { StateGraph } from "./graph";
import type { ScopeNode, StateNode } from "./node";

/** Options of `toMermaid`. */
export interface MermaidOptions {
  /** Names of states to highlight (e.g. the path an execution took). */
  highlight?: Iterable<string>;
  /** Flowchart direction (default TD). */
  direction?: "TD" | "LR";
}

function label(text: string): string {
  return `"${text.replaceAll('"', "#quot;")}"`;
}

/**
 * Renders a state graph as a Mermaid flowchart: Parallel branches and Map processors as subgraphs, Catch edges dashed
 * and labelled with their errors, Choice rules labelled, and the highlighted states (with the edges between them) styled.
 */
export function toMermaid(graph: StateGraph, options: MermaidOptions = {}): string {
  const highlight = new Set(options.highlight ?? []);
  const ids = new Map<StateNode, string>();
  const byName = new Map<string, StateNode>();
  for (const s of graph.allStates()) {
    ids.set(s, `s${ids.size}`);
    if (!byName.has(s.name)) byName.set(s.name, s);
  }
  const lines: string[] = [`flowchart ${options.direction ?? "TD"}`];
  // Every link in order of appearance (Mermaid's linkStyle counts them this way); "" = a start or end marker.
  const edges: { fromName: string; toName: string }[] = [];
  let endCount = 0;

  const node = (s: StateNode): string => {
    const id = ids.get(s)!;
    const text = label(`${s.name}`);
    switch (s.type) {
      case "Choice":
        return `${id}{${text}}`;
      case "Pass":
        return `${id}([${text}])`;
      case "Wait":
        return `${id}{{${text}}}`;
      case "Succeed":
      case "Fail":
        return `${id}(((${text})))`;
      default:
        return `${id}[${text}]`;
    }
  };

  const scope = (g: ScopeNode, indent: string) => {
    const start = `st_${ids.get(g.startState)}`;
    lines.push(`${indent}${start}((" ")) --> ${ids.get(g.startState)}`);
    edges.push({ fromName: "", toName: g.startState.name });
    for (const s of g.states()) {
      const id = ids.get(s)!;
      const children = s.children();
      if (children.length > 0) {
        lines.push(`${indent}subgraph ${id}[${label(`${s.name} (${s.type})`)}]`);
        children.forEach((child, i) => {
          const title = s.type === "Map" ? "item processor" : `branch ${i}`;
          lines.push(`${indent}  subgraph ${id}_${i}[${label(title)}]`);
          scope(child, `${indent}    `);
          lines.push(`${indent}  end`);
        });
        lines.push(`${indent}end`);
      } else {
        lines.push(`${indent}${node(s)}`);
      }
      for (const t of s.transitions()) {
        const target = typeof t.target === "string" ? byName.get(t.target) : t.target;
        if (!target) continue;
        const to = ids.get(target)!;
        const arrow =
          t.kind === "catch" ? `-.->|${label(`Catch: ${t.label}`)}|` : t.label ? `-->|${label(t.label)}|` : "-->";
        lines.push(`${indent}${id} ${arrow} ${to}`);
        edges.push({ fromName: s.name, toName: target.name });
      }
      const json = s.toStateJson();
      if (json.End === true) {
        const end = `fin${endCount++}`;
        lines.push(`${indent}${id} --> ${end}(((" ")))`);
        edges.push({ fromName: s.name, toName: "" });
      }
    }
  };
  scope(graph, "  ");

  if (highlight.size > 0) {
    lines.push("  classDef taken fill:#d1f2d1,stroke:#1b7f1b,stroke-width:3px");
    const taken = [...ids].filter(([s]) => highlight.has(s.name)).map(([, id]) => id);
    if (taken.length > 0) lines.push(`  class ${taken.join(",")} taken`);
    const on = (name: string) => name === "" || highlight.has(name);
    const links = edges.flatMap((e, i) => (on(e.fromName) && on(e.toName) && (e.fromName || e.toName) ? [i] : []));
    if (links.length > 0) lines.push(`  linkStyle ${links.join(",")} stroke:#1b7f1b,stroke-width:3px`);
  }
  return `${lines.join("\n")}\n`;
}
