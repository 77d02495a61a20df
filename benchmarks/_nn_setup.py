"""Imported first by the scripts that train networks in their own process, for two side effects.

- One OpenMP/BLAS thread, set before numpy loads: one unit of work of the search runs that way.
- This checkout first on ``sys.path``, so ``jupyter_automl`` is the repository's own.

Its name sorts before numpy's, so isort keeps ``import _nn_setup`` above the imports it precedes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
