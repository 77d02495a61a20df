"""The coordinator's own throughput and simulated large clusters (issue 18, "toward internet scale").

Parts (each prints a table and writes JSON under --out):

``throughput``  no-op units (``_simulated.NoOpExecutor``: a unit's future is done when submitted)
                through the real ``AutoML`` path: the real coordinator, TPE, pruner and study
                storage. The study is first filled with ``--history`` trials (copies of a short
                real search's trials with resampled params, written with ``add_trials``), then
                ``--trials`` new trials are run on it (a resumed search). Per storage
                (PostgreSQL on a throw-away server, SQLite file, memory) and history length:
                trials/s over the search phase, the coordinator thread's seconds per trial in
                ``ask`` (choosing the next unit and creating a trial: ``_new_trial``, of which
                ``sampler`` is ``study.ask`` + ``space.suggest``), ``dispatch`` (the rest of
                ``_fill_slots``: the unit's params, ``submit_fold``) and ``record``
                (``_on_unit_done``: tell, attributes, pruning, events), and SQL statements per
                trial. ``--profile`` adds a cProfile of the coordinator thread (top functions).
``simulate``    ``SleepingExecutor``: N simulated workers (one timer thread, no CPU) whose units
                sleep ``--unit`` s (lognormal, 25 % spread), real coordinator/TPE/PostgreSQL;
                utilisation = busy worker-seconds / available worker-seconds, over the search
                phase and in its steady state. ``--time-scale 0.1`` runs units 10x shorter (and
                the budget 10x shorter) while the coordinator runs at full cost: this is 10x
                harsher on the coordinator than real time, never kinder.

Usage (from the repo root; run through the CPU lock on shared machines)::

    .venv/bin/python benchmarks/bench_coordinator.py throughput --storages postgres sqlite memory \
        --history 100 1000 5000 --trials 200
    .venv/bin/python benchmarks/bench_coordinator.py throughput --storages postgres --history 1000 --profile
    .venv/bin/python benchmarks/bench_coordinator.py simulate --workers 64 256 1024 --unit 20 \
        --time-scale 0.1 --budget 600

``PYTHONPATH=<other checkout>`` measures another checkout's coordinator (a before/after).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import sys
import tempfile
import threading
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests" / "integration"))

from _records import run_part  # noqa: E402
from _simulated import NoOpExecutor, SleepingExecutor  # noqa: E402

warnings.simplefilter("ignore")


# -- instrumentation of the coordinator thread ----------------------------------------------------

class Timers:
    """Seconds spent in named calls on the coordinator thread, and SQL statements sent."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.sql = 0
        self.profile: cProfile.Profile | None = None
        self._patched: list[tuple[object, str, object]] = []

    def wrap(self, owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)
        seconds = self.seconds

        def timed(*args, **kwargs):
            if threading.current_thread().name != "jupyter_automl-coordinator":
                return original(*args, **kwargs)
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - t0
        self._patched.append((owner, name, original))
        setattr(owner, name, timed)

    def install(self, profile: bool) -> None:
        import optuna
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        from jupyter_automl.search import _coordinator
        from jupyter_automl.search.space import SearchSpace

        Coordinator = _coordinator.Coordinator
        self.wrap(Coordinator, "_new_trial", "ask")
        self.wrap(Coordinator, "_fill_slots", "fill_slots")
        self.wrap(Coordinator, "_on_unit_done", "record")
        self.wrap(optuna.Study, "ask", "sampler")
        self.wrap(SearchSpace, "suggest", "sampler")

        def count(*_args):
            self.sql += 1
        event.listen(Engine, "before_cursor_execute", count)
        self._unlisten = lambda: event.remove(Engine, "before_cursor_execute", count)
        if profile:
            self.profile = cProfile.Profile()
            original_search = Coordinator._search
            prof = self.profile

            def profiled(coordinator):
                prof.enable()
                try:
                    return original_search(coordinator)
                finally:
                    prof.disable()
            self._patched.append((Coordinator, "_search", original_search))
            Coordinator._search = profiled

    def uninstall(self) -> None:
        for owner, name, original in reversed(self._patched):
            setattr(owner, name, original)
        self._patched.clear()
        self._unlisten()

    def top(self, n: int = 25) -> str:
        out = io.StringIO()
        stats = pstats.Stats(self.profile, stream=out)
        stats.sort_stats("cumulative").print_stats(n)
        stats.sort_stats("tottime").print_stats(n)
        return out.getvalue()


# -- storages and histories -----------------------------------------------------------------------

def storages(names: list[str], out: Path):
    """name -> a URL factory (a fresh database or file per call); and a cleanup."""
    made: dict[str, object] = {}
    tmp = Path(tempfile.mkdtemp(prefix="bench-coord-"))
    cleanup = [lambda: shutil.rmtree(tmp, ignore_errors=True)]  # the SQLite files
    counter = iter(range(10**6))
    for name in names:
        if name == "postgres":
            # the test suite's server: initdb + pg_ctl, fsync off
            from conftest import PostgresServer

            server = PostgresServer()
            server.start()
            cleanup.append(server.stop)
            made[name] = lambda tag, s=server: s.create_database(f"{tag}_{next(counter)}")
        elif name == "sqlite":
            made[name] = lambda tag: f"sqlite:///{tmp / f'{tag}_{next(counter)}.db'}"
        elif name == "memory":
            made[name] = None  # one InMemoryStorage object per history, made below
        else:
            raise SystemExit(f"unknown storage {name!r}")
    return made, (lambda: [f() for f in cleanup])


def demo_data():
    from jupyter_automl.datasets import load_demo

    X, y, _ = load_demo("breast_cancer")
    return X, y


def fill_history(study, n: int, seed: int) -> None:
    """Grow ``study`` to ``n`` ended trials: copies of its trials with params drawn again from
    their distributions (categoricals kept, so each family's params stay consistent)."""
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
    from optuna.trial import TrialState

    rng = np.random.default_rng(seed)
    templates = [t for t in study.get_trials(deepcopy=False) if t.state.is_finished()]
    new = []
    for i in range(max(0, n - len(study.get_trials(deepcopy=False)))):
        t = templates[i % len(templates)]
        params = {}
        for key, dist in t.distributions.items():
            if isinstance(dist, FloatDistribution):
                lo, hi = (np.log(dist.low), np.log(dist.high)) if dist.log else (dist.low, dist.high)
                v = float(rng.uniform(lo, hi))
                params[key] = float(np.exp(v)) if dist.log else v
                if dist.step:
                    params[key] = dist.low + round((params[key] - dist.low) / dist.step) * dist.step
                    params[key] = min(params[key], dist.high)
            elif isinstance(dist, IntDistribution):
                params[key] = int(rng.integers(dist.low, dist.high + 1)) if not dist.log else \
                    int(np.clip(round(np.exp(rng.uniform(np.log(dist.low), np.log(dist.high)))),
                                dist.low, dist.high))
                if dist.step > 1:
                    params[key] = dist.low + (params[key] - dist.low) // dist.step * dist.step
            else:
                assert isinstance(dist, CategoricalDistribution)
                params[key] = t.params[key]
        kw = {"state": t.state, "params": params, "distributions": t.distributions,
              "user_attrs": t.user_attrs, "intermediate_values": t.intermediate_values}
        if t.state == TrialState.COMPLETE:
            kw["values"] = [v + float(rng.normal(0, 0.01)) for v in t.values]
        new.append(optuna.trial.create_trial(**kw))
    study.add_trials(new)


# -- throughput -----------------------------------------------------------------------------------

def one_throughput(args, storage, history: int) -> dict:
    import optuna

    from jupyter_automl import AutoML

    X, y = demo_data()
    common = {"time_budget": None, "seed": 0, "cv": args.cv, "storage": storage,
              "study_name": "throughput", "runs_dir": str(args.out / "runs"), "sampler": args.sampler,
              "ensemble": False}
    seed_trials = min(history, 40)
    AutoML(n_trials=seed_trials, executor=NoOpExecutor(args.workers), **common).fit(X, y)
    t_fill = time.monotonic()
    if isinstance(storage, str) and storage.startswith("postgresql://"):
        storage_for_fill = storage.replace("postgresql://", "postgresql+psycopg2://", 1)
    else:
        storage_for_fill = storage
    study = optuna.load_study(study_name="throughput", storage=storage_for_fill)
    fill_history(study, history, seed=1)
    fill_s = time.monotonic() - t_fill

    timers = Timers()
    timers.install(args.profile)
    executor = NoOpExecutor(args.workers)
    automl = AutoML(n_trials=args.trials, executor=executor, **common)
    try:
        automl.fit(X, y)
    finally:
        timers.uninstall()
    events = automl.handle_.events()
    t0 = next(e.t for e in events if e.kind == "search_started")
    t1 = next((e.t for e in events if e.kind == "refit_started"), events[-1].t)
    started = sum(e.kind == "trial_started" for e in events)
    s = timers.seconds
    per = 1000.0 / max(started, 1)
    row = {"history": history, "trials": started, "units": executor.n_units,
           "search_s": round(t1 - t0, 2), "trials_per_s": round(started / (t1 - t0), 1),
           "ask_ms": round(s["ask"] * per, 1), "sampler_ms": round(s["sampler"] * per, 1),
           "dispatch_ms": round((s["fill_slots"] - s["ask"]) * per, 1),
           "record_ms": round(s["record"] * per, 1),
           "other_ms": round(((t1 - t0) - s["fill_slots"] - s["record"]) * per, 1),
           "sql_per_trial": round(timers.sql / max(started, 1), 1), "fill_s": round(fill_s, 1)}
    if timers.profile is not None:
        row["profile"] = timers.top(args.profile_lines)
    return row


def throughput(args: argparse.Namespace) -> list[dict]:
    from optuna.storages import InMemoryStorage

    made, cleanup = storages(args.storages, args.out)
    rows = []
    try:
        for name in args.storages:
            for history in args.history:
                storage = InMemoryStorage() if name == "memory" else made[name](f"h{history}")
                row = {"storage": name} | one_throughput(args, storage, history)
                profile = row.pop("profile", None)
                rows.append(row)
                print(json.dumps(row), flush=True)
                if profile:
                    print(profile, flush=True)
    finally:
        cleanup()
    return rows


# -- simulated clusters ---------------------------------------------------------------------------

def simulate(args: argparse.Namespace) -> list[dict]:
    from jupyter_automl import AutoML

    made, cleanup = storages(args.storages[:1], args.out)
    X, y = demo_data()
    unit = args.unit * args.time_scale
    budget = args.budget * args.time_scale
    rows = []
    try:
        for workers in args.workers:
            name = args.storages[0]
            storage = "memory" if name == "memory" else made[name](f"sim{workers}")
            executor = SleepingExecutor(workers, unit, seed=0)
            automl = AutoML(time_budget=budget, seed=0, cv=args.cv, executor=executor,
                            storage=storage, study_name="simulated", runs_dir=str(args.out / "runs"),
                            sampler=args.sampler)
            timers = Timers()
            timers.install(args.profile)
            t_fit = time.monotonic()
            try:
                handle = automl.fit_async(X, y)
                handle.wait()
            finally:
                timers.uninstall()
            events = handle.events()
            t_end = t_fit + next((e.t for e in events if e.kind == "refit_started"), events[-1].t)
            first = min(s for s, _ in executor.spans)
            # steady state: after the first trial's folds (it gets every worker first) and the
            # ramp-up, and before the budget's end (no unit starts when it would not fit)
            steady = (first + 3 * unit, t_end - 1.5 * unit)
            started = sum(e.kind == "trial_started" for e in events)
            row = {"storage": name, "workers": workers, "unit_s": args.unit,
                   "time_scale": args.time_scale, "budget_s": args.budget, "units": executor.n_units,
                   "trials_started": started,
                   # stopped before their first unit: the sampled family's estimated fold did
                   # not fit the time left (after a few, the coordinator starts no new trial)
                   "not_started": sum(e.kind == "trial_pruned" and "not started" in e.reason
                                      for e in events),
                   "coordinator_busy_s": round(timers.seconds["fill_slots"] + timers.seconds["record"], 1),
                   "units_per_s_real": round(executor.n_units / (t_end - first), 1),
                   "needed_units_per_s_real": round(workers / unit, 1),
                   "utilisation": round(executor.utilisation(first, t_end), 3),
                   "utilisation_steady": round(executor.utilisation(*steady), 3)
                   if steady[1] > steady[0] else None}
            rows.append(row)
            print(json.dumps(row), flush=True)
            if timers.profile is not None:
                print(timers.top(args.profile_lines), flush=True)
    finally:
        cleanup()
    return rows


PARTS = {"throughput": throughput, "simulate": simulate}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=sorted(PARTS))
    parser.add_argument("--storages", nargs="+", default=["postgres"],
                        help="postgres, sqlite, memory (simulate uses the first)")
    parser.add_argument("--history", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--trials", type=int, default=200, help="throughput: new trials per run")
    parser.add_argument("--workers", type=int, nargs="+", default=None)
    parser.add_argument("--unit", type=float, default=20.0, help="simulate: seconds per unit")
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="simulate: units and budget run this much faster (coordinator not)")
    parser.add_argument("--budget", type=float, default=600.0, help="simulate: time budget (s)")
    parser.add_argument("--cv", default="5", help="folds: 5, 3 or holdout")
    parser.add_argument("--sampler", default="tpe")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-lines", type=int, default=25)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "coordinator")
    args = parser.parse_args(argv)
    args.cv = int(args.cv) if args.cv.isdigit() else args.cv
    if args.workers is None:
        args.workers = 8 if args.part == "throughput" else [64, 256, 1024]
    elif args.part == "throughput":
        args.workers = args.workers[0]
    return run_part(PARTS, args)


if __name__ == "__main__":
    sys.exit(main())
