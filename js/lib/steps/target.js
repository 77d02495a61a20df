// Step 2, Target and task: the column to predict; task and metric preselected with the reason;
// the positive class for binary tasks; the class balance (or the target's distribution).

import { h } from "../dom.js";
import { fmtCount, fmtPercent, metricLabel } from "../format.js";
import { alertBox, field, select, setOptions, setTrait, showAlert, sketchSvg } from "../ui.js";

const TASK_LABELS = { binary: "binary classification", multiclass: "multiclass classification", regression: "regression" };

export function createTargetStep(el, { model, store }) {
  const targetSelect = select([], "", { "data-testid": "target-select" });
  const taskSelect = select([], "auto", { "data-testid": "task-select" });
  const metricSelect = select([], "auto", { "data-testid": "metric-select" });
  const positiveSelect = select([], "", { "data-testid": "positive-select" });
  const target = field("Column to predict", targetSelect, "");
  const task = field("Task", taskSelect, "");
  const metric = field("Metric", metricSelect, "");
  const positive = field("Positive class", positiveSelect, "");
  const error = alertBox("", "target-error");
  const balanceTitle = h("div", { class: "jaml-subtitle" });
  const balance = h("div", { class: "jaml-balance", "data-testid": "class-balance" });
  const validation = h("div", { class: "jaml-muted", "data-testid": "validation" });
  const notes = h("div", {});
  const details = h("div", { class: "jaml-card" }, balanceTitle, balance, validation, notes);
  el.append(h("div", { class: "jaml-card" }, target.row, error, task.row, metric.row, positive.row), details);

  targetSelect.addEventListener("change", () => {
    setTrait(model, "positive_class", "");
    setTrait(model, "target", targetSelect.value);
  });
  taskSelect.addEventListener("change", () => {
    setTrait(model, "metric_choice", "auto");
    setTrait(model, "task", taskSelect.value);
  });
  metricSelect.addEventListener("change", () => setTrait(model, "metric_choice", metricSelect.value));
  positiveSelect.addEventListener("change", () => setTrait(model, "positive_class", positiveSelect.value));

  function render() {
    const data = store.parts.data;
    const part = store.parts.target;
    const columns = data && !data.error ? data.profile.map((c) => c.name) : [];
    const chosen = model.get("target");
    setOptions(targetSelect, columns.map((c) => ({ value: c, label: c })), chosen);
    target.help.textContent = "The models learn to predict this column from the others.";
    const current = part && part.target === chosen ? part : null;
    if (!current) {
      showAlert(error, "");
      details.hidden = true;
      task.row.hidden = metric.row.hidden = positive.row.hidden = true;
      return;
    }
    showAlert(error, current.error || "");
    const detected = current.detected_task;
    setOptions(taskSelect, [
      { value: "auto", label: detected ? `Automatic: ${TASK_LABELS[detected] || detected}` : "Automatic" },
      { value: "binary", label: "Binary classification (two classes)" },
      { value: "multiclass", label: "Multiclass classification" },
      { value: "regression", label: "Regression (a quantity)" },
    ], model.get("task"));
    task.row.hidden = !current.task; // after an error the detected task only confuses
    task.help.textContent = current.task
      ? `${TASK_LABELS[current.task] || current.task}: ${current.task_reason}.`
      : detected ? `Detected ${TASK_LABELS[detected]}: ${current.detected_reason}.` : "";
    metric.row.hidden = !current.metric;
    if (current.metric) {
      const auto = model.get("metric_choice") === "auto";
      setOptions(metricSelect, [
        { value: "auto", label: `Automatic: ${metricLabel(auto ? current.metric : null) || "best for the task"}` },
        ...current.metric_choices.map((m) => ({ value: m, label: metricLabel(m) })),
      ], model.get("metric_choice"));
      metric.help.textContent = `${metricLabel(current.metric)} (${current.direction === "minimize" ? "lower" : "higher"} is better): ${current.metric_reason}.`;
    }
    const isBinary = current.task === "binary";
    positive.row.hidden = !isBinary;
    if (isBinary) {
      const labels = (current.classes || []).map((c) => String(c.label));
      setOptions(positiveSelect, [{ value: "", label: `Automatic: ${current.positive_class}` },
        ...labels.map((l) => ({ value: l, label: l }))], model.get("positive_class"));
      positive.help.textContent = `The class the model looks for (F1, precision and recall are about it): ${current.positive_reason}.`;
    }

    details.hidden = false;
    if (current.classes) {
      balanceTitle.textContent = `Class balance (${fmtCount(current.n_classes)} class${current.n_classes === 1 ? "" : "es"})`;
      const max = Math.max(...current.classes.map((c) => c.fraction), 0.0001);
      balance.replaceChildren(...current.classes.flatMap((c) => [
        h("span", {}, String(c.label)),
        h("div", {}, h("div", {
          class: `jaml-balance-bar ${String(c.label) === String(current.positive_class) ? "jaml-balance-pos" : ""}`,
          style: { width: `${(100 * c.fraction) / max}%` },
        })),
        h("span", { class: "jaml-num" }, `${fmtCount(c.count)} (${fmtPercent(c.fraction)})`),
      ]));
    } else {
      balanceTitle.textContent = "Distribution of the target";
      balance.replaceChildren(h("span", {}, ""), sketchSvg(current.histogram, 320, 60),
        h("span", { class: "jaml-muted" }, current.histogram ? `${current.histogram.lo} to ${current.histogram.hi}` : ""));
    }
    validation.textContent = current.validation ? `Validation: ${current.validation.reason}.` : "";
    if (current.n_missing) validation.textContent += ` ${fmtCount(current.n_missing)} rows without a target are left out.`;
    notes.replaceChildren(...(current.notes || []).map((n) => h("div", { class: "jaml-note" }, n)));
  }

  const traits = ["target", "task", "metric_choice", "positive_class"];
  const onChange = () => render();
  for (const t of traits) model.on(`change:${t}`, onChange);
  return {
    update: (changes) => {
      if (changes.reset || changes.parts.has("target") || changes.parts.has("data")) render();
    },
    render,
    dispose: () => traits.forEach((t) => model.off(`change:${t}`, onChange)),
  };
}
