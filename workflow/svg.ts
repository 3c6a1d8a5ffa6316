import type { AslDefinition, JsonValue, StateJson } from "./types";

/** How a state ended in an execution, for `toSvg`'s highlighting. */
export type StateOutcome = "succeeded" | "caught" | "failed";

/** Options of `toSvg`. */
export interface SvgOptions {
  /** States entered by an execution, with how each ended; they are highlighted (failures in orange or red). */
  entered?: ReadonlyMap<string, StateOutcome>;
  /** Accessible title of the drawing. */
  title?: string;
}

interface Edge {
  to: string;
  kind: "next" | "choice" | "default" | "catch";
  label: string;
}

interface Box {
  name: string;
  state: StateJson;
  w: number;
  h: number;
  /** Draws the box with its top-left corner at (x, y). */
  draw(x: number, y: number): string;
}

interface Scope {
  w: number;
  h: number;
  draw(x: number, y: number): string;
}

const FONT = 13;
const CHAR_W = 7.4;
const BOX_H = 34;
const ROW_GAP = 30;
const LANE_GAP = 16;
const PAD = 14;
const HEADER = 24;
const LABEL_MAX = 38;

const COLOURS = {
  box: { fill: "#f7f9fc", stroke: "#7a8ca3" },
  succeeded: { fill: "#d1f2d1", stroke: "#1b7f1b" },
  caught: { fill: "#ffe9c7", stroke: "#c77700" },
  failed: { fill: "#fdd9d7", stroke: "#c62828" },
  edge: "#7a8ca3",
  taken: "#1b7f1b",
} as const;

function esc(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function short(text: string): string {
  return text.length > LABEL_MAX ? `${text.slice(0, LABEL_MAX - 1)}…` : text;
}

function textWidth(text: string, size = FONT): number {
  let w = 0;
  for (const ch of text) w += (ch.codePointAt(0) ?? 0) > 0x2e80 ? size : (CHAR_W * size) / FONT;
  return w;
}

/** A short description of a Choice rule: `$.a StringEquals "x"`, `And(…)`, `Not(…)`. */
function describeRule(rule: Record<string, JsonValue>): string {
  if (Array.isArray(rule.And)) return `And(${rule.And.length} rules)`;
  if (Array.isArray(rule.Or)) return `Or(${rule.Or.length} rules)`;
  if (rule.Not && typeof rule.Not === "object") return `Not(${describeRule(rule.Not as Record<string, JsonValue>)})`;
  const op = Object.keys(rule).find((k) => k !== "Variable" && k !== "Next" && k !== "Comment");
  return op ? `${String(rule.Variable ?? "")} ${op} ${JSON.stringify(rule[op])}`.trim() : "rule";
}

function edgesOf(state: StateJson): Edge[] {
  const out: Edge[] = [];
  if (typeof state.Next === "string") out.push({ to: state.Next, kind: "next", label: "" });
  if (Array.isArray(state.Choices))
    for (const c of state.Choices as Record<string, JsonValue>[])
      if (typeof c.Next === "string") out.push({ to: c.Next, kind: "choice", label: describeRule(c) });
  if (typeof state.Default === "string") out.push({ to: state.Default, kind: "default", label: "Default" });
  if (Array.isArray(state.Catch))
    for (const c of state.Catch as Record<string, JsonValue>[])
      if (typeof c.Next === "string")
        out.push({
          to: c.Next,
          kind: "catch",
          label: `Catch: ${Array.isArray(c.ErrorEquals) ? c.ErrorEquals.join(", ") : ""}`,
        });
  return out;
}

/**
 * The states of one scope in execution order: a depth-first walk from `StartAt` (Next and Choice targets before
 * Catch targets) gives a topological order with loops cut; each state's layer is its longest distance from the
 * start along that order; states are sorted by layer, then by the walk. Unreachable states come last.
 */
function executionOrder(body: AslDefinition): string[] {
  const names = Object.keys(body.States);
  const post: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !body.States[name]) return;
    seen.add(name);
    const edges = edgesOf(body.States[name]);
    for (const e of [...edges.filter((e) => e.kind !== "catch"), ...edges.filter((e) => e.kind === "catch")])
      visit(e.to);
    post.push(name);
  };
  visit(body.StartAt);
  const topo = post.reverse();
  const position = new Map(topo.map((n, i) => [n, i]));
  const layer = new Map<string, number>(topo.map((n) => [n, 0]));
  for (const name of topo)
    for (const e of edgesOf(body.States[name])) {
      const from = position.get(name)!;
      const to = position.get(e.to);
      if (to !== undefined && to > from) layer.set(e.to, Math.max(layer.get(e.to)!, layer.get(name)! + 1));
    }
  const ordered = [...topo].sort((a, b) => layer.get(a)! - layer.get(b)! || position.get(a)! - position.get(b)!);
  return [...ordered, ...names.filter((n) => !seen.has(n))];
}

function nestedBodies(state: StateJson): { title: string; body: AslDefinition }[] {
  if (state.Type === "Parallel" && Array.isArray(state.Branches))
    return (state.Branches as unknown as AslDefinition[]).map((body, i) => ({ title: `branch ${i}`, body }));
  const processor = (state.ItemProcessor ?? state.Iterator) as unknown as AslDefinition | undefined;
  return state.Type === "Map" && processor ? [{ title: "item processor", body: processor }] : [];
}

function colours(name: string, options: SvgOptions): { fill: string; stroke: string; width: number } {
  const outcome = options.entered?.get(name);
  return outcome ? { ...COLOURS[outcome], width: 2.5 } : { ...COLOURS.box, width: 1.2 };
}

function shape(state: StateJson, x: number, y: number, w: number, h: number, fill: string, stroke: string, sw: number) {
  const common = `fill="${fill}" stroke="${stroke}" stroke-width="${sw}"`;
  switch (state.Type) {
    case "Choice": {
      const d = h / 2;
      return `<polygon points="${x},${y + d} ${x + d},${y} ${x + w - d},${y} ${x + w},${y + d} ${x + w - d},${y + h} ${x + d},${y + h}" ${common}/>`;
    }
    case "Pass":
    case "Wait":
      return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${h / 2}" ${common}/>`;
    case "Succeed":
    case "Fail":
      return (
        `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${h / 2}" ${common}/>` +
        `<rect x="${x + 3}" y="${y + 3}" width="${w - 6}" height="${h - 6}" rx="${h / 2 - 3}" fill="none" stroke="${stroke}" stroke-width="1"/>`
      );
    default:
      return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="4" ${common}/>`;
  }
}

function tooltip(name: string, state: StateJson, options: SvgOptions): string {
  const outcome = options.entered?.get(name);
  return `<title>${esc(`${name} (${state.Type})${outcome ? `: entered, ${outcome}` : ""}`)}</title>`;
}

function box(name: string, state: StateJson, options: SvgOptions): Box {
  const nested = nestedBodies(state);
  const c = colours(name, options);
  const attrs = `class="state" data-state="${esc(name)}" data-type="${esc(state.Type)}"${options.entered?.has(name) ? ` data-entered="${options.entered.get(name)}"` : ""}`;
  if (nested.length === 0) {
    const w = Math.max(150, Math.ceil(textWidth(name) + (state.Type === "Choice" ? 48 : 28)));
    return {
      name,
      state,
      w,
      h: BOX_H,
      draw: (x, y) =>
        `<g ${attrs}>${tooltip(name, state, options)}${shape(state, x, y, w, BOX_H, c.fill, c.stroke, c.width)}` +
        `<text x="${x + w / 2}" y="${y + BOX_H / 2 + 4.5}" text-anchor="middle">${esc(name)}</text></g>`,
    };
  }
  const inner = nested.map(({ title, body }) => ({ title, scope: layoutScope(body, options) }));
  const innerW = inner.reduce((sum, i) => sum + i.scope.w, 0) + PAD * (inner.length - 1);
  const innerH = Math.max(...inner.map((i) => i.scope.h));
  const title = `${name} (${state.Type})`;
  const w = Math.max(innerW + 2 * PAD, Math.ceil(textWidth(title) + 2 * PAD));
  const h = HEADER + innerH + 18 + PAD;
  return {
    name,
    state,
    w,
    h,
    draw: (x, y) => {
      let cx = x + (w - innerW) / 2;
      const parts = inner.map(({ title: t, scope }) => {
        const svg =
          `<rect x="${cx - 4}" y="${y + HEADER}" width="${scope.w + 8}" height="${innerH + 18}" rx="4" fill="#fff" stroke="#c3ccd8" stroke-dasharray="3 3"/>` +
          `<text x="${cx + 2}" y="${y + HEADER + 13}" font-size="11" fill="#667">${esc(t)}</text>` +
          scope.draw(cx, y + HEADER + 18);
        cx += scope.w + PAD;
        return svg;
      });
      return (
        `<g ${attrs}>${tooltip(name, state, options)}<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="6" fill="${c.fill}" fill-opacity="0.55" stroke="${c.stroke}" stroke-width="${c.width}"/>` +
        `<text x="${x + PAD}" y="${y + 17}" font-weight="600">${esc(title)}</text>${parts.join("")}</g>`
      );
    },
  };
}

/**
 * Lays one scope out as a column: states in execution order, top to bottom, centred; an edge to the next state
 * below is a straight arrow, every other edge runs in a lane to the right of the column (lanes reused where they
 * do not overlap).
 */
function layoutScope(body: AslDefinition, options: SvgOptions): Scope {
  const order = executionOrder(body);
  const boxes = order.map((name) => box(name, body.States[name], options));
  const row = new Map(order.map((n, i) => [n, i]));
  const colW = Math.max(...boxes.map((b) => b.w));
  const tops: number[] = [];
  let y = 22;
  for (const b of boxes) {
    tops.push(y);
    y += b.h + ROW_GAP;
  }
  const height = y - ROW_GAP + 8;

  interface Routed extends Edge {
    from: number;
    target: number;
    lane: number;
    port: number;
  }
  const routed: Routed[] = [];
  const laneSpans: [number, number][][] = [];
  const ports = new Map<number, number>();
  boxes.forEach((b, i) => {
    for (const e of edgesOf(b.state)) {
      const target = row.get(e.to);
      if (target === undefined) continue;
      if (target === i + 1 && !routed.some((r) => r.from === i && r.lane === -1)) {
        routed.push({ ...e, from: i, target, lane: -1, port: 0 });
        continue;
      }
      const lo = Math.min(i, target);
      const hi = Math.max(i, target);
      let lane = laneSpans.findIndex((spans) => spans.every(([a, z]) => hi < a || lo > z));
      if (lane === -1) lane = laneSpans.push([]) - 1;
      laneSpans[lane].push([lo, hi]);
      const port = ports.get(i) ?? 0;
      ports.set(i, port + 1);
      routed.push({ ...e, from: i, target, lane, port });
    }
  });
  const labelRoom = Math.max(
    0,
    ...routed.filter((r) => r.lane >= 0 && r.label).map((r) => textWidth(short(r.label), 10)),
  );
  const width = colW + 28 + laneSpans.length * LANE_GAP + Math.min(labelRoom, 240) + 8;

  return {
    w: width,
    h: height,
    draw: (x0, y0) => {
      const cx = x0 + colW / 2;
      const parts: string[] = [];
      const first = boxes[0];
      if (first) {
        parts.push(`<circle cx="${cx}" cy="${y0 + 6}" r="5" fill="#445"/>`);
        parts.push(
          edgePath(`M${cx},${y0 + 11} L${cx},${y0 + tops[0]}`, options.entered?.has(first.name) ?? false, false),
        );
      }
      for (const r of routed) {
        const a = boxes[r.from];
        const b = boxes[r.target];
        const taken =
          (options.entered?.has(a.name) ?? false) &&
          (options.entered?.has(b.name) ?? false) &&
          (r.kind !== "catch" || options.entered?.get(a.name) !== "succeeded");
        const dashed = r.kind === "catch";
        const tip = r.label ? `<title>${esc(`${a.name} → ${b.name}: ${r.label}`)}</title>` : "";
        if (r.lane === -1) {
          const y1 = y0 + tops[r.from] + a.h;
          const y2 = y0 + tops[r.target];
          parts.push(`<g>${tip}${edgePath(`M${cx},${y1} L${cx},${y2}`, taken, dashed)}</g>`);
          if (r.label) parts.push(edgeLabel(cx + 6, (y1 + y2) / 2 + 3, r.label));
          continue;
        }
        const laneX = x0 + colW + 18 + r.lane * LANE_GAP;
        const ya = y0 + tops[r.from] + a.h / 2 - 9 + (r.port % 3) * 11;
        const yb = y0 + tops[r.target] + b.h / 2 + (r.target < r.from ? 6 : -4);
        const xa = cx + a.w / 2;
        const xb = cx + b.w / 2;
        parts.push(
          `<g>${tip}${edgePath(`M${xa},${ya} L${laneX},${ya} L${laneX},${yb} L${xb},${yb}`, taken, dashed)}</g>`,
        );
        if (r.label) parts.push(edgeLabel(laneX + 4, ya - 2, r.label));
      }
      boxes.forEach((b, i) => {
        parts.push(b.draw(cx - b.w / 2, y0 + tops[i]));
      });
      return parts.join("");
    },
  };
}

function edgePath(d: string, taken: boolean, dashed: boolean): string {
  const colour = taken ? COLOURS.taken : COLOURS.edge;
  return `<path d="${d}" fill="none" stroke="${colour}" stroke-width="${taken ? 2.2 : 1.3}"${dashed ? ' stroke-dasharray="6 4"' : ""} marker-end="url(#wf-arrow${taken ? "-taken" : ""})" class="edge${dashed ? " catch" : ""}"/>`;
}

function edgeLabel(x: number, y: number, label: string): string {
  return `<text x="${x}" y="${y}" font-size="10" fill="#556" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(short(label))}</text>`;
}

/**
 * Draws a rendered state machine definition as a self-contained SVG (no script, no external reference): states as
 * boxes in execution order, Map and Parallel states as containers of their processors or branches, Choice states as
 * hexagons, Catch edges dashed and labelled, the states an execution entered (and the edges between them)
 * highlighted — green, orange for a caught failure, red for a failure.
 * @example toSvg(graph.render(), { entered: new Map([["Prepare", "succeeded"]]) })
 */
export function toSvg(definition: AslDefinition, options: SvgOptions = {}): string {
  const scope = layoutScope(definition, options);
  const w = Math.ceil(scope.w + 20);
  const h = Math.ceil(scope.h + 20);
  const marker = (id: string, colour: string) =>
    `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${colour}"/></marker>`;
  return (
    `<svg role="img" class="workflow" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="${FONT}">` +
    `<title>${esc(options.title ?? "State machine")}</title>` +
    `<defs>${marker("wf-arrow", COLOURS.edge)}${marker("wf-arrow-taken", COLOURS.taken)}</defs>` +
    `${scope.draw(10, 10)}</svg>`
  );
}
