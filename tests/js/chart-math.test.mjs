// chart-math.js: the best-so-far line, the robust y range, ticks, hit testing, top-k.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bestSoFar, nearest, niceTicks, tickLabel, updateTop, yRange } from "../../js/lib/chart-math.js";

const r = (trial, t, score, status = "finished") => ({ trial, t, score, status });

test("best so far follows end time and direction", () => {
  const rows = [r(0, 1, 0.7), r(2, 2, 0.75), r(1, 3, 0.72), r(3, 4, 0.8, "pruned"), r(4, 5, 0.9)];
  assert.deepEqual(bestSoFar(rows, "maximize").map((p) => p.trial), [0, 2, 4]);
  assert.deepEqual(bestSoFar(rows, "minimize").map((p) => p.trial), [0]);
});

test("a far tail of bad scores is cut so that good scores stay readable", () => {
  const good = [0.30, 0.31, 0.32, 0.33, 0.34, 0.35, 0.36, 0.37, 0.38];
  const range = yRange([...good, 9.5], "minimize"); // one diverged log loss
  assert.ok(range.cut !== null && range.cut < 1);
  assert.ok(range.hi < 1 && range.lo < 0.30);
  const plain = yRange(good, "minimize");
  assert.equal(plain.cut, null);
  assert.ok(plain.lo < 0.30 && plain.hi > 0.38);
  assert.deepEqual(yRange([], "maximize"), { lo: 0, hi: 1, cut: null });
  const flat = yRange([0.5, 0.5], "maximize");
  assert.ok(flat.lo < 0.5 && flat.hi > 0.5);
});

test("two close scores do not fill the axis as if they were far apart", () => {
  const close = yRange([0.9271, 0.9273], "maximize");
  const span = close.hi - close.lo;
  assert.ok(span >= 0.02 * 0.9273, `span ${span}`);
  // the two points sit in the middle tenth of the axis, not at its edges
  assert.ok((0.9271 - close.lo) / span > 0.45 && (close.hi - 0.9273) / span > 0.45);
  const top = yRange([0.998, 0.999], "maximize"); // accuracy near 1: the axis does not pass 1 (+ padding)
  assert.ok(top.hi <= 1 + 0.06 * (top.hi - top.lo) + 1e-12 && top.lo < 0.98);
  const big = yRange([1500, 1501], "minimize"); // RMSE in the thousands
  assert.ok(big.hi - big.lo >= 30);
  const far = yRange([0.70, 0.90], "maximize"); // far apart: unchanged, 6 % padding
  assert.ok(Math.abs(far.lo - (0.70 - 0.012)) < 1e-12 && Math.abs(far.hi - (0.90 + 0.012)) < 1e-12);
});

test("ticks are round and cover the range", () => {
  assert.deepEqual(niceTicks(0, 15, 6), [0, 2.5, 5, 7.5, 10, 12.5, 15]);
  const t = niceTicks(0.7512, 0.7931, 5);
  assert.ok(t.length >= 3 && t.every((v) => v >= 0.7512 && v <= 0.7931));
});

test("nearest point within the radius", () => {
  const pts = [{ x: 10, y: 10 }, { x: 50, y: 50 }];
  assert.equal(nearest(pts, 48, 47, 12), 1);
  assert.equal(nearest(pts, 100, 100, 12), -1);
});

test("top-k keeps the best finished rows in order, updating in place", () => {
  const top = [];
  updateTop(top, [r(0, 1, 0.5), r(1, 2, 0.9), r(2, 3, 0.7), r(3, 4, 0.95, "failed")], "maximize", 2);
  assert.deepEqual(top.map((x) => x.trial), [1, 2]);
  updateTop(top, [r(4, 5, 0.8)], "maximize", 2);
  assert.deepEqual(top.map((x) => x.trial), [1, 4]);
  const low = [];
  updateTop(low, [r(0, 1, 0.5), r(1, 2, 0.2), r(2, 3, 0.9)], "minimize", 3);
  assert.deepEqual(low.map((x) => x.trial), [1, 0, 2]);
});

test("tick labels tell neighbouring ticks apart", () => {
  const ticks = niceTicks(0.75952, 0.75985, 5);
  const labels = ticks.map((v) => tickLabel(v, ticks[1] - ticks[0]));
  assert.equal(new Set(labels).size, labels.length);
  assert.equal(tickLabel(0.5, 0.1), "0.5");
  assert.equal(tickLabel(7.5, 2.5), "7.5");
  assert.equal(tickLabel(10, 5), "10");
});
