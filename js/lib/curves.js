// Learning curves of the "nas" family's networks (the wizard's "curves" part, from
// SearchHandle.learning_curves()): the validation score after each epoch of a network's first
// fold, one line per network. Pure: data in, SVG markup out (node tests it); colours are CSS
// classes (styles/networks.css) over JupyterLab's variables, so both themes read.
//
// Epochs run on a log scale: the first epochs, where the curves move most (and networks stopped
// for time end), would be squeezed into a few pixels on a linear axis of 100 epochs.

import { niceTicks, tickLabel, yRange } from "./chart-math.js";
import { fmtScore } from "./format.js";

export const CURVES_VIEW = { width: 720, height: 250 };
const PAD = { left: 62, right: 72, top: 12, bottom: 40 };

/** The statuses a curve is drawn by, in drawing order (the best last, on top), with the legend's words. */
export const CURVE_STYLES = [
  { status: "finished", label: "trained to the end" },
  { status: "running", label: "first fold scored, other folds running" },
  { status: "pruned", label: "stopped early at a rung (×)" },
  { status: "stopped", label: "stopped by the time budget (|)" },
  { status: "failed", label: "failed in a later fold" },
  { status: "best", label: "the best network so far" },
];

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);
const n1 = (x) => x.toFixed(1);

/** The style of a curve: its trial's status, or "best" for the best finished network. */
export function curveStyle(trial, best) {
  return trial.trial === best ? "best" : trial.status;
}

/** x of epoch `e` (from 1) between x0 and x1, on a log scale up to `maxEpochs`. */
export function epochX(e, maxEpochs, x0, x1) {
  const top = Math.log(Math.max(2, maxEpochs));
  return x0 + (Math.log(Math.max(1, e)) / top) * (x1 - x0);
}

/** The epochs labelled on the axis: the first and the last, the rungs, then 3, 10, 30...; a label
 * nearer than `minGap` (a share of the log axis) to one kept before it is left out, so that two
 * labels never overlap (a rung at 90 of 100 keeps its dotted line, not its number). */
export function epochTicks(maxEpochs, rungs = [], minGap = 0.05) {
  const top = Math.log(Math.max(2, maxEpochs));
  const round = [];
  for (let e = 3; e < maxEpochs; e *= 10) round.push(e, 10 * e / 3);
  const kept = [];
  for (const e of [1, maxEpochs, ...rungs, ...round]) {
    if (!Number.isInteger(e) || e < 1 || e > maxEpochs) continue;
    if (kept.every((k) => Math.abs(Math.log(k) - Math.log(e)) / top >= minGap)) kept.push(e);
  }
  return kept.sort((a, b) => a - b);
}

/** The statuses present, in legend order. */
export function legendOf(part) {
  const present = new Set((part?.trials || []).map((t) => curveStyle(t, part.best)));
  return CURVE_STYLES.filter((s) => present.has(s.status));
}

/** The y range: every score, padded, and never a meaningless sliver (chart-math's rule). */
export function curvesRange(scores) {
  const values = scores.filter((x) => Number.isFinite(x));
  if (!values.length) return { lo: 0, hi: 1 };
  const { lo, hi } = yRange([Math.min(...values), Math.max(...values)], "maximize");
  return { lo, hi };
}

/** One sentence on what the chart shows (its aria-label and the card's caption). */
export function curvesSummary(part, metric = "score") {
  const trials = part?.trials || [];
  if (!trials.length) return "No network has been scored yet: each one's curve appears once its first fold is done.";
  const full = Math.max(part.max_epochs || 0, ...trials.map((t) => t.scores.length));
  // stopped before the last epoch (a trial stopped in a later fold has a whole first-fold curve)
  const cut = trials.filter((t) => (t.status === "pruned" || t.status === "stopped") && t.scores.length < full);
  const parts = [`${trials.length} network${trials.length === 1 ? "" : "s"}`];
  if (cut.length) {
    const at = cut.map((t) => t.scores.length);
    parts.push(`${cut.length} stopped early (at epoch ${Math.min(...at)}${Math.max(...at) > Math.min(...at) ? `–${Math.max(...at)}` : ""})`);
  }
  const best = trials.find((t) => t.trial === part.best);
  if (best) {
    parts.push(`best: trial ${best.trial}, ${metric} ${fmtScore(best.scores[best.scores.length - 1])} after ${best.scores.length} epochs` +
      (best.score !== null && best.score !== undefined ? ` (${fmtScore(best.score)} over all folds)` : ""));
  }
  return `${parts.join("; ")}.`;
}

function why(t) {
  if (t.status === "finished") return `trained ${t.scores.length} epochs` + (t.score !== null && t.score !== undefined ? `; ${fmtScore(t.score)} over all folds` : "");
  if (t.status === "running") return `first fold: ${t.scores.length} epochs; its other folds are running`;
  return t.reason || t.status;
}

/**
 * The chart as an <svg> string. `opts`: {direction, metric (a label), width, height}.
 * Scores beyond the y range (a network's first epochs may be far off) are drawn at its edge.
 */
export function curvesSvg(part, { direction = "maximize", metric = "score", width = CURVES_VIEW.width, height = CURVES_VIEW.height } = {}) {
  const trials = part?.trials || [];
  const maxEpochs = Math.max(2, part?.max_epochs || 0, ...trials.map((t) => t.scores.length));
  // every score in range (unlike the trial chart, no long tail is cut): a network's first epochs
  // are part of its curve, and a clipped stretch would read as a flat line
  const { lo, hi } = curvesRange(trials.flatMap((t) => t.scores));
  const x0 = PAD.left;
  const x1 = width - PAD.right;
  const y0 = PAD.top;
  const y1 = height - PAD.bottom;
  const X = (e) => epochX(e, maxEpochs, x0, x1);
  const Y = (s) => y0 + (1 - (Math.min(Math.max(s, lo), hi) - lo) / (hi - lo)) * (y1 - y0);
  const out = [];
  // grid, axes, rungs
  const yTicks = niceTicks(lo, hi, 5);
  const step = yTicks.length > 1 ? yTicks[1] - yTicks[0] : Math.abs(hi - lo);
  for (const v of yTicks) {
    const y = n1(Y(v));
    out.push(`<line class="jaml-curves-grid" x1="${x0}" x2="${x1}" y1="${y}" y2="${y}"/>`,
      `<text class="jaml-curves-tick" x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(tickLabel(v, step))}</text>`);
  }
  for (const e of part?.rungs || []) {
    const x = n1(X(e));
    out.push(`<line class="jaml-curves-rung" x1="${x}" x2="${x}" y1="${y0}" y2="${y1}"/>`);
  }
  for (const e of epochTicks(maxEpochs, part?.rungs || [])) {
    out.push(`<text class="jaml-curves-tick" x="${n1(X(e))}" y="${y1 + 14}" text-anchor="middle">${e}</text>`);
  }
  out.push(`<rect class="jaml-curves-frame" x="${x0}" y="${y0}" width="${n1(x1 - x0)}" height="${n1(y1 - y0)}"/>`,
    `<text class="jaml-curves-axis" x="${n1((x0 + x1) / 2)}" y="${height - 6}" text-anchor="middle">epoch (log scale; dotted: where weak networks may be stopped)</text>`,
    `<text class="jaml-curves-axis" transform="translate(14 ${n1((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle">${esc(metric)} (${direction === "minimize" ? "lower" : "higher"} is better)</text>`);
  // the curves: by style, the best last so that it stays on top
  const order = CURVE_STYLES.map((s) => s.status);
  const sorted = [...trials].sort((a, b) => order.indexOf(curveStyle(a, part.best)) - order.indexOf(curveStyle(b, part.best)));
  for (const t of sorted) {
    if (!t.scores.length) continue;
    const style = curveStyle(t, part.best);
    const pts = t.scores.map((s, i) => [X(i + 1), Y(s)]);
    const d = pts.map(([x, y], i) => `${i ? "L" : "M"}${n1(x)} ${n1(y)}`).join(" ");
    const [ex, ey] = pts[pts.length - 1];
    let end = "";
    if (style === "pruned") end = `<path class="jaml-curve-end" d="M${n1(ex - 4)} ${n1(ey - 4)} L${n1(ex + 4)} ${n1(ey + 4)} M${n1(ex + 4)} ${n1(ey - 4)} L${n1(ex - 4)} ${n1(ey + 4)}"/>`;
    else if (style === "stopped") end = `<path class="jaml-curve-end" d="M${n1(ex)} ${n1(ey - 5)} L${n1(ex)} ${n1(ey + 5)}"/>`;
    else if (style === "best") {
      end = `<circle class="jaml-curve-dot" cx="${n1(ex)}" cy="${n1(ey)}" r="3.5"/>` +
        `<text class="jaml-curve-label" x="${n1(ex + 6)}" y="${n1(ey)}" dominant-baseline="middle">trial ${t.trial}</text>`;
    }
    const title = `Trial ${t.trial}: ${metric} ${fmtScore(t.scores[t.scores.length - 1])} at epoch ${t.scores.length}; ${why(t)}`;
    out.push(`<g class="jaml-curve jaml-curve-${style}" data-trial="${t.trial}" data-status="${esc(style)}" data-epochs="${t.scores.length}">` +
      `<title>${esc(title)}</title><path class="jaml-curve-line" d="${d}"/>${end}</g>`);
  }
  if (!trials.length) {
    out.push(`<text class="jaml-curves-axis" x="${n1((x0 + x1) / 2)}" y="${n1((y0 + y1) / 2)}" text-anchor="middle">Each network's curve appears here once its first fold is scored.</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" class="jaml-curves-svg" role="img" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" data-testid="curves-svg" data-n-curves="${trials.length}" aria-label="${esc(`Learning curves: ${curvesSummary(part, metric)}`)}">${out.join("")}</svg>`;
}
