"""What a fold's preprocessing costs: categorical columns sharing one encoder (what the search
builds) against one encoder per column (how it was built before 2026-12-06), per style.

    .venv/bin/python benchmarks/bench_preprocessing.py                        # german credit, adult
    .venv/bin/python benchmarks/bench_preprocessing.py --datasets german_credit --repeats 21

Each timing is the median over ``--repeats`` of: fit on the training part of the protocol split
and transform it, then transform it again (a fold fits on one part and transforms two). Both
layouts must give the same matrix up to the order of its columns; the script checks it. Run it
under ``bench-lock`` (exclusive CPU).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.compose import ColumnTransformer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _protocol import DEFAULT_DATASETS_DIR, load_split  # noqa: E402

STYLES = ("scaled", "trees", "native")


def one_encoder_per_column(ct: ColumnTransformer) -> ColumnTransformer:
    """The same preprocessing with each shared categorical encoder split into one per column."""
    parts = []
    for name, transformer, cols in ct.transformers:
        if name.startswith("cat_") and len(cols) > 1:
            parts += [(f"{name}_{i}", clone(transformer), [c]) for i, c in enumerate(cols)]
        else:
            parts.append((name, transformer, cols))
    return ColumnTransformer(parts, remainder=ct.remainder, sparse_threshold=ct.sparse_threshold)


def timed(ct: ColumnTransformer, X, y, repeats: int) -> tuple[float, np.ndarray]:
    seconds = []
    for _ in range(repeats):
        fitted = clone(ct)
        start = time.perf_counter()
        fitted.fit_transform(X, y)
        Z = fitted.transform(X)
        seconds.append(time.perf_counter() - start)
    Z = Z.toarray() if hasattr(Z, "toarray") else np.asarray(Z, dtype=float)
    return statistics.median(seconds), Z


def same_up_to_column_order(A: np.ndarray, B: np.ndarray) -> bool:
    key = lambda M: sorted(map(tuple, np.nan_to_num(M, nan=-1e300).T.round(12)))  # noqa: E731
    return A.shape == B.shape and key(A) == key(B)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["german_credit", "adult"])
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    from jupyter_automl.problem import analyze, prepare_training
    from jupyter_automl.search.space._preprocessing import build_preprocessor

    print("| dataset | style | transformers (shared / per column) | shared s | per column s | same matrix |")
    print("|---|---|---|---|---|---|")
    for name in args.datasets:
        split = load_split(name, 0, args.datasets_dir)
        extra = {"positive_class": split.meta["positive_class"]} if split.task == "binary" else {}
        problem, X, y = analyze(split.X_train, split.y_train, task=split.task, **extra)
        data = prepare_training(X, y, problem)
        for style in STYLES:
            shared = build_preprocessor(problem, style, sparse=style == "scaled")
            split_up = one_encoder_per_column(shared)
            t_shared, Z_shared = timed(shared, data.X, data.y_array, args.repeats)
            t_split, Z_split = timed(split_up, data.X, data.y_array, args.repeats)
            same = same_up_to_column_order(Z_shared, Z_split)
            print(f"| {name} | {style} | {len(shared.transformers)} / {len(split_up.transformers)} "
                  f"| {t_shared:.3f} | {t_split:.3f} | {'yes' if same else 'NO'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
