"""Supernet mode of the ``nas`` family (``AutoML(nas="supernet")``): one-shot NAS in three steps.

1. One weight-sharing supernet (``nn.SuperNet``) trains on the first scored fold's training rows,
   for at most ``TRAIN_SHARE`` of the search time left once torch is warmed up. Epochs are the
   fidelity: the second epoch (the first without start-up costs) shows how many fit, and training
   (with its learning-rate schedule) ends there. On an image's pixels (``space.image_of``) every
   path starts with the same convolution stage, the default CNN's, so the retrained networks are
   CNNs as standard NAS's best are.
2. The study's kind of sampler, in a private in-memory study over the supernet's paths, proposes
   sub-networks; each is scored on that fold's validation rows with the inherited weights (no
   training) and recorded in the study as a pruned trial marked ``inherited_weights``.
3. The best ``N_RETRAIN`` go back to the coordinator as ordinary ``nas`` configurations, which it
   trains from scratch as normal trials first: the leaderboard and the final model are ordinary
   trials, and their ``inherited_score`` shows how well the supernet ranked them. Off images a
   path retrains as the trunk of a TabM-mini ensemble (``RETRAIN_ENSEMBLE``): the supernet
   searches the trunk, one head shares its weights; the retrained network adds the heads. On
   images a path retrains as the CNN default trains (``RETRAIN_IMAGE``). Inherited
   scores rank sub-networks poorly, so the retrained ones are ranked again on their first folds
   (successive halving, ``FoldPruning``): only the best trains on every fold.

It runs on the coordinator thread and asks ``go_on()`` between epochs and candidates, so the stop
and pause buttons work as they do between units. A failure is recorded as a failed trial and
the search goes on in standard mode.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
from optuna.trial import TrialState
from sklearn.pipeline import Pipeline

from .._logging import get_logger
from ..events import EventBus, FoldScored, TrialStarted
from ..exceptions import InputError, SearchWarning
from ..nn import TORCH_INSTALL, SuperNet, default_architectures, default_max_epochs, warm_up
from ._budget import Budget
from ._epochs import aligned_predictions
from ._objective import TrainingData, describe_error
from ._outcomes import emit_outcome, public
from ._provenance import COORDINATOR_ATTR, ask_as_coordinator
from ._samplers import make_sampler
from ._trials import TrialRecord
from .space import (
    FAMILIES,
    SearchSpace,
    build_pipeline,
    image_of,
    nas_backend,
    prefixed,
    with_defaults,
)

_log = get_logger(__name__)
NAS_MODES = ("standard", "supernet")
TRAIN_SHARE = 0.3  # of the search time left, for training the supernet
SCORE_SHARE = 0.1  # of the search time left, for scoring candidates with inherited weights
N_CANDIDATES = 40  # sub-networks scored with inherited weights (at most)
N_RETRAIN = 3  # of them, the best, trained from scratch as ordinary trials
# below this much search time the phase would leave no time to retrain a network on every fold
# (measured on wine and digits: a 10 s budget ended with no model, 20 s with one), so the search
# runs standard NAS instead and says so
MIN_SEARCH_SECONDS = 15.0
# a small space that trains in seconds on a 2-core machine; one activation and skip for all blocks,
# as the nas family's space has them (so a path is a nas configuration)
SUPERNET = {"max_blocks": 4, "widths": (32, 64, 128, 256), "activations": ("relu", "gelu", "silu"),
            "norm": "layer", "dropout": 0.1, "inputs": {"numeric": "plain"}, "per_block": False,
            "training": {"lr": 2e-3, "weight_decay": 1e-4, "batch_size": 128},
            # one uniformly drawn path per step (single-path one-shot NAS), not the sandwich rule's
            # four: a quarter of the epochs, and the retrained ones are ranked on a fold anyway
            "sandwich": False, "n_random": 1}
# a path retrains as the trunk of 8 TabM-mini heads (each scaling the trunk's input its own way),
# the most robust of the nas defaults in cross-validation. On german credit the single-head paths
# scored 0.727-0.765 test ROC AUC against standard NAS's 0.768-0.794, whose best is TabM-mini;
# with the heads 0.743-0.797, and no worse on wine and breast cancer (benchmarks/README.md,
# "Supernet against standard NAS"). Not on images: there the paths are CNNs, as the CNN default,
# and retrain as it trains (batch 64, one-cycle schedule): on digits 386-416 epochs in all instead
# of 650 (47 a fold instead of 89), the same median test log loss.
RETRAIN_ENSEMBLE = {"n_heads": 8, "ensemble": "tabm_mini"}
RETRAIN_IMAGE = {"training": default_architectures(image=True)["cnn"]["training"]}
# on an image's pixels (space.image_of) the paths share the default CNN's convolution stage
IMAGE_INPUTS = {"numeric": "plain", "conv_channels": 16, "conv_layers": 2}
MSG_NAS = "The 'nas' parameter of AutoML must be one of {valid}. Got {got!r} instead."
MSG_NEEDS_TORCH = ("nas='supernet' needs PyTorch (the weight-sharing supernet is a PyTorch network); "
                   "without it this search runs standard NAS. Install it with: {line}")
MSG_NO_NAS = ("nas={got!r} only changes how the 'nas' family is searched, and this search does not "
              "include it: add it with families=[..., 'nas'].")
CANDIDATE_REASON = ("scored with the supernet's inherited weights on fold {fold}'s validation rows "
                    "(not trained alone): {score:.4g}")
MSG_TOO_SHORT = ("nas='supernet' needs at least {need:.0f} s of search time to train the supernet "
                 "and then retrain its best sub-networks; this search has {left:.0f} s, so it runs "
                 "standard NAS")
SUPERNET_REASON = ("the weight-sharing supernet: trained {epochs} epochs ({path_epochs} single-path "
                   "epochs) in {seconds:.1f} s on fold {fold}'s training rows; {n} sub-networks were "
                   "scored with its weights{stopped}")


def resolve_nas_mode(nas: Any, families: list[str]) -> str:
    """The NAS mode this search runs: ``nas`` validated; "supernet" falls back to "standard",
    with a warning, when the "nas" family is not searched or PyTorch is missing."""
    if not isinstance(nas, str) or nas not in NAS_MODES:
        raise InputError(MSG_NAS.format(valid=list(NAS_MODES), got=nas))
    if nas == "standard":
        return nas
    if "nas" not in families:
        warnings.warn(MSG_NO_NAS.format(got=nas), SearchWarning, stacklevel=4)
        return "standard"
    if nas_backend() != "torch":
        warnings.warn(MSG_NEEDS_TORCH.format(line=TORCH_INSTALL), SearchWarning, stacklevel=4)
        return "standard"
    return nas


class SupernetPhase:
    """Trains the supernet, scores candidates, and returns the configurations to retrain."""

    def __init__(self, *, data: TrainingData, space: SearchSpace, study: optuna.Study,
                 records: dict[int, TrialRecord], bus: EventBus, budget: Budget, sampler: str,
                 n_threads: int):
        self.data = data
        self.problem = data.problem
        self.space = space
        self.study = study
        self.records = records
        self.bus = bus
        self.budget = budget
        self.sampler = sampler
        self.n_threads = max(1, min(n_threads, os.cpu_count() or 1))
        self.summary: dict[str, Any] = {}  # what the phase did (SearchResult.supernet)
        image = image_of(self.problem)
        self.settings = SUPERNET | ({"inputs": IMAGE_INPUTS, "image_grid": image} if image else {})

    @property
    def path_epochs(self) -> int:
        return int(self.summary.get("path_epochs", 0))

    @property
    def n_retrains(self) -> int:
        """How many sub-networks the phase handed back to retrain (0 before, or if it failed)."""
        return int(self.summary.get("n_retrains", 0))

    def plan(self, go_on: Callable[[], bool], first: list, family_names: list[str],
             n_started: int) -> tuple[list, int | None]:
        """The coordinator's first trials and trial limit after the phase: the supernet's best
        sub-networks come first, instead of the nas defaults, and a search of the nas family
        alone ends once they are trained. If the phase failed or was stopped early, the first
        trials are unchanged and the search goes on as a standard one."""
        left = self.budget.search_time_left()
        if left < MIN_SEARCH_SECONDS:
            self.summary = {"skipped": MSG_TOO_SHORT.format(need=MIN_SEARCH_SECONDS, left=left)}
            _log.warning(self.summary["skipped"])
            return first, None
        retrain = self.run(go_on)
        if not retrain:
            return first, None
        first = retrain + [(p, a) for p, a in first if p.get("family") != "nas"]
        return first, (n_started + len(retrain) if family_names == ["nas"] else None)

    def run(self, go_on: Callable[[], bool]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(params, trial user attrs) of the sub-networks to retrain, best first; [] when the
        phase failed or was stopped before any candidate was scored."""
        rec, trial = self._start_supernet_record()
        t0 = self.budget.now()
        left = self.budget.search_time_left()
        splits = self.problem.splits
        fold = len(splits.folds) if splits.kind == "rows" else 1  # the first scored fold, 1-based
        try:
            train, valid = splits.scored_folds[0]
            net, curve, Xv, yv = self._train(train, valid, go_on)
            self.summary = {"epochs": net.n_epochs_, "path_epochs": net.path_epochs_,
                            "train_seconds": round(self.budget.now() - t0, 3), "n_candidates": 0}
            self.bus.emit(FoldScored, trial_number=rec.number, fold=fold - 1, score=curve[-1],
                          fit_time=round(self.budget.now() - t0, 4), epoch_scores=curve)
            scored = self._score(net, Xv, yv, self.budget.now() + SCORE_SHARE * left, go_on, fold)
        except Exception as exc:  # failures are data: recorded, and the search goes on in standard mode
            reason, kind = describe_error(exc)
            self.summary = self.summary | {"error": reason}
            self._end(rec, trial, "failed", f"the supernet phase failed: {reason}", error_type=kind)
            return []
        stopped = "" if go_on() else " (stopped)"
        sign = 1.0 if self.problem.metric.greater_is_better else -1.0
        best = sorted(scored, key=lambda c: (-sign * c[1].inherited_score, c[1].number))[:N_RETRAIN]
        self.summary |= {"n_candidates": len(scored), "seconds": round(self.budget.now() - t0, 3),
                         "n_retrains": len(best)}
        rec.epochs = self.summary["epochs"]
        trial.set_user_attr("supernet", self.summary)
        self._end(rec, trial, "pruned", SUPERNET_REASON.format(
            epochs=rec.epochs, path_epochs=self.path_epochs, seconds=self.summary["train_seconds"],
            fold=fold, n=len(scored), stopped=stopped))
        return [(params, {"inherited_score": r.inherited_score, "retrained_from": r.number})
                for params, r in best]

    # -- the steps ---------------------------------------------------------------------------------

    def _train(self, train: np.ndarray, valid: np.ndarray, go_on: Callable[[], bool]):
        """The supernet trained on ``train`` for at most ``TRAIN_SHARE`` of the time left once
        it is ready to train; its widest path's validation score per epoch."""
        X, y = self.data.X, self.data.y
        rows = (lambda idx: X.iloc[idx]) if hasattr(X, "iloc") else (lambda idx: X[idx])
        # the nas family's own preprocessing, so that a path sees what its retrained trial sees
        model = build_pipeline(self.problem, self.config({"n_blocks": 1}), self.data.seed)
        prep = Pipeline(model.steps[:-1])
        Xt, yt = prep.fit_transform(rows(train), y[train]), y[train]
        Xv, yv = prep.transform(rows(valid)), y[valid]
        epochs = default_max_epochs(len(train), SUPERNET["training"]["batch_size"])
        net = SuperNet(classification=self.problem.is_classification, max_epochs=epochs,
                       random_state=self.data.seed, n_threads=self.n_threads, **self.settings)
        widest = {"n_blocks": net.max_blocks} | {f"block_{i}.width": max(net.widths)
                                                   for i in range(net.max_blocks)}
        warm_up()  # torch's one-time start-up costs seconds: they must not count as an epoch's
        curve = []
        last = self.budget.now()
        until = last + TRAIN_SHARE * self.budget.search_time_left()
        for epoch in net.iter_epochs(Xt, yt):
            curve.append(self._evaluate(net, widest, Xv, yv))
            now = self.budget.now()
            if epoch == 2 and np.isfinite(until):  # the second epoch is the first without warm-up costs
                fit = epoch + int((until - now) / max(now - last, 1e-3))
                net.set_params(max_epochs=max(epoch, min(epochs, fit)))
            last = now
            if not go_on() or now > until:
                break
        return net, curve, Xv, yv

    def _evaluate(self, net: SuperNet, path: dict[str, Any], Xv: Any, yv: np.ndarray) -> float:
        pred = aligned_predictions(net.evaluate(path, Xv), getattr(net, "classes_", None), self.problem)
        score = self.problem.metric.score(yv, pred) if np.all(np.isfinite(pred)) else np.nan
        if not np.isfinite(score):
            raise ValueError(f"a sub-network's validation score with inherited weights is {score}")
        return float(score)

    def _score(self, net: SuperNet, Xv: Any, yv: np.ndarray, until: float, go_on: Callable[[], bool],
               fold: int) -> list[tuple[dict[str, Any], TrialRecord]]:
        """Candidates proposed by the sampler and scored with inherited weights, each recorded."""
        private = optuna.create_study(direction=self.problem.metric.direction,
                                      sampler=make_sampler(self.sampler, self.data.seed))
        space = net.sample_space()
        seen: dict[str, float] = {}
        scored = []
        for _ in range(3 * N_CANDIDATES):  # the sampler may propose a path twice
            if len(scored) >= N_CANDIDATES or self.budget.now() > until or not go_on():
                break
            trial = private.ask()
            path: dict[str, Any] = {}
            for p in space:
                if p.active is None or p.active(path):
                    path[p.name] = p.suggest(trial)
            key = repr(sorted(path.items()))
            if key not in seen:
                t0 = self.budget.now()
                seen[key] = self._evaluate(net, path, Xv, yv)
                params = self.config(path)
                scored.append((params, self._record_candidate(params, seen[key], t0, fold)))
            private.tell(trial, seen[key])
        return scored

    def config(self, path: dict[str, Any]) -> dict[str, Any]:
        """The ordinary ``nas`` configuration of a supernet path (every active param fixed), as
        it retrains: off images, the trunk of a TabM-mini ensemble (``RETRAIN_ENSEMBLE``); on
        images, trained as the CNN default is (``RETRAIN_IMAGE``)."""
        family = FAMILIES["nas"]
        params = self.space.params(family)
        names = {p.name for p in params}
        arch = SuperNet(**self.settings).to_architecture(path)
        arch = arch.replace(**(RETRAIN_IMAGE if "image_grid" in self.settings else RETRAIN_ENSEMBLE))
        flat = arch.to_params(per_block=False)
        values = with_defaults(params, {"backend": "torch"} | {k: v for k, v in flat.items() if k in names})
        return {"family": family.name} | prefixed(family.name, values)

    # -- records in the study ------------------------------------------------------------------

    def _start_supernet_record(self) -> tuple[TrialRecord, optuna.Trial]:
        """The supernet as a trial of the study: only its family is a param; what it is, is
        said in the record's ``nas.supernet`` (shown in events and the leaderboard)."""
        self.study.enqueue_trial({"family": "nas"}, user_attrs={"inherited_weights": True})
        trial = ask_as_coordinator(self.study)
        trial.suggest_categorical("family", self.space.family_names)
        rec = self._started(trial, {"family": "nas", "nas.supernet": _describe(self.settings)})
        rec.inherited_weights = True
        return rec, trial

    def _record_candidate(self, params: dict[str, Any], score: float, t0: float, fold: int) -> TrialRecord:
        self.study.enqueue_trial(params, user_attrs={"inherited_weights": True, "inherited_score": score})
        trial = ask_as_coordinator(self.study)
        self.space.suggest(trial)
        rec = self._started(trial, dict(trial.params))
        rec.started, rec.inherited_weights, rec.inherited_score = t0, True, score
        self._end(rec, trial, "pruned", CANDIDATE_REASON.format(fold=fold, score=score))
        return rec

    def _started(self, trial: optuna.Trial, params: dict[str, Any]) -> TrialRecord:
        rec = TrialRecord(number=trial.number, params=params, started=self.budget.now(),
                          coordinator=trial.user_attrs.get(COORDINATOR_ATTR))
        self.records[rec.number] = rec
        self.bus.emit(TrialStarted, trial_number=rec.number, family=rec.family, params=public(rec.params))
        return rec

    def _end(self, rec: TrialRecord, trial: optuna.Trial, state: str, reason: str,
             error_type: str = "") -> None:
        rec.state, rec.reason = state, reason
        rec.duration = self.budget.now() - rec.started
        trial.set_user_attr("status", state)
        trial.set_user_attr("reason", reason)
        self.study.tell(trial, state=TrialState.FAIL if state == "failed" else TrialState.PRUNED)
        emit_outcome(self.bus, rec, self.problem.metric, None, error_type)


def _describe(settings: dict[str, Any]) -> str:
    widths, inputs = settings["widths"], settings["inputs"]
    conv = (f"a shared stage of {inputs['conv_layers']} convolutions of {inputs['conv_channels']} "
            "channels, then " if inputs.get("conv_channels") else "")
    return (f"{conv}1-{settings['max_blocks']} blocks of width {min(widths)}-{max(widths)}, "
            f"{'/'.join(settings['activations'])}, skips or not, {settings['norm']} norm")
