// throttle.js and format.js.
import { test } from "node:test";
import assert from "node:assert/strict";
import { perFrame, throttle } from "../../js/lib/throttle.js";
import { fmtParams, fmtScore, fmtSeconds, fmtValue, isBetter } from "../../js/lib/format.js";

test("throttle: leading call at once, one trailing call with the last arguments", () => {
  let now = 0;
  const timers = [];
  const calls = [];
  const t = throttle((x) => calls.push(x), 100, {
    now: () => now, timer: (fn, ms) => timers.push({ fn, at: now + ms }) - 1, clear: () => {},
  });
  t(1);
  t(2);
  t(3);
  assert.deepEqual(calls, [1]);
  now = 100;
  timers.shift().fn();
  assert.deepEqual(calls, [1, 3]);
});

test("throttle.flush runs the pending call now", () => {
  const calls = [];
  const t = throttle((x) => calls.push(x), 1000);
  t("a");
  t("b");
  t.flush();
  assert.deepEqual(calls, ["a", "b"]);
  t.cancel();
});

test("perFrame: many schedules, one run", () => {
  const frames = [];
  let runs = 0;
  const schedule = perFrame(() => runs++, { frame: (fn) => frames.push(fn) });
  schedule();
  schedule();
  schedule();
  assert.equal(frames.length, 1);
  frames[0]();
  assert.equal(runs, 1);
});

test("formatting for people", () => {
  assert.equal(fmtScore(0.912345), "0.9123");
  assert.equal(fmtScore(null), "–");
  assert.equal(fmtScore(123456), "1.23e+5");
  assert.equal(fmtSeconds(4.21), "4.2 s");
  assert.equal(fmtSeconds(75), "1 min 15 s");
  assert.equal(fmtParams({ C: 0.5, penalty: "l2", n: 3 }, 2), "C=0.500, penalty=l2, +1 more");
  assert.ok(isBetter(0.2, 0.3, "minimize") && isBetter(0.3, null, "maximize") && !isBetter(null, 0.1, "maximize"));
});

test("a long list in a configuration shows its start and its length", () => {
  assert.equal(fmtValue(["a", "b", "c"]), "[a, b, c]");
  assert.equal(fmtValue(["a", "b", "c", "d", "e"]), "[a, b, c, d, e]");
  const columns = Array.from({ length: 12 }, (_, i) => `col${i}`);
  assert.equal(fmtValue(columns), "[col0, col1, col2, col3, … 12 in all]");
  assert.equal(fmtParams({ C: 1, feature_set: columns }), "C=1, feature_set=[col0, col1, col2, col3, … 12 in all]");
});
