// The live chart: every trial's score over time, colour per model family, the best-so-far line.
// Canvas (thousands of points stay cheap); redrawn at most once per animation frame.
// Hover, or focus it and use the arrow keys, to read a trial's configuration.

import { h } from "./dom.js";
import { bestSoFar, familyColors, nearest, niceTicks, scoredRows, tickLabel, yRange } from "./chart-math.js";
import { fmtParams, fmtScore, fmtSeconds, metricLabel } from "./format.js";
import { perFrame } from "./throttle.js";

const HEIGHT = 260;
const PAD = { left: 58, right: 14, top: 12, bottom: 46 };
const FAIL_LANE = 12; // px under the plot where failed trials are marked

function themeColors(el) {
  const css = getComputedStyle(el);
  const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {
    fg: v("--jp-ui-font-color1", "#222"),
    muted: v("--jp-ui-font-color2", "#666"),
    grid: v("--jp-border-color2", "#ddd"),
    bg: v("--jp-layout-color1", "#fff"),
    error: v("--jp-error-color1", "#d32f2f"),
    font: v("--jp-ui-font-family", "sans-serif"),
  };
}

/**
 * Mount the chart in `container`. `getMeta()` returns {families: {name: label}, metric,
 * direction, timeBudget}. Returns a cleanup function.
 */
export function createChart(container, store, getMeta) {
  const canvas = h("canvas", {
    class: "jaml-chart-canvas",
    tabindex: "0",
    role: "img",
    "aria-label": "Chart of the trials' scores: no trial has ended yet.",
    "data-testid": "chart",
    "data-n-points": "0",
  });
  const tooltip = h("div", { class: "jaml-tooltip", role: "status", hidden: true, "data-testid": "chart-tooltip" });
  const legend = h("div", { class: "jaml-legend", "data-testid": "chart-legend" });
  const wrap = h("div", { class: "jaml-chart" }, canvas, tooltip);
  container.append(wrap, legend);

  let points = []; // drawn points with pixel positions, in end-time order
  let active = -1; // index of the point shown in the tooltip
  let width = 600;

  const schedule = perFrame(draw);

  function meta() {
    const m = getMeta() || {};
    const names = Object.keys(m.families || {});
    return { ...m, names, colors: familyColors(names) };
  }

  function draw() {
    const m = meta();
    const css = themeColors(container);
    const dpr = window.devicePixelRatio || 1;
    width = Math.max(280, wrap.clientWidth || 600);
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(HEIGHT * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${HEIGHT}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    ctx.font = `11px ${css.font}`;

    const rows = store.trials;
    const scored = scoredRows(rows);
    const failed = rows.filter((r) => r.status === "failed");
    const direction = m.direction || "maximize";
    const { lo, hi, cut } = yRange(scored.map((r) => r.score), direction);
    const tMax = Math.max(m.timeBudget || 0, ...rows.map((r) => r.t * 1.04), 5);
    const plotW = width - PAD.left - PAD.right;
    const plotH = HEIGHT - PAD.top - PAD.bottom;
    const X = (t) => PAD.left + (t / tMax) * plotW;
    const Y = (s) => PAD.top + (1 - (Math.min(Math.max(s, lo), hi) - lo) / (hi - lo)) * plotH;

    // grid and axes
    ctx.strokeStyle = css.grid;
    ctx.fillStyle = css.muted;
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const yTicks = niceTicks(lo, hi, 5);
    const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : Math.abs(hi - lo);
    for (const v of yTicks) {
      const y = Math.round(Y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(width - PAD.right, y);
      ctx.stroke();
      ctx.fillText(tickLabel(v, yStep), PAD.left - 6, y);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of niceTicks(0, tMax, Math.max(2, Math.floor(plotW / 90)))) {
      const x = Math.round(X(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, PAD.top + plotH);
      ctx.lineTo(x, PAD.top + plotH + 4);
      ctx.stroke();
      ctx.fillText(`${v}`, x, PAD.top + plotH + FAIL_LANE + 6);
    }
    ctx.fillText("seconds since the search started", PAD.left + plotW / 2, HEIGHT - 14);
    ctx.save();
    ctx.translate(12, PAD.top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    const better = direction === "minimize" ? "lower is better" : "higher is better";
    ctx.fillText(`${metricLabel(m.metric)} (${better})`, 0, -6);
    ctx.restore();
    ctx.strokeStyle = css.grid;
    ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, plotW, plotH);

    // points: finished filled, pruned/stopped hollow, a supernet's untrained candidates as hollow
    // squares, failed as crosses under the plot
    points = [];
    for (const r of rows) {
      const color = m.colors[r.family] || css.muted;
      const x = X(r.t);
      if (r.status === "failed") {
        const y = PAD.top + plotH + FAIL_LANE / 2 + 1;
        ctx.strokeStyle = css.error;
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(x - 3, y - 3);
        ctx.lineTo(x + 3, y + 3);
        ctx.moveTo(x + 3, y - 3);
        ctx.lineTo(x - 3, y + 3);
        ctx.stroke();
        points.push({ x, y, row: r });
        continue;
      }
      if (r.score === null || r.score === undefined) continue;
      const y = Y(r.score);
      const clipped = cut !== null && (direction === "minimize" ? r.score > cut : r.score < cut);
      ctx.lineWidth = 1.5;
      if (clipped) {
        // off the scale: a triangle at the edge, pointing away
        const dir = direction === "minimize" ? -1 : 1;
        ctx.fillStyle = color;
        ctx.beginPath();
        ctx.moveTo(x, y + dir * 4);
        ctx.lineTo(x - 4, y - dir * 3);
        ctx.lineTo(x + 4, y - dir * 3);
        ctx.closePath();
        ctx.fill();
      } else if (r.status === "finished") {
        ctx.fillStyle = color;
        ctx.beginPath();
        ctx.arc(x, y, 4, 0, 2 * Math.PI);
        ctx.fill();
      } else if (r.inherited) {
        ctx.strokeStyle = color;
        ctx.strokeRect(x - 3, y - 3, 6, 6);
      } else {
        ctx.strokeStyle = color;
        ctx.beginPath();
        ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
        ctx.stroke();
      }
      points.push({ x, y, row: r });
    }

    // best so far: a step line to the latest time
    const best = bestSoFar(rows, direction);
    if (best.length) {
      const tEnd = Math.max(...rows.map((r) => r.t));
      ctx.strokeStyle = css.fg;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(X(best[0].t), Y(best[0].score));
      for (let i = 1; i < best.length; i++) {
        ctx.lineTo(X(best[i].t), Y(best[i - 1].score));
        ctx.lineTo(X(best[i].t), Y(best[i].score));
      }
      ctx.lineTo(X(tEnd), Y(best[best.length - 1].score));
      ctx.stroke();
    }

    if (!rows.length) {
      ctx.fillStyle = css.muted;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.font = `13px ${css.font}`;
      ctx.fillText("Each trial appears here when it ends.", PAD.left + plotW / 2, PAD.top + plotH / 2);
    }

    // the highlighted point
    if (active >= 0 && active < points.length) {
      const p = points[active];
      ctx.strokeStyle = css.fg;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(p.x, p.y, 7, 0, 2 * Math.PI);
      ctx.stroke();
    }

    const nFinished = rows.filter((r) => r.status === "finished").length;
    canvas.dataset.nPoints = String(points.length);
    canvas.dataset.nRows = String(rows.length); // every ended trial, drawn or not (no score yet)
    canvas.setAttribute(
      "aria-label",
      `Chart of ${rows.length} trials (${nFinished} finished, ${failed.length} failed). ` +
        "Use the left and right arrow keys to read each trial.",
    );
    drawLegend(m, rows, css);
  }

  function drawLegend(m, rows, css) {
    const present = new Set(points.map((p) => p.row.family));
    const names = m.names.filter((n) => present.has(n));
    const items = names.map((n) =>
      h("span", { class: "jaml-legend-item" },
        h("span", { class: "jaml-dot", style: { background: m.colors[n] } }),
        (m.families || {})[n] || n),
    );
    if (rows.length) {
      items.push(h("span", { class: "jaml-legend-item" }, h("span", { class: "jaml-line" }), "best so far"));
      if (rows.some((r) => (r.status === "pruned" || r.status === "stopped") && !r.inherited)) {
        items.push(h("span", { class: "jaml-legend-item" }, h("span", { class: "jaml-dot jaml-hollow" }), "pruned or stopped early"));
      }
      if (rows.some((r) => r.inherited)) {
        items.push(h("span", { class: "jaml-legend-item", "data-testid": "legend-inherited" },
          h("span", { class: "jaml-dot jaml-hollow jaml-square" }), "scored with the supernet's shared weights, not trained"));
      }
      if (rows.some((r) => r.status === "failed")) {
        items.push(h("span", { class: "jaml-legend-item" }, h("span", { class: "jaml-cross" }, "×"), "failed"));
      }
    }
    legend.replaceChildren(...items);
    void css;
  }

  function showTooltip(i) {
    active = i;
    if (i < 0 || i >= points.length) {
      tooltip.hidden = true;
      schedule();
      return;
    }
    const { x, y, row } = points[i];
    const m = meta();
    const label = (m.families || {})[row.family] || row.family;
    const lines = [h("strong", {}, `Trial ${row.trial} · ${label}`)];
    if (row.status === "failed") lines.push(h("div", { class: "jaml-error-text" }, `failed: ${row.reason}`));
    else {
      const sd = row.std !== null && row.std !== undefined ? ` ± ${fmtScore(row.std, 3)}` : "";
      lines.push(h("div", {}, `${metricLabel(m.metric)} ${fmtScore(row.score)}${sd}`));
      if (row.status !== "finished") lines.push(h("div", { class: "jaml-muted" }, row.reason));
    }
    lines.push(h("div", { class: "jaml-muted" }, `ended at ${fmtSeconds(row.t)}` + (row.duration ? `, took ${fmtSeconds(row.duration)}` : "")));
    const params = fmtParams(row.params);
    if (params) lines.push(h("div", { class: "jaml-params" }, params));
    tooltip.replaceChildren(...lines);
    tooltip.hidden = false;
    // beside the point, on the side with room, so that it never hides the point itself
    const left = x > width / 2 ? Math.max(4, x - 14 - 250) : Math.min(x + 14, width - 254);
    tooltip.style.left = `${left}px`;
    tooltip.style.top = `${Math.max(4, y - 10)}px`;
    schedule();
  }

  function onMove(event) {
    const rect = canvas.getBoundingClientRect();
    showTooltip(nearest(points, event.clientX - rect.left, event.clientY - rect.top, 12));
  }
  function onLeave() {
    if (document.activeElement !== canvas) showTooltip(-1);
  }
  function onKey(event) {
    if (!points.length) return;
    if (event.key === "ArrowRight" || event.key === "ArrowUp") showTooltip(Math.min(points.length - 1, active + 1));
    else if (event.key === "ArrowLeft" || event.key === "ArrowDown") showTooltip(Math.max(0, active < 0 ? points.length - 1 : active - 1));
    else if (event.key === "Home") showTooltip(0);
    else if (event.key === "End") showTooltip(points.length - 1);
    else if (event.key === "Escape") showTooltip(-1);
    else return;
    event.preventDefault();
  }
  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", onLeave);
  canvas.addEventListener("keydown", onKey);
  canvas.addEventListener("blur", () => showTooltip(-1));

  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(() => schedule()) : null;
  resize?.observe(wrap);
  // JupyterLab switches themes by changing attributes on <body>: redraw with the new colours
  const themeObserver = new MutationObserver(() => schedule());
  themeObserver.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"] });

  const unsubscribe = store.subscribe(() => draw());
  schedule();

  return {
    redraw: schedule,
    dispose() {
      unsubscribe();
      resize?.disconnect();
      themeObserver.disconnect();
      wrap.remove();
      legend.remove();
    },
  };
}
