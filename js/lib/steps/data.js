// Step 1, Data: a demo dataset, a DataFrame of the notebook, an uploaded file (or the frame
// given to Wizard(df)); then a preview and a profile of every column.

import { h } from "../dom.js";
import { KIND_LABELS, fmtCount, fmtPercent } from "../format.js";
import { alertBox, scrollArea, select, setOptions, setTrait, showAlert, simpleTable, sketchSvg } from "../ui.js";

export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

export function createDataStep(el, { model, store, request }) {
  const kinds = [
    { value: "demo", label: "A demo dataset" },
    { value: "variable", label: "A DataFrame in this notebook" },
    { value: "upload", label: "A CSV or Parquet file" },
  ];
  let kind = (model.get("source") || {}).kind || "demo";
  const radios = h("div", { class: "jaml-choices", role: "radiogroup", "aria-label": "Where the data comes from" });
  const demoSelect = select([], "", { "data-testid": "demo-select", "aria-label": "Demo dataset" });
  const demoHelp = h("div", { class: "jaml-muted" });
  const frameSelect = select([], "", { "data-testid": "frame-select", "aria-label": "DataFrame" });
  const refresh = h("button", { class: "jaml-button", type: "button", "data-testid": "refresh-frames" }, "Refresh the list");
  const fileInput = h("input", { type: "file", accept: ".csv,.tsv,.txt,.gz,.parquet,.pq", "data-testid": "upload" });
  const givenLine = h("div", {});
  const pickers = {
    demo: h("div", { class: "jaml-field" }, h("label", {}, "Dataset"), demoSelect, h("div", { class: "jaml-help" }, demoHelp)),
    variable: h("div", { class: "jaml-field" }, h("label", {}, "DataFrame"), h("div", { class: "jaml-buttons" }, frameSelect, refresh)),
    upload: h("div", { class: "jaml-field" }, h("label", {}, "File"), fileInput,
      h("div", { class: "jaml-help" }, "CSV (comma or semicolon), TSV, gzipped CSV or Parquet; it is read in the kernel.")),
    given: h("div", {}, givenLine),
  };
  const error = alertBox("", "data-error");
  const summary = h("div", { class: "jaml-title", "data-testid": "data-summary" });
  const description = h("div", { class: "jaml-muted" });
  const preview = scrollArea("The first rows", { "data-testid": "preview" });
  const profile = scrollArea("Columns", { vertical: true, "data-testid": "profile" });
  const loaded = h("div", { hidden: true },
    h("div", { class: "jaml-card" }, summary, description),
    h("div", { class: "jaml-card" }, h("div", { class: "jaml-subtitle" }, "The first rows"), preview),
    h("div", { class: "jaml-card" }, h("div", { class: "jaml-subtitle" }, "Columns"), profile));
  el.append(h("div", { class: "jaml-card" }, radios, ...Object.values(pickers)), error, loaded);

  function choose(source) {
    showAlert(error, "");
    setTrait(model, "source", source);
  }
  demoSelect.addEventListener("change", () => demoSelect.value && choose({ kind: "demo", name: demoSelect.value }));
  frameSelect.addEventListener("change", () => frameSelect.value && choose({ kind: "variable", name: frameSelect.value }));
  refresh.addEventListener("click", () => request("refresh_sources").catch((e) => showAlert(error, e.message)));
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    if (file.size > MAX_UPLOAD_BYTES) {
      showAlert(error, `${file.name} is ${Math.round(file.size / 1e6)} MB; uploads are limited to ${MAX_UPLOAD_BYTES / 1e6} MB. Read it with pandas in a cell and pick the DataFrame instead.`);
      return;
    }
    showAlert(error, "");
    try {
      const buffer = await file.arrayBuffer();
      await request("upload", { name: file.name }, { buffers: [buffer] });
    } catch (err) {
      showAlert(error, err.message);
    }
  });

  function renderRadios() {
    const sources = store.parts.sources || {};
    const options = sources.given ? [{ value: "given", label: "The DataFrame given to Wizard()" }, ...kinds] : kinds;
    radios.replaceChildren(...options.map((o) =>
      h("label", {},
        h("input", {
          type: "radio", name: "jaml-source", value: o.value, checked: o.value === kind,
          "data-testid": `source-${o.value}`,
          onchange: () => {
            kind = o.value;
            if (kind === "given") choose({ kind: "given", name: sources.given_name });
            render();
          },
        }), o.label)));
  }

  function render() {
    const sources = store.parts.sources || { demos: [], frames: [] };
    const source = model.get("source") || {};
    renderRadios();
    for (const [k, node] of Object.entries(pickers)) node.hidden = k !== kind;
    setOptions(demoSelect, [{ value: "", label: "Choose a dataset…" },
      ...(sources.demos || []).map((d) => ({ value: d.name, label: `${d.name}: ${d.description}` }))],
      source.kind === "demo" ? source.name : "");
    demoHelp.textContent = "Small public datasets that ship with jupyter_automl, for trying things out.";
    const frames = sources.frames || [];
    setOptions(frameSelect, [{ value: "", label: frames.length ? "Choose a DataFrame…" : "No DataFrame in the notebook yet" },
      ...frames.map((f) => ({ value: f.name, label: `${f.name} (${fmtCount(f.rows)} × ${f.cols})` }))],
      source.kind === "variable" ? source.name : "");
    givenLine.textContent = sources.given ? "Using the DataFrame given to Wizard()." : "";

    const data = store.parts.data;
    if (!data) {
      showAlert(error, sources.error || "");
      loaded.hidden = true;
      return;
    }
    if (data.error) {
      showAlert(error, data.error);
      loaded.hidden = true;
      return;
    }
    showAlert(error, "");
    loaded.hidden = false;
    summary.textContent = `${data.name}: ${fmtCount(data.rows)} rows × ${fmtCount(data.cols)} columns`;
    description.textContent = data.description || "";
    preview.replaceChildren(simpleTable(data.preview));
    profile.replaceChildren(h("table", { class: "jaml-table" },
      h("thead", {}, h("tr", {}, ["Column", "Type", "Missing", "Distinct", "Distribution", "Note"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, data.profile.map((c) =>
        h("tr", {},
          h("td", {}, c.name),
          h("td", {}, h("span", { class: `jaml-kind ${["id", "constant", "empty", "noise"].includes(c.kind) ? "jaml-kind-dropped" : ""}`, title: c.dtype }, KIND_LABELS[c.kind] || c.kind)),
          h("td", { class: "jaml-num" }, fmtPercent(c.missing, c.missing > 0 && c.missing < 0.01 ? 1 : 0)),
          h("td", { class: "jaml-num" }, fmtCount(c.n_unique)),
          h("td", {}, sketchSvg(c.sketch)),
          h("td", { class: "jaml-wrap jaml-muted" }, c.note || ""))))));
  }

  const onSource = () => {
    kind = (model.get("source") || {}).kind || kind;
    render();
  };
  model.on("change:source", onSource);
  return {
    update: (changes) => {
      if (changes.reset || changes.parts.has("data") || changes.parts.has("sources")) render();
    },
    render,
    dispose: () => model.off("change:source", onSource),
  };
}
