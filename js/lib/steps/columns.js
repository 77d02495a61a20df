// Step 3, Columns: include or exclude each column; its detected role and why; mark sensitive
// attributes (sex, age, ...) for the fairness checks.

import { h } from "../dom.js";
import { KIND_LABELS, fmtCount, fmtPercent } from "../format.js";
import { keepFocus, setTrait } from "../ui.js";

const ROLE_LABELS = {
  feature: "used", leak: "possible leak", id: "identifier", constant: "constant", empty: "empty",
  noise: "noise",
};

const NO_TARGET = "Pick a target that can be learned first (step 2).";

export function createColumnsStep(el, { model, store }) {
  const summary = h("div", { class: "jaml-title", "data-testid": "columns-summary" });
  const body = h("tbody");
  const table = h("table", { class: "jaml-table", "data-testid": "columns-table" },
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, "Use"), h("th", { scope: "col" }, "Column"), h("th", { scope: "col" }, "Detected"),
      h("th", { scope: "col", class: "jaml-num" }, "Missing"), h("th", { scope: "col", class: "jaml-num" }, "Distinct"),
      h("th", { scope: "col" }, "Why"), h("th", { scope: "col" }, "Sensitive"))),
    body);
  const empty = h("div", { class: "jaml-muted" }, NO_TARGET);
  el.append(h("div", { class: "jaml-card" }, summary,
    h("div", { class: "jaml-muted" }, "Sensitive columns (e.g. sex, age, origin) can stay in the model or not; either way the Fairness tab compares the model across their groups."),
    h("div", { class: "jaml-scroll jaml-scroll-y", role: "region", "aria-label": "Columns" }, table), empty));

  function toggle(name, listName, on) {
    const list = new Set(model.get(listName) || []);
    if (on) list.add(name);
    else list.delete(name);
    setTrait(model, listName, [...list]);
  }

  function render() {
    const part = store.parts.columns;
    const target = store.parts.target;
    if (!part || !target || target.error || part.target !== model.get("target")) {
      // the step opens as soon as the target is checked; its table follows a moment later
      const checked = target && !target.error && target.target === model.get("target");
      empty.textContent = checked ? "Reading the columns…" : NO_TARGET;
      empty.hidden = false;
      table.hidden = true;
      summary.textContent = "";
      return;
    }
    empty.hidden = true;
    table.hidden = false;
    const excluded = new Set(model.get("excluded") || []);
    const sensitive = new Set(model.get("sensitive") || []);
    // columns with a role to look at (leaks, identifiers, constants) come first
    const rows = [...part.columns].sort((a, b) => (a.role === "feature") - (b.role === "feature"));
    const used = rows.filter((c) => c.used_by_engine && !excluded.has(c.name)).length;
    summary.textContent = `${used} of ${rows.length} columns will be used to predict ${part.target}` +
      (sensitive.size ? `; ${sensitive.size} marked sensitive (${[...sensitive].join(", ")})` : "") + ".";
    keepFocus(body, () => body.replaceChildren(...rows.map((c) => {
      const included = c.used_by_engine && !excluded.has(c.name);
      const dropped = !c.used_by_engine;
      return h("tr", { class: included ? "" : "jaml-excluded", "data-testid": `column-${c.name}` },
        h("td", {}, h("input", {
          type: "checkbox", checked: included, disabled: dropped,
          "aria-label": `Use ${c.name}`, "data-testid": `include-${c.name}`,
          title: dropped ? "left out by the engine; see why" : "",
          onchange: (e) => toggle(c.name, "excluded", !e.target.checked),
        })),
        h("td", {}, c.name),
        h("td", {}, h("span", {
          class: `jaml-kind ${c.role === "leak" ? "jaml-kind-leak" : dropped ? "jaml-kind-dropped" : ""}`,
        }, c.role === "feature" ? KIND_LABELS[c.kind] || c.kind : ROLE_LABELS[c.role] || c.role)),
        h("td", { class: "jaml-num" }, fmtPercent(c.missing)),
        h("td", { class: "jaml-num" }, fmtCount(c.n_unique)),
        h("td", { class: "jaml-wrap jaml-muted" }, c.why || ""),
        h("td", { class: c.sensitive_reason ? "jaml-wrap" : "" }, h("label", { class: "jaml-sensitive" },
          h("input", {
            type: "checkbox", checked: sensitive.has(c.name), "aria-label": `${c.name} is sensitive`,
            "data-testid": `sensitive-${c.name}`,
            onchange: (e) => toggle(c.name, "sensitive", e.target.checked),
          }),
          // suggested by its name or values: the reason, for the person to confirm or untick
          c.sensitive_reason ? h("span", { class: "jaml-muted", "data-testid": `sensitive-why-${c.name}` },
            ` suggested: ${c.sensitive_reason}`) : "")));
    })));
  }

  const onChange = () => render();
  model.on("change:excluded", onChange);
  model.on("change:sensitive", onChange);
  return {
    update: (changes) => {
      if (changes.reset || changes.parts.has("columns") || changes.parts.has("target")) render();
    },
    render,
    dispose: () => {
      model.off("change:excluded", onChange);
      model.off("change:sensitive", onChange);
    },
  };
}
