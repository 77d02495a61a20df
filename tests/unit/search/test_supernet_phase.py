"""nas="supernet": one supernet trains, its sub-networks are scored with inherited weights, the
best few are retrained from scratch as ordinary trials."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris

from jupyter_automl import AutoML
from jupyter_automl.events import FoldScored, TrialFailed, TrialPruned, TrialStarted
from jupyter_automl.exceptions import InputError, SearchWarning
from jupyter_automl.problem import make_splits, resolve_metric
from jupyter_automl.search import _supernet_phase as phase
from jupyter_automl.search._fold_pruning import FoldPruning
from jupyter_automl.search._objective import FoldResult
from jupyter_automl.search._supernet_phase import N_RETRAIN, resolve_nas_mode
from jupyter_automl.search._trials import TrialRecord
from jupyter_automl.search.space._nas import NN_BACKEND_VARIABLE
from jupyter_automl.widgets._results import results_part

pytest.importorskip("torch")


def _iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


def _automl(**kw):
    # a generous budget: the search ends once the best 3 are retrained, well before it
    return AutoML(**({"families": ["nas"], "nas": "supernet", "time_budget": 120, "executor": "sync",
                      "storage": "memory", "seed": 0, "cv": 2, "ensemble": False,
                      "warm_start": False} | kw))


def test_a_supernet_search_scores_sub_networks_with_inherited_weights_then_retrains_the_best():
    X, y = _iris()
    automl = _automl().fit(X, y)
    board = automl.leaderboard()
    inherited = board[board["inherited_weights"]]
    supernet_row = inherited[inherited["params"].map(lambda p: "nas.supernet" in p)]
    candidates = inherited.drop(supernet_row.index)
    assert len(supernet_row) == 1 and supernet_row["reason"].iloc[0].startswith("the weight-sharing supernet")
    assert len(candidates) >= 10 and (candidates["status"] == "pruned").all()
    assert candidates["inherited_score"].notna().all()
    assert candidates["reason"].str.startswith("scored with the supernet's inherited weights").all()
    # the best candidates, trained from scratch as ordinary trials; nothing else is trained. Each
    # trains its first fold (the later ones judged at the epoch rungs by the earlier ones); only
    # the best there trains every fold (successive halving)
    retrained = board[~board["inherited_weights"]]
    finished, stopped = retrained[retrained["status"] == "finished"], retrained[retrained["status"] == "pruned"]
    assert len(retrained) == N_RETRAIN and len(finished) == 1 and len(stopped) == N_RETRAIN - 1
    assert stopped["reason"].str.match(r"stopped after 1 fold\(s\)|pruned at epoch \d+ of \d+ \(fold 1\)").all()
    assert (stopped["n_folds"] <= 1).all() and (finished["n_folds"] == 2).all()
    best = candidates.sort_values("inherited_score").head(N_RETRAIN)  # log loss: lower is better
    assert sorted(retrained["inherited_score"]) == pytest.approx(sorted(best["inherited_score"]))
    assert all(p in list(best["params"]) for p in retrained["params"])  # the same configurations
    # a path retrains as the trunk of a TabM-mini ensemble (iris is not an image)
    assert all(p["nas.n_heads"] == 8 and p["nas.ensemble"] == "tabm_mini" for p in retrained["params"])
    # the final model is a retrained network, and it predicts
    assert automl.best_trial_ in set(finished["trial"])
    assert type(automl.best_pipeline_.steps[-1][1]).__name__ == "TabularNetClassifier"
    assert automl.predict_proba(X.head(5)).shape == (5, 3)
    result = automl.search_
    assert result.reason == "supernet_done"
    assert result.supernet["epochs"] >= 1 and result.supernet["n_candidates"] == len(candidates)
    trained = sum(automl.handle_.study.trials[t].user_attrs["epochs_total"] for t in retrained["trial"])
    assert result.training_epochs == trained + result.supernet["path_epochs"]
    # events: the supernet's learning curve, each candidate's inherited score
    events = automl.handle_.events()
    number = int(supernet_row["trial"].iloc[0])
    [curve] = [e for e in events if isinstance(e, FoldScored) and e.trial_number == number]
    assert len(curve.epoch_scores) == result.supernet["epochs"]
    started = [e.trial_number for e in events if isinstance(e, TrialStarted)]
    assert started[0] == number and len(started) == len(board)
    scores = {e.trial_number: e.score for e in events if isinstance(e, TrialPruned)}
    assert scores[int(candidates["trial"].iloc[0])] == pytest.approx(candidates["inherited_score"].iloc[0])
    # the progress counts and the Results step's summary tell the supernet's rows from pruned trials
    progress = automl.handle_.progress()
    assert progress["n_inherited"] == len(inherited) and progress["n_pruned"] == len(inherited) + len(stopped)
    [ended] = [line for line in results_part(automl, None, None, holdout_note="")["why"]
               if line.startswith("The search ended")]
    assert (f"1 trial finished, {len(stopped)} were pruned or stopped early, {len(inherited)} scored with "
            "the supernet's shared weights, 0 failed.") in ended


def test_a_failing_supernet_phase_is_recorded_and_the_search_goes_on(monkeypatch):
    X, y = _iris()
    # batch norm cannot be shared between sub-networks: the supernet refuses to train
    monkeypatch.setitem(phase.SUPERNET, "norm", "batch")
    with pytest.warns(SearchWarning, match=r"1 of 2 trials failed \(1x the supernet phase failed"):
        automl = _automl(n_trials=1, time_budget=None).fit(X, y)
    board = automl.leaderboard()
    failed = board[board["status"] == "failed"]
    assert len(failed) == 1 and failed["reason"].iloc[0].startswith(
        "the supernet phase failed: ValueError: The supernet's norm must be one of")
    assert automl.search_.supernet["error"]
    assert any(isinstance(e, TrialFailed) for e in automl.handle_.events())
    finished = board[board["status"] == "finished"]  # standard NAS then: a default network
    assert len(finished) == 1 and automl.best_trial_ == finished["trial"].iloc[0]
    assert np.isfinite(automl.score(X, y))


def test_the_nas_option_is_checked_and_falls_back_without_torch(monkeypatch):
    X, y = _iris()
    with pytest.raises(InputError, match=r"The 'nas' parameter of AutoML must be one of "
                                         r"\['standard', 'supernet'\]. Got 'one_shot' instead."):
        _automl(nas="one_shot").fit(X, y)
    assert resolve_nas_mode("standard", ["nas"]) == "standard"
    with pytest.warns(SearchWarning, match="only changes how the 'nas' family is searched"):
        assert resolve_nas_mode("supernet", ["linear"]) == "standard"
    monkeypatch.setenv(NN_BACKEND_VARIABLE, "sklearn")
    with pytest.warns(SearchWarning, match=r"nas='supernet' needs PyTorch .* this search runs "
                                           r"standard NAS. Install it with: pip install"):
        assert resolve_nas_mode("supernet", ["nas"]) == "standard"


def test_a_budget_too_short_for_the_supernet_runs_standard_nas(caplog):
    X, y = _iris()
    with caplog.at_level("WARNING", logger="jupyter_automl"):
        automl = _automl(time_budget=8).fit(X, y)
    skipped = automl.search_.supernet["skipped"]
    assert skipped.startswith("nas='supernet' needs at least 15 s of search time") and "runs standard NAS" in skipped
    assert any(r.getMessage() == skipped for r in caplog.records)
    board = automl.leaderboard()
    # no supernet, no inherited scores: ordinary networks, one of which is the model. On a slow
    # machine the first network may not finish both folds in 7 s: it is then "stopped" with the
    # score of the folds it did, and still the model.
    assert "inherited_weights" not in board or not board["inherited_weights"].fillna(False).any()
    model_row = board[board["trial"] == automl.best_trial_]
    assert model_row["status"].isin(["finished", "stopped"]).all() and np.isfinite(model_row["score"]).all()
    assert type(automl.best_pipeline_.steps[-1][1]).__name__ == "TabularNetClassifier"
    assert np.isfinite(automl.score(X, y))


def test_retrained_sub_networks_are_ranked_on_their_first_fold():
    log_loss = resolve_metric("log_loss", "multiclass", np.array([0, 1, 2]))[0]
    splits = make_splits(np.array([0, 1, 2] * 10), "multiclass", 3, seed=0)

    def rec(number, scores, inherited=0.5):
        folds = {k: FoldResult(k, s, 1.0, 0.1, None) for k, s in enumerate(scores)}
        return TrialRecord(number, {}, 0.0, folds=folds, inherited_score=inherited)

    first, better, worse, tied = rec(41, [0.30, 0.28]), rec(42, [0.20]), rec(43, [0.35]), rec(44, [0.20])
    other = rec(45, [0.10], inherited=None)  # not retrained from the supernet: not a rival
    records = [first, better, worse, tied, other]
    pruning = FoldPruning(splits, True, log_loss, records=lambda: records)
    pruning.expect_retrains(4)
    assert pruning._behind_another_retrain(better) is None  # the best first fold goes on
    assert pruning._behind_another_retrain(worse) == (
        "stopped after 1 fold(s): 0.35 on its first fold, no better than the 0.2 of trial 42, another "
        "sub-network retrained from the supernet (only the best of them there goes on to every fold)")
    # judged on the first fold, whenever its current fold ends: the first retrained went on alone
    assert pruning._behind_another_retrain(first).startswith(
        "stopped after 2 fold(s): 0.3 on its first fold, no better than the 0.2 of trial 42")
    # a tie is no better: only one pays for every fold, the earlier (the better inherited score)
    assert "no better than the 0.2 of trial 42" in pruning._behind_another_retrain(tied)
    alone = FoldPruning(splits, True, log_loss, records=lambda: [worse, other])
    assert alone._behind_another_retrain(worse) is None  # no other retrained sub-network yet
    # one stopped inside its first fold (an epoch rung) is not a rival: its score is partial
    better.state = "pruned"
    assert "no better than the 0.2 of trial 44" in pruning._behind_another_retrain(first)
    better.state = "running"


def test_retrained_sub_networks_wait_for_every_first_fold_then_only_the_best_goes_on():
    log_loss = resolve_metric("log_loss", "multiclass", np.array([0, 1, 2]))[0]
    splits = make_splits(np.array([0, 1, 2] * 10), "multiclass", 3, seed=0)
    folds = {0: FoldResult(0, 0.3, 1.0, 0.1, None)}
    first = TrialRecord(41, {}, 0.0, folds=dict(folds), inherited_score=0.5)
    second = TrialRecord(42, {}, 0.0, inherited_score=0.6)
    # the supernet's own rows (inherited weights, numbered before them) trained nothing
    supernet_rows = [TrialRecord(n, {}, 0.0, inherited_weights=True, inherited_score=0.4) for n in range(41)]
    records = supernet_rows + [first, second]
    pruning = FoldPruning(splits, True, log_loss, records=lambda: records)
    pruning.expect_retrains(3)
    # the round is open (the second has no first fold yet, the third has not started): folds in
    # order for every one of them, the first too, so that any may still be stopped; one with its
    # first fold in waits for the others'
    assert pruning.may_prune(first, records) and pruning.may_prune(second, records)
    assert pruning.waits(first, set(), True) and not pruning.waits(second, set(), True)
    assert pruning.lost_retrain_round(first) is None  # the best first fold so far
    second.folds[0] = FoldResult(0, 0.25, 1.0, 0.1, None)
    assert pruning.lost_retrain_round(first).startswith("stopped after 1 fold(s): 0.3 on its first fold")
    third = TrialRecord(43, {}, 0.0, inherited_score=0.7, state="stopped")  # ended without a fold
    records.append(third)
    # every first fold is in: the best goes on, folds side by side; the others may be stopped
    assert not pruning.may_prune(second, records) and pruning.may_prune(first, records)
    assert not pruning.waits(second, set(), False) and pruning.lost_retrain_round(second) is None
    off = FoldPruning(splits, False, log_loss, records=lambda: records)
    assert not off.may_prune(first, records)  # pruner="none": every one trains every fold
