// The Run step's card of a fairness-aware search: score against disparity, live, as trials
// finish (pareto.js draws it), and "Use trial N" for the trials on the front: the same request
// (select_trial -> AutoML.select_trial) as the Results step's buttons. A trial can be made the
// model once the search has ended, because the engine refits it on every row then.

import { h } from "./dom.js";
import { metricLabel } from "./format.js";
import { objectiveOf, paretoFront, paretoPoints, paretoSvg } from "./pareto.js";
import { alertBox, showAlert } from "./ui.js";

export function createParetoLiveCard({ store, request, getMeta }) {
  let selected = null;
  const chart = h("div", { class: "jaml-pareto", "data-testid": "pareto-live-chart" });
  const caption = h("div", { class: "jaml-muted", "data-testid": "pareto-live-summary" });
  const legend = h("div", { class: "jaml-legend" },
    h("span", { class: "jaml-legend-item" }, h("span", { class: "jaml-pareto-key jaml-pareto-front" }), "on the front: no other trial is better on both"),
    h("span", { class: "jaml-legend-item" }, h("span", { class: "jaml-pareto-key jaml-pareto-dominated" }), "another trial is better on both"),
    h("span", { class: "jaml-legend-item" }, h("span", { class: "jaml-pareto-key jaml-pareto-chosen" }), "the model (once the search has ended)"));
  const status = h("div", { class: "jaml-note", "data-testid": "pareto-live-status" });
  const buttons = h("div", { class: "jaml-buttons", "data-testid": "pareto-live-buttons" });
  const error = alertBox("", "pareto-live-error");
  const el = h("section", { class: "jaml-card", hidden: true, "aria-label": "Score against disparity, live", "data-testid": "pareto-live" },
    h("div", { class: "jaml-subtitle" }, "The trade-off so far: score against disparity"),
    h("p", { class: "jaml-why" }, "This search weighs the score against the gap between groups. Each finished trial is a point; the highlighted ones form the front, where no trial is better on both. Fairer models usually cost some score: pick the balance you can defend."),
    chart, legend, caption, status, buttons, error);
  chart.addEventListener("click", (e) => {
    const g = e.target.closest?.("[data-trial]");
    if (!g || g.dataset.front !== "true") return;
    selected = Number(g.dataset.trial);
    render();
    buttons.querySelector(`[data-trial="${selected}"]`)?.focus();
  });

  async function use(button, trial) {
    button.disabled = true;
    showAlert(error, "");
    try {
      await request("select_trial", { trial });
    } catch (err) {
      showAlert(error, err.message);
    } finally {
      render();
    }
  }

  function render() {
    const objective = objectiveOf(store.trials);
    el.hidden = !objective;
    if (!objective) return;
    const meta = getMeta();
    const metric = metricLabel(meta.metric);
    const objectiveLabel = objective.replace(/_/g, " ");
    const points = paretoPoints(store.trials, objective);
    const front = paretoFront(points, meta.direction);
    const results = store.parts.results;
    const ended = !!(results && !results.error && results.pareto);
    const chosen = ended && results.pareto.chosen.length ? results.pareto.chosen[0] : null;
    chart.innerHTML = paretoSvg(points, { direction: meta.direction, metric, objective: objectiveLabel, chosen, selected });
    caption.textContent = chart.firstElementChild?.getAttribute("aria-label") || "";
    status.textContent = ended
      ? "The search has ended: use a trial of the front to make it the model (it is refit on every training row)."
      : "Use a trial of the front once the search has ended (Stop ends it early); the chart updates as trials finish.";
    const onFront = points.filter((p) => front.has(p.trial)).sort((a, b) => a.disparity - b.disparity);
    buttons.replaceChildren(...onFront.map((p) => {
      const isModel = p.trial === chosen;
      const b = h("button", {
        type: "button", class: `jaml-button${isModel || p.trial === selected ? " jaml-primary" : ""}`,
        disabled: !ended || isModel, "data-trial": String(p.trial), "data-testid": `pareto-live-use-${p.trial}`,
        title: `${metric} ${p.score.toFixed(4)}, ${objectiveLabel} ${p.disparity.toFixed(4)}`,
      }, isModel ? `Trial ${p.trial} is the model` : `Use trial ${p.trial}`);
      b.addEventListener("click", () => use(b, p.trial));
      return b;
    }));
  }
  return { el, render };
}
