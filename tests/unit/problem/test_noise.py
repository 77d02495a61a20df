"""The noise screen: columns with no link to the target, alone or with the others, are left out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_automl import AutoML
from jupyter_automl.problem import analyze
from jupyter_automl.problem._noise import (
    MANY_NOISE_COLUMNS,
    MANY_NOISE_SHARE,
    MIN_BUDGET,
    MIN_COLUMNS,
    MIN_NOISE_SHARE,
    MIN_ROWS,
    _p_alone,
    _p_beside,
    find_noise,
)


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
    # a noise column that happens to go with the target in these rows can pass (about 1 in 70)
    assert sum(name.startswith("noise_") for name in noise) >= 27, noise
    note = next(c.note for c in problem.columns if c.kind == "noise")
    assert note.startswith("dropped: noise, no link to the target alone (p = ")
    assert "checks); feature_search='off' keeps it" in note
    assert not {c.name for c in problem.used_columns} & set(noise)
    assert any(n.startswith("columns left out as noise") and repr(noise[0]) in n for n in problem.notes)


def test_small_tables_and_the_off_switch_are_not_screened():
    X, y = _table(30)
    problem, _, _ = analyze(X, y, check_leakage=False)  # screen_noise defaults to False
    assert not any(c.kind == "noise" for c in problem.columns)
    small, y_small = _table(MIN_COLUMNS - 7)  # 6 signal + 13 noise = 19 usable columns
    assert find_noise(small, y_small, "binary", list(analyze(small, y_small, check_leakage=False)[0].columns),
                      seed=0) == {}
    few, y_few = _table(30, rows=MIN_ROWS - 1)  # too few rows for the tests to judge weak columns
    problem, _, _ = analyze(few, y_few, check_leakage=False, screen_noise=True)
    assert not any(c.kind == "noise" for c in problem.columns)
    # from MIN_ROWS a mostly-noise table is screened (the "at least half" rule guards clean ones);
    # on so few rows a real column of middling effect can fail both tests too (here 'colour')
    enough, y_enough = _table(30, rows=MIN_ROWS)
    problem, _, _ = analyze(enough, y_enough, check_leakage=False, screen_noise=True)
    kinds = {c.name: c.kind for c in problem.columns}
    assert sum(kinds[name] == "noise" for name in kinds if name.startswith("noise_")) >= 25, kinds
    assert sum(kinds[name] == "noise" for name in ["x0", "x1", "x2", "x3", "x4", "colour"]) <= 1, kinds

    # a short search keeps its seconds for trials: the screen would cost 1-2 s of them
    short, _, _ = analyze(X, y, check_leakage=False, screen_noise=True, time_budget=MIN_BUDGET - 1)
    assert not any(c.kind == "noise" for c in short.columns)
    long, _, _ = analyze(X, y, check_leakage=False, screen_noise=True, time_budget=MIN_BUDGET)
    assert any(c.kind == "noise" for c in long.columns)


def test_a_few_noise_columns_among_good_ones_are_left_to_the_search():
    """Under MIN_NOISE_SHARE of the columns look like noise: the tests cannot tell weak real
    columns from noise, so the screen leaves every column to the search's selection."""
    rng = np.random.default_rng(2)
    rows = 800
    X = pd.DataFrame({f"x{i}": rng.normal(size=rows) for i in range(16)})
    y = pd.Series((X.sum(axis=1) + rng.normal(size=rows) > 0).astype(int))
    n_noise = 8  # 8 of 24 columns: a third
    assert n_noise < MIN_NOISE_SHARE * (16 + n_noise)
    X = pd.concat([X, pd.DataFrame({f"noise_{i}": rng.normal(size=rows) for i in range(n_noise)})], axis=1)
    problem, _, _ = analyze(X, y, check_leakage=False, screen_noise=True)
    assert not any(c.kind == "noise" for c in problem.columns)
    # the same signal with many more noise columns: screened
    more = pd.concat([X, pd.DataFrame({f"more_{i}": rng.normal(size=rows) for i in range(24)})], axis=1)
    problem, _, _ = analyze(more, y, check_leakage=False, screen_noise=True)
    assert sum(c.kind == "noise" for c in problem.columns) >= 28


def test_dozens_of_noise_columns_are_left_out_under_half():
    """A third of the columns, when that is dozens, is not "a few weak columns": screened.
    A third of a small table stays with the search."""
    rng = np.random.default_rng(4)
    rows, n_real, n_noise = 1000, 50, 36
    assert MANY_NOISE_COLUMNS < n_noise and MANY_NOISE_SHARE < n_noise / (n_real + n_noise) < MIN_NOISE_SHARE
    latent = rng.normal(size=(rows, 5))  # each real column a noisy reading of one of 5 factors
    X = pd.DataFrame({f"x{i}": latent[:, i % 5] + 0.5 * rng.normal(size=rows) for i in range(n_real)})
    y = pd.Series((latent.sum(axis=1) + rng.normal(size=rows) > 0).astype(int))
    noisy = pd.concat([X, pd.DataFrame({f"noise_{i}": rng.normal(size=rows) for i in range(n_noise)})], axis=1)
    problem, _, _ = analyze(noisy, y, check_leakage=False, screen_noise=True)
    kinds = {c.name: c.kind for c in problem.columns}
    assert sum(kinds[f"noise_{i}"] == "noise" for i in range(n_noise)) >= 30, kinds
    assert not any(kinds[f"x{i}"] == "noise" for i in range(n_real)), kinds
    # 12 noise columns beside 24 real ones: a third of the table, but not many
    few = pd.concat([X.iloc[:, :24], noisy.filter(like="noise_").iloc[:, :12]], axis=1)
    problem, _, _ = analyze(few, y, check_leakage=False, screen_noise=True)
    assert not any(c.kind == "noise" for c in problem.columns)


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_weak_and_interaction_only_columns_stay(task):
    """A weak column passes the test alone; a column whose signal is only an interaction (no
    link on its own) passes the checks with the other columns."""
    rng = np.random.default_rng(3)
    rows = 1500
    X = pd.DataFrame({f"noise_{i}": rng.normal(size=rows) for i in range(20)})
    X["weak"] = rng.normal(size=rows)
    X["a"], X["b"] = rng.choice([-1.0, 1.0], size=rows), rng.choice([-1.0, 1.0], size=rows)
    signal = 0.25 * X["weak"] + 1.5 * X["a"] * X["b"] + rng.normal(scale=0.7, size=rows)
    y = (signal > 0).astype(int) if task == "binary" else signal
    problem, _, _ = analyze(X, y, task=task, check_leakage=False, screen_noise=True)
    kinds = {c.name: c.kind for c in problem.columns}
    assert all(kinds[name] != "noise" for name in ["weak", "a", "b"]), kinds
    assert sum(kind == "noise" for kind in kinds.values()) >= 15  # 16 and 18 of 20 with this seed


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
    with pytest.warns(Warning, match="columns left out as noise"):
        screened = AutoML(**kw).fit(X, y)
    assert set(screened.feature_names_in_) == set(X.columns)  # predict still takes the whole table
    assert len(screened.selected_features_) <= 12 and "x0" in screened.selected_features_
    assert np.isfinite(screened.score(X, y))
    kept = AutoML(**kw, feature_search="off").fit(X, y)
    assert len(kept.selected_features_) == X.shape[1]


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_a_column_that_matters_only_beside_another_stays(task):
    """Diabetes' 'sex': no link to the target alone, a clear one once another column is in the
    fit (here the two effects cancel on their own). The linear test beside the others keeps it."""
    rng = np.random.default_rng(5)
    rows = 400
    sex = rng.integers(0, 2, rows).astype(float)
    latent = rng.normal(size=rows)
    X = pd.DataFrame({"x0": latent - 0.5 * sex, "sex": sex})
    signal = 2 * X["x0"] + sex + rng.normal(scale=1.0, size=rows)  # = 2 * latent + noise
    y = ((signal > 0).astype(int) if task == "binary" else signal).rename("y")
    X = pd.concat([X, pd.DataFrame({f"noise_{i}": rng.normal(size=rows) for i in range(30)})], axis=1)
    target = y.to_numpy(dtype=float) if task == "regression" else y.to_numpy()
    assert _p_alone(X["sex"], target, task == "binary") > 0.05  # invisible on its own
    assert _p_beside(X, ["sex", "noise_0"], target, task == "binary")["sex"] < 0.001
    problem, _, _ = analyze(X, y, task=task, check_leakage=False, screen_noise=True)
    kinds = {c.name: c.kind for c in problem.columns}
    assert kinds["sex"] != "noise" and kinds["x0"] != "noise", kinds
    assert sum(kind == "noise" for kind in kinds.values()) >= 25, kinds
    note = next(c.note for c in problem.columns if c.kind == "noise")
    assert "beside the other columns (p = " in note
