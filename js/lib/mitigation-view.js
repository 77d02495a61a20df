// The Fairness tab's mitigation: pick a method and a constraint, run it in the kernel's
// background (AutoML.mitigate, on the widget's worker thread: the notebook stays usable), read
// before and after, and make the mitigated model the model (AutoML.use_mitigated). The methods
// and constraints offered are the engine's (the results part's `mitigation` options).

import { h } from "./dom.js";
import { alertBox, field, scrollArea, select, showAlert, simpleTable } from "./ui.js";

export function createMitigationView(container, { request, getSensitive }) {
  const method = select([], null, { "data-testid": "mitigation-method" });
  const constraint = select([], null, { "data-testid": "mitigation-constraint" });
  const methodField = field("Method", method, "");
  const constraintField = field("Constraint", constraint);
  const runButton = h("button", { class: "jaml-button jaml-primary", type: "button", "data-testid": "mitigate-run" }, "Mitigate");
  const error = alertBox("", "mitigation-error");
  const unavailable = h("div", { class: "jaml-note", hidden: true, "data-testid": "mitigation-unavailable" });
  const out = h("div", { "data-testid": "mitigation-output", "aria-live": "polite" });
  const card = h("section", { class: "jaml-card", "aria-label": "Mitigation", "data-testid": "mitigation" },
    h("div", { class: "jaml-subtitle" }, "Make the model fairer (mitigation)"),
    h("p", { class: "jaml-why" }, "Mitigation trades some score for smaller gaps between the groups of the columns ticked above. It is fit on the training rows and compared on the rows kept aside; the model stays as it is until you make the mitigated one the model."),
    unavailable, h("div", { class: "jaml-mitigation-choices" }, methodField.row, constraintField.row),
    h("div", { class: "jaml-buttons" }, runButton), error, out);
  container.append(card);
  let options = null;

  function describeMethod() {
    const chosen = (options?.methods || []).find((m) => m.value === method.value);
    if (methodField.help) methodField.help.textContent = chosen ? chosen.help : "";
  }
  method.addEventListener("change", describeMethod);

  async function run(button, fn) {
    button.disabled = true;
    showAlert(error, "");
    try {
      return await fn();
    } catch (err) {
      showAlert(error, err.message);
      return null;
    } finally {
      button.disabled = false;
    }
  }
  runButton.addEventListener("click", () => run(runButton, () => request("mitigate", {
    method: method.value, constraint: constraint.value, sensitive: getSensitive(),
  })));

  /** `opts`: the results part's `mitigation` options; `part`: the latest mitigation (or null). */
  function render(opts, part) {
    options = opts;
    card.hidden = !opts;
    if (!opts) return;
    if (!method.options.length) { // filled once: the choices a person made stay across re-renders
      method.replaceChildren(...opts.methods.map((m) => h("option", { value: m.value }, m.label)));
      constraint.replaceChildren(...opts.constraints.map((c) => h("option", { value: c.value }, c.label)));
    }
    describeMethod();
    unavailable.hidden = !opts.unavailable && !opts.applied;
    unavailable.textContent = opts.unavailable || (opts.applied ? "The model is a mitigated one now: it is what predict, save and the report use. To mitigate again, pick another trial or search again." : "");
    runButton.disabled = !!opts.unavailable || !!opts.applied;
    method.disabled = constraint.disabled = runButton.disabled;
    if (!part) return out.replaceChildren();
    const use = h("button", { class: "jaml-button jaml-primary", type: "button", "data-testid": "use-mitigated", disabled: !!part.blocked || !!part.applied },
      part.applied ? "This is the model now" : "Make this the model");
    use.addEventListener("click", () => run(use, () => request("use_mitigated")));
    out.replaceChildren(
      h("div", { class: "jaml-title", "data-testid": "mitigation-summary" }, part.summary),
      h("div", { class: "jaml-muted" }, `${part.method}, ${part.constraint.replace(/_/g, " ")}, by ${part.sensitive.join(", ")}; ${part.seconds} s; compared on ${part.held_out ? "the rows kept aside" : "the training rows (no rows were kept aside)"}.`),
      scrollArea("Before and after mitigation", {}, simpleTable(part.table, { "data-testid": "mitigation-table" })),
      ...(part.notes || []).map((n) => h("div", { class: "jaml-note" }, n)),
      h("div", { class: "jaml-plots" }, (part.plots || []).map((p) => h("figure", { class: "jaml-plot", "data-testid": "mitigation-plot" },
        h("img", { src: p.png, alt: p.title, width: "390" }), h("figcaption", {}, p.title)))),
      ...(part.blocked ? [h("div", { class: "jaml-note", "data-testid": "mitigation-blocked" }, part.blocked)] : []),
      h("div", { class: "jaml-buttons" }, use));
  }
  return { render };
}
