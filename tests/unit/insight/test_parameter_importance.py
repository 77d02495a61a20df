"""parameter_importance(): per family (Optuna's evaluators) and for the family choice itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.exceptions import InputError
from jupyter_automl.insight import ParameterImportance, parameter_importance
from jupyter_automl.insight.importance._parameters import family_choice_share

from .._data import binary_frame
from ..conftest import tiny_automl


def _board(rng, n_a=12, n_b=8, gap=1.0):
    """Family a: the score follows "depth" only; family b: lower scores, "c" matters."""
    rows = []
    for _ in range(n_a):
        depth, noise = rng.integers(1, 10), rng.uniform(0, 1)
        rows.append({"family": "a", "status": "finished", "score": gap + 0.1 * depth + 0.001 * noise,
                     "params": {"a.depth": int(depth), "a.noise": float(noise)}})
    for _ in range(n_b):
        c, kind = rng.uniform(0.01, 1), rng.choice(["x", "y"])
        rows.append({"family": "b", "status": "finished", "score": c, "params": {"b.c": c, "b.kind": str(kind)}})
    rows.append({"family": "b", "status": "pruned", "score": np.nan, "params": {"b.c": 0.5, "b.kind": "x"}})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("evaluator", ["fanova", "mean_decrease_impurity", "ped_anova"])
def test_each_family_ranks_the_parameter_that_drives_its_score_first(evaluator):
    board = _board(np.random.default_rng(0), n_a=40, n_b=30)  # PED-ANOVA looks at the top 10 %
    result = parameter_importance(board, "maximize", evaluator=evaluator)
    assert isinstance(result, ParameterImportance) and result.evaluator == evaluator
    assert next(iter(result.families["a"].importances)) == "depth"
    assert result.families["a"].importances["depth"] > result.families["a"].importances["noise"]
    assert next(iter(result.families["b"].importances)) == "c"
    assert result.families["b"].n_trials == 30  # the pruned trial is not counted


def test_the_family_choice_is_the_share_of_variance_between_families():
    far = parameter_importance(_board(np.random.default_rng(1), gap=5.0), "maximize")
    near = parameter_importance(_board(np.random.default_rng(1), gap=-0.4), "maximize")
    assert far.family_choice > 0.9 and near.family_choice < far.family_choice
    board = _board(np.random.default_rng(1))
    share, _ = family_choice_share(board)
    done = board[board["status"] == "finished"]
    means = done.groupby("family")["score"].transform("mean")
    expected = 1 - ((done["score"] - means) ** 2).sum() / ((done["score"] - done["score"].mean()) ** 2).sum()
    assert share == pytest.approx(expected)
    frame = far.to_frame()
    assert frame.iloc[0].to_dict() == {"scope": "family choice", "parameter": "family",
                                       "importance": far.family_choice, "n_trials": 20}
    assert set(frame["scope"]) == {"family choice", "a", "b"}
    table = far.family_scores.set_index("family")
    assert table.loc["b", "n_trials"] == 8 and table.loc["a", "best_score"] == pytest.approx(
        board[board["family"] == "a"]["score"].max() + 4.0)


def test_too_few_trials_say_so_instead_of_giving_noise():
    board = _board(np.random.default_rng(2), n_a=3, n_b=6)
    result = parameter_importance(board, "minimize")
    assert "a" not in result.families and "b" in result.families
    assert result.notes == ["a: 3 finished trial(s); importance needs at least 5."]
    only_b = parameter_importance(board[board["family"] == "b"], "minimize")
    assert only_b.family_choice is None and "Only one model family" in only_b.notes[0]
    assert only_b.family_scores["best_score"].iloc[0] == pytest.approx(
        board[(board["family"] == "b") & (board["status"] == "finished")]["score"].min())
    with pytest.raises(InputError, match="evaluator must be one of"):
        parameter_importance(board, "minimize", evaluator="shapley")


def test_automl_parameter_importance_on_a_real_search():
    X, y = binary_frame(120)
    automl = tiny_automl(families=["linear", "knn"], n_trials=14).fit(X, y)
    result = automl.parameter_importance()
    board = automl.leaderboard()
    counts = board[board["status"] == "finished"]["family"].value_counts()
    assert set(result.family_scores["family"]) == set(counts.index)
    for family, found in result.families.items():
        assert found.n_trials == counts[family] >= 5
        assert sum(found.importances.values()) == pytest.approx(1.0)
    assert result.family_choice is not None and 0 <= result.family_choice <= 1
    assert "family choice" in repr(result) and "<table" in result._repr_html_()
    assert result.to_dict()["families"].keys() == result.families.keys()


def test_compare_trials_side_by_side_with_fold_scores_and_differing_settings():
    X, y = binary_frame(120)
    automl = tiny_automl(families=["linear", "knn"], n_trials=6).fit(X, y)
    board = automl.leaderboard()
    a, b = (int(t) for t in board[board["status"] == "finished"]["trial"].head(2))
    table = automl.compare_trials([a, b])
    assert list(table.columns) == [f"trial {a}", f"trial {b}", "differs"]
    folds = [e.score for e in automl.handle_.events() if e.kind == "fold_scored" and e.trial_number == a]
    assert table.loc["fold scores", f"trial {a}"] == ", ".join(f"{f:.4g}" for f in folds)
    assert table.loc["score", f"trial {a}"] == board.set_index("trial").loc[a, "score"]
    settings = table[table.index.str.startswith("setting: ")]
    differing = settings[settings["differs"] == "yes"]
    assert len(differing) >= 1
    assert list(settings["differs"]) == sorted(settings["differs"], reverse=True)  # differing first
    with pytest.raises(InputError, match="at least two"):
        automl.compare_trials([a])
    with pytest.raises(InputError, match="No trial 999"):
        automl.compare_trials([a, 999])
