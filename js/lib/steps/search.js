// Step 4, Search: presets, time budget, maximum trials, model families (and how architecture
// search trains its networks), search strategy, validation, rows kept aside, seed, parallelism or
// a Dask cluster, storage, resuming an earlier study, ensemble, warm start and fairness constraint.

import { h } from "../dom.js";
import { fmtScore, metricLabel } from "../format.js";
import { alertBox, field, keepFocus, nextId, select, setOptions, showAlert, updateSettings } from "../ui.js";

export function createSearchStep(el, { model, store }) {
  const presets = h("div", { class: "jaml-buttons", role: "group", "aria-label": "Presets", "data-testid": "presets" });
  const budget = h("input", { type: "number", min: "1", step: "1", "data-testid": "time-budget", placeholder: "no limit" });
  const trials = h("input", { type: "number", min: "1", step: "1", "data-testid": "n-trials", placeholder: "no limit" });
  const families = h("div", { class: "jaml-choices", role: "group", "aria-label": "Model families", "data-testid": "families" });
  const familyNotes = h("div", { "data-testid": "family-notes" });
  const sampler = select([], "tpe", { "data-testid": "sampler" });
  const featureSearch = select([], "joint", { "data-testid": "feature-search" });
  const nasMode = select([], "standard", { "data-testid": "nas-mode" });
  const cv = select([], "auto", { "data-testid": "cv" });
  const holdout = select([], "0.2", { "data-testid": "holdout" });
  const seed = h("input", { type: "number", step: "1", "data-testid": "seed" });
  const jobs = select([], "-1", { "data-testid": "n-jobs" });
  const where = select([
    { value: "local", label: "In this kernel" },
    { value: "dask", label: "On a Dask cluster" },
  ], "local", { "data-testid": "executor" });
  const address = h("input", { type: "text", size: "32", placeholder: "tcp://scheduler-host:8786", "aria-label": "Dask scheduler address", "data-testid": "dask-address" });
  const clusterStatus = h("div", { class: "jaml-muted", role: "status", "data-testid": "cluster-status" });
  const clusterError = alertBox("", "cluster-error");
  const storage = select([
    { value: "runs", label: "Save it in the runs folder (SQLite; it can be resumed)" },
    { value: "memory", label: "Keep it in memory only" },
  ], "runs", { "data-testid": "storage" });
  const resume = select([], "", { "data-testid": "resume" });
  const ensemble = h("input", { type: "checkbox", "data-testid": "ensemble" });
  const warmStart = h("input", { type: "checkbox", "data-testid": "warm-start-choice" });
  const teaching = h("input", { type: "checkbox", "data-testid": "teaching-choice" });
  const fairness = select([], "none", { "data-testid": "fairness-constraint" });
  const f = {
    budget: field("Time budget (s)", budget, "Wall time for the whole search, refitting the final model included."),
    trials: field("Maximum trials", trials, "Stop after this many configurations (whichever limit comes first)."),
    families: field("Model families", h("div", {}, families, familyNotes), ""),
    nasMode: field("Architecture search", nasMode, ""),
    sampler: field("Search strategy", sampler, ""),
    featureSearch: field("Columns", featureSearch, ""),
    cv: field("Validation", cv, ""),
    holdout: field("Rows kept aside", holdout, "Never seen by the search; the Results step tests the chosen model on them."),
    seed: field("Seed", seed, "The same seed, data and settings give the same folds and trials."),
    jobs: field("Parallel jobs", jobs, ""),
    where: field("Where it runs", h("div", {}, where, h("div", { class: "jaml-buttons" }, address), clusterStatus, clusterError), ""),
    storage: field("Storage", storage, ""),
    resume: field("Study", resume, ""),
    ensemble: field("Ensemble", h("label", { class: "jaml-inline" }, ensemble, " average the best models when that scores better out of fold"), null),
    warmStart: field("Warm start", h("label", { class: "jaml-inline" }, warmStart, " try first what did well on the most similar datasets and on your earlier studies"), null),
    teaching: field("Teaching mode", h("label", { class: "jaml-inline" }, teaching, " explain what this search does while it runs, with its own numbers"), null),
    fairness: field("Fairness constraint", fairness, "Train under a fairness constraint on the sensitive columns (Columns step)."),
  };
  // the row's label and help belong to the choice itself, not to the box around it
  where.id = nextId("where");
  f.where.row.querySelector("label").htmlFor = where.id;
  where.setAttribute("aria-describedby", f.where.help.id);
  f.where.row.children[1].removeAttribute("aria-describedby");
  const noteIds = {}; // one id per family note of this view (two wizards may share a page)
  const noteId = (name) => (noteIds[name] ??= nextId(`family-note-${name}`));
  const summary = h("div", { class: "jaml-title", "data-testid": "search-summary" });
  const error = alertBox("", "search-error");
  el.append(
    h("div", { class: "jaml-card" }, h("div", { class: "jaml-subtitle" }, "Presets"), presets),
    h("div", { class: "jaml-card" }, ...Object.values(f).map((x) => x.row)),
    h("div", { class: "jaml-card" }, summary, error));

  const num = (input) => (input.value === "" ? null : Number(input.value));
  budget.addEventListener("change", () => updateSettings(model, { time_budget: num(budget), preset: null }));
  trials.addEventListener("change", () => updateSettings(model, { n_trials: num(trials), preset: null }));
  sampler.addEventListener("change", () => updateSettings(model, { sampler: sampler.value }));
  featureSearch.addEventListener("change", () => updateSettings(model, { feature_search: featureSearch.value }));
  nasMode.addEventListener("change", () => updateSettings(model, { nas: nasMode.value }));
  cv.addEventListener("change", () => updateSettings(model, { cv: /^\d+$/.test(cv.value) ? Number(cv.value) : cv.value }));
  holdout.addEventListener("change", () => updateSettings(model, { holdout: Number(holdout.value) }));
  seed.addEventListener("change", () => updateSettings(model, { seed: num(seed) ?? 0 }));
  jobs.addEventListener("change", () => updateSettings(model, { n_jobs: Number(jobs.value) }));
  where.addEventListener("change", () => updateSettings(model, { executor: where.value }));
  address.addEventListener("change", () => updateSettings(model, { dask_address: address.value.trim() }));
  storage.addEventListener("change", () => updateSettings(model, { storage: storage.value, resume: storage.value === "memory" ? null : model.get("settings").resume }));
  resume.addEventListener("change", () => updateSettings(model, { resume: resume.value || null }));
  ensemble.addEventListener("change", () => updateSettings(model, { ensemble: ensemble.checked }));
  warmStart.addEventListener("change", () => updateSettings(model, { warm_start: warmStart.checked }));
  teaching.addEventListener("change", () => updateSettings(model, { teaching: teaching.checked }));
  fairness.addEventListener("change", () => updateSettings(model, { fairness_constraint: fairness.value }));

  function render() {
    const part = store.parts.search;
    const s = model.get("settings") || {};
    if (!part) {
      summary.textContent = "Pick the data and the target first.";
      return;
    }
    keepFocus(el, () => {
      presets.replaceChildren(...part.presets.map((p) =>
        h("button", {
          type: "button", class: "jaml-button jaml-preset", "aria-pressed": String(s.preset === p.name),
          "data-testid": `preset-${p.name}`,
          onclick: () => updateSettings(model, { preset: p.name, time_budget: p.time_budget, n_trials: null }),
        }, p.label, h("small", {}, p.help))));
      const chosen = new Set(s.families || []);
      const notes = part.family_notes || {};
      // a family that needs more than its name (architecture search) says what it is in a line
      familyNotes.replaceChildren(...Object.entries(notes).map(([name, text]) => {
        const label = (part.families.find((x) => x.name === name) || {}).label || name;
        return h("div", { class: "jaml-muted jaml-family-note", id: noteId(name), "data-testid": `family-note-${name}` },
          h("strong", {}, `${label}: `), text);
      }));
      families.replaceChildren(...part.families.map((fam) =>
        h("label", { title: fam.help },
          h("input", {
            type: "checkbox", checked: chosen.has(fam.name), "data-testid": `family-${fam.name}`,
            "aria-describedby": notes[fam.name] ? noteId(fam.name) : null,
            onchange: (e) => {
              const next = new Set(model.get("settings").families || []);
              if (e.target.checked) next.add(fam.name);
              else next.delete(fam.name);
              updateSettings(model, { families: part.families.map((x) => x.name).filter((n) => next.has(n)) });
            },
          }), fam.label)));
    });
    if (document.activeElement !== budget) budget.value = s.time_budget ?? "";
    if (document.activeElement !== trials) trials.value = s.n_trials ?? "";
    if (document.activeElement !== seed) seed.value = s.seed ?? 0;
    f.families.help.textContent = "Hover a family for what it is. Neural networks and SVMs are slower; linear models are fastest.";
    setOptions(sampler, part.samplers.map((x) => ({ value: x.name, label: x.label })), s.sampler);
    f.sampler.help.textContent = (part.samplers.find((x) => x.name === s.sampler) || {}).help || "";
    // how the architecture search's networks are searched: shown while that family is checked
    const modes = part.nas_modes || [];
    const nas = s.nas || "standard";
    f.nasMode.row.hidden = !modes.length || !(s.families || []).includes("nas");
    setOptions(nasMode, modes.map((x) => ({ value: x.value, label: x.label })), nas);
    f.nasMode.help.textContent = (modes.find((x) => x.value === nas) || {}).help || "";
    const searches = part.feature_searches || [];
    setOptions(featureSearch, searches.map((x) => ({ value: x.value, label: x.label })), s.feature_search || "joint");
    f.featureSearch.help.textContent = (searches.find((x) => x.value === (s.feature_search || "joint")) || {}).help || "";
    setOptions(cv, part.validations.map((x) => ({ value: x.value, label: x.label })), s.cv);
    f.cv.help.textContent = (part.validations.find((x) => String(x.value) === String(s.cv)) || {}).help || "";
    setOptions(holdout, part.holdouts.map((x) => ({ value: x, label: x ? `${Math.round(100 * x)}% of the rows` : "none" })), s.holdout);
    const cores = part.n_cores || 1;
    const jobOptions = [{ value: -1, label: `All cores (${cores})` }];
    for (let i = 1; i < cores; i++) jobOptions.push({ value: i, label: `${i}` });
    setOptions(jobs, jobOptions, s.n_jobs);
    f.jobs.help.textContent = "Folds and trials trained side by side; use fewer to keep cores free for other work.";
    renderWhere(s);
    storage.value = s.storage || "runs";
    f.storage.help.textContent = storage.value === "runs"
      ? "Every trial is written to automl_runs/<study>/study.db as it ends: nothing is lost if the kernel dies, and optuna-dashboard can open it."
      : "Nothing is written to disk; the study is gone with the kernel.";
    const studies = part.studies || [];
    setOptions(resume, [{ value: "", label: "Start a new study" },
      ...studies.map((st) => ({
        value: st.name,
        label: `Continue ${st.name} (${st.n_trials} trials, best ${metricLabel(st.metric)} ${fmtScore(st.best_score)}, ${(st.created || "").replace("T", " ")})`,
      }))], s.resume || "");
    resume.disabled = storage.value === "memory" || !studies.length;
    f.resume.help.textContent = studies.length
      ? "An earlier study of the same target, task and metric continues where it stopped (the data and settings must be the same)."
      : "No earlier study of this target and metric in the runs folder.";
    ensemble.checked = s.ensemble !== false;
    warmStart.checked = s.warm_start !== false;
    teaching.checked = s.teaching === true;
    f.fairness.row.hidden = !part.fairness_available;
    setOptions(fairness, (part.fairness_constraints || ["none"]).map((c) => ({ value: c, label: c === "none" ? "none" : c.replace(/_/g, " ") })), s.fairness_constraint || "none");
    summary.textContent = part.summary || "";
    showAlert(error, part.error);
  }

  // the cluster the search will run on: its live worker count and dashboard (the "cluster" part)
  function renderWhere(s) {
    const dask = s.executor === "dask";
    where.value = dask ? "dask" : "local";
    address.hidden = !dask;
    if (document.activeElement !== address) address.value = s.dask_address || "";
    f.jobs.row.hidden = dask;
    f.where.help.textContent = dask
      ? "Every fold is a task on the cluster's workers, which need jupyter_automl installed (the same version). The notebook stays the coordinator."
      : "Folds and trials run in this kernel's threads.";
    const c = dask ? store.parts.cluster : null;
    clusterStatus.hidden = !c || c.state === "error";
    showAlert(clusterError, c && c.state === "error" ? c.error : "");
    if (!c || c.state === "error") return clusterStatus.replaceChildren();
    if (c.state === "connecting") return clusterStatus.replaceChildren(`Connecting to ${c.address}…`);
    const workers = `${c.n_workers} worker${c.n_workers === 1 ? "" : "s"}`;
    clusterStatus.replaceChildren(h("span", { "data-testid": "cluster-workers" }, `Connected: ${workers}, ${c.n_threads} threads, ${c.memory_gb} GB`));
    if (c.dashboard_link) clusterStatus.append(" · ", h("a", { href: c.dashboard_link, target: "_blank", rel: "noopener", "data-testid": "cluster-dashboard" }, "Dask dashboard"));
  }

  const onSettings = () => render();
  model.on("change:settings", onSettings);
  return {
    update: (changes) => {
      if (changes.reset || changes.parts.has("search")) render();
      else if (changes.parts.has("cluster")) renderWhere(model.get("settings") || {});
    },
    render,
    dispose: () => model.off("change:settings", onSettings),
  };
}
