// The wire protocol with the Python widgets; mirrors jupyter_automl/widgets/_protocol.py.
//
// Python -> JS: {kind, seq, ...} stream messages ("snapshot", "trials", "part") numbered from 1,
// and replies to requests ("reply", "error") that carry the request id and no seq.
// JS -> Python: "hello" when a model starts (Python answers with a snapshot), "resync" after a
// gap in seq, "request" {id, action, args} and "cancel" {id}.

export const PROTOCOL_VERSION = 1;
export const TO_JS = ["snapshot", "trials", "part", "reply", "error"];
export const TO_PY = ["hello", "resync", "request", "cancel"];
export const RESYNC_RETRY_MS = 2000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 120000;

/**
 * Decide what to do with a stream message given the last seq applied.
 * @returns {"apply"|"ignore"|"gap"}
 */
export function classify(message, lastSeq) {
  if (message.kind === "snapshot") return "apply";
  if (lastSeq < 0) return "ignore"; // waiting for the first snapshot: it will contain this
  if (message.seq <= lastSeq) return "ignore"; // a duplicate (e.g. seen in a snapshot already)
  if (message.seq === lastSeq + 1) return "apply";
  return "gap";
}

/**
 * Connect a model to a store: handle stream messages, detect gaps, say hello.
 * Call it from `initialize` (a message sent before a view exists is otherwise lost).
 * Returns {request(action, args, options) -> Promise, dispose()}.
 */
export function connect(model, store, { now = () => Date.now() } = {}) {
  const pending = new Map(); // request id -> {resolve, reject, timer}
  let resyncAt = -Infinity;
  let nextId = 0;

  function resync(reason) {
    const t = now();
    if (t - resyncAt < RESYNC_RETRY_MS) return; // one resync in flight is enough
    resyncAt = t;
    model.send({ kind: "resync", have_seq: store.seq, reason });
  }

  function onMessage(message, buffers) {
    if (!message || typeof message !== "object") return;
    const { kind } = message;
    if (kind === "reply" || kind === "error") {
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      clearTimeout(p.timer);
      if (kind === "reply") p.resolve(message.result);
      else p.reject(Object.assign(new Error(message.message), { errorType: message.error_type }));
      return;
    }
    if (!TO_JS.includes(kind)) return;
    const verdict = classify(message, store.seq);
    if (verdict === "gap") {
      resync(`expected seq ${store.seq + 1}, got ${message.seq}`);
      return;
    }
    if (verdict === "ignore") {
      // no snapshot yet: the hello (or its answer) may have been lost, e.g. on a page reload
      // while the kernel was busy; ask again (at most once per RESYNC_RETRY_MS)
      if (store.seq < 0) resync(`no snapshot yet, got ${kind} seq ${message.seq}`);
      return;
    }
    if (kind === "snapshot") {
      resyncAt = -Infinity;
      store.applySnapshot(message);
    } else if (kind === "trials") store.applyTrials(message);
    else if (kind === "part") store.applyPart(message);
  }

  // A message can be lost only before this model existed; the bridge sets the trait `_seq`
  // after each message, so a model that is behind it knows and asks again.
  function onSeqTrait() {
    const seq = model.get("_seq");
    if (seq > store.seq) resync(`trait _seq ${seq} ahead of ${store.seq}`);
  }

  model.on("msg:custom", onMessage);
  model.on("change:_seq", onSeqTrait);
  resyncAt = now(); // the hello asks for a snapshot: a resync only after it had time to come
  model.send({ kind: "hello", version: PROTOCOL_VERSION, have_seq: store.seq });

  function request(action, args = {}, { timeout = DEFAULT_REQUEST_TIMEOUT_MS, buffers } = {}) {
    const id = `r${++nextId}-${Math.random().toString(36).slice(2, 8)}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        model.send({ kind: "cancel", id });
        reject(Object.assign(new Error(`No answer from the kernel within ${Math.round(timeout / 1000)} s; the request was cancelled. Is the kernel running?`), { errorType: "Timeout" }));
      }, timeout);
      pending.set(id, { resolve, reject, timer });
      model.send({ kind: "request", id, action, args }, undefined, buffers);
    });
  }

  function dispose() {
    model.off("msg:custom", onMessage);
    model.off("change:_seq", onSeqTrait);
    for (const p of pending.values()) clearTimeout(p.timer);
    pending.clear();
  }

  return { request, dispose, onMessage };
}
