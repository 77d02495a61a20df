// The model-level store: fed by stream messages (protocol.js), read by every view of the model.
// Views subscribe; they are told at most once per animation frame what changed since.

import { perFrame } from "./throttle.js";

export function createStore({ schedule = perFrame } = {}) {
  const listeners = new Set();
  let changes = emptyChanges();
  const store = {
    seq: -1, // -1: no snapshot yet
    trials: [], // rows in the order the trials ended
    byTrial: new Map(),
    parts: {},
    applySnapshot,
    applyTrials,
    applyPart,
    subscribe,
    notifyNow,
  };

  function emptyChanges() {
    return { reset: false, rows: [], parts: new Set() };
  }

  const notify = schedule(notifyNow);

  function notifyNow() {
    const c = changes;
    changes = emptyChanges();
    for (const fn of [...listeners]) {
      try {
        fn(store, c);
      } catch (err) {
        console.error("jupyter_automl view update failed", err);
      }
    }
  }

  function applySnapshot(message) {
    store.seq = message.seq;
    store.trials = [];
    store.byTrial = new Map();
    for (const row of message.trials || []) upsert(row);
    store.parts = { ...(message.parts || {}) };
    changes = emptyChanges();
    changes.reset = true;
    for (const name of Object.keys(store.parts)) changes.parts.add(name);
    notify();
  }

  function upsert(row) {
    const old = store.byTrial.get(row.trial);
    if (old) store.trials[store.trials.indexOf(old)] = row;
    else store.trials.push(row);
    store.byTrial.set(row.trial, row);
  }

  function applyTrials(message) {
    store.seq = message.seq;
    for (const row of message.rows) {
      upsert(row);
      changes.rows.push(row);
    }
    notify();
  }

  function applyPart(message) {
    store.seq = message.seq;
    store.parts = { ...store.parts, [message.name]: message.value };
    changes.parts.add(message.name);
    notify();
  }

  /** fn(store, changes) on the next frame after any change; returns unsubscribe. */
  function subscribe(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  }

  return store;
}
