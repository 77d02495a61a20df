// store.js: views are told at most once per frame, with what changed since.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createStore } from "../../js/lib/store.js";

test("changes are coalesced until the scheduled frame", () => {
  const frames = [];
  const store = createStore({ schedule: (fn) => () => frames.push(fn) });
  const seen = [];
  store.subscribe((s, changes) => seen.push({ n: s.trials.length, rows: changes.rows.length, parts: [...changes.parts] }));
  store.applySnapshot({ seq: 1, trials: [], parts: {} });
  store.applyTrials({ seq: 2, rows: [{ trial: 0 }, { trial: 1 }] });
  store.applyPart({ seq: 3, name: "run", value: {} });
  assert.equal(seen.length, 0);
  frames.pop()();
  assert.deepEqual(seen, [{ n: 2, rows: 2, parts: ["run"] }]);
});

test("a row sent again (same trial) replaces the old one in place", () => {
  const store = createStore({ schedule: (fn) => fn });
  store.applySnapshot({ seq: 1, trials: [{ trial: 3, status: "pruned" }, { trial: 4 }], parts: {} });
  store.applyTrials({ seq: 2, rows: [{ trial: 3, status: "finished" }] });
  assert.deepEqual(store.trials.map((r) => [r.trial, r.status]), [[3, "finished"], [4, undefined]]);
});
