// pareto.js: the live Pareto front of a fairness-aware search (the engine's dominance rule) as SVG.
import { test } from "node:test";
import assert from "node:assert/strict";
import { objectiveOf, paretoFront, paretoPoints, paretoSummary, paretoSvg } from "../../js/lib/pareto.js";

const DP = "demographic_parity_difference";
const row = (trial, score, dp, status = "finished") => ({ trial, family: "linear", status, score, objectives: dp === undefined ? {} : { [DP]: dp } });
const ROWS = [
  row(0, 0.80, 0.20), // front: the most accurate
  row(1, 0.75, 0.05), // front
  row(2, 0.70, 0.10), // dominated by 1 (worse on both)
  row(3, 0.72, 0.01), // front: the fairest
  row(4, 0.75, 0.05), // the same point as 1: neither dominates the other
  row(5, 0.90, null), // no disparity (NaN sent as null): left out
  row(6, 0.95, 0.0, "pruned"), // not finished: left out
];

test("the objective and the points come from finished rows with both values", () => {
  assert.equal(objectiveOf([row(9, 0.5, undefined), ...ROWS]), DP);
  assert.equal(objectiveOf([row(9, 0.5, undefined)]), null);
  assert.deepEqual(paretoPoints(ROWS).map((p) => p.trial), [0, 1, 2, 3, 4]);
  assert.deepEqual(paretoPoints([row(0, 0.5, undefined)]), []);
});

test("a trial is on the front unless another is as good on both and better on one", () => {
  assert.deepEqual([...paretoFront(paretoPoints(ROWS))].sort(), [0, 1, 3, 4]);
  // a loss (lower is better): the order of the scores flips
  const loss = [row(0, 0.3, 0.2), row(1, 0.5, 0.1), row(2, 0.6, 0.15)].map((r) => ({ ...r }));
  assert.deepEqual([...paretoFront(paretoPoints(loss), "minimize")].sort(), [0, 1]);
  assert.deepEqual([...paretoFront([])], []);
});

test("the chart highlights the front, fades the rest, rings the model", () => {
  const points = paretoPoints(ROWS);
  const svg = paretoSvg(points, { metric: "Accuracy", objective: "demographic parity difference", chosen: 3, selected: 0 });
  assert.match(svg, /data-n-points="5"/);
  assert.match(svg, /data-front="0,1,3,4"/);
  const groups = [...svg.matchAll(/<g class="([^"]+)" data-trial="(\d+)" data-front="(true|false)">/g)].map((m) => ({ cls: m[1], trial: Number(m[2]), front: m[3] === "true" }));
  assert.equal(groups.length, 5);
  assert.deepEqual(groups.filter((g) => !g.front).map((g) => g.trial), [2]);
  assert.ok(groups.find((g) => g.trial === 2).cls.includes("jaml-pareto-dominated"));
  assert.ok(groups.find((g) => g.trial === 3).cls.includes("jaml-pareto-chosen"));
  assert.ok(groups.find((g) => g.trial === 0).cls.includes("jaml-pareto-selected"));
  assert.equal(groups.at(-1).front, true); // the front is drawn on top
  assert.match(svg, /<path class="jaml-pareto-line" d="M[^"]+L/);
  assert.match(svg, /aria-label="Score against demographic parity difference: 5 finished trials, 4 on the front/);
  // higher is better on the chart: the most accurate trial is drawn highest (smallest y)
  const cy = (t) => Number(svg.match(new RegExp(`data-trial="${t}"[^>]*>.*?class="jaml-pareto-dot" cx="[\\d.]+" cy="([\\d.]+)"`))[1]);
  assert.ok(cy(0) < cy(1) && cy(1) < cy(2));
  const lossSvg = paretoSvg(paretoPoints(ROWS), { direction: "minimize" });
  const cyLoss = (t) => Number(lossSvg.match(new RegExp(`data-trial="${t}"[^>]*>.*?class="jaml-pareto-dot" cx="[\\d.]+" cy="([\\d.]+)"`))[1]);
  assert.ok(cyLoss(0) > cyLoss(2)); // a loss: the lowest drawn highest
});

test("text is escaped and an empty chart says what will come", () => {
  assert.match(paretoSvg([]), /Each trial appears here as it finishes/);
  assert.match(paretoSummary([], new Set()), /No trial has finished yet/);
  const svg = paretoSvg([{ trial: 1, score: 0.5, disparity: 0.1, family: "<b>" }], { metric: "a&b" });
  assert.ok(!svg.includes("<b>") && svg.includes("&lt;b&gt;") && svg.includes("a&amp;b"));
  assert.match(paretoSummary(paretoPoints([row(1, 0.5, 0.1)]), new Set([1]), { chosen: 1 }), /beats every other on both\. Trial 1 is the model\./);
});
