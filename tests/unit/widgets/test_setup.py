"""The wizard's set-up panels and the Search step's AutoML arguments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.datasets import load_frame
from jupyter_automl.exceptions import InputError
from jupyter_automl.search.space import DEFAULT_FAMILIES, FAMILIES
from jupyter_automl.widgets import _setup
from jupyter_automl.widgets._setup import (
    DEFAULT_SETTINGS,
    MSG_DASK_ADDRESS,
    automl_kwargs,
    columns_part,
    search_part,
    split_holdout,
    summary_line,
    target_part,
)


def test_default_settings_give_the_quick_look_search():
    kwargs = automl_kwargs(DEFAULT_SETTINGS, runs_dir="runs")
    assert kwargs["time_budget"] == 15 and kwargs["n_trials"] is None
    assert kwargs["families"] == list(DEFAULT_FAMILIES) and "neural" in kwargs["families"]
    assert "nas" not in kwargs["families"]  # architecture search is listed but unchecked
    assert kwargs["runs_dir"] == "runs" and "storage" not in kwargs and "study_name" not in kwargs


@pytest.mark.parametrize("patch, message", [
    ({"time_budget": -1}, _setup.MSG_BUDGET.format(got=-1)),
    ({"time_budget": "soon"}, _setup.MSG_BUDGET.format(got="soon")),
    ({"n_trials": 2.5}, _setup.MSG_TRIALS.format(got=2.5)),
    ({"time_budget": None, "n_trials": None}, _setup.MSG_NO_LIMIT),
    ({"families": []}, _setup.MSG_FAMILIES),
    ({"holdout": 0.9}, _setup.MSG_HOLDOUT.format(got=0.9)),
    ({"feature_search": "greedy"}, _setup.MSG_FEATURE_SEARCH.format(
        valid=["joint", "sequential", "pseudo_joint", "off"], got="greedy")),
    ({"nas": "darts"}, _setup.MSG_NAS_MODE.format(valid=["standard", "supernet"], got="darts")),
])
def test_bad_settings_are_refused_with_a_message(patch, message):
    with pytest.raises(InputError) as info:
        automl_kwargs(DEFAULT_SETTINGS | patch, runs_dir="runs")
    assert str(info.value) == message


def test_storage_resume_and_validation_map_onto_automl():
    kwargs = automl_kwargs(DEFAULT_SETTINGS | {"storage": "memory", "cv": "5", "n_trials": "7",
                                               "time_budget": "", "sampler": "random"}, runs_dir="r")
    assert kwargs["storage"] == "memory" and kwargs["cv"] == 5 and kwargs["n_trials"] == 7
    assert kwargs["time_budget"] is None and kwargs["sampler"] == "random"
    resumed = automl_kwargs(DEFAULT_SETTINGS | {"resume": "my-study"}, runs_dir="r")
    assert resumed["study_name"] == "my-study"


def test_summary_line_says_what_the_search_will_do():
    line = summary_line(DEFAULT_SETTINGS | {"families": ["linear", "neural"], "n_trials": 20}, 1000)
    assert line == ("Search linear model, neural network for up to 15 s and at most 20 trials with "
                    "Bayesian (TPE), starting with what worked on similar data; 20% of the rows (200) "
                    "are kept aside to test the chosen model.")
    assert "no rows kept aside" in summary_line(DEFAULT_SETTINGS | {"holdout": 0}, 1000)
    assert "similar data" not in summary_line(DEFAULT_SETTINGS | {"warm_start": False}, 1000)
    assert "similar data, choosing the columns first; 20%" in summary_line(
        DEFAULT_SETTINGS | {"feature_search": "sequential"}, 1000)


def test_warm_start_is_on_unless_switched_off():
    assert automl_kwargs(DEFAULT_SETTINGS, runs_dir="r")["warm_start"] is True
    assert automl_kwargs(DEFAULT_SETTINGS | {"warm_start": False}, runs_dir="r")["warm_start"] is False


def test_the_columns_choice_maps_onto_feature_search():
    assert automl_kwargs(DEFAULT_SETTINGS, runs_dir="r")["feature_search"] == "joint"
    for choice in search_part(DEFAULT_SETTINGS, n_rows=500, studies=[],
                              fairness_available=False)["feature_searches"]:
        kwargs = automl_kwargs(DEFAULT_SETTINGS | {"feature_search": choice["value"]}, runs_dir="r")
        assert kwargs["feature_search"] == choice["value"] and choice["help"]


def test_the_architecture_search_choice_maps_onto_nas_when_that_family_is_searched():
    choices = search_part(DEFAULT_SETTINGS, n_rows=500, studies=[], fairness_available=False)["nas_modes"]
    assert [c["value"] for c in choices] == ["standard", "supernet"] and all(c["help"] for c in choices)
    assert "nas" not in automl_kwargs(DEFAULT_SETTINGS | {"nas": "supernet"}, runs_dir="r")
    with_nas = DEFAULT_SETTINGS | {"families": ["nas"], "nas": "supernet"}
    assert automl_kwargs(with_nas, runs_dir="r")["nas"] == "supernet"
    assert automl_kwargs(with_nas | {"nas": "standard"}, runs_dir="r")["nas"] == "standard"
    assert "through a weight-sharing supernet" in summary_line(with_nas, 1000)
    assert summary_line(with_nas, 1000).startswith("Search neural network architectures for up to ")
    assert summary_line(with_nas | {"time_budget": None, "n_trials": 4}, 1000).startswith(
        "Search neural network architectures in at most 4 trials with ")
    assert "supernet" not in summary_line(with_nas | {"nas": "standard"}, 1000)
    assert "supernet" not in summary_line(DEFAULT_SETTINGS | {"nas": "supernet"}, 1000)


def test_a_dask_cluster_choice_maps_onto_the_executor():
    assert "executor" not in automl_kwargs(DEFAULT_SETTINGS | {"dask_address": "tcp://h:8786"}, runs_dir="r")
    settings = DEFAULT_SETTINGS | {"executor": "dask", "dask_address": " tcp://10.0.0.5:8786 "}
    kwargs = automl_kwargs(settings, runs_dir="r")
    assert (kwargs["executor"], kwargs["dask_client"]) == ("dask", "tcp://10.0.0.5:8786")
    summary = search_part(settings, n_rows=500, studies=[], fairness_available=False)["summary"]
    assert ", on the Dask cluster at tcp://10.0.0.5:8786" in summary
    # no address: the step says what to type and the search cannot start
    for address in ("", "   ", None):
        part = search_part(DEFAULT_SETTINGS | {"executor": "dask", "dask_address": address}, n_rows=500,
                           studies=[], fairness_available=False)
        assert part["error"] == MSG_DASK_ADDRESS and part["summary"] is None


def test_search_part_lists_every_choice_and_reports_errors():
    part = search_part(DEFAULT_SETTINGS, n_rows=500, studies=[], fairness_available=False)
    assert [f["name"] for f in part["families"]] == list(FAMILIES)
    assert [p["name"] for p in part["presets"]] == ["quick", "balanced", "best"]
    assert [p["time_budget"] for p in part["presets"]] == [15, 60, 300]
    assert {s["name"] for s in part["samplers"]} == {"tpe", "random", "evolutionary", "cmaes"}
    assert part["error"] is None and part["summary"].startswith(
        "Search every model family except neural architecture search ")
    everything = search_part(DEFAULT_SETTINGS | {"families": list(FAMILIES)}, n_rows=500,
                             studies=[], fairness_available=False)
    assert everything["summary"].startswith("Search every model family for")
    broken = search_part(DEFAULT_SETTINGS | {"families": []}, n_rows=500, studies=[],
                         fairness_available=False)
    assert broken["error"] == _setup.MSG_FAMILIES and broken["summary"] is None


def test_target_part_preselects_task_metric_and_positive_class_with_reasons():
    df = load_frame("german_credit")
    part, problem = target_part(df, "class")
    assert problem is not None and part["error"] is None
    assert (part["task"], part["metric"], part["positive_class"]) == ("binary", "roc_auc", "bad")
    assert part["task_reason"] and part["metric_reason"] and part["positive_reason"]
    assert {c["label"]: c["count"] for c in part["classes"]} == {"good": 700, "bad": 300}
    assert part["metric_choices"][0] == "roc_auc"


def test_target_part_for_regression_shows_a_histogram():
    part, problem = target_part(load_frame("diabetes"), "progression")
    assert part["task"] == "regression" and part["metric"] == "rmse"
    assert part["histogram"]["type"] == "hist" and sum(part["histogram"]["counts"]) == 442


def test_a_one_class_target_gives_the_engine_message_and_no_problem():
    df = load_frame("breast_cancer").assign(outcome="yes")
    part, problem = target_part(df, "outcome")
    assert problem is None
    assert part["error"].startswith("The target 'outcome' has a single class ('yes')")
    assert part["classes"] == [{"label": "yes", "count": 569, "fraction": 1.0}]


def test_columns_part_shows_roles_reasons_and_choices():
    df = load_frame("german_credit").assign(customer_id=np.arange(1000), constant=1.0)
    df["leak"] = (df["class"] == "bad").astype(int)
    _, problem = target_part(df, "class")
    part = columns_part(problem, excluded=["leak", "purpose"], sensitive=["age"])
    rows = {c["name"]: c for c in part["columns"]}
    assert rows["customer_id"]["role"] == "id" and "identifier" in rows["customer_id"]["why"]
    assert rows["constant"]["role"] == "constant" and not rows["constant"]["included"]
    assert rows["leak"]["role"] == "leak" and "almost perfectly" in rows["leak"]["why"]
    assert not rows["purpose"]["included"] and rows["age"]["sensitive"]
    noise = [name for name, c in rows.items() if c["role"] == "noise"]
    assert "leak" not in noise and all("shuffled copy" in rows[n]["why"] for n in noise)
    assert part["n_used"] == len(rows) - 4 - len(set(noise) - {"purpose"})  # id, constant, leak, purpose


def test_holdout_is_stratified_and_disjoint():
    df = load_frame("german_credit")
    X, y = df.drop(columns="class"), df["class"]
    X_tr, y_tr, X_ho, y_ho, note = split_holdout(X, y, 0.2, seed=0, classification=True)
    assert len(X_ho) == 200 and len(X_tr) == 800 and not set(X_tr.index) & set(X_ho.index)
    assert (y_ho == "bad").mean() == pytest.approx(0.3, abs=0.01)
    assert note == "200 rows (20%) were kept aside stratified by class to test the chosen model"
    again = split_holdout(X, y, 0.2, seed=0, classification=True)
    assert list(again[2].index) == list(X_ho.index)  # same seed, same rows


def test_no_holdout_when_too_few_rows():
    X = pd.DataFrame({"x": range(50)})
    y = pd.Series([0, 1] * 25)
    X_tr, _, X_ho, y_ho, note = split_holdout(X, y, 0.2, seed=0, classification=True)
    assert X_ho is None and y_ho is None and len(X_tr) == 50
    assert note == "no rows were kept aside: 20% of 50 rows is fewer than 20"
