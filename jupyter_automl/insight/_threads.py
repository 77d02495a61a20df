"""One BLAS/OpenMP thread for the fits and predictions of insight on small and mid-sized data.

Measured on a loaded 2-core machine: HistGradientBoosting fit on 700 rows took 0.4 s with one
OpenMP thread and 0.4-6.9 s with one per core; predicting 12,000 rows took 0.3 s against 1.6 s.
Parallel regions that short only add contention when other processes share the cores.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from threadpoolctl import threadpool_limits

SINGLE_THREAD_ROWS = 100_000


def few_threads(n_rows: int) -> AbstractContextManager:
    """One thread below ``SINGLE_THREAD_ROWS`` rows; the libraries' defaults above."""
    return threadpool_limits(1 if n_rows < SINGLE_THREAD_ROWS else None)
