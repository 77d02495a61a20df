// Pure helpers of the live chart (scales, best-so-far line, hit testing); tested with node.

export const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#9c755f", "#17becf", "#d4a017"];

/** A stable colour per family, in the order the families are listed. */
export function familyColors(familyNames) {
  const colors = {};
  familyNames.forEach((name, i) => (colors[name] = PALETTE[i % PALETTE.length]));
  return colors;
}

/** Rows with a score, in the order they ended: finished ones and partial (pruned/stopped). */
export function scoredRows(rows) {
  return rows.filter((r) => r.status !== "failed" && r.score !== null && r.score !== undefined);
}

/** The best-so-far step line over finished trials, by end time: [{t, score, trial}]. */
export function bestSoFar(rows, direction) {
  const finished = rows.filter((r) => r.status === "finished" && r.score !== null).slice();
  finished.sort((a, b) => a.t - b.t || a.trial - b.trial);
  const out = [];
  let best = null;
  for (const r of finished) {
    const better = best === null || (direction === "minimize" ? r.score < best : r.score > best);
    if (better) {
      best = r.score;
      out.push({ t: r.t, score: r.score, trial: r.trial });
    }
  }
  return out;
}

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The y range to show: every score, except that a long tail of very bad scores is cut (those
 * points are drawn at the edge) so that the good ones stay readable.
 * Returns {lo, hi, cut} where cut is the value beyond which points are clipped (or null).
 */
export function yRange(scores, direction) {
  const values = scores.filter((s) => Number.isFinite(s)).sort((a, b) => a - b);
  if (!values.length) return { lo: 0, hi: 1, cut: null };
  let lo = values[0];
  let hi = values[values.length - 1];
  let cut = null;
  if (values.length >= 8) {
    // the worst 15% may be far away (a diverged model); keep them if they are close enough
    const q = direction === "minimize" ? quantile(values, 0.85) : quantile(values, 0.15);
    const bestEnd = direction === "minimize" ? lo : hi;
    const span = Math.abs(bestEnd - q) || Math.abs(bestEnd) * 0.1 || 1;
    if (direction === "minimize" && hi - q > 2 * span) {
      cut = q + span;
      hi = cut;
    } else if (direction !== "minimize" && q - lo > 2 * span) {
      cut = q - span;
      lo = cut;
    }
  }
  [lo, hi] = atLeastMeaningful(lo, hi, values);
  const pad = (hi - lo) * 0.06;
  return { lo: lo - pad, hi: hi + pad, cut };
}

// The smallest span the axis shows, as a share of the scores' size: two scores 0.0002 apart
// must not fill the chart as if they were far apart.
export const MIN_RELATIVE_SPAN = 0.02;

/** Widen [lo, hi] around its middle to at least MIN_RELATIVE_SPAN of the scores' size,
 * staying within [0, 1] when every score is there (accuracy, AUC: nothing lies beyond). */
function atLeastMeaningful(lo, hi, values) {
  const size = Math.max(Math.abs(lo), Math.abs(hi));
  const minSpan = size * MIN_RELATIVE_SPAN || 0.02;
  if (hi - lo >= minSpan) return [lo, hi];
  const mid = (lo + hi) / 2;
  let a = mid - minSpan / 2;
  let b = mid + minSpan / 2;
  if (values[0] >= 0 && values[values.length - 1] <= 1) {
    if (b > 1) [a, b] = [a - (b - 1), 1];
    if (a < 0) [a, b] = [0, b - a];
  }
  return [a, b];
}

/** About `n` round tick values covering [lo, hi]. */
export function niceTicks(lo, hi, n = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

/** Index of the point nearest to (x, y) within maxDist pixels, or -1. */
export function nearest(points, x, y, maxDist = 12) {
  let best = -1;
  let bestD = maxDist * maxDist;
  for (let i = 0; i < points.length; i++) {
    const dx = points[i].x - x;
    const dy = points[i].y - y;
    const d = dx * dx + dy * dy;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** Keep the `k` best finished rows, best first; `top` is updated with `rows` (new ones). */
export function updateTop(top, rows, direction, k = 10) {
  let changed = false;
  for (const r of rows) {
    const i = top.findIndex((x) => x.trial === r.trial);
    if (i >= 0) {
      top.splice(i, 1);
      changed = true;
    }
    if (r.status !== "finished" || r.score === null) continue;
    const worse = (a, b) => (direction === "minimize" ? a.score > b.score : a.score < b.score);
    if (top.length >= k && !worse(top[top.length - 1], r)) continue;
    let at = top.findIndex((x) => worse(x, r));
    if (at < 0) at = top.length;
    top.splice(at, 0, r);
    if (top.length > k) top.pop();
    changed = true;
  }
  return changed;
}

/** Tick labels with just enough decimals to tell neighbouring ticks apart. */
export function tickLabel(value, step) {
  if (!(step > 0) || !Number.isFinite(value)) return String(value);
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9) + (Math.abs(step / 10 ** Math.floor(Math.log10(step)) - 2.5) < 1e-9 ? 1 : 0));
  if (Math.abs(value) >= 1e5 || (Math.abs(value) > 0 && decimals > 6)) return value.toExponential(2);
  return value.toFixed(Math.min(decimals, 6));
}
