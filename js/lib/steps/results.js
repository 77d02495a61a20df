// Step 6, Results: the chosen model and why, cross-validated and held-out scores, diagnostic
// plots; and the tabs where the leaderboard (to compare trials), explanation, fairness and
// export views plug in.

import { h } from "../dom.js";
import { createCompareView } from "../compare-view.js";
import { architectureFigures } from "../networks.js";
import { renderImportance } from "../importance.js";
import { createMitigationView } from "../mitigation-view.js";
import { runMeta } from "../run.js";
import { fmtPercent, fmtScore, fmtValue } from "../format.js";
import { alertBox, scrollArea, select, showAlert, simpleTable } from "../ui.js";

const TABS = [
  { name: "diagnostics", label: "Diagnostics" },
  { name: "leaderboard", label: "Leaderboard" },
  { name: "settings", label: "Settings that mattered" },
  { name: "explain", label: "Explain" },
  { name: "fairness", label: "Fairness" },
  { name: "export", label: "Export" },
];

function plotFigure(p) {
  return h("figure", { class: "jaml-plot", "data-testid": "plot" },
    h("img", { src: p.png, alt: p.title, width: "390" }),
    p.caption ? h("figcaption", {}, p.caption) : null);
}

export function createResultsStep(el, { model, store, request }) {
  let tab = "diagnostics";
  const empty = h("div", { class: "jaml-muted", "data-testid": "results-empty" }, "Run a search to the end (step 5) to see its results here.");
  const error = alertBox("", "results-error");
  const model_ = h("div", { class: "jaml-title", "data-testid": "chosen-model" });
  const why = h("ul", { "data-testid": "why" });
  const members = scrollArea("Models in the chosen model");
  const networksTitle = h("div", { class: "jaml-subtitle" });
  const networksBody = h("div", {});
  const networks = h("div", { class: "jaml-card", hidden: true, "data-testid": "architecture" }, networksTitle,
    h("p", { class: "jaml-why" }, "What the architecture search designed: the input encoding, each block (units, activation, normalisation, dropout; a dashed arc is a skip connection), the heads, and how it was trained."),
    networksBody);
  const metrics = h("div", { class: "jaml-metrics", "data-testid": "metrics" });
  const holdoutNote = h("div", { class: "jaml-muted", "data-testid": "holdout-note" });
  const tabList = h("div", { class: "jaml-tabs", role: "tablist", "aria-label": "Result views" });
  const panels = Object.fromEntries(TABS.map((t) => [t.name, h("div", { role: "tabpanel", "data-testid": `panel-${t.name}` })]));
  const body = h("div", {},
    h("div", { class: "jaml-card" }, h("div", { class: "jaml-subtitle" }, "The chosen model"), model_, why, members),
    networks,
    h("div", { class: "jaml-card" }, h("div", { class: "jaml-subtitle" }, "How good is it?"), metrics, holdoutNote),
    tabList, ...Object.values(panels));
  el.append(empty, error, body);

  const compare = createCompareView(panels.leaderboard, { store, request, getMeta: () => runMeta(model, store) });

  // Settings: which hyperparameters (and the family choice) moved the score, over all trials
  const settings = h("div", { "data-testid": "results-importance" });
  const settingsNone = h("div", { class: "jaml-muted", "data-testid": "results-importance-none" },
    "Not enough finished trials to say which settings mattered (it takes a few per model family).");
  panels.settings.append(h("p", { class: "jaml-why" }, "How much of the difference in score between trials comes from the choice of model family and from each family's own settings (fANOVA over the finished trials): the settings worth a closer look next time."), settingsNone, settings);
  function renderSettings() {
    renderImportance(settings, store.parts.importance, model.get("families") || {}, { prefix: "results-importance", done: true });
    settingsNone.hidden = !settings.hidden;
  }

  // Explain / Fairness / Export panels: built once, filled from their parts
  const explainError = alertBox("", "explain-error");
  const explainRun = h("button", { class: "jaml-button jaml-primary", type: "button", "data-testid": "explain-run" }, "Explain the model with SHAP");
  const explainOut = h("div", { "data-testid": "explain-output" });
  panels.explain.append(h("p", { class: "jaml-why" }, "Which columns move the predictions, and in which direction (SHAP values, on rows the model did not train on)."), explainRun, explainError, explainOut);
  const fairChoices = h("div", { class: "jaml-choices", "data-testid": "fairness-columns" });
  const fairError = alertBox("", "fairness-error");
  const fairRun = h("button", { class: "jaml-button jaml-primary", type: "button", "data-testid": "fairness-run" }, "Check fairness");
  const fairOut = h("div", { "data-testid": "fairness-output" });
  const pareto = h("div", { "data-testid": "pareto" });
  const paretoError = alertBox("", "pareto-error");
  panels.fairness.append(pareto, paretoError, h("p", { class: "jaml-why" }, "Does the model treat groups differently? Scores and selection rates by group of the sensitive columns."), fairChoices, h("div", { class: "jaml-buttons" }, fairRun), fairError, fairOut);
  const mitigation = createMitigationView(panels.fairness, {
    request, getSensitive: () => [...fairChoices.querySelectorAll("input:checked")].map((i) => i.value),
  });
  const exportRows = h("div", {});
  const exportError = alertBox("", "export-error");
  const exportOut = h("ul", { "data-testid": "export-output" });
  panels.export.append(h("p", { class: "jaml-why" }, "Take the model with you: the fitted pipeline, a script that rebuilds it, or a report to share."), exportRows, exportError, exportOut);

  async function run(button, errorBox, fn) {
    button.disabled = true;
    showAlert(errorBox, "");
    try {
      return await fn();
    } catch (err) {
      showAlert(errorBox, err.message);
      return null;
    } finally {
      button.disabled = false;
    }
  }
  explainRun.addEventListener("click", () => run(explainRun, explainError, () => request("explain")));
  fairRun.addEventListener("click", () => run(fairRun, fairError, () => {
    const chosen = [...fairChoices.querySelectorAll("input:checked")].map((i) => i.value);
    return request("fairness", { sensitive: chosen });
  }));

  function selectTab(name, focus = false) {
    tab = name;
    for (const b of tabList.children) {
      const on = b.dataset.tab === name;
      b.setAttribute("aria-selected", String(on));
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    }
    for (const [n, p] of Object.entries(panels)) p.hidden = n !== name;
  }
  tabList.append(...TABS.map((t) => h("button", {
    type: "button", role: "tab", class: "jaml-tab", "data-tab": t.name, "data-testid": `tab-${t.name}`,
    onclick: () => selectTab(t.name),
  }, t.label)));
  tabList.addEventListener("keydown", (e) => {
    const i = TABS.findIndex((t) => t.name === tab);
    if (e.key === "ArrowRight") selectTab(TABS[(i + 1) % TABS.length].name, true);
    else if (e.key === "ArrowLeft") selectTab(TABS[(i + TABS.length - 1) % TABS.length].name, true);
    else return;
    e.preventDefault();
  });
  selectTab(tab);

  function metricCard(label, value, sub, testid) {
    return h("div", { class: "jaml-metric", "data-testid": testid },
      h("div", { class: "jaml-muted" }, label), h("div", { class: "jaml-metric-value" }, value),
      sub ? h("div", { class: "jaml-muted" }, sub) : null);
  }

  function renderExplain(part) {
    if (!part) return explainOut.replaceChildren();
    const items = [];
    if (!part.held_out) items.push(h("div", { class: "jaml-note" }, "No rows were kept aside: these rows were also used for training."));
    if (part.plots?.length) items.push(h("div", { class: "jaml-plots" }, part.plots.map(plotFigure)));
    if (part.importance?.length) {
      items.push(simpleTable({ columns: ["Column", "Mean |SHAP value|"], rows: part.importance.map((r) => [r.feature, Number(fmtScore(r.mean_abs_shap))]) }, { "data-testid": "importance" }));
    }
    const what = part.output ? ` SHAP values of the ${part.output}, by ${part.method || "SHAP"}` : "";
    explainOut.replaceChildren(h("div", { class: "jaml-muted" }, `${part.n_rows} rows explained.${what}`),
      ...(part.notes || []).map((n) => h("div", { class: "jaml-note" }, n)), ...items);
  }

  function renderFairness(part, results) {
    const options = results.sensitive_options || [];
    const marked = new Set(model.get("sensitive") || []);
    const before = new Set([...fairChoices.querySelectorAll("input:checked")].map((i) => i.value));
    const chosen = before.size ? before : marked;
    fairChoices.replaceChildren(...options.map((c) => h("label", {},
      h("input", { type: "checkbox", value: c, checked: chosen.has(c), "data-testid": `fair-${c}` }), c)));
    if (!part) return fairOut.replaceChildren();
    const items = [h("div", { class: "jaml-muted" }, `On ${part.n_rows} rows${part.held_out ? " kept aside" : " (training rows: no rows were kept aside)"}.`)];
    for (const section of part.sections || []) {
      items.push(h("section", { class: "jaml-card", "data-testid": "fairness-section" },
        h("div", { class: "jaml-title" }, `By ${section.sensitive}`),
        ...(section.notes || []).map((n) => h("div", { class: "jaml-note" }, n)),
        scrollArea(`Scores by ${section.sensitive}`, {}, simpleTable(section.by_group, { "data-testid": "by-group" })),
        h("div", { class: "jaml-subtitle" }, "Differences between groups"),
        scrollArea(`Differences between groups of ${section.sensitive}`, {}, simpleTable(section.disparities)),
        section.plots?.length ? h("div", { class: "jaml-plots" }, section.plots.map(plotFigure)) : null));
    }
    fairOut.replaceChildren(...items);
  }

  function renderPareto(results) {
    const front = results.pareto;
    if (!front) return pareto.replaceChildren();
    const objective = front.objective.replace(/_/g, " ");
    pareto.replaceChildren(h("div", { class: "jaml-card" },
      h("div", { class: "jaml-title" }, `Trade-off: ${results.metric_label} against ${objective}`),
      h("p", { class: "jaml-why" }, "This search weighed the score against the disparity between groups. Each trial on the front below is best for some balance of the two; pick the one you can defend."),
      h("div", { class: "jaml-plots" }, plotFigure({ png: front.png, title: "Pareto front" })),
      scrollArea("Trials on the front", {}, simpleTable(front.table)),
      h("div", { class: "jaml-buttons" }, front.trials.map((t) => {
        const chosen = front.chosen.includes(t);
        const b = h("button", { type: "button", class: `jaml-button ${chosen ? "jaml-primary" : ""}`, disabled: chosen, "data-testid": `select-trial-${t}` },
          chosen ? `Trial ${t} is the model` : `Use trial ${t}`);
        b.addEventListener("click", () => run(b, paretoError, () => request("select_trial", { trial: t })));
        return b;
      }))));
  }

  function renderExport(results) {
    const paths = results.exports || {};
    const labels = { model: "The fitted model", code: "Python code", report: "HTML report" };
    exportRows.replaceChildren(...Object.entries(paths).map(([what, path]) => {
      const input = h("input", { type: "text", value: path, size: "48", "aria-label": `${labels[what]}: path`, "data-testid": `export-path-${what}` });
      const button = h("button", { type: "button", class: "jaml-button", "data-testid": `export-${what}` }, "Save");
      button.addEventListener("click", () => run(button, exportError, async () => {
        const r = await request("export", { what, path: input.value });
        exportOut.append(h("li", {}, `Saved ${r.description} to ${r.path}` + (r.bytes ? ` (${Math.max(1, Math.round(r.bytes / 1024))} KB)` : "")));
      }));
      return h("div", { class: "jaml-field" }, h("label", { for: input.id || "" }, labels[what] || what), h("div", { class: "jaml-buttons" }, input, button));
    }));
  }

  // A faster model within a tolerance of the score (AutoML.select_faster), in one click.
  function fasterRow(results) {
    const faster = results.faster;
    if (!faster) return h("div", {});
    const choice = select([0.005, 0.01, 0.02, 0.05].map((t) => ({ value: String(t), label: `${100 * t}%` })),
      String(faster.tolerance), { "data-testid": "faster-tolerance", "aria-label": "Tolerance" });
    const button = h("button", { type: "button", class: "jaml-button", "data-testid": "select-faster" },
      "Use the fastest model within this tolerance");
    const note = h("div", { class: "jaml-muted", "data-testid": "faster-note" }, faster.text);
    const err = alertBox("", "faster-error");
    button.addEventListener("click", () => run(button, err, () => request("select_faster", { tolerance: Number(choice.value) })));
    return h("div", { class: "jaml-card" }, h("div", { class: "jaml-subtitle" }, "A faster model?"), note,
      h("div", { class: "jaml-buttons" }, h("label", {}, "Within ", choice, " of the score "), button), err);
  }

  function render() {
    const results = store.parts.results;
    empty.hidden = !!results;
    showAlert(error, results && results.error);
    body.hidden = !results || !!results.error;
    if (!results || results.error) return;
    model_.textContent = results.members.length > 1 ? `An ensemble of ${results.members.length} models` :
      `${results.members[0]?.label || results.model} (trial ${results.members[0]?.trial})`;
    if (results.mitigation?.applied) model_.textContent += ", mitigated for fairness";
    why.replaceChildren(...results.why.map((line) => h("li", {}, line)));
    members.replaceChildren(simpleTable({
      columns: ["Trial", "Model family", "Weight", "Configuration"],
      rows: results.members.map((m) => [m.trial, m.label, fmtPercent(m.weight), Object.entries(m.params).map(([k, v]) => `${k.split(".").pop()}=${fmtValue(v)}`).join(", ")]),
    }, { "data-testid": "members" }));
    const nets = results.networks || [];
    networks.hidden = !nets.length;
    networksTitle.textContent = nets.length > 1 ? `The ${nets.length} networks in the model` : "The network's architecture";
    networksBody.replaceChildren(...architectureFigures(nets, { weights: results.members.length > 1 }));
    const better = results.direction === "minimize" ? "lower is better" : "higher is better";
    const cards = [metricCard(`${results.metric_label}, cross-validated`, fmtScore(results.cv.value), `${better}; ${results.cv.validation}`, "cv-score")];
    if (results.holdout) {
      for (const s of results.holdout.scores) {
        cards.push(metricCard(`${s.label}, held out`, fmtScore(s.value), s.name === results.metric ? `on ${results.holdout.n_rows} rows never seen` : `${s.direction === "minimize" ? "lower" : "higher"} is better`, `holdout-${s.name}`));
      }
    }
    metrics.replaceChildren(...cards);
    holdoutNote.textContent = results.holdout ? `Held out: ${results.holdout_note}.` : `Not tested on held-out rows: ${results.holdout_note}.`;
    panels.diagnostics.replaceChildren(
      fasterRow(results),
      results.plots.length
        ? h("div", { class: "jaml-plots" }, results.plots.map(plotFigure))
        : h("div", { class: "jaml-muted" }, "Diagnostic plots need rows kept aside (Search step)."));
    const tabs = results.tabs || {};
    explainRun.disabled = !tabs.explain;
    if (!tabs.explain) showAlert(explainError, "Explaining the model is not available in this version of jupyter_automl.");
    fairRun.disabled = !tabs.fairness;
    if (!tabs.fairness) showAlert(fairError, "Fairness checks are not available in this version of jupyter_automl.");
    if (!tabs.export) showAlert(exportError, "Export is not available in this version of jupyter_automl.");
    compare.render();
    renderSettings();
    renderExplain(store.parts.explain);
    renderFairness(store.parts.fairness, results);
    renderPareto(results);
    mitigation.render(results.mitigation, store.parts.mitigation);
    renderExport(results);
  }

  return {
    update: (changes) => {
      if (changes.reset || changes.parts.has("results")) render();
      else if (changes.parts.has("explain")) renderExplain(store.parts.explain);
      else if (changes.parts.has("fairness") && store.parts.results) renderFairness(store.parts.fairness, store.parts.results);
      if (changes.parts.has("mitigation") && !changes.parts.has("results") && store.parts.results) mitigation.render(store.parts.results.mitigation, store.parts.mitigation);
      if (changes.parts.has("compare")) compare.renderTable();
      if (changes.parts.has("importance") && !changes.parts.has("results")) renderSettings();
    },
    render,
    dispose: () => compare.dispose(),
  };
}
