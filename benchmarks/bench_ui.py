"""UI latency and streaming, measured in a real JupyterLab with a real headless Chromium.

Four figures (the goals of the wizard issue; this script measures and reports, it asserts nothing):

1. the wizard is interactive after its cell runs (cell run -> the demo list is filled);
2. a trial finished -> visible in the chart (kernel wall clock of the engine's TrialFinished
   event -> the chart's ``data-n-rows`` attribute reaching that trial, seen by a
   MutationObserver in the page; both clocks are this machine's);
3. while a search runs, a trivial cell (``1+1``) executes (run command -> execution count set);
   the same without a search, for comparison;
4. 5,000 trials streamed into a LiveSearch view: WebSocket bytes received by the page at each
   1,000 trials (linear growth means no resends), and the page's event-loop lag meanwhile.

The 5,000 trials come from a real EventBus fed by a thread in the kernel at 500 trials/s (a real
search on this 2-core machine makes about 2 trials/s); the other figures use a real search.

Usage (about 3 minutes)::

    .venv/bin/python benchmarks/bench_ui.py [--out benchmarks/results/ui.md] [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

from lab import LabServer, Notebook, launch_chromium  # noqa: E402

N_STREAM = 5000
STREAM_RATE = 500  # trials per second fed to the bus
SEARCH_TRIALS = 30
TIMEOUT = 180_000  # ms

SETUP = """\
import threading, time
from jupyter_automl import AutoML, Wizard
from jupyter_automl.datasets import load_demo, load_frame
from jupyter_automl.events import EventBus, SearchStarted, TrialFinished
from jupyter_automl.widgets import LiveSearch
X, y, _ = load_demo("breast_cancer")
"""

WIZARD = "Wizard()"

SEARCH = f"""\
finished_at = {{}}
live = False
def on_event(e):  # replayed events (before `live`) are counted, not timed
    if e.kind in ("trial_finished", "trial_pruned", "trial_failed"):
        finished_at[e.seq] = (time.time() if live else None, e.kind)
handle = AutoML(time_budget=None, n_trials={SEARCH_TRIALS}, families=["linear"], cv=3, n_jobs=1,
                storage="memory", seed=0).fit_async(X, y)
view = LiveSearch(handle)
handle.subscribe(on_event, replay=True)
live = True
view
"""

TRIVIAL = "1+1"

STREAM = f"""\
class Replay:
    status = "searching"
    def __init__(self):
        self.bus = EventBus(); self.n = 0
    def subscribe(self, fn, *, replay=True):
        return self.bus.subscribe(fn, replay=replay)
    def progress(self):
        return {{"status": self.status, "elapsed": self.n / {STREAM_RATE}, "time_budget": None,
                "remaining": None, "n_finished": self.n, "n_pruned": 0, "n_stopped": 0,
                "n_failed": 0, "n_running": 1, "n_trials": {N_STREAM}, "best_trial": 0,
                "best_score": 0.9, "metric": "roc_auc"}}
    def run(self):
        for i in range({N_STREAM}):
            self.bus.emit(TrialFinished, trial_number=i, family=("linear", "gradient_boosting")[i % 2],
                          params={{"family": "linear", "linear.C": 1.0 / (i + 1), "linear.penalty": "l2"}},
                          score=0.8 + 0.1 * ((i * 7919) % 1000) / 1000, score_std=0.01,
                          fit_time=0.1, duration=0.2)
            self.n += 1
            time.sleep(1 / {STREAM_RATE})
        self.status = "finished"
replay = Replay()
replay.bus.emit(SearchStarted, study_name="stream", task="binary", metric="roc_auc",
                direction="maximize", time_budget=None, n_trials={N_STREAM}, n_folds=5,
                families=["linear", "gradient_boosting"])
stream_view = LiveSearch(replay)
stream_view
"""

START_STREAM = "threading.Thread(target=replay.run, daemon=True).start()"


def make_notebook(folder: Path) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in (SETUP, WIZARD, SEARCH, TRIVIAL, STREAM, START_STREAM)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "bench_ui.ipynb")
    return "bench_ui.ipynb"


RUN_CELL_JS = """async (i) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const nb = panel.content;
  nb.activeCellIndex = i;
  const cell = nb.widgets[i];
  const done = new Promise((resolve) => {
    const on = (_, change) => {
      if (change.name === 'executionCount' && change.newValue) {
        cell.model.stateChanged.disconnect(on);
        resolve(performance.now());
      }
    };
    cell.model.stateChanged.connect(on);
  });
  const t0 = performance.now();
  window.jupyterapp.commands.execute('notebook:run-cell');
  return (await done) - t0;
}"""

WIZARD_READY_JS = """async (i) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const cell = nb.widgets[i];
  nb.activeCellIndex = i;
  for (const old of cell.node.querySelectorAll('[data-testid=wizard]')) old.dataset.old = '1';
  const ready = () => {
    const w = cell.node.querySelector('[data-testid=wizard][data-ready=true]:not([data-old])');
    const s = w && w.querySelector('[data-testid=demo-select]');
    return !!(s && s.options.length > 1);
  };
  const t0 = performance.now();
  const result = new Promise((resolve) => {
    const check = () => (ready() ? resolve(performance.now()) : requestAnimationFrame(check));
    setTimeout(check, 0);
  });
  window.jupyterapp.commands.execute('notebook:run-cell');
  return (await result) - t0;
}"""

# records (Date.now(), nRows) each time a chart's data-n-rows changes; and event-loop lag
OBSERVE_CHART_JS = """(key) => {
  window[key] = [];
  const seen = new WeakSet();
  const attach = () => {
    for (const c of document.querySelectorAll('[data-testid=live-search] [data-testid=chart]')) {
      if (seen.has(c)) continue;
      seen.add(c);
      new MutationObserver(() => window[key].push([Date.now(), +c.dataset.nRows]))
        .observe(c, {attributes: true, attributeFilter: ['data-n-rows']});
    }
  };
  attach();
  new MutationObserver(attach).observe(document.body, {childList: true, subtree: true});
}"""

LAG_JS = """() => {
  window.__lag = [];
  let last = performance.now();
  window.__lagTimer = setInterval(() => {
    const now = performance.now();
    window.__lag.push(now - last - 50);
    last = now;
  }, 50);
}"""


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "ui.md"))
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    work = Path(tempfile.mkdtemp(prefix="bench-ui-work-"))
    path = make_notebook(root)
    server = LabServer(root, work).start()
    results: dict[str, object] = {"load_average": os.getloadavg(), "cores": os.cpu_count()}
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_context(viewport={"width": 1280, "height": 1800}).new_page()
            ws_bytes = {"n": 0}

            def on_ws(ws):
                ws.on("framereceived", lambda payload: ws_bytes.__setitem__(
                    "n", ws_bytes["n"] + len(payload if isinstance(payload, (bytes, str)) else b"")))

            page.on("websocket", on_ws)
            nb = Notebook(page, server, path).open()
            print("setup cell...", flush=True)
            page.evaluate(RUN_CELL_JS, 0)
            nb.wait_executed(0)

            # 1. wizard interactive after its cell runs
            ready = [page.evaluate(WIZARD_READY_JS, 1) for _ in range(args.repeats)]
            results["wizard_ready_ms"] = ready
            print("wizard ready (ms):", [round(x) for x in ready], flush=True)

            # 3a. trivial cell, no search running
            idle = [page.evaluate(RUN_CELL_JS, 3) for _ in range(args.repeats * 2)]
            results["trivial_idle_ms"] = idle

            # 2 and 3b. a real search: chart latency, and trivial cells meanwhile
            page.evaluate(OBSERVE_CHART_JS, "__rows")
            page.evaluate(RUN_CELL_JS, 2)
            page.wait_for_selector("[data-testid=live-search] [data-testid=chart]", timeout=TIMEOUT)
            busy = []
            t_end = time.monotonic() + 40
            while time.monotonic() < t_end:
                status = page.locator("[data-testid=live-search] [data-testid=status]").first.inner_text()
                if status in ("Finished", "Failed"):
                    break
                busy.append(page.evaluate(RUN_CELL_JS, 3))
                time.sleep(0.5)
            page.wait_for_selector("[data-testid=live-search] [data-testid=status]:has-text('Finished')",
                                   timeout=TIMEOUT)
            results["trivial_during_search_ms"] = busy
            nb_rows = page.evaluate("() => window.__rows")
            cell_index = nb.add_cell_and_run("import json; print(json.dumps(sorted(finished_at.items())))")
            events = json.loads(nb.output_text(cell_index))
            latencies = []
            for k, (_, (t_event, _kind)) in enumerate(events, start=1):
                shown = next((t for t, n in nb_rows if n >= k), None)
                if shown is not None and t_event is not None:
                    latencies.append(shown - 1000 * t_event)
            results["chart_latency_ms"] = latencies
            print("chart latency (ms):", [round(x) for x in latencies], flush=True)

            # 4. 5,000 trials streamed
            page.evaluate(RUN_CELL_JS, 4)
            page.wait_for_selector("[data-testid=live-search] >> nth=1", timeout=TIMEOUT)
            stream_chart = page.locator("[data-testid=live-search]").nth(1).locator("[data-testid=chart]")
            page.evaluate(LAG_JS)
            base = ws_bytes["n"]
            checkpoints = []
            page.evaluate(RUN_CELL_JS, 5)
            t0 = time.monotonic()
            for target in range(1000, N_STREAM + 1, 1000):
                page.wait_for_function(
                    "([el, n]) => +el.dataset.nRows >= n", arg=[stream_chart.element_handle(), target],
                    timeout=TIMEOUT, polling=50)
                checkpoints.append((target, ws_bytes["n"] - base, time.monotonic() - t0))
            lag = page.evaluate("() => { clearInterval(window.__lagTimer); return window.__lag; }")
            results["stream_checkpoints"] = checkpoints
            results["stream_lag_ms"] = lag
            shots = REPO / "test-artifacts" / "bench_ui"
            shots.mkdir(parents=True, exist_ok=True)
            page.locator("[data-testid=live-search]").nth(1).screenshot(path=str(shots / "stream-5000.png"))
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    write_report(results, Path(args.out))


def write_report(r: dict, out: Path) -> None:
    def line(name, values, goal):
        if not values:
            return f"| {name} | no samples | | | {goal} |"
        return (f"| {name} | {len(values)} | {statistics.median(values):.0f} | "
                f"{pct(values, 0.9):.0f} | {goal} |")

    rows = [
        "| measure | n | median ms | p90 ms | goal |",
        "|---|---|---|---|---|",
        line("wizard interactive after its cell runs", r["wizard_ready_ms"], "median <= 1000 ms"),
        line("trial finished -> visible in the chart", r["chart_latency_ms"], "median <= 250 ms"),
        line("trivial cell while a search runs", r["trivial_during_search_ms"], "median <= 200 ms"),
        line("trivial cell, no search (reference)", r["trivial_idle_ms"], "-"),
    ]
    cps = r["stream_checkpoints"]
    per_k = [b / n for n, b, _ in cps]
    stream = ["", "Streaming 5,000 trials into a LiveSearch view (WebSocket bytes received by the page):", "",
              "| trials shown | bytes | bytes per trial | seconds |", "|---|---|---|---|"]
    stream += [f"| {n:,} | {b:,} | {b / n:.0f} | {s:.1f} |" for n, b, s in cps]
    lag = r["stream_lag_ms"]
    stream += ["", f"Bytes per trial from the first to the last checkpoint: {per_k[0]:.0f} -> {per_k[-1]:.0f} "
               f"(linear growth means a constant ratio).",
               f"Event-loop lag of the page while streaming ({len(lag)} samples every 50 ms): median "
               f"{statistics.median(lag):.0f} ms, p95 {pct(lag, 0.95):.0f} ms, max {max(lag):.0f} ms."]
    load = ", ".join(f"{x:.1f}" for x in r["load_average"])
    text = "\n".join([
        "# UI benchmark (benchmarks/bench_ui.py)", "",
        f"Real JupyterLab + headless Chromium on this machine ({r['cores']} cores, load average "
        f"{load} at the start: other jobs share the cores).", "", *rows, *stream, ""])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    (out.with_suffix(".json")).write_text(json.dumps(r, indent=1))
    print(text)


if __name__ == "__main__":
    main()
