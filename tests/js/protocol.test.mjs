// protocol.js: hello on connect, snapshot then increments, gaps trigger one resync, requests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { classify, connect, PROTOCOL_VERSION, RESYNC_RETRY_MS } from "../../js/lib/protocol.js";
import { createStore } from "../../js/lib/store.js";

function fakeModel() {
  const handlers = {};
  const sent = [];
  const traits = { _seq: 0 };
  return {
    sent,
    traits,
    on(name, fn) { (handlers[name] ||= []).push(fn); },
    off(name, fn) { handlers[name] = (handlers[name] || []).filter((f) => f !== fn); },
    get(name) { return traits[name]; },
    send(content, _callbacks, buffers) { sent.push({ content, buffers }); },
    emit(name, ...args) { for (const fn of handlers[name] || []) fn(...args); },
    setTrait(name, value) { traits[name] = value; this.emit(`change:${name}`); },
  };
}
const syncStore = () => createStore({ schedule: (fn) => fn });
const row = (trial, score = 0.5) => ({ trial, family: "linear", status: "finished", score, std: 0, t: trial, duration: 1, params: {}, reason: "" });

test("classify: snapshot always applies; increments need the next seq", () => {
  assert.equal(classify({ kind: "snapshot", seq: 9 }, -1), "apply");
  assert.equal(classify({ kind: "trials", seq: 1 }, -1), "ignore");
  assert.equal(classify({ kind: "trials", seq: 5 }, 4), "apply");
  assert.equal(classify({ kind: "trials", seq: 4 }, 4), "ignore");
  assert.equal(classify({ kind: "part", seq: 7 }, 4), "gap");
});

test("connect says hello with the protocol version", () => {
  const model = fakeModel();
  connect(model, syncStore());
  assert.deepEqual(model.sent[0].content, { kind: "hello", version: PROTOCOL_VERSION, have_seq: -1 });
});

test("snapshot then increments build the store; duplicates are ignored", () => {
  const model = fakeModel();
  const store = syncStore();
  connect(model, store);
  model.emit("msg:custom", { kind: "trials", seq: 1, rows: [row(0)] }); // before the snapshot: ignored
  assert.equal(store.trials.length, 0);
  model.emit("msg:custom", { kind: "snapshot", seq: 3, trials: [row(0), row(1)], parts: { run: { metric: "roc_auc" } } });
  model.emit("msg:custom", { kind: "trials", seq: 4, rows: [row(2)] });
  model.emit("msg:custom", { kind: "trials", seq: 4, rows: [row(2)] }); // resent: ignored
  model.emit("msg:custom", { kind: "part", seq: 5, name: "results", value: { ok: 1 } });
  assert.deepEqual(store.trials.map((r) => r.trial), [0, 1, 2]);
  assert.equal(store.seq, 5);
  assert.deepEqual(store.parts.results, { ok: 1 });
  assert.equal(store.parts.run.metric, "roc_auc");
});

test("a gap asks for one resync until a snapshot arrives", () => {
  const model = fakeModel();
  const store = syncStore();
  let now = 1000;
  connect(model, store, { now: () => now });
  model.emit("msg:custom", { kind: "snapshot", seq: 1, trials: [], parts: {} });
  model.emit("msg:custom", { kind: "trials", seq: 3, rows: [row(5)] });
  model.emit("msg:custom", { kind: "trials", seq: 4, rows: [row(6)] });
  const resyncs = () => model.sent.filter((m) => m.content.kind === "resync").length;
  assert.equal(resyncs(), 1);
  assert.equal(store.trials.length, 0); // nothing applied past the gap
  now += RESYNC_RETRY_MS + 1;
  model.emit("msg:custom", { kind: "trials", seq: 5, rows: [row(7)] });
  assert.equal(resyncs(), 2); // retried after the timeout
  model.emit("msg:custom", { kind: "snapshot", seq: 5, trials: [row(5), row(6), row(7)], parts: {} });
  model.emit("msg:custom", { kind: "trials", seq: 6, rows: [row(8)] });
  assert.equal(store.trials.length, 4);
});

test("without a first snapshot, later messages and the _seq trait ask again, not too often", () => {
  const model = fakeModel();
  const store = syncStore();
  let now = 1000;
  connect(model, store, { now: () => now }); // hello: its answer is lost
  const resyncs = () => model.sent.filter((m) => m.content.kind === "resync");
  model.emit("msg:custom", { kind: "trials", seq: 4, rows: [row(3)] });
  assert.equal(resyncs().length, 0); // the hello's snapshot may still be on its way
  now += RESYNC_RETRY_MS + 1;
  model.emit("msg:custom", { kind: "trials", seq: 5, rows: [row(4)] });
  model.setTrait("_seq", 5);
  assert.equal(resyncs().length, 1);
  assert.equal(resyncs()[0].content.have_seq, -1);
  now += RESYNC_RETRY_MS + 1;
  model.setTrait("_seq", 6); // still nothing: ask again
  assert.equal(resyncs().length, 2);
  model.emit("msg:custom", { kind: "snapshot", seq: 6, trials: [row(3), row(4)], parts: {} });
  assert.equal(store.trials.length, 2);
  now += RESYNC_RETRY_MS + 1;
  model.setTrait("_seq", 6);
  assert.equal(resyncs().length, 2); // in step now
});

test("the _seq trait ahead of the store means a lost message: resync", () => {
  const model = fakeModel();
  const store = syncStore();
  connect(model, store);
  model.emit("msg:custom", { kind: "snapshot", seq: 2, trials: [], parts: {} });
  model.setTrait("_seq", 2);
  assert.equal(model.sent.filter((m) => m.content.kind === "resync").length, 0);
  model.setTrait("_seq", 3);
  assert.equal(model.sent.filter((m) => m.content.kind === "resync").length, 1);
});

test("requests resolve on reply, reject on error, and cancel on timeout", async () => {
  const model = fakeModel();
  const { request } = connect(model, syncStore());
  const ok = request("stop");
  const sent = model.sent.at(-1).content;
  assert.equal(sent.kind, "request");
  assert.equal(sent.action, "stop");
  model.emit("msg:custom", { kind: "reply", id: sent.id, result: { status: "stopping" } });
  assert.deepEqual(await ok, { status: "stopping" });

  const bad = request("start");
  const id = model.sent.at(-1).content.id;
  model.emit("msg:custom", { kind: "error", id, message: "Pick a dataset first", error_type: "InputError" });
  await assert.rejects(bad, (err) => err.message === "Pick a dataset first" && err.errorType === "InputError");

  const slow = request("explain", {}, { timeout: 10 });
  await assert.rejects(slow, (err) => err.errorType === "Timeout");
  assert.equal(model.sent.at(-1).content.kind, "cancel");
});
