"""widgets._networks and the Search step's note on architecture search: the learning-curve panel
built from ``SearchHandle.learning_curves()`` and the leaderboard, architecture diagrams of "nas"
trials, and the one line under the "nas" choice (with and without PyTorch)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from jupyter_automl.nn import TORCH_INSTALL, architecture_summary
from jupyter_automl.search import LEARNING_CURVE_COLUMNS, trial_architecture
from jupyter_automl.search.space._nas import NN_BACKEND_VARIABLE
from jupyter_automl.widgets._networks import architecture_view, curves_part, networks_of
from jupyter_automl.widgets._setup import NAS_TORCH, family_notes, search_part

NAS_PARAMS = {"nas.backend": "torch", "nas.n_blocks": 2, "nas.block_0.width": 64, "nas.block_1.width": 32,
              "nas.residual": True, "nas.n_heads": 4, "nas.ensemble": "tabm_mini"}


def _curves(spec):
    rows = [(trial, "nas", status, e + 1, s) for trial, status, scores in spec for e, s in enumerate(scores)]
    return pd.DataFrame(rows, columns=LEARNING_CURVE_COLUMNS)


def test_the_curves_panel_names_the_best_finished_network_and_the_rungs():
    curves = _curves([(0, "finished", [0.5] * 20), (1, "pruned", [0.3, 0.31, 0.32, 0.33, 0.34, 0.35]),
                      (2, "finished", [0.6] * 20), (4, "running", [0.55] * 20)])
    board = pd.DataFrame({  # ranked as the leaderboard is: finished first, best first
        "trial": [2, 0, 3, 1, 4], "family": ["nas", "nas", "linear", "nas", "nas"],
        "status": ["finished", "finished", "finished", "pruned", "running"],
        "score": [0.61, 0.52, 0.7, 0.32, None], "reason": ["", "", "", "pruned at epoch 6 of 20 (fold 1): ...", ""],
    })
    part = curves_part(curves, board)
    json.dumps(part)
    assert [t["trial"] for t in part["trials"]] == [0, 1, 2, 4]
    assert part["best"] == 2  # trial 3 scored more, but it is not a network
    assert part["max_epochs"] == 20 and part["rungs"] == [6, 18]
    pruned = part["trials"][1]
    assert pruned["scores"][-1] == 0.35 and pruned["reason"].startswith("pruned at epoch 6")
    assert part["trials"][3]["score"] is None and part["trials"][0]["score"] == 0.52


def test_no_finished_network_yet_has_no_best():
    part = curves_part(_curves([(0, "running", [0.1, 0.2])]), pd.DataFrame(
        {"trial": [0], "family": ["nas"], "status": ["running"], "score": [None], "reason": [""]}))
    assert part["best"] is None and part["max_epochs"] == 2 and part["rungs"] == []
    empty = curves_part(_curves([]), pd.DataFrame(columns=["trial", "family", "status", "score", "reason"]))
    assert empty == {"trials": [], "best": None, "max_epochs": 0, "rungs": []}


def test_a_nas_trials_diagram_and_summary():
    view = architecture_view(NAS_PARAMS, n_outputs=3)
    assert view["svg"].startswith("<svg") and "64 units" in view["svg"] and "3 classes" in view["svg"]
    assert "categories (if any)" not in view["svg"]  # the family's networks take numbers only
    assert view["summary"] == architecture_summary(trial_architecture(NAS_PARAMS))
    assert "+skip" in view["summary"] and "TabM-mini" in view["summary"]
    board = pd.DataFrame({"trial": [0, 1], "family": ["nas", "linear"], "params": [NAS_PARAMS, {"linear.C": 1.0}]})
    problem = type("P", (), {"is_classification": False, "classes": None})()
    [net] = networks_of(board, [1, 0], problem, {0: 0.75})
    assert net["trial"] == 0 and net["weight"] == 0.75 and "1 value" in net["svg"]


def test_the_nas_choice_says_what_it_does_and_what_trains_it(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setenv(NN_BACKEND_VARIABLE, "torch")
    note = family_notes()["nas"]
    assert "stops weak ones after a few epochs" in note and "minutes" in note and note.endswith(NAS_TORCH)
    monkeypatch.setenv(NN_BACKEND_VARIABLE, "sklearn")
    note = family_notes()["nas"]
    assert "Without PyTorch a reduced space (scikit-learn's MLP) is searched" in note and TORCH_INSTALL in note
    part = search_part({}, n_rows=100, studies=[], fairness_available=True)
    assert part["family_notes"] == {"nas": note}
    monkeypatch.setenv(NN_BACKEND_VARIABLE, "jax")
    assert "must be 'auto', 'torch' or 'sklearn'" in family_notes()["nas"]
