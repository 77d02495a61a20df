// Comparing trials of the leaderboard: which trials are ticked, what the hint says, how a cell
// of the side-by-side table reads. No DOM here (node tests it); compare-view.js draws it.
// The limits come from Python (the results part's `compare_limits`); these are the fallback.

import { fmtCount, fmtPercent, fmtScore, fmtSeconds, fmtValue } from "./format.js";

export const DEFAULT_LIMITS = { min: 2, max: 4 };

/** The ticked trials after ticking (`on`) or unticking `trial`; order of ticking is kept. */
export function toggleTrial(selected, trial, on, limits = DEFAULT_LIMITS) {
  const rest = selected.filter((t) => t !== trial);
  if (!on) return rest;
  return rest.length >= limits.max ? selected : [...rest, trial];
}

/** Drop ticked trials the leaderboard no longer shows (a new search, or out of the top). */
export function keepShown(selected, shown) {
  const here = new Set(shown);
  return selected.filter((t) => here.has(t));
}

export function canCompare(selected, limits = DEFAULT_LIMITS) {
  return selected.length >= limits.min && selected.length <= limits.max;
}

/** One line under the leaderboard: what to do next. */
export function compareHint(selected, limits = DEFAULT_LIMITS) {
  const n = selected.length;
  if (n === 0) return `Tick ${limits.min} to ${limits.max} trials to compare them side by side.`;
  if (n < limits.min) return `Trial ${selected[0]} ticked: tick ${limits.min - n} more to compare.`;
  const which = `Trials ${selected.slice(0, -1).join(", ")} and ${selected[n - 1]} ticked`;
  return n >= limits.max ? `${which} (at most ${limits.max}: untick one to pick another).` : `${which}.`;
}

/** The text of one value of the comparison, by the row's unit. */
export function cellText(value, unit) {
  if (value === null || value === undefined) return "–";
  switch (unit) {
    case "score": return fmtScore(value);
    case "seconds": return fmtSeconds(value);
    case "ms": return `${fmtScore(value, 1)} ms`;
    case "kb": return `${fmtScore(value, 1)} kB`;
    case "share": return fmtPercent(value);
    case "count": return fmtCount(value);
    case "value": return fmtValue(value);
    default: return String(value);
  }
}

/** The table's caption: which trials, and how many settings differ. */
export function compareCaption(part) {
  const trials = part.trials.map((t) => `trial ${t}`);
  const names = `${trials.slice(0, -1).join(", ")} and ${trials[trials.length - 1]}`;
  const n = part.n_differing;
  const differ = n === 0 ? "the same model family and settings" : `${n === 1 ? "1 setting differs" : `${n} settings differ`} (highlighted, listed first)`;
  return `Side by side: ${names}; ${differ}. Bold: the best score of a row.`;
}
