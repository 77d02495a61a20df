"""Scale-out figures of issue 18: the coordinator's throughput, simulated large clusters, Dask.

Parts (run one at a time, each prints a small table and writes JSON under --out):

``throughput``  no-op units against a real PostgreSQL server: trials per second the coordinator
                asks, dispatches and records (the search phase, SearchStarted -> RefitStarted),
                and the whole fit.
``simulate``    256 and 1,024 simulated workers whose units sleep ``--unit`` seconds (one timer
                thread, no CPU), PostgreSQL storage: utilisation of the workers, overall and in
                the steady state (after the first trial's folds, before the budget's end).
``dask``        a trial-dominated workload (adult, 5,400 rows, forests and boosting, --budget s):
                finished trials per minute with the local process executor (1 worker) and a
                Dask LocalCluster of 1 and 2 worker processes.
``bytes``       on a 2-worker LocalCluster: the training data's size, and the bytes each unit
                adds on the client -> scheduler and scheduler -> workers streams, and between
                workers (the data must reach each worker once, not once per unit).

Usage (from the repo root; the PostgreSQL server is started in a temporary folder unless
--storage is given)::

    .venv/bin/python benchmarks/bench_scale.py throughput --trials 2000
    .venv/bin/python benchmarks/bench_scale.py simulate --workers 256 1024
    .venv/bin/python benchmarks/bench_scale.py dask --budget 40
    .venv/bin/python benchmarks/bench_scale.py bytes

The same script measures another checkout's coordinator (e.g. main, for a before/after):
``PYTHONPATH=<checkout> .venv/bin/python benchmarks/bench_scale.py throughput``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests" / "integration"))

from _protocol import DEFAULT_DATASETS_DIR, load_module  # noqa: E402
from _records import run_part  # noqa: E402
from _simulated import NoOpExecutor, SleepingExecutor  # noqa: E402

warnings.simplefilter("ignore")


def postgres(args: argparse.Namespace):
    """A PostgreSQL URL factory: --storage, or databases on a throw-away server."""
    if args.storage:
        return None, lambda name: args.storage
    from conftest import PostgresServer  # the test suite's server: initdb + pg_ctl, fsync off

    server = PostgresServer()
    server.start()
    return server, server.create_database


def phase_times(events) -> tuple[float, float]:
    """(search started, search phase ended) on the events' clock."""
    t0 = next(e.t for e in events if e.kind == "search_started")
    t1 = next((e.t for e in events if e.kind == "refit_started"), events[-1].t)
    return t0, t1


def demo_data(n: int | None = None):
    from jupyter_automl.datasets import load_demo

    X, y, _ = load_demo("breast_cancer")
    return (X, y) if n is None else (X.iloc[:n], y.iloc[:n])


# -- throughput -----------------------------------------------------------------------------------

def throughput(args: argparse.Namespace) -> list[dict]:
    from jupyter_automl import AutoML

    server, database = postgres(args)
    rows = []
    try:
        X, y = demo_data()
        for cv in args.cv:
            for repeat in range(args.repeats):
                url = database(f"tp_{cv}_{repeat}_{os.getpid()}")
                executor = NoOpExecutor(args.workers)
                automl = AutoML(time_budget=None, n_trials=args.trials, seed=repeat, cv=cv,
                                executor=executor, storage=url, study_name="throughput",
                                runs_dir=str(args.out / "runs"), sampler=args.sampler)
                t_fit = time.monotonic()
                automl.fit(X, y)
                wall = time.monotonic() - t_fit
                events = automl.handle_.events()
                t0, t1 = phase_times(events)
                started = sum(e.kind == "trial_started" for e in events)
                ended = sum(e.kind in ("trial_finished", "trial_pruned", "trial_failed") for e in events)
                rows.append({"cv": cv, "repeat": repeat, "trials": started, "ended": ended,
                             "units": executor.n_units, "search_s": round(t1 - t0, 2),
                             "trials_per_s": round(started / (t1 - t0), 1),
                             "units_per_s": round(executor.n_units / (t1 - t0), 1),
                             "fit_wall_s": round(wall, 2)})
                print(json.dumps(rows[-1]), flush=True)
    finally:
        if server is not None:
            server.stop()
    return rows


# -- simulated clusters ---------------------------------------------------------------------------

def simulate(args: argparse.Namespace) -> list[dict]:
    from jupyter_automl import AutoML

    server, database = postgres(args)
    rows = []
    try:
        X, y = demo_data()
        for workers in args.workers:
            url = database(f"sim_{workers}_{os.getpid()}")
            executor = SleepingExecutor(workers, args.unit, seed=0)
            automl = AutoML(time_budget=args.budget, seed=0, cv=args.cv[0], executor=executor,
                            storage=url, study_name="simulated", runs_dir=str(args.out / "runs"),
                            sampler=args.sampler)
            t_fit = time.monotonic()  # the events' clock starts here (within a millisecond)
            handle = automl.fit_async(X, y)
            handle.wait()
            events = handle.events()
            t0, t1 = phase_times(events)
            first = min(s for s, _ in executor.spans)  # the first unit's start
            end = t_fit + t1  # the search phase's end: no unit starts after it
            steady = (first + 1.5 * args.unit, end - 1.5 * args.unit)
            row = {"workers": workers, "unit_s": args.unit, "budget_s": args.budget,
                   "units": executor.n_units,
                   "units_per_s": round(executor.n_units / (end - first), 1),
                   "trials_started": sum(e.kind == "trial_started" for e in events),
                   "trials_finished": sum(e.kind == "trial_finished" for e in events),
                   "utilisation": round(executor.utilisation(first, end), 3),
                   "utilisation_steady": round(executor.utilisation(*steady), 3)
                   if steady[1] > steady[0] else None,
                   "search_s": round(t1 - t0, 1)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        if server is not None:
            server.stop()
    return rows


# -- Dask: 1 vs 2 workers, vs the process executor ------------------------------------------------

def adult(n: int, seed: int = 0):
    loader = load_module(DEFAULT_DATASETS_DIR)
    X, y, _ = loader.load("adult")
    idx = np.random.default_rng(seed).choice(len(X), size=n, replace=False)
    return X.iloc[idx].reset_index(drop=True), y.iloc[idx].reset_index(drop=True)


def dask_runs(args: argparse.Namespace) -> list[dict]:
    import distributed

    from jupyter_automl import AutoML

    X, y = adult(args.rows)
    families = ["random_forest", "extra_trees", "gradient_boosting"]
    rows = []
    for repeat in range(args.repeats):
        for label, workers in (("processes", 1), ("dask", 1), ("dask", 2)):
            cluster = client = None
            params = {"executor": "processes", "n_jobs": 1}
            if label == "dask":
                cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                                   processes=True, dashboard_address=None,
                                                   silence_logs=40)
                client = distributed.Client(cluster)
                client.run(__import__, "jupyter_automl.search")
                params = {"executor": "dask", "dask_client": client}
            try:
                automl = AutoML(time_budget=args.budget, seed=repeat, families=families,
                                storage="memory", **params)
                automl.fit(X, y)
                events = automl.handle_.events()
                t0, t1 = phase_times(events)
                finished = sum(e.kind == "trial_finished" for e in events)
                row = {"executor": label, "workers": workers, "repeat": repeat,
                       "finished": finished, "search_s": round(t1 - t0, 1),
                       "trials_per_min": round(60 * finished / (t1 - t0), 1),
                       "cv_score": round(float(automl.cv_score_), 4)}
            finally:
                if client is not None:
                    client.close()
                    cluster.close()
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def bytes_per_unit(args: argparse.Namespace) -> list[dict]:
    import distributed

    from jupyter_automl import AutoML
    from jupyter_automl.search.executors import DaskExecutor

    def scheduler_sent(dask_scheduler):
        return sum(bs.byte_count for bs in dask_scheduler.stream_comms.values())

    def worker_received(dask_worker):
        return sum(t["total"] for t in dask_worker.transfer_incoming_log)

    X, y = adult(args.rows)
    rows = []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        client.run(__import__, "jupyter_automl.search")
        for n_trials in args.trials_list:
            executor = DaskExecutor(client)
            before = (client.scheduler_comm.byte_count, client.run_on_scheduler(scheduler_sent),
                      sum(client.run(worker_received).values()))
            automl = AutoML(time_budget=None, n_trials=n_trials, seed=0, executor=executor,
                            families=["linear", "gradient_boosting"], storage="memory", ensemble=False)
            automl.fit(X, y)
            after = (client.scheduler_comm.byte_count, client.run_on_scheduler(scheduler_sent),
                     sum(client.run(worker_received).values()))
            units = executor.n_units + 1  # + the final refit
            row = {"trials": n_trials, "units": units, "data_bytes": executor.data_bytes,
                   "client_to_scheduler_per_unit": round((after[0] - before[0]) / units),
                   "scheduler_to_workers_per_unit": round((after[1] - before[1]) / units),
                   "between_workers_total": after[2] - before[2]}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


PARTS = {"throughput": throughput, "simulate": simulate, "dask": dask_runs, "bytes": bytes_per_unit}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=sorted(PARTS))
    parser.add_argument("--storage", help="a PostgreSQL URL (default: a throw-away server)")
    parser.add_argument("--trials", type=int, default=2000, help="throughput: trials per run")
    parser.add_argument("--trials-list", type=int, nargs="+", default=[4, 16], help="bytes: searches")
    parser.add_argument("--workers", type=int, nargs="+", default=None)
    parser.add_argument("--unit", type=float, default=20.0, help="simulate: seconds per unit")
    parser.add_argument("--budget", type=float, default=None, help="simulate/dask: time budget (s)")
    parser.add_argument("--cv", nargs="+", default=None, help="folds: 5, 3 or holdout")
    parser.add_argument("--sampler", default="tpe")
    parser.add_argument("--rows", type=int, default=5400, help="dask/bytes: rows of adult")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "scale")
    args = parser.parse_args(argv)
    defaults = {"throughput": (8, None, ["5", "holdout"]), "simulate": (None, 240.0, ["5"]),
                "dask": (None, 40.0, ["5"]), "bytes": (None, None, ["5"])}[args.part]
    args.workers = args.workers or ([defaults[0]] if defaults[0] else [256, 1024])
    if args.part == "throughput":
        args.workers = args.workers[0]
    args.budget = args.budget or defaults[1]
    args.cv = [int(c) if c.isdigit() else c for c in (args.cv or defaults[2])]
    return run_part(PARTS, args)


if __name__ == "__main__":
    sys.exit(main())
