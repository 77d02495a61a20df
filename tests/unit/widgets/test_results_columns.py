"""The Results step says which columns the chosen model reads when the feature search left some out."""

from __future__ import annotations

from sklearn.datasets import load_breast_cancer

from jupyter_automl import AutoML
from jupyter_automl.widgets._results import MAX_COLUMNS_NAMED, columns_text, results_part


def _fit(mode: str, n_trials: int) -> AutoML:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :12]
    return AutoML(time_budget=None, n_trials=n_trials, families=["linear"], cv=3, storage="memory",
                  executor="sync", seed=0, feature_search=mode).fit(X, y)


def test_a_sequential_search_names_the_columns_it_left_out():
    automl = _fit("sequential", 12)
    used = [c.name for c in automl.problem_.used_columns]
    left_out = [c for c in used if c not in automl.selected_features_]
    line = columns_text(automl)
    steps = len(automl.search_.feature_phase["steps"])
    assert "columns chosen before the model search" in line and f"{steps} elimination step" in line
    assert left_out  # seed 0: the RFE drops 4 of the 12 columns
    assert line.startswith(f"It reads {len(used) - len(left_out)} of the {len(used)} columns")
    assert all(c in line for c in left_out[:MAX_COLUMNS_NAMED])
    part = results_part(automl, None, None, holdout_note="")
    assert line in part["why"]  # shown in the Results step's "why" list


def test_no_line_when_every_column_is_read():
    automl = _fit("off", 2)
    assert columns_text(automl) is None
    assert not any(line.startswith("It reads") for line in
                   results_part(automl, None, None, holdout_note="")["why"])
