// The "nas" family's networks on screen: architecture diagrams (SVG drawn by the kernel with
// jupyter_automl.nn.architecture_svg, in the theme's colours) with their one-line summary, and
// the Run step's learning-curve card (curves.js draws the chart).

import { h } from "./dom.js";
import { curvesSummary, curvesSvg, legendOf } from "./curves.js";
import { fmtPercent, metricLabel } from "./format.js";

/** Figures of `networks` ([{trial, weight, svg, summary}]) for the Results step and the comparison. */
export function architectureFigures(networks, { weights = false } = {}) {
  return networks.map((n) => {
    const drawing = h("div", { class: "jaml-architecture-svg" });
    // the markup is the kernel's own drawing (its text escaped there), not user HTML
    drawing.innerHTML = n.svg;
    const share = weights && n.weight !== null && n.weight !== undefined ? ` (weight ${fmtPercent(n.weight)})` : "";
    return h("figure", { class: "jaml-architecture", "data-testid": "architecture-diagram", "data-trial": String(n.trial) },
      drawing,
      h("figcaption", {}, h("strong", {}, `Trial ${n.trial}${share}: `),
        h("span", { "data-testid": "architecture-summary" }, n.summary)));
  });
}

/** The Run step's card: hidden unless the search has networks (the "curves" part). */
export function createCurvesCard() {
  const chart = h("div", { class: "jaml-curves", "data-testid": "curves-chart" });
  const legend = h("div", { class: "jaml-legend", "data-testid": "curves-legend" });
  const caption = h("div", { class: "jaml-muted", "data-testid": "curves-summary" });
  const el = h("section", { class: "jaml-card", hidden: true, "aria-label": "Learning curves of the networks", "data-testid": "curves" },
    h("div", { class: "jaml-subtitle" }, "Learning curves of the networks"),
    h("p", { class: "jaml-why" }, "Each network's validation score after every epoch of its first fold. Weak networks are stopped early at the dotted epochs, so their lines end there; the best finished one is highlighted."),
    chart, legend, caption);

  function render(part, meta) {
    el.hidden = !part;
    if (!part) return;
    const metric = metricLabel(meta.metric);
    chart.innerHTML = curvesSvg(part, { direction: meta.direction, metric });
    legend.replaceChildren(...legendOf(part).map((s) => h("span", { class: "jaml-legend-item" },
      h("span", { class: `jaml-curve-key jaml-curve-${s.status}` }), s.label)));
    caption.textContent = curvesSummary(part, metric);
  }
  return { el, render };
}
