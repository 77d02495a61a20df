// Formatting of scores, times and configurations for people.

// How people read metric names: the table lives in Python (jupyter_automl.problem.METRIC_LABELS)
// and arrives in the widgets' `metric_labels` trait; useMetricLabels(model) installs it.
let metricLabels = {};

export function setMetricLabels(labels) {
  metricLabels = labels || {};
}

export function useMetricLabels(model) {
  const update = () => setMetricLabels(model.get("metric_labels"));
  update();
  model.on("change:metric_labels", update);
  return () => model.off("change:metric_labels", update);
}

export function metricLabel(name) {
  return metricLabels[name] || name || "score";
}

export function fmtScore(x, digits = 4) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return x.toExponential(2);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  return x.toFixed(digits);
}

export function fmtSeconds(s) {
  if (s === null || s === undefined || Number.isNaN(s)) return "–";
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  const r = Math.round(s - 60 * m);
  if (m < 60) return `${m} min ${String(r).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

const LIST_SHOWN = 4; // items of a list shown in a configuration

export function fmtValue(v) {
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    return fmtScore(v, 3);
  }
  if (v === null || v === undefined) return "none";
  // a long list (a phased feature search's columns): its start and its length, not every item
  if (Array.isArray(v) && v.length > LIST_SHOWN + 1) return `[${v.slice(0, LIST_SHOWN).map(fmtValue).join(", ")}, … ${v.length} in all]`;
  if (Array.isArray(v)) return `[${v.map(fmtValue).join(", ")}]`;
  return String(v);
}

/** "learning_rate=0.1, max_depth=6" (the family is shown apart). */
export function fmtParams(params, max = Infinity) {
  const entries = Object.entries(params || {});
  const shown = entries.slice(0, max).map(([k, v]) => `${k}=${fmtValue(v)}`);
  if (entries.length > max) shown.push(`+${entries.length - max} more`);
  return shown.join(", ");
}

export function fmtPercent(x, digits = 0) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  return `${(100 * x).toFixed(digits)}%`;
}

export function fmtCount(n) {
  return n === null || n === undefined ? "–" : n.toLocaleString("en-US");
}

/** True when a beats b in the metric's direction (null is beaten by anything). */
export function isBetter(a, b, direction) {
  if (a === null || a === undefined || Number.isNaN(a)) return false;
  if (b === null || b === undefined || Number.isNaN(b)) return true;
  return direction === "minimize" ? a < b : a > b;
}

/** Column kinds of jupyter_automl.problem.profile, as people say them. */
export const KIND_LABELS = {
  numeric: "number", categorical: "category", boolean: "yes/no", datetime: "date",
  text: "free text", id: "identifier", constant: "constant", empty: "empty",
  noise: "noise",
};

export function plural(n, word, many = `${word}s`) {
  return `${fmtCount(n)} ${n === 1 ? word : many}`;
}
