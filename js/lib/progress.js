// Progress of a search: status, a bar with elapsed and remaining time, counts, best score,
// and the Start / Pause / Stop buttons. Reads the model's traits (small synced state).

import { h } from "./dom.js";
import { fmtCount, fmtParams, fmtScore, fmtSeconds, metricLabel } from "./format.js";

const STATUS_TEXT = {
  idle: "Not started",
  starting: "Starting…",
  searching: "Searching",
  paused: "Paused",
  refitting: "Refitting the chosen model…",
  finished: "Finished",
  failed: "Failed",
};
const TRAITS = ["status", "elapsed", "remaining", "time_budget", "max_trials", "n_finished", "n_pruned",
  "n_inherited", "n_failed", "n_running", "best_score", "best_trial", "metric"];

const withoutFamily = (params) => Object.fromEntries(Object.entries(params).filter(([k]) => k !== "family"));

/** The warm start's sentence, and the configurations it tries first (from SearchStarted). */
function renderWarmStart(el, plan) {
  el.hidden = !plan;
  if (!plan || el.dataset.text === plan.text) return;
  el.dataset.text = plan.text;
  el.replaceChildren(
    h("summary", {}, plan.text),
    h("ol", {}, ...plan.configs.map((c) => h("li", {},
      `${String(c.params.family || "").replace(/_/g, " ")} — predicted ${fmtScore(c.predicted_score, 3)} `,
      h("span", { class: "jaml-muted" }, `(${c.source}) ${fmtParams(withoutFamily(c.params), 6)}`)))));
}

/**
 * options: {request, startable, onStart, getRun}: request(action) sends a command; onStart()
 * starts a search (the wizard); getRun() returns the `run` panel (phase, errors).
 */
export function createProgress(container, model, options) {
  const { request, startable = false, onStart = null, getRun = () => ({}) } = options;
  const badge = h("span", { class: "jaml-badge", "data-testid": "status" });
  const bar = h("div", { class: "jaml-bar-fill" });
  const barBox = h("div", { class: "jaml-bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "data-testid": "progress" }, bar);
  const times = h("span", { class: "jaml-muted", "data-testid": "times" });
  const counts = h("div", { class: "jaml-counts", "data-testid": "counts" });
  const best = h("div", { class: "jaml-best-line", "data-testid": "best" });
  const warm = h("details", { class: "jaml-muted", hidden: true, "data-testid": "warm-start" });
  const message = h("div", { class: "jaml-alert", role: "alert", hidden: true, "data-testid": "run-error" });
  const start = h("button", { class: "jaml-button jaml-primary", "data-testid": "start", type: "button" }, "Start the search");
  const pause = h("button", { class: "jaml-button", "data-testid": "pause", type: "button" }, "Pause");
  const stop = h("button", { class: "jaml-button jaml-danger", "data-testid": "stop", type: "button" }, "Stop");
  const buttons = h("div", { class: "jaml-buttons" }, startable ? start : null, pause, stop);
  container.append(
    h("div", { class: "jaml-progress-head" }, buttons, badge, times),
    barBox, counts, best, warm, message);

  let busy = false;
  let runErrorShown = false;
  async function send(action, fn) {
    if (busy) return;
    busy = true;
    message.hidden = true;
    render();
    try {
      await fn(action);
    } catch (err) {
      message.textContent = err.message;
      message.hidden = false;
    } finally {
      busy = false;
      render();
    }
  }
  start.addEventListener("click", () => send("start", () => onStart()));
  pause.addEventListener("click", () => send(model.get("status") === "paused" ? "resume" : "pause", (a) => request(a)));
  stop.addEventListener("click", () => send("stop", (a) => request(a)));

  function render() {
    const s = model.get("status") || "idle";
    const run = getRun() || {};
    const elapsed = model.get("elapsed") || 0;
    const budget = model.get("time_budget");
    const remaining = model.get("remaining");
    const maxTrials = model.get("max_trials");
    const nFinished = model.get("n_finished") || 0;
    const nPruned = model.get("n_pruned") || 0;
    const nInherited = model.get("n_inherited") || 0; // a supernet's rows, counted apart from the pruned
    const nFailed = model.get("n_failed") || 0;
    const nRunning = model.get("n_running") || 0;
    const done = nFinished + nPruned + nInherited + nFailed;
    badge.textContent = STATUS_TEXT[s] || s;
    badge.className = `jaml-badge jaml-status-${s}`;
    let fraction = 0;
    if (s === "finished") fraction = 1;
    else if (budget) fraction = Math.min(1, elapsed / budget);
    else if (maxTrials) fraction = Math.min(1, done / maxTrials);
    bar.style.width = `${(100 * fraction).toFixed(1)}%`;
    barBox.setAttribute("aria-valuenow", String(Math.round(100 * fraction)));
    barBox.setAttribute("aria-label", `Search progress: ${Math.round(100 * fraction)}%`);
    times.textContent = s === "idle" ? "" :
      `${fmtSeconds(elapsed)} elapsed` + (remaining !== null && remaining !== undefined && s !== "finished" ? ` · ${fmtSeconds(remaining)} left` : "") +
      (maxTrials ? ` · at most ${fmtCount(maxTrials)} trials` : "");
    counts.replaceChildren(
      h("span", { "data-testid": "n-finished" }, `${fmtCount(nFinished)} finished`), " · ",
      h("span", { "data-testid": "n-pruned" }, `${fmtCount(nPruned)} pruned or stopped early`), " · ",
      ...(nInherited ? [h("span", { "data-testid": "n-inherited" },
        `${fmtCount(nInherited)} scored with the supernet's shared weights`), " · "] : []),
      h("span", { "data-testid": "n-failed", class: nFailed ? "jaml-error-text" : "" }, `${fmtCount(nFailed)} failed`),
      s === "searching" || s === "paused" ? ` · ${fmtCount(nRunning)} running` : "");
    const score = model.get("best_score");
    best.textContent = score === null || score === undefined ? "" :
      `Best so far: ${metricLabel(model.get("metric"))} ${fmtScore(score)} (trial ${model.get("best_trial")})`;
    if (run.phase === "refitting" && run.refit) best.textContent += ` — ${run.refit}`;
    renderWarmStart(warm, run.warm_start);
    const active = s === "searching" || s === "paused" || s === "starting";
    start.hidden = !startable || active || s === "refitting";
    start.disabled = busy;
    start.textContent = s === "finished" || s === "failed" ? "Start a new search" : "Start the search";
    pause.hidden = !active;
    pause.disabled = busy || s === "starting";
    pause.textContent = s === "paused" ? "Resume" : "Pause";
    stop.hidden = !active;
    stop.disabled = busy;
    if (run.phase === "failed" && run.error) {
      message.textContent = `The search failed: ${run.error}`;
      message.hidden = false;
      runErrorShown = true;
    } else if (runErrorShown) {
      message.hidden = true;
      runErrorShown = false;
    }
  }

  const handler = () => render();
  for (const name of TRAITS) model.on(`change:${name}`, handler);
  render();
  return {
    render,
    setMessage(text) {
      message.textContent = text || "";
      message.hidden = !text;
    },
    dispose() {
      for (const name of TRAITS) model.off(`change:${name}`, handler);
    },
  };
}
