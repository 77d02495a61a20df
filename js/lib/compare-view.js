// The Results step's Leaderboard tab: the best trials with a checkbox each; Compare shows the
// ticked ones side by side (AutoML.compare_trials, the "compare" part), differing settings
// first and highlighted.

import { h } from "./dom.js";
import { createLeaderboard } from "./leaderboard.js";
import { architectureFigures } from "./networks.js";
import { DEFAULT_LIMITS, canCompare, cellText, compareCaption, compareHint, keepShown, toggleTrial } from "./compare.js";
import { alertBox, scrollArea, showAlert } from "./ui.js";

/** Mount in `el`; returns {render, dispose}. */
export function createCompareView(el, { store, request, getMeta }) {
  let selected = []; // UI-only state: the ticked trials, in the order they were ticked
  const limits = () => (store.parts.results && store.parts.results.compare_limits) || DEFAULT_LIMITS;
  const button = h("button", { type: "button", class: "jaml-button jaml-primary", "data-testid": "compare-trials", disabled: true }, "Compare");
  const hint = h("div", { class: "jaml-muted", "aria-live": "polite", "data-testid": "compare-hint" });
  const error = alertBox("", "compare-error");
  const output = h("div", { "data-testid": "compare-output" });
  const boardBox = h("div", {});
  el.append(
    h("p", { class: "jaml-why" }, "Every finished trial, best first. Tick two to four of them and press Compare to see their scores, other metrics, times and settings side by side."),
    boardBox, h("div", { class: "jaml-buttons" }, button, hint), error, output);

  const board = createLeaderboard(boardBox, store, getMeta, {
    select: {
      has: (t) => selected.includes(t),
      full: () => selected.length >= limits().max,
      toggle: (t, on) => {
        selected = toggleTrial(selected, t, on, limits());
        board.render(); // the other boxes are enabled or disabled as the limit is reached
      },
    },
    onRows: (shown) => {
      selected = keepShown(selected, shown);
      renderControls();
    },
  });

  function renderControls() {
    button.disabled = !canCompare(selected, limits());
    hint.textContent = compareHint(selected, limits());
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    showAlert(error, "");
    try {
      await request("compare", { trials: selected });
    } catch (err) {
      showAlert(error, err.message);
    } finally {
      renderControls();
    }
  });

  function renderTable() {
    const part = store.parts.compare;
    if (!part) return output.replaceChildren();
    const n = part.trials.length;
    const head = h("tr", {}, h("th", { scope: "col" }, "Trial"),
      part.trials.map((t) => h("th", { scope: "col", "data-testid": "compare-trial" }, `Trial ${t}`)));
    const rows = part.sections.flatMap((section) => [
      h("tr", { class: "jaml-compare-section" }, h("th", { scope: "colgroup", colspan: String(n + 1) }, section.title)),
      ...section.rows.map((r) => h("tr", {
        class: r.differs ? "jaml-differs" : "", "data-testid": r.differs ? "compare-differs" : "compare-row",
      },
      h("th", { scope: "row" }, r.label, r.differs ? h("span", { class: "jaml-differs-tag" }, "differs") : null),
      r.values.map((v, i) => h("td", {
        class: r.best === i ? "jaml-compare-best" : "",
        title: r.best === i ? "the best of these trials" : null,
      }, cellText(v, r.unit))))),
    ]);
    const nets = part.networks || [];
    // (replaceChildren would write a null out as the text "null")
    output.replaceChildren(...[scrollArea("Trials side by side", {},
      h("table", { class: "jaml-table jaml-compare", "data-testid": "compare-table" },
        h("caption", {}, compareCaption(part)), h("thead", {}, head), h("tbody", {}, rows))),
    nets.length ? h("div", { "data-testid": "compare-architectures" },
      h("div", { class: "jaml-subtitle" }, nets.length > 1 ? "Their architectures" : "The network's architecture"),
      architectureFigures(nets)) : null].filter(Boolean));
  }

  function render() {
    board.render();
    renderControls();
    renderTable();
  }
  // a new search clears the results: its trials are other trials, even where numbers repeat
  const unsubscribe = store.subscribe((_, changes) => {
    if (changes.parts.has("results") && !store.parts.results && selected.length) {
      selected = [];
      render();
    }
  });
  render();
  return {
    render,
    renderTable,
    dispose: () => {
      unsubscribe();
      board.dispose();
    },
  };
}
