// curves.js: the learning-curve chart of the "nas" networks as SVG markup, its legend and summary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { curveStyle, curvesSummary, curvesSvg, epochTicks, epochX, legendOf } from "../../js/lib/curves.js";

const PART = {
  best: 2,
  max_epochs: 27,
  rungs: [3, 9],
  trials: [
    { trial: 0, status: "finished", scores: Array.from({ length: 27 }, (_, i) => 0.8 + 0.005 * i), score: 0.9, reason: "" },
    { trial: 1, status: "pruned", scores: [0.5, 0.55, 0.6], score: null, reason: "pruned at epoch 3 of 27 (fold 1): ..." },
    { trial: 2, status: "finished", scores: Array.from({ length: 27 }, (_, i) => 0.85 + 0.005 * i), score: 0.95, reason: "" },
    { trial: 3, status: "running", scores: Array.from({ length: 27 }, () => 0.7), score: null, reason: "" },
  ],
};

const groups = (svg) => [...svg.matchAll(/<g class="jaml-curve jaml-curve-(\w+)" data-trial="(\d+)" data-status="\w+" data-epochs="(\d+)">/g)]
  .map((m) => ({ style: m[1], trial: Number(m[2]), epochs: Number(m[3]) }));

test("one line per network; the pruned one ends at its epoch with a cross; the best is drawn last", () => {
  const svg = curvesSvg(PART, { metric: "ROC AUC" });
  assert.match(svg, /^<svg [^>]*data-n-curves="4"/);
  const g = groups(svg);
  assert.deepEqual(g.map((x) => x.trial).sort(), [0, 1, 2, 3]);
  assert.equal(g[g.length - 1].trial, 2);
  assert.equal(g[g.length - 1].style, "best");
  assert.deepEqual(g.find((x) => x.trial === 1), { style: "pruned", trial: 1, epochs: 3 });
  assert.match(svg, /class="jaml-curve-end"/); // the cross
  assert.match(svg, /trial 2<\/text>/); // the best is labelled at its end
  assert.equal((svg.match(/class="jaml-curves-rung"/g) || []).length, 2); // epochs 3 and 9
  assert.match(svg, /ROC AUC \(higher is better\)/);
  assert.doesNotMatch(svg, /NaN|undefined/);
});

test("epochs run on a log scale with the rungs as ticks", () => {
  assert.equal(epochX(1, 100, 0, 100), 0);
  assert.equal(epochX(100, 100, 0, 100), 100);
  assert.ok(Math.abs(epochX(10, 100, 0, 100) - 50) < 1e-9);
  assert.deepEqual(epochTicks(100, [30, 90]), [1, 3, 10, 30, 100]);  // 90 would overlap 100
  assert.deepEqual(epochTicks(100, [3, 9, 27, 81]), [1, 3, 9, 27, 100]);  // 10 and 30 would overlap too
  assert.deepEqual(epochTicks(20, [6, 18]), [1, 3, 6, 10, 20]);
  assert.deepEqual(epochTicks(3, []), [1, 3]);
});

test("the legend lists the styles present; the summary names the best and where networks stopped", () => {
  assert.deepEqual(legendOf(PART).map((s) => s.status), ["finished", "running", "pruned", "best"]);
  assert.equal(curveStyle(PART.trials[2], 2), "best");
  const text = curvesSummary(PART, "ROC AUC");
  assert.match(text, /^4 networks; 1 stopped early \(at epoch 3\); best: trial 2, ROC AUC 0\.9800 after 27 epochs \(0\.9500 over all folds\)\.$/);
});

test("text is escaped and an empty part says what will come", () => {
  const svg = curvesSvg({ trials: [], best: null, max_epochs: 0, rungs: [] }, { metric: "a<b" });
  assert.match(svg, /a&lt;b/);
  assert.match(svg, /data-n-curves="0"/);
  assert.match(curvesSummary({ trials: [] }), /No network has been scored yet/);
});

test("the y range holds every score: a network's first epochs are not clipped", () => {
  const svg = curvesSvg({ best: null, max_epochs: 9, rungs: [3], trials: [
    { trial: 0, status: "finished", scores: [5.0, 0.9, 0.5, 0.3, 0.2, 0.15, 0.12, 0.1, 0.1], score: 0.1, reason: "" },
    { trial: 1, status: "finished", scores: [4.0, 0.8, 0.4, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2], score: 0.2, reason: "" },
  ] }, { direction: "minimize" });
  const ys = [...svg.matchAll(/class="jaml-curve-line" d="([^"]+)"/g)].map((m) => m[1].split(/[ML]/).filter(Boolean).map((p) => Number(p.trim().split(" ")[1])));
  for (const curve of ys) assert.ok(curve[0] < curve[1], "the first epoch (worst) is drawn above the second");
});
