"""Where the epoch rungs should be: measured networks, then a simulated search per rung ladder.

Step 1, ``--collect``: draw ``--networks`` random architectures from the ``nas`` family's space
(Optuna's random sampler, the run's seed, no default networks), and train each on every CV fold
of the protocol's training split with the engine's own unit of work (``run_fold``), two at a
time as a 2-worker search runs them. Kept per network: the first fold's validation score after
each epoch, every fold's seconds, and its cross-validated score. Run it under ``bench-lock``.

Step 2, ``--simulate``: replay a search on those networks for many random orders (300 by
default), as the coordinator schedules it: 2 workers, one fold per unit, depth first, a
network's first fold alone when rungs judge it, folds side by side otherwise (no fold-level
pruning: the first ten trials of a real search have none either). A network a rung stops costs
its fold's seconds times the share of epochs it trained. For each order, the no-pruning search
gives the best CV score within the budget and when it got there; each ladder's search gives when
it reached that score. The figure is the ratio of the two (issue 14's goal: at most 0.5), its
median over orders, the share of orders at most 0.5, and the share never reaching it.

    python benchmarks/bench_rung_ladders.py --collect --dataset wine --seed 0 --networks 40 --out wine0.json
    python benchmarks/bench_rung_ladders.py --simulate wine0.json breast_cancer0.json --budgets 100 150 300

A ladder is a list of rungs in percent of a network's epoch budget (a network's budget depends
on its batch size): "3-9-27-81" is the engine's ladder before 2026-12-07 (epochs of 100), "30-90"
the one since. "learnt-70%" places the first rung from the curves of the networks trained whole
so far (where they had made 70 % of their gain); "... half" keeps the best half at each rung;
"... cv" judges a rung on the mean of every fold's score there (each fold trained to the rung,
then the survivors resumed: ``simulate_cv``).
"""

from __future__ import annotations

import argparse
import heapq
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
N_FOLDS = 5
WORKERS = 2
LADDERS = {"3-9-27-81": [3, 9, 27, 81], "10-30-90": [10, 30, 90], "3-30-90": [3, 30, 90],
           "15-45": [15, 45], "20-60": [20, 60], "30-90": [30, 90], "90": [90],
           # the first rung where the earlier whole networks had made this share of their gain
           "learnt-50%": 0.5, "learnt-70%": 0.7, "learnt-90%": 0.9,
           # keeping the best half at each rung instead of the best third
           "3-9-27-81 half": ([3, 9, 27, 81], 2), "10-30-90 half": ([10, 30, 90], 2),
           "30-90 half": ([30, 90], 2),
           # judged on the mean of every fold at the rung (each fold trained to it, then resumed)
           "10-30-90 cv": ("cv", [10, 30, 90]), "30-90 cv": ("cv", [30, 90])}


# -- step 1: measured networks ---------------------------------------------------------------------

def collect(dataset: str, seed: int, n_networks: int, datasets_dir: Path, out: Path) -> None:
    import optuna
    from _protocol import PRIMARY, load_split
    from threadpoolctl import threadpool_limits

    from jupyter_automl.problem import analyze
    from jupyter_automl.search._objective import TrainingData, run_fold
    from jupyter_automl.search.space import SearchSpace

    split = load_split(dataset, seed, datasets_dir)
    kwargs = {"positive_class": split.meta["positive_class"]} if split.task == "binary" else {}
    problem, X, y = analyze(split.X_train, split.y_train, task=split.task, metric=PRIMARY[split.task],
                            cv=N_FOLDS, seed=seed, check_leakage=False, **kwargs)
    data = TrainingData(X, y.to_numpy(), problem, seed)
    space = SearchSpace(problem, ["nas"])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=problem.metric.direction,
                                sampler=optuna.samplers.RandomSampler(seed))
    configs = []
    for _ in range(n_networks):
        trial = study.ask()
        space.suggest(trial)
        configs.append(dict(trial.params))
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)

    def train(i: int) -> dict:
        folds = []
        for fold in range(N_FOLDS):
            r = run_fold(data, configs[i], fold)
            folds.append({"score": r.score, "seconds": r.fit_time + r.predict_time,
                          "curve": list(r.epoch_scores), "error": r.error})
            if r.error:
                break
        return {"network": i, "folds": folds}

    record = {"dataset": dataset, "seed": seed, "greater_is_better": problem.metric.greater_is_better,
              "networks": []}
    t0 = time.monotonic()
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(WORKERS) as pool:
        for net in pool.map(train, range(n_networks)):
            record["networks"].append(net)
            out.write_text(json.dumps(record))  # kept as it grows: a stopped run keeps its networks
            print(f"network {net['network']}: {sum(f['seconds'] for f in net['folds']):.1f} s "
                  f"({time.monotonic() - t0:.0f} s so far)", flush=True)


# -- step 2: the simulated search --------------------------------------------------------------------

@dataclass
class Network:
    seconds: list[float]  # per fold
    cv: float
    curve: list[float]  # first fold, per epoch
    curves: list[list[float]] = field(default_factory=list)  # every fold's


@dataclass
class Trial:
    net: Network
    stop_at: int | None = None  # the epoch a rung stops it at
    judged: bool = False  # rungs applied to its first fold
    state: str = "running"
    done: set = field(default_factory=set)
    in_flight: set = field(default_factory=set)


def load_networks(path: Path) -> tuple[list[Network], bool]:
    record = json.loads(Path(path).read_text())
    nets = [Network([f["seconds"] for f in n["folds"]], float(np.mean([f["score"] for f in n["folds"]])),
                    n["folds"][0]["curve"], [f["curve"] for f in n["folds"]])
            for n in record["networks"]
            if len(n["folds"]) == N_FOLDS and not any(f["error"] for f in n["folds"])]
    return nets, record["greater_is_better"]


def learnt_at(curve: list[float], share: float, greater: bool) -> float:
    """The fraction of ``curve``'s epochs after which its best score so far had made ``share`` of
    the gain from its first epoch to its best."""
    c = np.asarray(curve) if greater else -np.asarray(curve)
    best = np.maximum.accumulate(c)
    gain = best[-1] - c[0]
    if gain <= 0:
        return 1 / len(c)
    return (int(np.argmax(best - c[0] >= share * gain)) + 1) / len(c)


def adaptive_ladder(whole: list[list[float]], share: float, greater: bool) -> list[int]:
    """Rungs (percent of epochs) from the earlier whole curves: the first at the median epoch
    share where they had made ``share`` of their gain, then three times as far, below 100."""
    first = 100 * float(np.median([learnt_at(c, share, greater) for c in whole]))
    out = []
    while first < 100:
        out.append(first)
        first *= 3
    return out


def thresholds(curves: list[list[float]], ladder: list[int] | tuple, max_epochs: int, greater: bool) -> dict:
    """Successive halving at the ladder's epochs (percent of ``max_epochs``), from one earlier
    network on, as ``jupyter_automl.search._epochs`` judges; a ``(ladder, reduction)`` tuple
    keeps the best ``1/reduction`` instead of the best third."""
    ladder, reduction = ladder if isinstance(ladder, tuple) else (ladder, 3)
    out = {}
    for share in ladder:
        epoch = max(1, round(share * max_epochs / 100))
        scores = sorted((c[epoch - 1] for c in curves if len(c) >= epoch), reverse=greater)
        if not scores:
            break
        out[epoch] = scores[max(0, (len(scores) + 1) // reduction - 1)]
    return out


def run_units(next_unit, cost, ended, budget: float) -> None:
    """The search's clock: ``WORKERS`` workers start units (``next_unit()`` gives a (trial, fold)
    or None) while one is free and the budget lasts; ``ended(now, trial, fold)`` as each ends in it."""
    running: list = []  # heap of (end, seq, trial, fold)
    now, seq = 0.0, 0
    while True:
        while len(running) < WORKERS and now < budget:
            unit = next_unit()
            if unit is None:
                break
            seq += 1
            heapq.heappush(running, (now + cost(*unit), seq, *unit))
        if not running:
            return
        now, _, t, fold = heapq.heappop(running)
        if now > budget:
            return
        ended(now, t, fold)


def simulate(nets: list[Network], order: list[int], greater: bool, ladder: list[int] | float,
             budget: float) -> list[tuple[float, float]]:
    """(time, CV score) of each network that finished every fold within ``budget``; a float
    ``ladder`` is the share of ``adaptive_ladder``."""
    better = (lambda a, b: a >= b) if greater else (lambda a, b: a <= b)
    trials: list[Trial] = []
    curves: list[list[float]] = []
    whole: list[list[float]] = []  # the curves of networks no rung stopped
    queue = iter(order)
    finished: list[tuple[float, float]] = []

    def next_unit():
        for t in trials:  # depth first: the oldest running trial's next fold
            if t.state != "running" or (t.judged and 0 in t.in_flight):
                continue
            pending = [k for k in range(N_FOLDS) if k not in t.done and k not in t.in_flight]
            if pending:
                t.in_flight.add(pending[0])
                return t, pending[0]
        i = next(queue, None)
        if i is None:
            return None
        t = Trial(nets[i])
        rungs_at = ((adaptive_ladder(whole, ladder, greater) if whole else [])
                    if isinstance(ladder, float) else ladder)
        rungs = thresholds(curves, rungs_at, len(t.net.curve), greater) if rungs_at else {}
        t.judged = bool(rungs)
        t.stop_at = next((e for e, v in sorted(rungs.items()) if not better(t.net.curve[e - 1], v)), None)
        t.in_flight.add(0)
        trials.append(t)
        return t, 0

    def cost(t: Trial, fold: int) -> float:
        return t.net.seconds[fold] * ((t.stop_at / len(t.net.curve)) if fold == 0 and t.stop_at else 1)

    def ended(now: float, t: Trial, fold: int) -> None:
        t.in_flight.discard(fold)
        if fold == 0:
            curves.append(t.net.curve[: t.stop_at] if t.stop_at else t.net.curve)
            if t.stop_at:
                t.state = "pruned"
                return
            whole.append(t.net.curve)
        t.done.add(fold)
        if len(t.done) == N_FOLDS:
            t.state = "finished"
            finished.append((now, t.net.cv))

    run_units(next_unit, cost, ended, budget)
    return finished


def simulate_cv(nets: list[Network], order: list[int], greater: bool, ladder: list[int],
                budget: float) -> list[tuple[float, float]]:
    """As ``simulate``, but a rung judges a network on the mean of its folds' scores at that
    epoch: every fold trains to the rung (side by side), then the survivors' folds resume to the
    next. A stopped network costs every fold's seconds up to the rung."""
    better = (lambda a, b: a >= b) if greater else (lambda a, b: a <= b)
    means: list[list[float]] = []  # earlier networks' mean curves, up to where they stopped
    trials: list[dict] = []
    queue = iter(order)
    finished: list[tuple[float, float]] = []

    def start(i):
        net = nets[i]
        n_epochs = len(net.curve)
        rungs = thresholds(means, ladder, n_epochs, greater) if means else {}
        stops = sorted(e for e in rungs if e < n_epochs)
        return {"net": net, "rungs": rungs, "ends": stops + [n_epochs], "seg": 0, "done": set(),
                "in_flight": set(), "state": "running", "n_epochs": n_epochs}

    def next_unit():
        for t in trials:
            if t["state"] == "running":
                pending = [k for k in range(N_FOLDS) if k not in t["done"] and k not in t["in_flight"]]
                if pending:
                    t["in_flight"].add(pending[0])
                    return t, pending[0]
        i = next(queue, None)
        if i is None:
            return None
        trials.append(start(i))
        trials[-1]["in_flight"].add(0)
        return trials[-1], 0

    def cost(t: dict, fold: int) -> float:  # this fold's share of epochs up to the next rung
        lo = t["ends"][t["seg"] - 1] if t["seg"] else 0
        return t["net"].seconds[fold] * (t["ends"][t["seg"]] - lo) / t["n_epochs"]

    def ended(now: float, t: dict, fold: int) -> None:
        t["in_flight"].discard(fold)
        t["done"].add(fold)
        if len(t["done"]) < N_FOLDS:
            return
        end = t["ends"][t["seg"]]
        mean = list(np.mean([c[:end] for c in t["net"].curves], axis=0))
        if end == t["n_epochs"]:
            t["state"] = "finished"
            finished.append((now, t["net"].cv))
            means.append(mean)
        elif not better(mean[end - 1], t["rungs"][end]):
            t["state"] = "pruned"
            means.append(mean)
        else:
            t["seg"] += 1
            t["done"] = set()

    run_units(next_unit, cost, ended, budget)
    return finished


def time_ratio(nets, order, greater, ladder, budget) -> float:
    """The ladder's time to the no-pruning search's best, over the latter's; inf if never."""
    none = simulate(nets, order, greater, [], budget)
    pick = max if greater else min
    target = pick(s for _, s in none)

    def reached(runs):
        return next((t for t, s in sorted(runs) if (s >= target if greater else s <= target)), None)

    run = (simulate_cv(nets, order, greater, ladder[1], budget) if isinstance(ladder, tuple) and ladder[0] == "cv"
           else simulate(nets, order, greater, ladder, budget))
    t_ladder = reached(run)
    return np.inf if t_ladder is None else t_ladder / reached(none)


def report(paths: list[Path], budgets: list[float], n_orders: int, seed: int = 0) -> str:
    lines = ["| networks | budget s | ladder (% of epochs) | median time ratio | orders at most 0.5 "
             "| orders never reaching it |", "|---|---|---|---|---|---|"]
    for path in paths:
        nets, greater = load_networks(path)
        rng = np.random.default_rng(seed)
        orders = [list(rng.permutation(len(nets))) for _ in range(n_orders)]
        for budget in budgets:
            for name, ladder in LADDERS.items():
                r = np.array([time_ratio(nets, o, greater, ladder, budget) for o in orders
                              if simulate(nets, o, greater, [], budget)])
                lines.append(f"| {Path(path).stem} ({len(nets)}) | {budget:g} | {name} | "
                             f"{np.median(r):.2f} | {np.mean(r <= 0.5):.2f} | {np.mean(np.isinf(r)):.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(HERE))
    from _protocol import DEFAULT_DATASETS_DIR

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collect", action="store_true")
    parser.add_argument("--dataset", default="wine")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--networks", type=int, default=40)
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--simulate", nargs="*", type=Path, default=[])
    parser.add_argument("--budgets", nargs="*", type=float, default=[100.0, 150.0, 300.0])
    parser.add_argument("--orders", type=int, default=300)
    args = parser.parse_args(argv)
    if args.collect:
        collect(args.dataset, args.seed, args.networks, args.datasets_dir, args.out)
    if args.simulate:
        print(report(args.simulate, args.budgets, args.orders))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
