// Which settings matter (AutoML.parameter_importance()): the family choice, then each family's
// settings by importance. The Run step shows it live; the Results step shows the final one.

import { h } from "./dom.js";
import { fmtPercent } from "./format.js";
import { scrollArea, simpleTable } from "./ui.js";

/** Fill ``el`` from the "importance" part (``labels``: family name -> label); hidden while there is
 * nothing to show. ``prefix`` names the test ids; ``done``: the search has ended ("so far" goes). */
export function renderImportance(el, part, labels = {}, { prefix = "importance", done = false } = {}) {
  const families = Object.entries((part && part.families) || {});
  el.hidden = !part || (part.family_choice === null && !families.length);
  if (el.hidden) return;
  const items = [h("div", { class: "jaml-subtitle" }, done ? "Which settings mattered in this search" : "Which settings matter so far")];
  if (part.family_choice !== null) {
    items.push(h("p", { "data-testid": prefix === "importance" ? "family-choice" : `${prefix}-family-choice` },
      `The choice of model family accounts for ${fmtPercent(part.family_choice)} of the spread of scores between trials; the rest comes from each family's own settings.`));
  }
  for (const [name, f] of families) {
    const rows = Object.entries(f.importances).slice(0, 5).map(([k, v]) => [k, fmtPercent(v)]);
    items.push(scrollArea(`Settings of ${labels[name] || name}`, {},
      simpleTable({ columns: [`${labels[name] || name} (${f.n_trials} trials): setting`, "Share of importance"], rows }, { "data-testid": `${prefix}-${name}` })));
  }
  for (const n of part.notes || []) items.push(h("div", { class: "jaml-muted" }, n));
  el.replaceChildren(...items);
}
