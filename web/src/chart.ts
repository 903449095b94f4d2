// Horizontal SVG bar charts for the KPI panel, drawn by hand (no chart library).
import { s } from "./dom";

export interface Bar { label: string; value: number | null; note?: string }

/** The geometry of the bars: pure, so that it can be tested without a DOM. */
export function barLayout(bars: Bar[], width: number, rowHeight = 20, labelWidth = 90) {
  const max = Math.max(0, ...bars.map((b) => (b.value && b.value > 0 ? b.value : 0)));
  const plot = Math.max(10, width - labelWidth - 60);
  return {
    height: bars.length * rowHeight + 4,
    rows: bars.map((b, i) => ({
      ...b, y: i * rowHeight + 2,
      w: max > 0 && b.value && b.value > 0 ? Math.max(1, (b.value / max) * plot) : 0,
    })),
    labelWidth,
  };
}

export function barChart(bars: Bar[], opts: { width?: number; color?: string; testid?: string; format?: (v: number) => string } = {}): SVGSVGElement {
  const width = opts.width ?? 320;
  const L = barLayout(bars, width);
  const svg = s("svg", { width, height: L.height, viewBox: `0 0 ${width} ${L.height}`, class: "bar-chart", role: "img" });
  if (opts.testid) svg.setAttribute("data-testid", opts.testid);
  for (const r of L.rows) {
    const g = s("g", { class: "bar-row" });
    g.append(s("text", { x: L.labelWidth - 4, y: r.y + 13, "text-anchor": "end", class: "bar-label" }, r.label));
    g.append(s("rect", { x: L.labelWidth, y: r.y + 3, width: r.w, height: 13, fill: opts.color ?? "#2c7fb8", class: "bar" }));
    const v = r.value === null || r.value === undefined ? "—" : (opts.format ? opts.format(r.value) : String(r.value));
    g.append(s("text", { x: L.labelWidth + r.w + 4, y: r.y + 13, class: "bar-value" }, v));
    svg.append(g);
  }
  return svg;
}
