// The run view: progress and controls, the live chart, the leaderboard and the failures.
// Used alone by live.js (LiveSearch) and as the Run step of the wizard.

import { h } from "./dom.js";
import { createChart } from "./chart.js";
import { createLeaderboard } from "./leaderboard.js";
import { createProgress } from "./progress.js";

export function runMeta(model, store) {
  const run = store.parts.run || {};
  return {
    families: model.get("families") || {},
    metric: run.metric || model.get("metric"),
    direction: run.direction || "maximize",
    timeBudget: run.time_budget || model.get("time_budget") || 0,
  };
}

/** Mount the run view in `el`; returns {dispose, progress}. */
export function createRunView(el, { model, store, request, startable = false, onStart = null }) {
  const root = h("div", { class: "jaml-run", "data-testid": "run-view" });
  const progressBox = h("section", { class: "jaml-card", "aria-label": "Search progress" });
  const chartBox = h("section", { class: "jaml-card", "aria-label": "Trial scores over time" },
    h("div", { class: "jaml-subtitle" }, "Every trial's score, and the best so far"));
  const boardBox = h("section", { class: "jaml-card", "aria-label": "Leaderboard" },
    h("div", { class: "jaml-subtitle" }, "Leaderboard"));
  root.append(progressBox, chartBox, boardBox);
  el.append(root);

  const meta = () => runMeta(model, store);
  const progress = createProgress(progressBox, model, {
    request, startable, onStart, getRun: () => store.parts.run,
  });
  const chart = createChart(chartBox, store, meta);
  const board = createLeaderboard(boardBox, store, meta);
  const unsubscribe = store.subscribe((_, changes) => {
    if (changes.reset || changes.parts.has("run")) progress.render();
  });
  const onFamilies = () => {
    chart.redraw();
    board.render();
  };
  model.on("change:families", onFamilies);

  return {
    progress,
    dispose() {
      unsubscribe();
      model.off("change:families", onFamilies);
      progress.dispose();
      chart.dispose();
      board.dispose();
      root.remove();
    },
  };
}
