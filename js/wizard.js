// Wizard (jupyter_automl/widgets/wizard.py): Data -> Target and task -> Columns -> Search ->
// Run -> Results. Each step says in one line why it is there; Back and the step tabs go back.

import { connect } from "./lib/protocol.js";
import { createStore } from "./lib/store.js";
import { useMetricLabels } from "./lib/format.js";
import { h } from "./lib/dom.js";
import { createRunView, runMeta } from "./lib/run.js";
import { createCurvesCard } from "./lib/networks.js";
import { createParetoLiveCard } from "./lib/pareto-live.js";
import { createDataStep } from "./lib/steps/data.js";
import { createTargetStep } from "./lib/steps/target.js";
import { createColumnsStep } from "./lib/steps/columns.js";
import { createSearchStep } from "./lib/steps/search.js";
import { createResultsStep } from "./lib/steps/results.js";
import { setTrait } from "./lib/ui.js";
import { renderImportance } from "./lib/importance.js";

export const STEPS = [
  { name: "data", title: "Data", why: "Pick the table to learn from: one row per example, one column per attribute, the column to predict included." },
  { name: "target", title: "Target and task", why: "Pick the column to predict. The task and the metric that judges the models follow from it; change them if you know better." },
  { name: "columns", title: "Columns", why: "Choose what the models may use: leave out identifiers and anything known only after the outcome; mark sensitive attributes for the fairness checks." },
  { name: "search", title: "Search", why: "Decide how long and how widely to search. A quick look takes 15 s; more time usually finds a better model." },
  { name: "run", title: "Run", why: "Models are trained and scored while you watch. The notebook stays usable; Stop keeps the best model found so far." },
  { name: "results", title: "Results", why: "The chosen model, why it was chosen, and how well it does on rows it never saw." },
];
const ACTIVE = ["starting", "searching", "paused", "refitting"];

function createRunStep(el, ctx) {
  const notes = h("div", { "data-testid": "run-notes" });
  const next = h("button", { class: "jaml-button jaml-primary", type: "button", "data-testid": "see-results", hidden: true }, "See the results →");
  next.addEventListener("click", () => setTrait(ctx.model, "step", 5));
  const view = createRunView(el, {
    model: ctx.model, store: ctx.store, request: ctx.request, startable: true,
    onStart: () => ctx.request("start"),
  });
  const lessons = h("ol", { class: "jaml-lessons", "aria-live": "polite", "data-testid": "lessons" });
  const teach = h("section", { class: "jaml-card", hidden: true, "aria-label": "What this search is doing" },
    h("div", { class: "jaml-subtitle" }, "What this search is doing (teaching mode)"), lessons);
  const importance = h("section", { class: "jaml-card", hidden: true, "aria-label": "Which settings matter", "data-testid": "importance" });
  const curves = createCurvesCard();
  const pareto = createParetoLiveCard({ store: ctx.store, request: ctx.request, getMeta: () => runMeta(ctx.model, ctx.store) });
  el.prepend(notes);
  // the trade-off right under the chart of scores: it is what this search is about
  el.querySelector(".jaml-run")?.children[1]?.after(pareto.el);
  el.append(curves.el, teach, importance, h("div", { class: "jaml-buttons" }, next));
  function render() {
    const part = ctx.store.parts.run_notes;
    const items = [];
    if (part) {
      items.push(h("div", { class: "jaml-muted" }, `${part.features} columns used; ${part.holdout}.`));
      for (const n of part.notes || []) items.push(h("div", { class: "jaml-note" }, n));
    }
    notes.replaceChildren(...items);
    const taught = (ctx.store.parts.lessons || {}).lessons || [];
    teach.hidden = taught.length === 0;
    // newest first: the lesson about what just happened is the one to read
    lessons.replaceChildren(...taught.slice().reverse().map((l) => h("li", { "data-testid": "lesson", "data-topic": l.topic },
      l.text, " ", h("a", { href: l.link, class: "jaml-muted" }, `(workshop: ${l.topic})`))));
    renderImportance(importance, ctx.store.parts.importance, ctx.model.get("families") || {}, { done: ctx.model.get("status") === "finished" });
    curves.render(ctx.store.parts.curves, runMeta(ctx.model, ctx.store));
    next.hidden = !(ctx.store.parts.results && !ctx.store.parts.results.error);
    pareto.render();
  }
  render();
  return {
    update: (changes) => {
      // a new point on the front: redrawn in the frame its trial's row arrived in
      if (changes.rows.length && !changes.reset) pareto.render();
      if (changes.reset || changes.parts.has("run_notes") || changes.parts.has("results") || changes.parts.has("lessons") || changes.parts.has("importance") || changes.parts.has("curves") || changes.parts.has("run")) render();
    },
    render,
    dispose: () => view.dispose(),
  };
}

const FACTORIES = [createDataStep, createTargetStep, createColumnsStep, createSearchStep, createRunStep, createResultsStep];

export default () => {
  let store = null;
  let connection = null;
  return {
    initialize({ model }) {
      store = createStore();
      connection = connect(model, store);
      const stopLabels = useMetricLabels(model);
      return () => {
        stopLabels();
        connection.dispose();
      };
    },
    render({ model, el }) {
      const root = h("div", { class: "jaml-root jaml-wizard", "data-testid": "wizard", "data-ready": "false" });
      const tabs = h("div", { class: "jaml-steps", role: "tablist", "aria-label": "Wizard steps" });
      const title = h("div", { class: "jaml-title", "data-testid": "step-title" });
      const why = h("p", { class: "jaml-why", "data-testid": "step-why" });
      const busy = h("div", { class: "jaml-busy", role: "status", "aria-live": "polite", "data-testid": "busy" });
      const lockNote = h("div", { class: "jaml-note", hidden: true }, "A search is running: these choices apply to the next search. Stop it (step 5) to change them now.");
      const back = h("button", { class: "jaml-button", type: "button", "data-testid": "back" }, "← Back");
      const next = h("button", { class: "jaml-button jaml-primary", type: "button", "data-testid": "next" }, "Next →");
      const bodies = STEPS.map((s) => h("fieldset", { class: "jaml-step", "data-testid": `step-body-${s.name}`, style: { border: "none", padding: 0, margin: 0, minWidth: 0 } }));
      root.append(tabs, title, why, busy, lockNote, ...bodies, h("div", { class: "jaml-nav" }, back, next));
      el.append(root);

      const ctx = { model, store, request: connection.request };
      const views = STEPS.map((s, i) => FACTORIES[i](bodies[i], ctx));
      const tabButtons = STEPS.map((s, i) => h("button", {
        type: "button", role: "tab", class: "jaml-step-tab", "data-testid": `step-${s.name}`,
        onclick: () => go(i),
      }, h("span", { class: "jaml-step-num" }, String(i + 1)), s.title));
      tabs.append(...tabButtons);

      function go(i) {
        if (i < 0 || i > model.get("max_step") || i >= STEPS.length) return;
        setTrait(model, "step", i);
      }
      tabs.addEventListener("keydown", (e) => {
        const current = tabButtons.indexOf(document.activeElement);
        if (current < 0) return;
        let target = -1;
        if (e.key === "ArrowRight") target = Math.min(model.get("max_step"), current + 1);
        else if (e.key === "ArrowLeft") target = Math.max(0, current - 1);
        else if (e.key === "Home") target = 0;
        else if (e.key === "End") target = model.get("max_step");
        else return;
        e.preventDefault();
        tabButtons[target].focus();
        go(target);
      });
      back.addEventListener("click", () => go(model.get("step") - 1));
      next.addEventListener("click", () => go(model.get("step") + 1));

      function renderFrame() {
        const focused = root.contains(document.activeElement) ? document.activeElement : null;
        const step = Math.min(model.get("step"), STEPS.length - 1);
        const max = model.get("max_step");
        const locked = ACTIVE.includes(model.get("status"));
        tabButtons.forEach((b, i) => {
          b.setAttribute("aria-selected", String(i === step));
          b.tabIndex = i === step ? 0 : -1;
          b.disabled = i > max;
        });
        bodies.forEach((b, i) => {
          b.hidden = i !== step;
          b.disabled = locked && i < 4;
        });
        lockNote.hidden = !(locked && step < 4);
        title.textContent = `${step + 1}. ${STEPS[step].title}`;
        why.textContent = STEPS[step].why;
        back.disabled = step === 0;
        next.disabled = step >= max || step === STEPS.length - 1;
        next.hidden = step === STEPS.length - 1;
        next.textContent = step < STEPS.length - 1 ? `Next: ${STEPS[step + 1].title} →` : "Next →";
        const text = model.get("busy");
        busy.replaceChildren(...(text ? [h("span", { class: "jaml-spinner", "aria-hidden": "true" }), text] : []));
        root.dataset.step = STEPS[step].name;
        // This frame may have disabled or hidden the control that had the focus (Next on
        // reaching a step that is not open yet, the Run step's button on leaving it); the
        // browser would drop the focus to the page, so it goes to the step's tab instead.
        if (focused && (focused.matches(":disabled") || focused.closest("[hidden]"))) {
          (tabButtons[step].disabled ? tabButtons[Math.max(0, Math.min(step, max))] : tabButtons[step]).focus();
        }
      }

      const unsubscribe = store.subscribe((_, changes) => {
        for (const v of views) v.update(changes);
        if (store.seq >= 0) root.dataset.ready = "true";
      });
      if (store.seq >= 0) {
        for (const v of views) v.render();
        root.dataset.ready = "true";
      }
      const frameTraits = ["step", "max_step", "busy", "status"];
      for (const t of frameTraits) model.on(`change:${t}`, renderFrame);
      renderFrame();
      return () => {
        unsubscribe();
        for (const t of frameTraits) model.off(`change:${t}`, renderFrame);
        for (const v of views) v.dispose();
        root.remove();
      };
    },
  };
};
