// Small form helpers shared by the wizard steps.

import { h } from "./dom.js";

let uid = 0;
export function nextId(prefix = "jaml") {
  uid += 1;
  return `${prefix}-${uid}-${Math.random().toString(36).slice(2, 6)}`;
}

/** A labelled row: label, control, and an optional help line under it. */
export function field(label, control, help = null) {
  const id = control.id || nextId("f");
  control.id = id;
  const helpEl = help === null ? null : h("div", { class: "jaml-help" }, help);
  if (helpEl) {
    helpEl.id = `${id}-help`;
    control.setAttribute("aria-describedby", helpEl.id);
  }
  return { row: h("div", { class: "jaml-field" }, h("label", { for: id }, label), control, helpEl), help: helpEl };
}

/** <select> with [{value, label}] options; value compared as text. */
export function select(options, value, attrs = {}) {
  const el = h("select", attrs);
  setOptions(el, options, value);
  return el;
}

export function setOptions(el, options, value) {
  const wanted = value === null || value === undefined ? "" : String(value);
  el.replaceChildren(...options.map((o) => h("option", { value: String(o.value) }, o.label)));
  el.value = wanted;
  if (el.value !== wanted && options.length) el.selectedIndex = -1;
}

export function alertBox(text, testid) {
  return h("div", { class: "jaml-alert", role: "alert", "data-testid": testid, hidden: !text }, text || "");
}

export function showAlert(el, text) {
  el.textContent = text || "";
  el.hidden = !text;
}

/** Save a trait change now (the kernel applies it at once; no throttling needed for clicks). */
export function setTrait(model, name, value) {
  model.set(name, value);
  model.save_changes();
}

export function updateSettings(model, patch) {
  setTrait(model, "settings", { ...(model.get("settings") || {}), ...patch });
}

/** A tiny histogram or bar sketch as inline SVG. */
export function sketchSvg(sketch, width = 90, height = 22) {
  if (!sketch || !sketch.counts || !sketch.counts.length) return h("span", { class: "jaml-muted" }, "–");
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("class", "jaml-sketch");
  svg.setAttribute("role", "img");
  const max = Math.max(...sketch.counts, 1);
  const n = sketch.counts.length;
  const gap = sketch.type === "bars" ? 3 : 1;
  const bw = (width - gap * (n - 1)) / n;
  sketch.counts.forEach((c, i) => {
    const rect = document.createElementNS(ns, "rect");
    const bh = Math.max(1, (c / max) * (height - 1));
    rect.setAttribute("x", String(i * (bw + gap)));
    rect.setAttribute("y", String(height - bh));
    rect.setAttribute("width", String(Math.max(1, bw)));
    rect.setAttribute("height", String(bh));
    svg.append(rect);
  });
  const title = document.createElementNS(ns, "title");
  title.textContent = sketch.type === "bars"
    ? sketch.labels.map((l, i) => `${l}: ${sketch.counts[i]}`).join("\n")
    : `from ${sketch.lo} to ${sketch.hi}`;
  svg.append(title);
  return svg;
}

/**
 * A box that scrolls a wide or tall table: a named region the keyboard can reach and scroll
 * (a person without a mouse could not read what is out of view otherwise; axe-core
 * "scrollable-region-focusable"). `vertical` also limits its height.
 */
export function scrollArea(label, attrs = {}, ...children) {
  const { vertical = false, ...rest } = attrs;
  return h("div", {
    class: `jaml-scroll${vertical ? " jaml-scroll-y" : ""}`, role: "region", "aria-label": label, tabindex: "0", ...rest,
  }, ...children);
}

export const WRAP_AT = 60; // characters: a longer text cell (a configuration) wraps instead of widening the table

/** A table from {columns, rows}. */
export function simpleTable({ columns, rows }, attrs = {}) {
  return h("table", { class: "jaml-table", ...attrs },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((v) =>
      h("td", { class: typeof v === "number" ? "jaml-num" : typeof v === "string" && v.length > WRAP_AT ? "jaml-wrap" : "" },
        v === null || v === undefined ? h("span", { class: "jaml-muted" }, "missing") : String(v)))))));
}

/** Run `rebuild()` (which replaces elements) and give the focus back to the same test id. */
export function keepFocus(root, rebuild) {
  const active = typeof document !== "undefined" ? document.activeElement : null;
  const id = active && root.contains(active) ? active.getAttribute("data-testid") : null;
  rebuild();
  if (id) root.querySelector(`[data-testid="${CSS.escape(id)}"]`)?.focus();
}
