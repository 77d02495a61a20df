"""The Wizard without a browser: a recording comm stands in for the front-end, which sends
trait changes and requests as JupyterLab would. A real search runs on a demo dataset."""

from __future__ import annotations

import base64
import time
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from test_widget_bridge import assert_contiguous, from_front, recording, request  # noqa: F401

from jupyter_automl import AutoML
from jupyter_automl.datasets import load_frame
from jupyter_automl.problem._checks import MSG_ONE_CLASS
from jupyter_automl.widgets import Wizard
from jupyter_automl.widgets._compare import COMPARE_LIMITS, MSG_COMPARE_COUNT
from jupyter_automl.widgets._results import MSG_NOT_AVAILABLE
from jupyter_automl.widgets.wizard import MSG_NO_TARGET, MSG_RUNNING

pytestmark = pytest.mark.integration
IDLE = 60.0
SEARCH_TIMEOUT = 180.0
TINY = {"time_budget": None, "n_trials": 3, "families": ["linear"], "storage": "memory", "n_jobs": 1}


def set_from_front(widget, **state) -> None:
    """A trait change made in the browser (ipywidgets' "update" message)."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state}}, "buffers": []})


def part(rec, name):
    """The latest value of a panel, from snapshots and part messages, in order."""
    value = None
    for m in rec.stream():
        if m["kind"] == "snapshot" and name in m["parts"]:
            value = m["parts"][name]
        elif m["kind"] == "part" and m["name"] == name:
            value = m["value"]
    return value


def wait_for(predicate, timeout=SEARCH_TIMEOUT, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def run_demo_search(wizard, demo="german_credit", **settings):
    """Pick a demo, start a TINY search plus ``settings``, wait for its results; return the settings."""
    rec = wizard.comm
    set_from_front(wizard, source={"kind": "demo", "name": demo})
    assert wizard.wait_idle(IDLE)
    sent = wizard.settings | TINY | settings
    set_from_front(wizard, settings=sent)
    assert wizard.wait_idle(IDLE)
    assert request(wizard, rec, "start")["kind"] == "reply"
    assert wizard.handle.wait(SEARCH_TIMEOUT)
    wait_for(lambda: part(rec, "results") is not None, what="results")
    return sent


@pytest.fixture
def wizard(recording, tmp_path):  # noqa: F811
    one_class = load_frame("breast_cancer").assign(outcome="yes")
    w = Wizard(namespace={"one_class": one_class, "note": "not a frame"}, runs_dir=str(tmp_path))
    yield w
    w.close()


def test_hello_snapshot_lists_the_sources(wizard):
    rec = wizard.comm
    from_front(wizard, {"kind": "hello", "version": 1, "have_seq": -1})
    assert wizard.wait_idle(IDLE)
    sources = rec.customs("snapshot")[-1]["parts"]["sources"]
    assert [d["name"] for d in sources["demos"]] == ["adult", "german_credit", "breast_cancer",
                                                     "wine", "diabetes", "digits"]
    assert sources["frames"] == [{"name": "one_class", "rows": 569, "cols": 32}]
    assert wizard.step == 0 and wizard.max_step == 0


def test_a_demo_then_its_target_opens_the_next_steps(wizard):
    rec = wizard.comm
    set_from_front(wizard, source={"kind": "demo", "name": "german_credit"})
    assert wizard.wait_idle(IDLE)
    data = part(rec, "data")
    assert (data["name"], data["rows"], data["cols"]) == ("german_credit", 1000, 21)
    assert wizard.target == "class" and wizard.sensitive == ["personal_status", "age"]
    target = part(rec, "target")
    assert (target["task"], target["metric"], target["positive_class"]) == ("binary", "roc_auc", "bad")
    columns = part(rec, "columns")
    assert columns["target"] == "class" and columns["n_used"] == 20
    assert part(rec, "search")["summary"].startswith(
        "Search every model family except neural architecture search for up to 15 s")
    assert wizard.max_step == 4 and wizard.busy == ""
    set_from_front(wizard, task="multiclass")  # two classes: the engine says binary, with why
    assert wizard.wait_idle(IDLE)
    assert part(rec, "target")["task"] == "binary"


def test_a_one_class_target_shows_the_error_and_the_wizard_stays_usable(wizard):
    rec = wizard.comm
    set_from_front(wizard, source={"kind": "variable", "name": "one_class"})
    assert wizard.wait_idle(IDLE)
    set_from_front(wizard, target="outcome")
    assert wizard.wait_idle(IDLE)
    target = part(rec, "target")
    assert target["error"] == MSG_ONE_CLASS.format(name="outcome", label="yes")
    assert wizard.max_step == 1 and part(rec, "columns") is None
    err = request(wizard, rec, "start")
    assert err["kind"] == "error" and err["message"] == MSG_NO_TARGET
    set_from_front(wizard, target="diagnosis")
    assert wizard.wait_idle(IDLE)
    assert part(rec, "target")["error"] is None and wizard.max_step == 4


def test_a_frame_that_is_not_there_any_more_is_reported(wizard):
    set_from_front(wizard, source={"kind": "variable", "name": "gone"})
    assert wizard.wait_idle(IDLE)
    assert part(wizard.comm, "data")["error"].startswith("There is no variable 'gone'")
    assert wizard.max_step == 0


def test_an_upload_is_read_in_the_kernel(wizard):
    csv = load_frame("wine").to_csv(index=False).encode()
    reply = request(wizard, wizard.comm, "upload", {"name": "wine.csv"})
    assert reply["kind"] == "error" and "no file" in reply["message"]
    rid = "up-1"
    from_front(wizard, {"kind": "request", "id": rid, "action": "upload", "args": {"name": "wine.csv"}},
               [memoryview(csv)])
    assert wizard.wait_idle(IDLE)
    assert wizard.source == {"kind": "upload", "name": "wine.csv"}
    assert part(wizard.comm, "data")["rows"] == 178
    assert wizard.target == "cultivar" and part(wizard.comm, "target")["task"] == "multiclass"


def test_start_stream_stop_and_results(wizard):
    rec = wizard.comm
    set_from_front(wizard, source={"kind": "demo", "name": "german_credit"})
    assert wizard.wait_idle(IDLE)
    set_from_front(wizard, settings=wizard.settings | TINY | {"n_trials": 50})
    assert wizard.wait_idle(IDLE)
    reply = request(wizard, rec, "start")
    assert reply["kind"] == "reply", reply
    assert wizard.step == 4 and isinstance(wizard.automl, AutoML)
    again = request(wizard, rec, "start")
    if not wizard.handle.done():
        assert again["kind"] == "error" and again["message"] == MSG_RUNNING
    wait_for(lambda: any(r["status"] == "finished" for m in rec.customs("trials") for r in m["rows"]),
             what="a finished trial streamed")
    assert request(wizard, rec, "pause")["kind"] == "reply"
    wait_for(lambda: wizard.status == "paused" and part(rec, "run")["phase"] == "paused",
             what="paused")
    assert request(wizard, rec, "resume")["kind"] == "reply"
    wait_for(lambda: wizard.status in ("searching", "refitting", "finished"), what="resumed")
    assert request(wizard, rec, "stop")["kind"] == "reply"
    assert wizard.handle.wait(SEARCH_TIMEOUT)
    wait_for(lambda: part(rec, "results") is not None, what="results")
    assert wizard.wait_idle(IDLE)
    results = part(rec, "results")
    assert "error" not in results, results
    assert results["members"] and results["metric"] == "roc_auc"
    assert any("you stopped it" in line for line in results["why"])
    X_hold, y_hold = wizard.holdout
    assert results["holdout"]["n_rows"] == len(y_hold) == 200
    scores = {s["name"]: s["value"] for s in results["holdout"]["scores"]}
    assert scores["roc_auc"] == pytest.approx(wizard.automl.score(X_hold, y_hold))
    assert [p["name"] for p in results["plots"]] == ["confusion_matrix", "roc", "precision_recall",
                                                     "reliability", "cost"]
    png = base64.b64decode(results["plots"][0]["png"].split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert wizard.max_step == 5 and wizard.status == "finished"
    assert_contiguous(rec.stream())
    notes = part(rec, "run_notes")
    assert notes["holdout"].startswith("200 rows (20%)") and notes["features"] == 20


def test_result_tabs_call_explain_fairness_and_export(wizard, tmp_path, monkeypatch):
    import jupyter_automl.widgets.wizard as wizard_module

    warmed = []  # the explainers' kernels are compiled in the background once results are shown
    monkeypatch.setattr(wizard_module, "warm_up_in_background", lambda: warmed.append(True))
    rec = wizard.comm
    run_demo_search(wizard)
    assert warmed == [True]

    # the Leaderboard tab's Compare button: two finished trials side by side
    assert part(rec, "results")["compare_limits"] == COMPARE_LIMITS
    board = wizard.automl.leaderboard()
    a, b = (int(t) for t in board[board["status"] == "finished"]["trial"].head(2))
    compared = request(wizard, rec, "compare", {"trials": [a, b]})
    assert compared["kind"] == "reply" and compared["result"] == {"trials": [a, b]}, compared
    assert wizard.wait_idle(IDLE)
    side = part(rec, "compare")
    assert side["trials"] == [a, b] and side["sections"][0]["title"] == "Model and settings"
    refused = request(wizard, rec, "compare", {"trials": [a]})
    assert refused["kind"] == "error" and refused["message"] == MSG_COMPARE_COUNT.format(**COMPARE_LIMITS, got=[a])

    explained = request(wizard, rec, "explain")
    if hasattr(AutoML, "explain"):
        assert explained["kind"] == "reply", explained
        assert wizard.wait_idle(IDLE)
        exp = part(rec, "explain")
        assert exp["n_rows"] == 200 and exp["held_out"] is True
        assert exp["importance"] and exp["importance"][0]["mean_abs_shap"] > 0
    else:
        assert explained["message"] == MSG_NOT_AVAILABLE.format(what="Explaining the model",
                                                                 method="explain")
    checked = request(wizard, rec, "fairness", {"sensitive": ["personal_status"]})
    if hasattr(AutoML, "fairness"):
        assert checked["kind"] == "reply", checked
        assert wizard.wait_idle(IDLE)
        fair = part(rec, "fairness")
        assert fair["sensitive"] == ["personal_status"]
        section = fair["sections"][0]
        assert section["sensitive"] == "personal_status" and section["by_group"]["rows"][0][0] == "overall"
        assert "demographic_parity_difference" in [r[0] for r in section["disparities"]["rows"]]
        assert [p["name"] for p in section["plots"]] == ["plot_by_group", "plot_disparities"]
        both = request(wizard, rec, "fairness", {"sensitive": ["personal_status", "age"]})
        assert both["kind"] == "reply", both
        assert wizard.wait_idle(IDLE)
        assert [x["sensitive"] for x in part(rec, "fairness")["sections"]] == ["personal_status", "age"]
    else:
        assert checked["message"] == MSG_NOT_AVAILABLE.format(what="Checking fairness",
                                                               method="fairness")
    saved = request(wizard, rec, "export", {"what": "model", "path": str(tmp_path / "m.skops")})
    assert saved["kind"] == "reply", saved
    assert saved["result"]["path"] == str(tmp_path / "m.skops") and saved["result"]["bytes"] > 0
    loaded = AutoML.load(tmp_path / "m.skops")
    X_hold, _ = wizard.holdout
    assert loaded.predict(X_hold.head(5)).tolist() == wizard.automl.predict(X_hold.head(5)).tolist()


def test_a_second_search_resumes_the_first_from_the_runs_folder(wizard, tmp_path):
    rec = wizard.comm
    settings = run_demo_search(wizard, "breast_cancer", storage="runs", n_trials=2)
    assert wizard.wait_idle(IDLE)
    first = wizard.automl.study_name_
    studies = part(rec, "search")["studies"]
    assert [s["name"] for s in studies] == [first] and studies[0]["n_trials"] == 2
    set_from_front(wizard, settings=settings | {"resume": first})
    assert wizard.wait_idle(IDLE)
    assert "continuing study" in part(rec, "search")["summary"]
    assert request(wizard, rec, "start")["kind"] == "reply"
    assert wizard.handle.wait(SEARCH_TIMEOUT)
    assert wizard.automl.study_name_ == first
    assert len(wizard.automl.leaderboard()) == 4  # 2 earlier trials + 2 new ones


def test_wizard_rejects_what_is_not_a_dataframe(recording):  # noqa: F811
    with pytest.raises(TypeError, match="Wizard\\(df\\) needs a pandas DataFrame. Got list"):
        Wizard([1, 2, 3])


def test_a_dataframe_given_to_the_wizard_is_used(recording):  # noqa: F811
    df = load_frame("diabetes")
    w = Wizard(df)
    try:
        assert w.wait_idle(IDLE)
        assert w.source["kind"] == "given" and w.data is df
        assert w.target == "progression" and part(w.comm, "target")["task"] == "regression"
        assert part(w.comm, "sources")["given"] is True
    finally:
        w.close()


def test_columns_left_out_are_not_given_to_the_search(wizard):
    rec = wizard.comm
    set_from_front(wizard, source={"kind": "demo", "name": "german_credit"})
    assert wizard.wait_idle(IDLE)
    set_from_front(wizard, excluded=["purpose", "age"], settings=wizard.settings | TINY | {"n_trials": 1})
    assert wizard.wait_idle(IDLE)
    assert part(rec, "columns")["n_used"] == 18
    assert request(wizard, rec, "start")["kind"] == "reply"
    assert wizard.handle.wait(SEARCH_TIMEOUT)
    used = list(wizard.automl.feature_names_in_)
    assert "purpose" not in used and "age" not in used and len(used) == 18
    assert isinstance(wizard.data, pd.DataFrame)


def test_a_fairness_aware_search_shows_its_trade_offs_and_a_trial_can_be_chosen(wizard):
    rec = wizard.comm
    set_from_front(wizard, source={"kind": "demo", "name": "german_credit"})
    assert wizard.wait_idle(IDLE)
    set_from_front(wizard, metric_choice="accuracy", sensitive=["personal_status"],
                   settings=wizard.settings | TINY | {"n_trials": 6, "fairness_constraint": "demographic_parity"})
    assert wizard.wait_idle(IDLE)
    assert part(rec, "search")["fairness_constraints"] == ["none", "demographic_parity", "equalized_odds"]
    reply = request(wizard, rec, "start")
    assert reply["kind"] == "reply", reply
    assert wizard.automl.get_params()["fairness"] == {"sensitive_features": ["personal_status"],
                                                      "constraint": "demographic_parity"}
    assert wizard.handle.wait(SEARCH_TIMEOUT)
    wait_for(lambda: part(rec, "results") is not None, what="results")
    assert wizard.wait_idle(IDLE)
    front = part(rec, "results")["pareto"]
    assert front is not None and front["objective"] == "demographic_parity_difference"
    assert front["chosen"] and set(front["chosen"]) <= set(front["trials"])
    assert front["png"].startswith("data:image/png;base64,")
    other = next((t for t in front["trials"] if t not in front["chosen"]), None)
    if other is not None:  # a front of one trial leaves nothing to choose
        assert request(wizard, rec, "select_trial", {"trial": other})["kind"] == "reply"
        assert wizard.wait_idle(IDLE)
        assert part(rec, "results")["pareto"]["chosen"] == [other]
        assert wizard.automl.best_trial_ == other


def test_a_new_users_table_gets_its_sensitive_columns_suggested_with_the_reason(recording):  # noqa: F811
    rng = np.random.default_rng(0)
    n = 120
    df = pd.DataFrame({"sex": rng.choice(["Male", "Female"], n), "age": rng.integers(18, 70, n),
                       "race": rng.choice(["African-American", "Caucasian", "Hispanic"], n),
                       "priors_count": rng.integers(0, 9, n), "two_year_recid": rng.integers(0, 2, n)})
    w = Wizard(df)
    try:
        assert w.wait_idle(IDLE)
        assert w.target == "two_year_recid" and w.sensitive == ["sex", "age", "race"]
        wait_for(lambda: part(w.comm, "columns") is not None, what="the columns panel")
        rows = {c["name"]: c for c in part(w.comm, "columns")["columns"]}
        assert rows["sex"]["sensitive"] and rows["sex"]["sensitive_reason"].startswith("Its name says sex or gender")
        assert rows["priors_count"]["sensitive_reason"] == "" and not rows["priors_count"]["sensitive"]
    finally:
        w.close()


def test_teaching_mode_streams_lessons_with_this_runs_numbers(wizard):
    rec = wizard.comm
    run_demo_search(wizard, n_trials=4, teaching=True)
    lessons = part(rec, "lessons")["lessons"]
    finished = [e for e in wizard.handle.events() if e.kind == "trial_finished"]
    assert lessons[0]["topic"] == "warm start"
    cv = [x for x in lessons if x["topic"] == "cross-validation"]
    assert cv and f"{finished[0].score:.4g}" in cv[0]["text"]
    assert all(any(ch.isdigit() for ch in x["text"]) and x["link"].startswith("workshop.ipynb#") for x in lessons)


def test_a_teaching_search_publishes_its_results(wizard):
    rec = wizard.comm
    run_demo_search(wizard, n_trials=6, teaching=True)
    assert "error" not in part(rec, "results")
    assert part(rec, "lessons")["lessons"]


def test_a_search_on_a_dask_cluster_from_the_wizard(wizard, dask_client):
    from distributed import get_task_stream

    rec = wizard.comm
    # an address nothing listens on: the Search step says so, and what to check
    set_from_front(wizard, settings=wizard.settings | {"executor": "dask", "dask_address": "tcp://127.0.0.1:9"})
    wait_for(lambda: (part(rec, "cluster") or {}).get("state") == "error", timeout=60, what="the error")
    assert part(rec, "cluster")["error"].startswith("Could not connect to the Dask scheduler at tcp://127.0.0.1:9")
    # the test's cluster: the step shows its workers, and every fold of the search runs there
    address = dask_client.scheduler.address
    with get_task_stream(dask_client) as stream:
        run_demo_search(wizard, executor="dask", dask_address=address)
    cluster = part(rec, "cluster")
    assert (cluster["state"], cluster["address"], cluster["n_workers"], cluster["n_threads"]) == (
        "connected", address, 2, 2)
    assert f"on the Dask cluster at {address}" in part(rec, "search")["summary"]
    folds = [t for t in stream.data if t["key"].startswith("run_fold")]
    board = wizard.automl.leaderboard()
    assert len(folds) == board["n_folds"].sum() > 0 and set(board["workers"].explode()) <= set(
        dask_client.scheduler_info(n_workers=-1)["workers"])
    # the Leaderboard tab's comparison says who ran each trial: this kernel, and which workers
    compared = request(wizard, rec, "compare", {"trials": [0, 1]})
    assert compared["kind"] == "reply", compared
    costs = {r["name"]: r for s in part(rec, "compare")["sections"] for r in s["rows"]}
    assert costs["coordinator"]["values"] == list(board.set_index("trial").loc[[0, 1], "coordinator"])
    for number, shown in zip([0, 1], costs["workers"]["values"], strict=True):  # "tcp://a (3 folds), ..."
        ran = Counter(board.set_index("trial").loc[number, "workers"])
        assert len(shown.split(", ")) == len(ran), shown  # one entry per worker, with its folds
        assert all(f"{w} ({n} fold" in shown for w, n in ran.items()), shown
    # back to this kernel: the watch lets the cluster go
    set_from_front(wizard, settings=wizard.settings | {"executor": "local"})
    wait_for(lambda: part(rec, "cluster") is None, timeout=10, what="the cluster part cleared")
