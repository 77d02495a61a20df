// Live view of a running search. Placeholder until the wizard issue fills it in.
function render({ model, el }) {
  el.textContent = `jupyter_automl: ${model.get("status") ?? "idle"}`;
}
export default { render };
