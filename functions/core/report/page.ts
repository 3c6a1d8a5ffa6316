/**
 * The frame of a run's report page: document head and style, and the bar charts. Pure string building (no I/O), so
 * the error check's bundle renders the bucket's report and the local runner its `report.html` from the same code.
 */
import { escapeHtml } from "../notify/escape";

/** The page's style: the shared sections' and those only a local run shows (states, timeline, error table). */
const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;max-width:1000px;color:#222}
h1{font-size:1.4rem}.status{display:inline-block;padding:.2rem .6rem;border-radius:4px;color:#fff}
.SUCCEEDED{background:#2e7d32}.FAILED{background:#c62828}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}.num{text-align:right}
pre{background:#f6f6f6;padding:.6rem;overflow:auto;white-space:pre-wrap}.muted{color:#777}
.states .caught td{background:#fff3e0}.states .failed td{background:#fdecea}
.error-filters{margin:.5rem 0}.error-filters label{margin-right:1rem}table.errors td{vertical-align:top}
table.errors td:last-child{white-space:pre-wrap;word-break:break-word}.sev-HIGH td,.sev-CRITICAL td{background:#fdecea}
.pager{margin:.5rem 0}.examples li{margin-bottom:.5rem}
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}figure.workflow{overflow-x:auto}figure.workflow figcaption{font-weight:400;margin-top:.3rem}.notice{border-left:4px solid #ccc;padding-left:1rem}`;

/** The page up to its body: the title names the execution. */
export function reportHead(executionName: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(executionName)} — CSV pipeline run</title>
<style>
${STYLE}
</style></head><body>
`;
}

/** Bar colours of the severity chart. */
export const SEVERITY_COLOURS: Readonly<Record<string, string>> = {
  LOW: "#8fb3d9",
  MEDIUM: "#f2c14e",
  HIGH: "#f08a4b",
  CRITICAL: "#d64545",
};

/** A horizontal bar chart as inline SVG (nothing fetched, no script): one bar per label, its value beside it. */
export function barChart(title: string, data: [string, number][], colour: (label: string) => string): string {
  const max = Math.max(1, ...data.map(([, v]) => v));
  const rowH = 26;
  const labelW = 170;
  const barW = 420;
  const h = data.length * rowH + 10;
  const bars = data
    .map(([label, v], i) => {
      const w = Math.max(v > 0 ? 2 : 0, Math.round((v / max) * barW));
      const y = i * rowH + 5;
      return (
        `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${escapeHtml(label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 8}" fill="${colour(label)}"><title>${escapeHtml(label)}: ${v}</title></rect>` +
        `<text x="${labelW + w + 6}" y="${y + 17}">${v}</text>`
      );
    })
    .join("");
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg role="img" width="${labelW + barW + 60}" height="${h}" font-size="13" font-family="sans-serif">${bars}</svg></figure>`;
}
