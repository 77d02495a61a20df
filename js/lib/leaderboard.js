// The live leaderboard (the best finished trials) and the list of failed trials.

import { h } from "./dom.js";
import { familyColors, updateTop } from "./chart-math.js";
import { fmtCount, fmtParams, fmtScore, fmtSeconds, metricLabel } from "./format.js";
import { keepFocus, scrollArea } from "./ui.js";

export const TOP_K = 10;
export const MAX_FAILURES_SHOWN = 20;

export const PARAMS_SHOWN = 4;

/** A configuration that wraps; beyond PARAMS_SHOWN settings, the rest opens on request. */
export function paramsCell(params) {
  const n = Object.keys(params || {}).length;
  if (n <= PARAMS_SHOWN) return fmtParams(params);
  return h("details", { class: "jaml-params-more" },
    h("summary", { "aria-label": `Configuration: ${n} settings; open to see all` }, fmtParams(params, PARAMS_SHOWN)),
    h("div", {}, fmtParams(Object.fromEntries(Object.entries(params).slice(PARAMS_SHOWN)))));
}

/**
 * The best finished trials, live. With `select` ({has(trial), full(), toggle(trial, on)}) each row
 * starts with a labelled checkbox (the Results step ticks trials to compare); `onRows(trials)`
 * hears which trials are shown after each render.
 */
export function createLeaderboard(container, store, getMeta, { select = null, onRows = null } = {}) {
  const caption = h("caption", {}, "");
  const body = h("tbody");
  const table = h("table", { class: "jaml-table jaml-leaderboard", "data-testid": "leaderboard" },
    caption,
    h("thead", {}, h("tr", {},
      select ? h("th", { scope: "col" }, "Compare") : null,
      h("th", { scope: "col" }, "#"),
      h("th", { scope: "col" }, "Trial"),
      h("th", { scope: "col" }, "Model family"),
      h("th", { scope: "col", class: "jaml-num", "data-testid": "leaderboard-metric" }, "Score"),
      h("th", { scope: "col", class: "jaml-num" }, "Took"),
      h("th", { scope: "col" }, "Configuration"))),
    body);
  const failTitle = h("div", { class: "jaml-subtitle" });
  const failList = h("ul", { class: "jaml-failures", "data-testid": "failures", tabindex: "0", "aria-label": "Failed trials" });
  const failBox = h("div", { class: "jaml-failbox", hidden: true }, failTitle, failList);
  container.append(scrollArea("Leaderboard table", {}, table), failBox);

  let top = [];
  let direction = null;

  function render(changes) {
    const m = getMeta() || {};
    const dir = m.direction || "maximize";
    if (changes.reset || dir !== direction) {
      direction = dir;
      top = [];
      updateTop(top, store.trials, dir, TOP_K);
    } else {
      updateTop(top, changes.rows, dir, TOP_K);
    }
    const colors = familyColors(Object.keys(m.families || {}));
    const nFinished = store.trials.filter((r) => r.status === "finished").length;
    caption.textContent = nFinished
      ? `The best ${Math.min(TOP_K, nFinished)} of ${fmtCount(nFinished)} finished trials (${metricLabel(m.metric)}, ${dir === "minimize" ? "lower" : "higher"} is better)`
      : "No trial has finished yet.";
    // rows are rebuilt on every change; a ticked checkbox keeps the keyboard focus
    keepFocus(body, () => body.replaceChildren(...top.map((r, i) =>
      h("tr", { "data-testid": "leaderboard-row", class: i === 0 ? "jaml-best" : "" },
        select ? h("td", {}, compareBox(r.trial)) : null,
        h("td", {}, String(i + 1)),
        h("td", {}, String(r.trial)),
        h("td", {}, h("span", { class: "jaml-dot", style: { background: colors[r.family] || "gray" } }), " ",
          (m.families || {})[r.family] || r.family),
        h("td", { class: "jaml-num" }, fmtScore(r.score) + (r.std ? ` ± ${fmtScore(r.std, 3)}` : "")),
        h("td", { class: "jaml-num" }, fmtSeconds(r.duration)),
        h("td", { class: "jaml-params" }, paramsCell(r.params))))));
    if (onRows) onRows(top.map((r) => r.trial));

    const failed = store.trials.filter((r) => r.status === "failed");
    failBox.hidden = failed.length === 0;
    failTitle.textContent = `${fmtCount(failed.length)} failed trial${failed.length === 1 ? "" : "s"} (the search goes on without them)`;
    failList.replaceChildren(...failed.slice(-MAX_FAILURES_SHOWN).reverse().map((r) =>
      h("li", { "data-testid": "failure" },
        h("strong", {}, `Trial ${r.trial} · ${(m.families || {})[r.family] || r.family}: `),
        r.reason)));
  }

  function compareBox(trial) {
    const on = select.has(trial);
    return h("input", {
      type: "checkbox", checked: on, disabled: !on && select.full(),
      "aria-label": `Compare trial ${trial}`, "data-testid": `compare-${trial}`,
      onchange: (e) => select.toggle(trial, e.target.checked),
    });
  }

  const unsubscribe = store.subscribe((_, changes) => render(changes));
  render({ reset: true, rows: [], parts: new Set() });
  return { render: () => render({ reset: true, rows: [], parts: new Set() }), dispose: unsubscribe };
}
