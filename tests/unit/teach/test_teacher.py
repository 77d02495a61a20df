"""Teaching mode: every lesson is about this run and names its numbers (no Jupyter involved)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from jupyter_automl.teach import Lesson, Teacher

from .._data import binary_frame
from ..conftest import tiny_automl

NUMBER = re.compile(r"\d")


def _search(**kw):
    X, y = binary_frame(160)
    automl = tiny_automl(**kw).fit(X, y)
    teacher = Teacher()
    automl.handle_.subscribe(teacher.observe, replay=True)
    return automl, teacher


def test_every_lesson_of_a_real_search_names_numbers_of_that_run():
    automl, teacher = _search(families=["linear", "knn"], n_trials=24, pruner="median", ensemble=True)
    events = automl.handle_.events()
    lessons = teacher.lessons + teacher.explain_result(automl)
    assert lessons and all(NUMBER.search(lesson.text) for lesson in lessons)
    assert all(isinstance(lesson, Lesson) and lesson.link.startswith("workshop.ipynb#") for lesson in lessons)
    # cross-validation: the first finished trial's own fold scores, in fold order
    first = next(e for e in events if e.kind == "trial_finished")
    folds = [e.score for e in events if e.kind == "fold_scored" and e.trial_number == first.trial_number]
    cv = next(lesson for lesson in lessons if lesson.topic == "cross-validation")
    assert cv.trial == first.trial_number
    assert ", ".join(f"{f:.4g}" for f in folds) in cv.text and f"{first.score:.4g}" in cv.text
    # the sampler lesson comes at the 11th trial, with its number
    started = [e.trial_number for e in events if e.kind == "trial_started"]
    sampler = next(lesson for lesson in lessons if lesson.topic == "sampler")
    assert sampler.trial == started[10] and f"Trial {started[10]} " in sampler.text
    # every pruned trial is explained with its running score against the earlier trials
    pruned = [e for e in events if e.kind == "trial_pruned"]
    explained = {lesson.trial: lesson.text for lesson in lessons if lesson.topic == "pruning"}
    assert set(explained) == {e.trial_number for e in pruned}
    for e in pruned:
        mine = [f.score for f in events if f.kind == "fold_scored" and f.trial_number == e.trial_number]
        assert len(mine) == e.fold and np.mean(mine) == pytest.approx(e.score)
        assert f"running {automl.problem_.metric.name} was {e.score:.4g}" in explained[e.trial_number]
        assert "earlier trials at the same fold" in explained[e.trial_number]


def test_the_warm_start_lesson_uses_the_plan_and_the_budget_lesson_the_refit():
    automl, teacher = _search(families=["linear"], n_trials=None, time_budget=6, warm_start=True)
    started = next(e for e in automl.handle_.events() if e.kind == "search_started")
    warm = next(lesson for lesson in teacher.lessons if lesson.topic == "warm start")
    if started.warm_start and started.warm_start["configs"]:
        assert f"The first {len(started.warm_start['configs'])} trials are not random" in warm.text
    else:
        assert warm.text.startswith("No warm start")
    budget = [lesson.text for lesson in teacher.lessons if lesson.topic == "budget"]
    assert budget[0].startswith("The budget is 6 s.")
    refit = next(e for e in automl.handle_.events() if e.kind == "refit_started")
    assert any(t.startswith(f"At {refit.t:.4g} s the search stopped starting trials") for t in budget)


def test_lessons_reach_a_listener_as_they_happen():
    heard = []
    X, y = binary_frame(80)
    automl = tiny_automl(n_trials=3)
    handle = automl.fit_async(X, y)
    handle.subscribe(Teacher(on_lesson=heard.append).observe, replay=True)
    handle.wait()
    assert heard and heard[0].topic == "warm start" and all(NUMBER.search(h.text) for h in heard)
