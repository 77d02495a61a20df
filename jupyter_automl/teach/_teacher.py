"""Teaching mode: short explanations of what *this* search just did, with its own numbers.

A ``Teacher`` observes the engine's events (``handle.subscribe(teacher.observe)``) and writes a
``Lesson`` when something worth explaining happens: why the first trials are the ones they are
(the warm start's predictions, or the families' defaults), what cross-validation measured for a
trial (its fold scores and their spread), why a trial was pruned (its running score against the
earlier trials at the same fold), when the sampler starts to model the scores, what the refit
reserve is for, and (``explain_result``) why the ensemble weights are what they are. Every
lesson names numbers of the run, and links the section of the workshop notebook that explains
the idea in general.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

NOTEBOOK = "workshop.ipynb"
SECTIONS = {
    "warm start": "4.-The-search",
    "cross-validation": "3.-Why-cross-validation",
    "pruning": "4.-The-search",
    "sampler": "4.-The-search",
    "budget": "4.-The-search",
    "ensemble": "4.-The-search",
}
TPE_STARTUP = 10  # trials the default TPE sampler draws before it models the scores
FIRST_EXPLAINED = 3  # cross-validation is explained for the first trials and each new best


@dataclass(frozen=True)
class Lesson:
    seq: int  # of the event that prompted it (0: after the search)
    topic: str  # a key of SECTIONS
    text: str
    trial: int | None = None

    @property
    def link(self) -> str:
        return f"{NOTEBOOK}#{SECTIONS[self.topic]}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "link": self.link}


def _fmt(x: float) -> str:
    return f"{x:.4g}"


class Teacher:
    """Turns a search's events into lessons. Thread-safe; ``observe`` is cheap (a bus subscriber).

    Parameters
    ----------
    sampler : str, default="tpe"
        The search's sampler (the exploring-to-modelling lesson is given for "tpe").
    on_lesson : callable, optional
        Called with each new ``Lesson`` (e.g. a widget that shows it).
    """

    def __init__(self, sampler: str = "tpe", on_lesson: Callable[[Lesson], None] | None = None):
        self.sampler = sampler
        self.on_lesson = on_lesson
        self.lessons: list[Lesson] = []
        self._lock = threading.Lock()
        self._folds: dict[int, dict[int, float]] = {}  # trial -> fold -> score
        self._direction = "maximize"
        self._metric = "score"
        self._budget: float | None = None
        self._n_folds = 0
        self._warm: dict[int, dict[str, Any]] = {}  # trial -> warm-start config
        self._planned: list[dict[str, Any]] = []
        self._n_started = 0
        self._n_explained = 0
        self._best: float | None = None

    # -- events --------------------------------------------------------------------------------

    def observe(self, event: Any) -> None:
        handler = getattr(self, f"_on_{event.kind}", None)
        if handler is not None:
            with self._lock:
                handler(event)

    def _say(self, seq: int, topic: str, text: str, trial: int | None = None) -> None:
        lesson = Lesson(seq, topic, text, trial)
        self.lessons.append(lesson)
        if self.on_lesson is not None:
            self.on_lesson(lesson)

    def _on_search_started(self, e: Any) -> None:
        self._direction, self._metric = e.direction, e.metric
        self._budget, self._n_folds = e.time_budget, e.n_folds
        plan = e.warm_start or {}
        self._planned = list(plan.get("configs") or [])
        families = len(e.families)
        if self._planned:
            best = max(self._planned, key=lambda c: c["predicted_score"]) if e.direction == "maximize" \
                else min(self._planned, key=lambda c: c["predicted_score"])
            self._say(e.seq, "warm start",
                      f"The first {len(self._planned)} trials are not random: the warm start looked at "
                      f"{plan.get('n_reference', 0)} reference datasets and {plan.get('n_studies', 0)} of your "
                      f"earlier studies, and predicts {e.metric} {_fmt(best['predicted_score'])} for the most "
                      f"promising one. After them, the sampler chooses among {families} model families.")
        else:
            self._say(e.seq, "warm start",
                      f"No warm start: the sampler knows nothing about this table yet, so the first trials "
                      f"explore {families} model families, each scored by {e.n_folds}-fold cross-validation.")
        if e.time_budget:
            self._say(e.seq, "budget",
                      f"The budget is {_fmt(e.time_budget)} s. The search stops starting trials before it ends, "
                      f"keeping a reserve to refit the chosen model on every row.")

    def _on_trial_started(self, e: Any) -> None:
        if self._n_started < len(self._planned):
            self._warm[e.trial_number] = self._planned[self._n_started]
        self._n_started += 1
        if self.sampler == "tpe" and self._n_started == TPE_STARTUP + 1:
            scored = sum(1 for f in self._folds.values() if f)
            self._say(e.seq, "sampler",
                      f"Trial {e.trial_number} is the first the sampler proposes from a model of the "
                      f"{scored} trials scored so far: from now on it exploits (tries settings near the "
                      f"best ones) more than it explores.", e.trial_number)

    def _on_fold_scored(self, e: Any) -> None:
        self._folds.setdefault(e.trial_number, {})[e.fold] = e.score

    def _better(self, a: float, b: float) -> bool:
        return a > b if self._direction == "maximize" else a < b

    def _on_trial_finished(self, e: Any) -> None:
        folds = [self._folds.get(e.trial_number, {})[k] for k in sorted(self._folds.get(e.trial_number, {}))]
        new_best = self._best is None or self._better(e.score, self._best)
        if new_best:
            self._best = e.score
        if folds and (self._n_explained < FIRST_EXPLAINED or new_best):
            self._n_explained += 1
            spread = max(folds) - min(folds)
            text = (f"Trial {e.trial_number} ({e.family}) scored {', '.join(_fmt(f) for f in folds)} "
                    f"on its {len(folds)} folds: {self._metric} {_fmt(e.score)} ± {_fmt(e.score_std)}. "
                    f"The folds differ by {_fmt(spread)}: that is how much the score depends on which "
                    f"rows are held out.")
            warm = self._warm.get(e.trial_number)
            if warm is not None:
                text += f" The warm start had predicted {_fmt(warm['predicted_score'])} for it."
            if new_best:
                text += " It is the best trial so far."
            self._say(e.seq, "cross-validation", text, e.trial_number)

    def _on_trial_pruned(self, e: Any) -> None:
        # e.fold: folds scored before the stop; e.score: their mean (the running score)
        mine = self._folds.get(e.trial_number, {})
        running = e.score if e.score is not None else (float(np.mean(list(mine.values()))) if mine else None)
        if running is None:
            return
        n = max(int(e.fold), 1)
        earlier = [float(np.mean([f[k] for k in range(n)]))
                   for t, f in self._folds.items() if t < e.trial_number and all(k in f for k in range(n))]
        text = (f"Trial {e.trial_number} ({e.family}) was stopped after {n} fold{'s' if n != 1 else ''}: "
                f"its running {self._metric} was {_fmt(running)}")
        if earlier:
            ahead = sum(1 for x in earlier if self._better(x, running))
            best = max(earlier) if self._direction == "maximize" else min(earlier)
            text += (f", behind {ahead} of the {len(earlier)} earlier trials at the same fold "
                     f"(their median {_fmt(float(np.median(earlier)))}, best {_fmt(best)})")
        text += ". Its remaining folds would have cost time that promising settings can use instead."
        self._say(e.seq, "pruning", text, e.trial_number)

    def _on_refit_started(self, e: Any) -> None:
        trials = f"trial{'s' if len(e.trial_numbers) != 1 else ''} " + ", ".join(str(t) for t in e.trial_numbers)
        if self._budget:
            tail = (f", {_fmt(self._budget - e.t)} s before the budget ends: that reserve refits {trials} "
                    f"on every row ({e.description}).")
        else:  # no time limit: nothing was reserved, the refit simply follows the last trial
            tail = f": it now refits {trials} on every row ({e.description})."
        self._say(e.seq, "budget", f"At {_fmt(e.t)} s the search stopped starting trials{tail}")

    # -- after the search ----------------------------------------------------------------------

    def explain_result(self, automl: Any) -> list[Lesson]:
        """Lessons about the chosen model (the ensemble weights), once the search is over."""
        search = getattr(automl, "search_", None)
        members, weights = list(getattr(search, "members", []) or []), list(getattr(search, "weights", []) or [])
        if len(members) < 2 or len(members) != len(weights):
            return []
        board = automl.leaderboard()
        scores = dict(zip(board["trial"].astype(int), board["score"], strict=True))
        parts = ", ".join(f"trial {t} (cross-validated {_fmt(scores[t])}) weight {w:.2f}"
                          for t, w in sorted(zip(members, weights, strict=True), key=lambda p: -p[1]))
        with self._lock:
            self._say(0, "ensemble",
                      f"The model averages {len(members)} trials: {parts}. Greedy selection adds, again and "
                      f"again, the trial whose predictions most improve the average's out-of-fold score; "
                      f"a weight is the share of picks. A weaker trial gets weight when its mistakes differ "
                      f"from the others'.")
        return self.lessons[-1:]
