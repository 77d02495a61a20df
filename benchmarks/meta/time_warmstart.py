"""Time the warm start's run-time parts (on an otherwise idle machine).

    .venv/bin/python benchmarks/meta/time_warmstart.py [--repeat 5]

Prints the median seconds of: ``compute_metafeatures`` on adult (all 48,842 rows, after
``analyze``), a cold ``Knowledge.load`` (reading the shipped files), ``warm_start`` with the
shipped meta-model (meta-features given), and the meta-model refit the user's history forces
(both forms, on the shipped meta-data plus one extra dataset), single-threaded as at search start.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))

from _protocol import DEFAULT_DATASETS_DIR, load_module  # noqa: E402


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    args = p.parse_args(argv)
    from jupyter_automl.problem import analyze
    from jupyter_automl.search.warmstart import Knowledge, compute_metafeatures
    from jupyter_automl.search.warmstart._knowledge import _MODEL_CACHE, _shipped

    X, y, meta = load_module(args.datasets_dir).load("adult")
    problem, X, y = analyze(X, y, task="binary", check_leakage=False)
    compute_metafeatures(X, y, problem)  # imports and first-call costs out of the measurement
    t_mf = median_time(lambda: compute_metafeatures(X, y, problem), args.repeat)
    features = compute_metafeatures(X, y, problem)

    def cold_load():
        _shipped.cache_clear()
        return Knowledge.load(include_history=False)
    t_load = median_time(cold_load, args.repeat)
    knowledge = Knowledge.load(include_history=False)
    t_ws = median_time(lambda: knowledge.warm_start(problem, n=8, metafeatures=features), args.repeat)
    extra = knowledge.meta.datasets[:1]  # excluding one dataset forces the refit, as history does

    def refit(form):
        _MODEL_CACHE.clear()  # a refit, not a cache hit
        return knowledge.with_form(form).fit_excluding(extra).model
    refits = {form: median_time(lambda f=form: refit(f), args.repeat) for form in ("direct", "pairwise")}
    print(f"meta-features on adult ({len(X)} rows): {t_mf:.3f} s (median of {args.repeat})")
    print(f"Knowledge.load, cold: {t_load:.3f} s")
    print(f"warm_start(n=8) with the shipped model: {t_ws:.3f} s")
    for form, t in refits.items():
        print(f"meta-model refit ({form}, {knowledge.meta.n_datasets - 1} datasets): {t:.3f} s")


if __name__ == "__main__":
    main()
