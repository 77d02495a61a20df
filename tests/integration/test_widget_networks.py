"""The Wizard with architecture search, without a browser: a recording comm stands in for the
front-end. A real search of the "nas" family (PyTorch) on the wine demo streams the networks'
learning curves while it runs, and the Results step and the comparison of two trials carry the
networks' architecture diagrams. A search without networks has no curves."""

from __future__ import annotations

import pytest
from test_widget_bridge import recording, request  # noqa: F401
from test_widget_wizard import IDLE, SEARCH_TIMEOUT, part, set_from_front, wait_for

from jupyter_automl.nn import architecture_summary
from jupyter_automl.search import trial_architecture
from jupyter_automl.widgets import Wizard
from jupyter_automl.widgets._setup import NAS_TORCH

pytestmark = pytest.mark.integration
pytest.importorskip("torch")
NAS = {"time_budget": None, "n_trials": 4, "families": ["nas"], "storage": "memory", "n_jobs": 1,
       "cv": 3, "warm_start": False}


@pytest.fixture
def wizard(recording, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("JUPYTER_AUTOML_NN_BACKEND", "torch")
    w = Wizard(namespace={}, runs_dir=str(tmp_path))
    yield w
    w.close()


def parts(rec, name):
    """Every value the panel ``name`` took, in order (snapshots and part messages)."""
    out = []
    for m in rec.stream():
        if m["kind"] == "snapshot" and name in m["parts"]:
            out.append(m["parts"][name])
        elif m["kind"] == "part" and m["name"] == name:
            out.append(m["value"])
    return out


def test_a_nas_search_streams_learning_curves_and_shows_its_architectures(wizard):
    rec = wizard.comm
    set_from_front(wizard, source={"kind": "demo", "name": "wine"})
    assert wizard.wait_idle(IDLE)
    note = part(rec, "search")["family_notes"]["nas"]
    assert "stops weak ones after a few epochs" in note and note.endswith(NAS_TORCH)
    set_from_front(wizard, settings=wizard.settings | NAS)
    assert wizard.wait_idle(IDLE)
    assert request(wizard, rec, "start")["kind"] == "reply"
    handle = wizard.handle
    assert handle.wait(SEARCH_TIMEOUT)
    wait_for(lambda: part(rec, "results") is not None, what="results")
    assert wizard.wait_idle(IDLE)

    # the curves: the engine's learning_curves(), sent as networks reported, not only at the end
    curves = handle.learning_curves()
    final = part(rec, "curves")
    assert [t["trial"] for t in final["trials"]] == sorted(curves["trial"].unique())
    for t in final["trials"]:
        mine = curves[curves["trial"] == t["trial"]]
        assert t["scores"] == pytest.approx(mine["score"].tolist(), rel=1e-4)
        assert t["status"] == mine["status"].iloc[0]
    board = wizard.automl.leaderboard()
    best_network = board[(board["family"] == "nas") & (board["status"] == "finished")]["trial"].iloc[0]
    assert final["best"] == best_network and final["max_epochs"] == 100 and final["rungs"] == [30, 90]
    counts = [len(p["trials"]) for p in parts(rec, "curves") if p is not None]
    assert counts[0] == 0 and counts[-1] == len(final["trials"]) == 4
    assert len({c for c in counts if 0 < c < 4}) >= 1, counts  # curves arrived while it ran

    # the Results step: the chosen model's network(s), drawn, with the one-line summary
    results = part(rec, "results")
    members = {m["trial"]: m for m in results["members"]}
    assert results["networks"] and {n["trial"] for n in results["networks"]} == set(members)
    for net in results["networks"]:
        params = board.set_index("trial").loc[net["trial"], "params"]
        assert net["svg"].startswith("<svg") and "3 classes" in net["svg"]
        assert net["summary"] == architecture_summary(trial_architecture(params))
        assert net["weight"] == pytest.approx(members[net["trial"]]["weight"])

    # two trials picked in the leaderboard and compared: both networks drawn under the table
    a, b = (int(t) for t in board[board["status"] == "finished"]["trial"].iloc[:2])
    assert request(wizard, rec, "compare", {"trials": [a, b]})["kind"] == "reply"
    wait_for(lambda: (part(rec, "compare") or {}).get("trials") == [a, b], what="the comparison")
    assert [n["trial"] for n in part(rec, "compare")["networks"]] == [a, b]


def test_a_search_without_networks_has_no_learning_curves(wizard):
    rec = wizard.comm
    set_from_front(wizard, source={"kind": "demo", "name": "wine"})
    assert wizard.wait_idle(IDLE)
    set_from_front(wizard, settings=wizard.settings | NAS | {"families": ["linear"], "n_trials": 2})
    assert wizard.wait_idle(IDLE)
    assert request(wizard, rec, "start")["kind"] == "reply"
    assert wizard.handle.wait(SEARCH_TIMEOUT)
    wait_for(lambda: part(rec, "results") is not None, what="results")
    assert part(rec, "curves") is None and part(rec, "results")["networks"] == []
