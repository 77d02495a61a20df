"""Permutation SHAP (antithetic sampling), batched over rows.

The estimator is SHAP's ``PermutationExplainer``: for a random order of the columns, switch the
columns from background values to the row's values one at a time, and credit each column with the
change of the output; do it again in the reverse order (antithetic), and average over orders and
background rows. Each pass adds up exactly to ``f(x) - E[f(background)]``.

Why not ``shap.PermutationExplainer`` itself: its masker is numba code compiled afresh in every
process (measured 7-40 s before the first row on a 2-core machine; SHAP does not cache it), and it
calls the model once per row and permutation, which costs ~0.1 s of overhead per call on a
200-tree forest. Here many rows go to the model in one call. ``tests/unit/insight`` checks the
values against SHAP's ``ExactExplainer``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

MAX_ROWS_PER_CALL = 60_000  # model rows evaluated per call (memory of the gathered inputs)


def permutation_values(
    f: Callable[[np.ndarray], np.ndarray],
    n_rows: int,
    n_background: int,
    n_columns: int,
    n_permutations: int,
    rng: np.random.Generator,
    deadline: float | None = None,
    max_rows_per_call: int = MAX_ROWS_PER_CALL,
) -> tuple[np.ndarray, np.ndarray, int]:
    """SHAP values of rows ``0..n_rows-1`` against background rows ``n_rows..n_rows+n_background-1``.

    ``f(R)`` takes an integer matrix ``R`` of shape (k, n_columns), where ``R[i, c]`` is the row
    that column ``c`` comes from, and returns outputs of shape (k, n_outputs).

    Rows go to the model in blocks of at most ``max_rows_per_call`` evaluations.
    Returns ``(values, base, n_done)``: values of shape (n_done, n_columns, n_outputs) for the first
    ``n_done`` rows (all of them unless ``deadline``, a ``time.perf_counter()`` value, passed),
    and the base value ``E[f(background)]`` per output.
    """
    m = n_columns
    bg = np.arange(n_rows, n_rows + n_background)
    base = np.asarray(f(np.repeat(bg[:, None], m, axis=1)), dtype=float)
    base = base.reshape(len(bg), -1).mean(axis=0)
    steps = m + 1
    per_row = 2 * steps * n_background
    block = max(1, max_rows_per_call // per_row)
    values = np.zeros((n_rows, m, len(base)))
    done = 0
    positions = np.arange(steps)
    for start in range(0, n_rows, block):
        rows = np.arange(start, min(n_rows, start + block))
        b = len(rows)
        for _ in range(n_permutations):
            order = np.argsort(rng.random((b, m)), axis=1)
            orders = np.concatenate([order, order[:, ::-1]])  # forward and antithetic
            rank = np.empty_like(orders)
            rank[np.arange(2 * b)[:, None], orders] = np.arange(m)
            on = rank[:, None, :] < positions[None, :, None]  # (2b, steps, m)
            owner = np.concatenate([rows, rows])
            R = np.where(on[:, :, None, :], owner[:, None, None, None], bg[None, None, :, None])
            out = np.asarray(f(R.reshape(-1, m)), dtype=float)
            out = out.reshape(2 * b, steps, n_background, -1).mean(axis=2)
            delta = out[:, 1:] - out[:, :-1]  # (2b, m, n_outputs): the column added at each step
            for half in (slice(0, b), slice(b, 2 * b)):
                np.add.at(values, (rows[:, None], orders[half]), delta[half])
        done = start + b
        if deadline is not None and time.perf_counter() > deadline:
            break
    return values[:done] / (2 * n_permutations), base, done
