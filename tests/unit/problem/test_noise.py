"""The noise screen: columns no more useful than a shuffled copy of themselves are left out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_automl import AutoML
from jupyter_automl.problem import analyze
from jupyter_automl.problem._noise import MIN_COLUMNS, find_noise


def _table(n_noise: int, seed: int = 0, rows: int = 600):
    rng = np.random.default_rng(seed)
    signal = pd.DataFrame({f"x{i}": rng.normal(size=rows) for i in range(5)})
    signal["colour"] = rng.choice(["red", "green", "blue"], size=rows)
    logit = signal[["x0", "x1", "x2", "x3", "x4"]].sum(axis=1) + 1.5 * (signal["colour"] == "red")
    y = pd.Series((logit + rng.normal(scale=0.5, size=rows) > 0.5).astype(int), name="y")
    noise = {f"noise_{i}": rng.normal(size=rows) for i in range(n_noise // 2)}
    noise |= {f"noise_label_{i}": rng.choice(list("abcd"), size=rows) for i in range(n_noise - n_noise // 2)}
    return pd.concat([signal, pd.DataFrame(noise)], axis=1), y


def test_noise_columns_are_left_out_with_a_note_and_signal_columns_stay():
    X, y = _table(30)
    problem, _, _ = analyze(X, y, check_leakage=False, screen_noise=True)
    kinds = {c.name: c.kind for c in problem.columns}
    noise = [name for name, kind in kinds.items() if kind == "noise"]
    assert all(kinds[name] != "noise" for name in ["x0", "x1", "x2", "x3", "x4", "colour"]), kinds
    # a noise column that happens to go with the target in these rows can pass (4 of 30 here)
    assert sum(name.startswith("noise_") for name in noise) >= 24, noise
    note = next(c.note for c in problem.columns if c.kind == "noise")
    assert note.startswith("dropped: no more useful than a shuffled copy of itself (it beat its copy in")
    assert not {c.name for c in problem.used_columns} & set(noise)
    assert any(n.startswith("columns left out:") and noise[0] in n for n in problem.notes)


def test_small_tables_and_the_off_switch_are_not_screened():
    X, y = _table(30)
    problem, _, _ = analyze(X, y, check_leakage=False)  # screen_noise defaults to False
    assert not any(c.kind == "noise" for c in problem.columns)
    small, y_small = _table(MIN_COLUMNS - 7)  # 6 signal + 13 noise = 19 usable columns
    assert find_noise(small, y_small, "binary", list(analyze(small, y_small, check_leakage=False)[0].columns),
                      seed=0) == {}


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_a_table_of_noise_keeps_at_least_one_column(task):
    rng = np.random.default_rng(1)
    X = pd.DataFrame({f"n{i}": rng.normal(size=300) for i in range(25)})
    y = pd.Series(rng.integers(0, 2, 300) if task == "binary" else rng.normal(size=300))
    problem, _, _ = analyze(X, y, task=task, check_leakage=False, screen_noise=True)
    assert problem.used_columns  # the search decides when everything looks like noise


def test_automl_screens_by_default_and_not_with_feature_search_off():
    X, y = _table(30)
    kw = {"families": ["linear"], "n_trials": 1, "time_budget": None, "ensemble": False,
          "storage": "memory", "warm_start": False, "cv": 2}
    with pytest.warns(Warning, match="no more useful than a shuffled copy"):
        screened = AutoML(**kw).fit(X, y)
    assert set(screened.feature_names_in_) == set(X.columns)  # predict still takes the whole table
    assert len(screened.selected_features_) <= 12 and "x0" in screened.selected_features_
    assert np.isfinite(screened.score(X, y))
    kept = AutoML(**kw, feature_search="off").fit(X, y)
    assert len(kept.selected_features_) == X.shape[1]
