"""The wizard's fairness views without a browser (a recording comm stands in for the front-end):
the trial rows of a fairness-aware search carry their disparity (the Run step draws the front
from them, live), and the Fairness tab's mitigation runs, compares, and becomes the model
through AutoML.use_mitigated, which save and export then see."""

from __future__ import annotations

import pytest
from test_widget_bridge import recording, request  # noqa: F401
from test_widget_wizard import (
    IDLE,
    SEARCH_TIMEOUT,
    TINY,
    part,
    run_demo_search,
    set_from_front,
    wait_for,
)

from jupyter_automl import AutoML
from jupyter_automl.widgets import Wizard
from jupyter_automl.widgets._result_tabs import MSG_NO_MITIGATION, MSG_PICK_SENSITIVE

pytestmark = pytest.mark.integration
DP = "demographic_parity_difference"


@pytest.fixture
def wizard(recording, tmp_path):  # noqa: F811
    w = Wizard(runs_dir=str(tmp_path))
    yield w
    w.close()


def test_fairness_aware_trial_rows_carry_the_disparity_the_engine_ranks_by(wizard):
    rec = wizard.comm
    set_from_front(wizard, source={"kind": "demo", "name": "german_credit"})
    assert wizard.wait_idle(IDLE)
    set_from_front(wizard, metric_choice="accuracy", sensitive=["personal_status"],
                   settings=wizard.settings | TINY | {"n_trials": 6, "fairness_constraint": "demographic_parity"})
    assert wizard.wait_idle(IDLE)
    assert request(wizard, rec, "start")["kind"] == "reply"
    assert wizard.handle.wait(SEARCH_TIMEOUT)
    wait_for(lambda: part(rec, "results") is not None, what="results")
    rows = {}
    for m in rec.stream():  # every row as streamed, increments and snapshots alike
        for row in m.get("rows", []) + m.get("trials", []):
            rows[row["trial"]] = row
    board = wizard.automl.leaderboard().set_index("trial")
    finished = [r for r in rows.values() if r["status"] == "finished"]
    assert len(finished) == int((board["status"] == "finished").sum()) >= 2
    for r in finished:
        assert r["objectives"][DP] == pytest.approx(board.loc[r["trial"], DP])
    # what the Run step highlights (computed in the browser by the engine's rule) is the front
    front = set(wizard.automl.pareto_front()["trial"])
    points = [(r["trial"], r["score"], r["objectives"][DP]) for r in finished]
    dominated = {t for t, s, d in points
                 if any(s2 >= s and d2 <= d and (s2 > s or d2 < d) for _, s2, d2 in points)}
    assert {t for t, _, _ in points} - dominated == front


def test_mitigation_in_the_fairness_tab_becomes_the_model(wizard, tmp_path):
    rec = wizard.comm
    run_demo_search(wizard)
    options = part(rec, "results")["mitigation"]
    assert [m["value"] for m in options["methods"]] == ["threshold", "reductions"]
    assert "demographic_parity" in [c["value"] for c in options["constraints"]]
    assert options["unavailable"] is None and options["applied"] is False

    assert request(wizard, rec, "use_mitigated")["message"] == MSG_NO_MITIGATION
    assert request(wizard, rec, "mitigate", {"sensitive": []})["message"] == MSG_PICK_SENSITIVE
    bad = request(wizard, rec, "mitigate", {"sensitive": ["personal_status"], "method": "magic"})
    assert bad["kind"] == "error" and "method must be one of" in bad["message"]
    model_before = wizard.automl.best_pipeline_

    done = request(wizard, rec, "mitigate", {"sensitive": ["personal_status"], "method": "threshold",
                                            "constraint": "demographic_parity"}, timeout=SEARCH_TIMEOUT)
    assert done["kind"] == "reply", done
    assert wizard.wait_idle(IDLE)
    shown = part(rec, "mitigation")
    assert shown["held_out"] is True and shown["blocked"] is None and shown["requires_sensitive"] is True
    table = {r[0]: r[1:] for r in shown["table"]["rows"]}
    assert shown["table"]["columns"] == ["measure", "before", "after", "change"]
    assert set(table) >= {"accuracy", "demographic parity difference"}
    assert [p["png"][:22] for p in shown["plots"]] == ["data:image/png;base64,"] * 2
    assert wizard.automl.best_pipeline_ is model_before  # shown, not applied yet

    used = request(wizard, rec, "use_mitigated", timeout=SEARCH_TIMEOUT)
    assert used["kind"] == "reply", used
    assert wizard.wait_idle(IDLE)
    assert wizard.automl.mitigation_["method"] == "threshold"
    results = part(rec, "results")
    assert "mitigated for demographic parity" in results["model"]
    assert results["mitigation"]["applied"] is True
    assert part(rec, "mitigation")["applied"] is True  # the before/after stays, marked
    X_hold, _ = wizard.holdout
    df = wizard.data
    assert (wizard.automl.predict(X_hold) == wizard.automl.best_pipeline_.predict(df.loc[X_hold.index])).all()

    saved = request(wizard, rec, "export", {"what": "model", "path": str(tmp_path / "fair.skops")})
    assert saved["kind"] == "reply", saved
    loaded = AutoML.load(tmp_path / "fair.skops")
    assert loaded.predict(X_hold).tolist() == wizard.automl.predict(X_hold).tolist()
    code = request(wizard, rec, "export", {"what": "code", "path": str(tmp_path / "train.py")})
    assert code["kind"] == "error" and "cannot rebuild it without jupyter_automl" in code["message"]
    again = request(wizard, rec, "mitigate", {"sensitive": ["personal_status"]})
    assert again["kind"] == "error" and "already a mitigated one" in again["message"]
