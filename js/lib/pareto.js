// The live Pareto front of a fairness-aware search: every finished trial as (disparity, score),
// the Pareto-optimal ones highlighted and joined, the others faded. Pure: rows in, SVG markup
// out (node tests it); colours are CSS classes (styles/pareto.css) over JupyterLab's variables.
//
// The front is computed here, from the trial rows the bridge already streams (each finished
// row carries its `objectives`), so that a point reaches the page in the same flush as its
// trial's row, without a round trip through the kernel's worker thread. The rule is the
// engine's (jupyter_automl/search/_trials.py `pareto_optimal`): a trial is on the front unless
// another is at least as good on both and better on one; a trial without a disparity is left out.

import { niceTicks, tickLabel } from "./chart-math.js";
import { fmtScore } from "./format.js";

export const PARETO_VIEW = { width: 560, height: 300 };
const PAD = { left: 62, right: 18, top: 14, bottom: 42 };

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);
const n1 = (x) => x.toFixed(1);

/** The disparity objective's name: the first objective of the first row that has one. */
export function objectiveOf(rows) {
  for (const r of rows || []) {
    const names = Object.keys(r.objectives || {});
    if (names.length) return names[0];
  }
  return null;
}

/** Finished rows with a score and a disparity, as {trial, score, disparity, family}. */
export function paretoPoints(rows, objective = objectiveOf(rows)) {
  if (!objective) return [];
  return (rows || [])
    .filter((r) => r.status === "finished" && Number.isFinite(r.score) && Number.isFinite((r.objectives || {})[objective]))
    .map((r) => ({ trial: r.trial, score: r.score, disparity: r.objectives[objective], family: r.family }));
}

/** The trial numbers on the front (score in `direction`, disparity minimised). */
export function paretoFront(points, direction = "maximize") {
  const sign = direction === "minimize" ? 1 : -1; // as costs: lower is better on both axes
  const costs = points.map((p) => [sign * p.score, p.disparity]);
  const front = new Set();
  costs.forEach((c, i) => {
    const dominated = costs.some((o, j) => j !== i && o[0] <= c[0] && o[1] <= c[1] && (o[0] < c[0] || o[1] < c[1]));
    if (!dominated) front.add(points[i].trial);
  });
  return front;
}

function range(values, pad = 0.08) {
  if (!values.length) return { lo: 0, hi: 1 };
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-9) {
    lo -= 0.01;
    hi += 0.01;
  }
  const d = (hi - lo) * pad;
  return { lo: lo - d, hi: hi + d };
}

/** One sentence on what the chart shows (its aria-label and the card's caption). */
export function paretoSummary(points, front, { metric = "score", objective = "disparity", chosen = null } = {}) {
  if (!points.length) return "No trial has finished yet: each one appears here as it ends.";
  const on = points.filter((p) => front.has(p.trial)).sort((a, b) => a.disparity - b.disparity);
  const ends = on.length > 1
    ? `from trial ${on[0].trial} (${objective} ${fmtScore(on[0].disparity)}, ${metric} ${fmtScore(on[0].score)}) to trial ${on[on.length - 1].trial} (${objective} ${fmtScore(on[on.length - 1].disparity)}, ${metric} ${fmtScore(on[on.length - 1].score)})`
    : `trial ${on[0].trial} (${objective} ${fmtScore(on[0].disparity)}, ${metric} ${fmtScore(on[0].score)}) beats every other on both`;
  const model = chosen !== null && chosen !== undefined ? ` Trial ${chosen} is the model.` : "";
  return `${points.length} finished trial${points.length === 1 ? "" : "s"}, ${on.length} on the front: ${ends}.${model}`;
}

/**
 * The chart as an <svg> string. `opts`: {direction, metric (a label), objective (a label),
 * chosen (trial number or null), selected (trial number or null), width, height}.
 */
export function paretoSvg(points, opts = {}) {
  const { direction = "maximize", metric = "score", objective = "disparity", chosen = null, selected = null,
    width = PARETO_VIEW.width, height = PARETO_VIEW.height } = opts;
  const front = paretoFront(points, direction);
  const xr = range(points.map((p) => p.disparity).concat([0]), 0.05);
  const yr = range(points.map((p) => p.score));
  const x0 = PAD.left;
  const x1 = width - PAD.right;
  const y0 = PAD.top;
  const y1 = height - PAD.bottom;
  const X = (v) => x0 + ((v - xr.lo) / (xr.hi - xr.lo)) * (x1 - x0);
  // higher on the chart is better, whichever way the metric goes
  const Y = (v) => {
    const t = (v - yr.lo) / (yr.hi - yr.lo);
    return direction === "minimize" ? y0 + t * (y1 - y0) : y1 - t * (y1 - y0);
  };
  const out = [];
  const xTicks = niceTicks(xr.lo, xr.hi, 5);
  const yTicks = niceTicks(yr.lo, yr.hi, 5);
  const xStep = xTicks.length > 1 ? xTicks[1] - xTicks[0] : 1;
  const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
  for (const v of yTicks) {
    const y = n1(Y(v));
    out.push(`<line class="jaml-pareto-grid" x1="${x0}" x2="${x1}" y1="${y}" y2="${y}"/>`,
      `<text class="jaml-pareto-tick" x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(tickLabel(v, yStep))}</text>`);
  }
  for (const v of xTicks) {
    const x = n1(X(v));
    out.push(`<text class="jaml-pareto-tick" x="${x}" y="${y1 + 14}" text-anchor="middle">${esc(tickLabel(v, xStep))}</text>`);
  }
  out.push(`<rect class="jaml-pareto-frame" x="${x0}" y="${y0}" width="${n1(x1 - x0)}" height="${n1(y1 - y0)}"/>`,
    `<text class="jaml-pareto-axis" x="${n1((x0 + x1) / 2)}" y="${height - 6}" text-anchor="middle">${esc(objective)} (lower is fairer)</text>`,
    `<text class="jaml-pareto-axis" transform="translate(14 ${n1((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle">${esc(metric)} (${direction === "minimize" ? "lower" : "higher"} is better)</text>`);
  const onFront = points.filter((p) => front.has(p.trial)).sort((a, b) => a.disparity - b.disparity);
  if (onFront.length > 1) {
    const d = onFront.map((p, i) => `${i ? "L" : "M"}${n1(X(p.disparity))} ${n1(Y(p.score))}`).join(" ");
    out.push(`<path class="jaml-pareto-line" d="${d}"/>`);
  }
  // dominated first, the front on top
  const ordered = [...points].sort((a, b) => Number(front.has(a.trial)) - Number(front.has(b.trial)));
  for (const p of ordered) {
    const on = front.has(p.trial);
    const cls = ["jaml-pareto-point", on ? "jaml-pareto-front" : "jaml-pareto-dominated"];
    if (p.trial === chosen) cls.push("jaml-pareto-chosen");
    if (p.trial === selected) cls.push("jaml-pareto-selected");
    const cx = n1(X(p.disparity));
    const cy = n1(Y(p.score));
    const title = `Trial ${p.trial} (${p.family}): ${metric} ${fmtScore(p.score)}, ${objective} ${fmtScore(p.disparity)}` +
      (on ? "; on the front" : "; another trial is better on both") + (p.trial === chosen ? "; the model" : "");
    out.push(`<g class="${cls.join(" ")}" data-trial="${p.trial}" data-front="${on}"><title>${esc(title)}</title>` +
      (p.trial === chosen || p.trial === selected ? `<circle class="jaml-pareto-ring" cx="${cx}" cy="${cy}" r="8"/>` : "") +
      `<circle class="jaml-pareto-dot" cx="${cx}" cy="${cy}" r="${on ? 5 : 4}"/></g>`);
  }
  if (!points.length) {
    out.push(`<text class="jaml-pareto-axis" x="${n1((x0 + x1) / 2)}" y="${n1((y0 + y1) / 2)}" text-anchor="middle">Each trial appears here as it finishes.</text>`);
  }
  const summary = paretoSummary(points, front, { metric, objective, chosen });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="jaml-pareto-svg" role="img" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" data-testid="pareto-live-svg" data-n-points="${points.length}" ` +
    `data-front="${[...front].sort((a, b) => a - b).join(",")}" aria-label="${esc(`Score against ${objective}: ${summary}`)}">${out.join("")}</svg>`;
}
