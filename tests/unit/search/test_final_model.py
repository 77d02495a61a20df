"""Which finished trials the final model may blend (``search._final_model``)."""

from __future__ import annotations

from sklearn.datasets import load_iris

from jupyter_automl.search._ranking import ranked_finished

from ..conftest import tiny_automl


def test_every_default_that_finished_is_an_ensemble_candidate():
    # the defaults are made to differ: each may join the blend even when a tuned trial of its
    # family ranks above it (the second boosting default, weak alone, leads many glass ensembles)
    X, y = load_iris(return_X_y=True, as_frame=True)
    automl = tiny_automl(families=["linear", "gradient_boosting", "knn"], n_trials=12, cv=3,
                         sampler="random").fit(X, y)
    co = automl.handle_._coordinator
    ranked = ranked_finished(list(co.records.values()), co.problem.metric)
    defaults = {r.number for r in ranked if r.space_default}
    assert len(defaults) == 4  # linear, knn and the two boosting defaults
    candidates, preds = co.final._candidates(ranked, co.problem.splits.covered(co.problem.n_rows), [])
    assert defaults <= {c.number for c in candidates} and len(preds) == len(candidates)
    best_of_family = {}
    for r in ranked:
        best_of_family.setdefault(r.family, r.number)
    assert set(best_of_family.values()) <= {c.number for c in candidates}
    # the candidates come in that order: each family's best, then the other defaults, then the rest
    diverse = set(best_of_family.values()) | defaults
    assert {c.number for c in candidates[:len(diverse)]} == diverse
