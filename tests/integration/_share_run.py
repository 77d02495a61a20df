"""Run one search in a process of its own (for the tests that share or kill a coordinator).

python _share_run.py URL STUDY N_TRIALS RUNS_DIR OUT_JSON [GO_FILE]
Writes the trials this process started and its leaderboard (trial -> status, trial -> coordinator)
to OUT_JSON. With GO_FILE: once ready (imports done, data loaded), write OUT_JSON.ready and start
searching only when GO_FILE exists, so that processes started together search side by side.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from pathlib import Path

from conformance._tiny import demo
from jupyter_automl import AutoML


def main() -> None:
    url, study, n_trials, runs_dir, out = sys.argv[1:6]
    warnings.simplefilter("ignore")
    X, y = demo(300)
    if len(sys.argv) > 6:
        Path(out + ".ready").touch()
        while not Path(sys.argv[6]).exists():
            time.sleep(0.05)
    automl = AutoML(time_budget=None, n_trials=int(n_trials), seed=os.getpid(), cv=3, ensemble=True,
                    families=["linear", "knn"], storage=url, study_name=study, runs_dir=runs_dir,
                    executor="threads", n_jobs=1, warm_start=False)
    handle = automl.fit_async(X, y)
    handle.result()
    started = [e.trial_number for e in handle.events() if e.kind == "trial_started"]
    board = automl.leaderboard()
    with open(out, "w") as f:
        json.dump({"pid": os.getpid(), "started": started,
                   "board": {int(t): s for t, s in zip(board["trial"], board["status"], strict=True)},
                   "coordinators": {int(t): c for t, c in zip(board["trial"], board["coordinator"],
                                                              strict=True)},
                   "best_trial": [e.best_trial for e in handle.events()
                                  if e.kind == "search_finished"][0]}, f)


if __name__ == "__main__":  # pytest --doctest-modules imports this file too
    main()
