// compare.js: ticking trials to compare, the hint, and how a cell of the comparison reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { canCompare, cellText, compareCaption, compareHint, keepShown, toggleTrial } from "../../js/lib/compare.js";

const LIMITS = { min: 2, max: 4 };

test("ticking keeps the order, unticking removes, and a fifth tick is refused", () => {
  let s = [];
  for (const t of [7, 3, 9, 1]) s = toggleTrial(s, t, true, LIMITS);
  assert.deepEqual(s, [7, 3, 9, 1]);
  assert.deepEqual(toggleTrial(s, 5, true, LIMITS), [7, 3, 9, 1]);
  s = toggleTrial(s, 3, false, LIMITS);
  assert.deepEqual(s, [7, 9, 1]);
  assert.deepEqual(toggleTrial(s, 7, true, LIMITS), [9, 1, 7]); // ticked again: moves last, once
});

test("compare is possible with two to four trials only", () => {
  assert.equal(canCompare([1], LIMITS), false);
  assert.equal(canCompare([1, 2], LIMITS), true);
  assert.equal(canCompare([1, 2, 3, 4], LIMITS), true);
  assert.equal(canCompare([1, 2, 3, 4, 5], LIMITS), false);
});

test("trials the leaderboard no longer shows are unticked", () => {
  assert.deepEqual(keepShown([4, 2, 8], [8, 4, 5]), [4, 8]);
});

test("the hint says what to do next", () => {
  assert.match(compareHint([], LIMITS), /Tick 2 to 4 trials/);
  assert.equal(compareHint([5], LIMITS), "Trial 5 ticked: tick 1 more to compare.");
  assert.equal(compareHint([5, 2], LIMITS), "Trials 5 and 2 ticked.");
  assert.match(compareHint([5, 2, 1, 0], LIMITS), /^Trials 5, 2, 1 and 0 ticked \(at most 4/);
});

test("cells are formatted by their unit; a missing value is a dash", () => {
  assert.equal(cellText(0.812345, "score"), "0.8123");
  assert.equal(cellText(2.5, "seconds"), "2.5 s");
  assert.equal(cellText(12.34, "ms"), "12.3 ms");
  assert.equal(cellText(0.25, "share"), "25%");
  assert.equal(cellText(3, "count"), "3");
  assert.equal(cellText("lbfgs", "value"), "lbfgs");
  assert.equal(cellText(null, "value"), "–");
  assert.equal(cellText("0.8, 0.9", "text"), "0.8, 0.9");
});

test("the caption names the trials and counts the differing settings", () => {
  assert.equal(compareCaption({ trials: [5, 0], n_differing: 3 }),
    "Side by side: trial 5 and trial 0; 3 settings differ (highlighted, listed first). Bold: the best score of a row.");
  assert.match(compareCaption({ trials: [5, 0], n_differing: 1 }), /; 1 setting differs \(/);
  assert.match(compareCaption({ trials: [1, 2, 3], n_differing: 0 }), /trial 1, trial 2 and trial 3; the same model family/);
});
