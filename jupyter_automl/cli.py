"""The command line: ``jupyter-automl run data.csv --target y --budget 60 --out results/``.

The same engine as ``AutoML.fit`` (it calls ``fit_async`` and follows its events), with a text
progress bar on stderr. ``run`` writes the saved model, the leaderboard as CSV, the HTML report
(on rows held out from the search) and a standalone script that refits the model.
``predict`` applies a saved model to a table. Bad input ends with a message and an exit code
that says what kind of problem it was (see ``EXIT_CODES``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from ._optional import MissingDependencyError
from ._version import __version__
from .exceptions import (
    ExecutorLostError,
    InputError,
    SearchError,
    StorageUnavailableError,
    TargetColumnError,
    TargetError,
    UnreachableError,
    UntrustedTypesError,
)
from .problem import TableReadError, check_target, read_table
from .search import LimitNames, check_limits

EXIT_OK = 0
EXIT_USAGE = 2  # argparse's own code for bad arguments
EXIT_NO_FILE = 3
EXIT_UNREADABLE = 4
EXIT_NO_TARGET = 5
EXIT_BAD_TARGET = 6
EXIT_BAD_DATA = 7
EXIT_NO_MODEL = 8
EXIT_MISSING_DEPENDENCY = 9
EXIT_UNTRUSTED = 10
EXIT_UNREACHABLE = 11
EXIT_INTERRUPTED = 130
EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_USAGE: "bad command-line arguments",
    EXIT_NO_FILE: "the input file does not exist",
    EXIT_UNREADABLE: "the input file could not be read as a table",
    EXIT_NO_TARGET: "the target column is not in the table",
    EXIT_BAD_TARGET: "the target cannot be learned (one class, all missing, infinite values...)",
    EXIT_BAD_DATA: "the data cannot be used (empty, too few rows, no usable column...)",
    EXIT_NO_MODEL: "the search produced no model (every trial failed, or no time)",
    EXIT_MISSING_DEPENDENCY: "an optional package is needed (e.g. pyarrow for Parquet)",
    EXIT_UNTRUSTED: "the model file holds types that are not trusted",
    EXIT_UNREACHABLE: "a server could not be reached or was lost (the Dask scheduler, the database)",
    EXIT_INTERRUPTED: "interrupted before any model was found",
}

MSG_INTERRUPTED = "Interrupted: stopping the search and keeping the best model found so far..."
MSG_TEST_SIZE = "--test-size must be at least 0 and below 1 (a share of the rows)."
MSG_FAMILIES = "--families takes names separated by commas, e.g. linear,gradient_boosting."
MSG_NO_SCHEDULER = ("--executor dask needs the scheduler's address: --scheduler tcp://host:8786 "
                    "(see the README, 'Running on a cluster').")
CLI_NAMES = LimitNames("--budget", "--trials", "--budget", "--trials")

BAR_WIDTH = 28
TICK = 0.5  # seconds between progress bar redraws on a terminal
PLAIN_TICK = 10.0  # seconds between progress lines when stderr is not a terminal


class CliError(Exception):
    """A problem to report to the user with an exit code, and no traceback."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


# -- errors to exit codes ------------------------------------------------------------------

# the most specific type first: TargetColumnError is a TargetError is an InputError
_EXIT_FOR = ((FileNotFoundError, EXIT_NO_FILE), (TableReadError, EXIT_UNREADABLE),
             (MissingDependencyError, EXIT_MISSING_DEPENDENCY),
             ((UnreachableError, ExecutorLostError, StorageUnavailableError), EXIT_UNREACHABLE),
             (UntrustedTypesError, EXIT_UNTRUSTED), (TargetColumnError, EXIT_NO_TARGET),
             (TargetError, EXIT_BAD_TARGET), (InputError, EXIT_BAD_DATA))


def exit_code(exc: BaseException) -> int:
    """The exit code for an error the engine raised, by its type."""
    return next(code for kind, code in _EXIT_FOR if isinstance(exc, kind))


def read_input(path: str | Path) -> pd.DataFrame:
    try:
        return read_table(path)
    except (FileNotFoundError, InputError, MissingDependencyError) as exc:
        raise CliError(str(exc), exit_code(exc)) from exc


# -- the progress bar -------------------------------------------------------------------------


class ProgressBar:
    """Counts and the best score, kept up to date by engine events; drawn on ``stream``.

    Events arrive on the coordinator thread and only update counters (fast, never blocks); the
    main thread draws. On a terminal the bar is redrawn in place; otherwise a line is written
    every ``PLAIN_TICK`` seconds and when the best model changes.
    """

    def __init__(self, stream: TextIO, time_budget: float | None, n_trials: int | None):
        self.stream = stream
        self.tty = stream.isatty()
        self.time_budget = time_budget
        self.n_trials = n_trials
        self.lock = threading.Lock()
        self.started = self.finished = self.pruned = self.failed = 0
        self.best: tuple[int, str, float] | None = None
        self.metric = ""
        self.phase = "starting"
        self.messages: list[str] = []
        self.t0 = time.monotonic()
        self._last_plain = 0.0
        self._last_text = ""

    def __call__(self, event: Any) -> None:
        with self.lock:
            kind = event.kind
            if kind == "search_started":
                self.metric = event.metric
                self.phase = "searching"
            elif kind == "trial_started":
                self.started += 1
            elif kind == "trial_finished":
                self.finished += 1
            elif kind == "trial_pruned":
                self.pruned += 1
            elif kind == "trial_failed":
                self.failed += 1
            elif kind == "best_changed":
                self.best = (event.trial_number, event.family, event.score)
                self.messages.append(f"best so far: trial {event.trial_number} ({event.family}) "
                                     f"{self.metric} {event.score:.4f}")
            elif kind == "refit_started":
                self.phase = "refitting"
                self.messages.append(event.description)
            elif kind == "search_finished":
                self.phase = "finished"

    def line(self) -> str:
        elapsed = time.monotonic() - self.t0
        if self.time_budget:
            share = min(1.0, elapsed / self.time_budget)
            where = f"{elapsed:4.0f}/{self.time_budget:g} s"
        elif self.n_trials:
            share = min(1.0, (self.finished + self.pruned + self.failed) / self.n_trials)
            where = f"{elapsed:4.0f} s"
        else:
            share, where = 0.0, f"{elapsed:4.0f} s"
        if self.phase in ("refitting", "finished"):
            share = 1.0
        filled = int(round(share * BAR_WIDTH))
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        best = f"best {self.metric} {self.best[2]:.4f}" if self.best else "no model yet"
        return (f"[{bar}] {share:4.0%} {where}  trials {self.started} ({self.finished} done, "
                f"{self.pruned} pruned, {self.failed} failed)  {best}  {self.phase}")

    def draw(self, final: bool = False) -> None:
        with self.lock:
            messages, self.messages = self.messages, []
            text = self.line()
        now = time.monotonic()
        if self.tty:
            clear = "\r\033[K"
            for m in messages:
                self.stream.write(f"{clear}  {m}\n")
            self.stream.write(clear + text + ("\n" if final else ""))
        else:
            for m in messages:
                self.stream.write(f"  {m}\n")
            if (final or messages or now - self._last_plain >= PLAIN_TICK) and text != self._last_text:
                self.stream.write(text + "\n")
                self._last_plain = now
                self._last_text = text
        self.stream.flush()


# -- commands ---------------------------------------------------------------------------------


def _split(frame: pd.DataFrame, target: str, test_size: float, seed: int, task: str):
    from sklearn.model_selection import train_test_split

    frame = frame[frame[target].notna()]
    if test_size <= 0:
        return frame, None
    y = frame[target]
    stratify = y if task != "regression" and y.value_counts().min() >= 2 and \
        (task != "auto" or not pd.api.types.is_float_dtype(y)) else None
    try:
        return train_test_split(frame, test_size=test_size, random_state=seed, stratify=stratify)
    except ValueError:  # too few rows of a class for a stratified split
        return train_test_split(frame, test_size=test_size, random_state=seed)


def _warn_to(stream: TextIO):
    def show(message, category, filename, lineno, file=None, line=None):
        stream.write(f"warning: {message}\n")
    return show


def _families(text: str | None) -> list[str] | None:
    if not text:
        return None
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise CliError(MSG_FAMILIES, EXIT_USAGE)
    return names


def run(args: argparse.Namespace, stderr: TextIO) -> int:
    from ._automl import AutoML

    frame = read_input(args.data)
    try:
        check_target(frame, args.target)
    except InputError as exc:
        raise CliError(str(exc), exit_code(exc)) from exc
    train, test = _split(frame, args.target, args.test_size, args.seed, args.task)
    out = Path(args.out)
    automl = AutoML(task=args.task, metric=args.metric, time_budget=args.budget, n_trials=args.trials,
                    seed=args.seed, n_jobs=args.n_jobs, families=_families(args.families),
                    storage=args.storage, study_name=args.study_name, runs_dir=str(out / "runs"),
                    executor=args.executor, dask_client=args.scheduler,
                    feature_search=args.feature_search, feature_engineering=args.feature_engineering)
    bar = ProgressBar(stderr, args.budget, args.trials)
    try:
        handle = automl.fit_async(train, args.target)
    except InputError as exc:
        raise CliError(str(exc), exit_code(exc)) from exc
    handle.subscribe(bar)
    interrupted = False
    while not handle.done():
        try:
            handle.wait(TICK)
            if not args.quiet:
                bar.draw()
        except KeyboardInterrupt:
            if interrupted:
                raise
            interrupted = True
            stderr.write(f"\n{MSG_INTERRUPTED}\n")
            handle.stop()
    if not args.quiet:
        bar.draw(final=True)
    try:
        handle.result()
    except (ExecutorLostError, StorageUnavailableError) as exc:
        raise CliError(str(exc), EXIT_UNREACHABLE) from exc
    except SearchError as exc:
        code = EXIT_INTERRUPTED if interrupted else EXIT_NO_MODEL
        raise CliError(str(exc), code) from exc
    for note in automl.search_.notes:
        stderr.write(f"warning: {note}\n")
    return write_outputs(automl, args, train, test, out, stderr)


def write_outputs(automl: Any, args: argparse.Namespace, train: pd.DataFrame,
                  test: pd.DataFrame | None, out: Path, stderr: TextIO) -> int:
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    model_path = automl.save(out / ("model.joblib" if args.format == "joblib" else "model.skops"))
    files["model"] = model_path.name
    board = automl.leaderboard()
    board = board.assign(params=[json.dumps(p, default=str) for p in board["params"]])
    board.to_csv(out / "leaderboard.csv", index=False)
    files["leaderboard"] = "leaderboard.csv"
    script = automl.export_code(out / "train_model.py", data_path=str(Path(args.data).resolve()))
    files["code"] = script.name
    holdout = None
    if test is not None:
        X_test, y_test = test.drop(columns=[args.target]), test[args.target]
        holdout = automl.score(X_test, y_test)
    if not args.no_report:
        sensitive = _families(args.sensitive)  # the same comma-separated parsing
        X_eval = None if test is None else test.drop(columns=[args.target])
        y_eval = None if test is None else test[args.target]
        automl.report(out / "report.html", X_eval, y_eval, sensitive_features=sensitive,
                      intended_use=args.intended_use)
        files["report"] = "report.html"
    problem = automl.problem_
    summary = {
        "data": str(args.data), "target": args.target, "task": problem.task,
        "metric": problem.metric.name, "direction": problem.metric.direction,
        "cv_score": automl.cv_score_, "holdout_score": holdout,
        "n_train_rows": int(len(train)), "n_holdout_rows": 0 if test is None else int(len(test)),
        "model": automl.search_.description, "search_ended": automl.search_.reason,
        "n_trials": int(len(board)), "seed": args.seed, "files": files,
        "jupyter_automl": __version__,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    lines = [f"model: {automl.search_.description}",
             f"{problem.metric.name}: {automl.cv_score_:.4f} cross-validated"
             + (f", {holdout:.4f} on {len(test)} held-out rows" if holdout is not None else "")]
    lines += [f"wrote {out / name}" for name in [*files.values(), "summary.json"]]
    stderr.write("\n".join(lines) + "\n")
    return EXIT_OK


def predict(args: argparse.Namespace, stderr: TextIO) -> int:
    from ._automl import AutoML

    try:
        automl = AutoML.load(args.model, trusted=args.trust)
    except UntrustedTypesError as exc:
        raise CliError(f"{exc} On the command line: --trust.", EXIT_UNTRUSTED) from exc
    except (FileNotFoundError, InputError) as exc:
        raise CliError(str(exc), exit_code(exc)) from exc
    frame = read_input(args.data)
    try:
        labels = automl.predict(frame)
        out = pd.DataFrame({"prediction": labels}, index=frame.index)
        if automl.problem_.is_classification:
            proba = automl.predict_proba(frame)
            for j, c in enumerate(automl.classes_):
                out[f"proba_{c}"] = proba[:, j]
    except InputError as exc:
        raise CliError(str(exc), EXIT_BAD_DATA) from exc
    if args.out == "-":
        out.to_csv(sys.stdout, index=False)
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        out.to_csv(args.out, index=False)
        stderr.write(f"{len(out)} predictions written to {args.out}\n")
    return EXIT_OK


# -- arguments --------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    codes = "\n".join(f"  {code:>3}  {text}" for code, text in EXIT_CODES.items())
    p = argparse.ArgumentParser(
        prog="jupyter-automl", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="AutoML from the command line: the same engine as the JupyterLab wizard.",
        epilog=f"exit codes:\n{codes}")
    p.add_argument("--version", action="version", version=f"jupyter_automl {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="search for a model and write it with a report",
                       description="Search models for a table; write model, leaderboard, report "
                                   "and a refit script to --out.")
    r.add_argument("data", help="a CSV, TSV or Parquet file (Parquet needs pyarrow)")
    r.add_argument("--target", "-t", required=True, help="the column to predict")
    r.add_argument("--budget", "-b", type=float, default=60, help="seconds for the search (default 60)")
    r.add_argument("--trials", type=int, default=None, help="stop after this many trials")
    r.add_argument("--out", "-o", default="automl_results", help="output folder (default automl_results)")
    r.add_argument("--task", default="auto",
                   choices=["auto", "binary", "multiclass", "classification", "regression"])
    r.add_argument("--metric", default="auto", help="roc_auc, log_loss, accuracy, f1, rmse, mae, r2, ...")
    r.add_argument("--families", help="model families, comma-separated (default: all but the opt-in nas)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--n-jobs", type=int, default=-1, help="units of work side by side (-1: a core each)")
    r.add_argument("--test-size", type=float, default=0.2,
                   help="share of rows held out for the report's evaluation (0: none; default 0.2)")
    r.add_argument("--sensitive", help="columns to check fairness across, comma-separated")
    r.add_argument("--intended-use", help="the model card's intended use")
    r.add_argument("--storage", default=None, help="Optuna storage URL (default: SQLite under --out/runs)")
    r.add_argument("--study-name", default=None, help="resume this study if it exists in --storage; "
                   "several runs with the same name and a database --storage search it together")
    r.add_argument("--executor", choices=["threads", "processes", "dask"], default=None,
                   help="where units of work run (default: threads; dask with --scheduler)")
    r.add_argument("--scheduler", default=None,
                   help="a Dask scheduler's address, e.g. tcp://10.0.0.5:8786 (implies --executor dask)")
    r.add_argument("--feature-search", choices=["joint", "sequential", "pseudo_joint", "off"],
                   default="joint", help="how columns are chosen: with the model (joint, default), "
                   "before it (sequential), in alternating rounds (pseudo_joint), or not at all (off)")
    r.add_argument("--feature-engineering", choices=["search", "fixed"], default="search",
                   help="date, text and high-cardinality encodings as search choices (default) or fixed")
    r.add_argument("--format", choices=["skops", "joblib"], default="skops", help="model file format")
    r.add_argument("--no-report", action="store_true", help="skip the HTML report")
    r.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    q = sub.add_parser("predict", help="predict a table with a saved model")
    q.add_argument("model", help="a file written by run (model.skops)")
    q.add_argument("data", help="a CSV, TSV or Parquet file with the model's columns")
    q.add_argument("--out", "-o", default="predictions.csv", help="output CSV ('-': standard output)")
    q.add_argument("--trust", action="store_true",
                   help="load a model file with untrusted types (only files you trust)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``jupyter-automl`` and ``python -m jupyter_automl``; returns the exit code."""
    args = parser().parse_args(argv)
    stderr = sys.stderr
    if args.command == "run":
        try:
            if not 0 <= args.test_size < 1:
                raise InputError(MSG_TEST_SIZE)
            if args.executor is None:
                args.executor = "dask" if args.scheduler else "threads"
            if args.executor == "dask" and not args.scheduler:
                raise InputError(MSG_NO_SCHEDULER)
            check_limits(args.budget, args.trials, CLI_NAMES)
        except InputError as exc:
            stderr.write(f"error: {exc}\n")
            return EXIT_USAGE
    previous = warnings.showwarning
    warnings.showwarning = _warn_to(stderr)
    try:
        command = run if args.command == "run" else predict
        return command(args, stderr)
    except CliError as exc:
        stderr.write(f"error: {exc}\n")
        return exc.code
    except KeyboardInterrupt:
        stderr.write("\ninterrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `predict ... --out - | head`: the reader left
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        return EXIT_OK
    finally:
        warnings.showwarning = previous
