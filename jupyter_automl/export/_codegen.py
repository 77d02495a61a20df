"""export_code: a standalone script that rebuilds and refits the chosen model.

The script imports only scikit-learn, pandas and numpy, plus ``automl_estimators.py`` (a copy of
``jupyter_automl/estimators.py``, written next to it) when the model uses one of our estimators.
It reads a CSV or Parquet file, keeps the rows and columns the search used, fits the same
pipeline (or ensemble of pipelines) with the same seeds, and can predict another file.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..estimators import WeightedEnsembleClassifier, WeightedEnsembleRegressor
from ..exceptions import InputError, NotFittedError
from ..problem import target_array
from ._source import LOCAL_MODULE, Imports, SourceError, helper_name, repeated, same, to_source

MSG_NOT_FITTED = "This AutoML is not fitted yet, so there is no model to export. Call fit(X, y) first."
MSG_SUFFIX = "export_code writes a Python script; give a path ending in .py. Got {path!r}."
MSG_MISMATCH = ("The generated code does not rebuild the model exactly (a parameter could not be "
                "written). Please report this; meanwhile save the model with automl.save(path).")

_ESTIMATORS_FILE = Path(__file__).resolve().parents[1] / "estimators.py"

SCRIPT = '''\
"""Rebuild and refit the model chosen by jupyter_automl.

{summary}

Needs only: scikit-learn (written with {sklearn}), pandas ({pandas}) and numpy{local_note}.
jupyter_automl itself is not needed.

Usage:
    python {script} {data_usage}                       # refit on the training table
    python {script} {data_usage} --predict new.csv --out predictions.csv
    python {script} {data_usage} --save model.pkl      # keep the fitted model (pickle)

Written by jupyter_automl {version} on {date}.
"""

import argparse
import pickle
import sys
from pathlib import Path

{imports}
from threadpoolctl import threadpool_limits  # installed with scikit-learn

TARGET = {target!r}
TASK = {task!r}
# BLAS threads while fitting, as in the search's final refit ({blas_why}): multi-threaded
# BLAS can change the last digit of a linear model's coefficients. None: the library default.
BLAS_THREADS = {blas_threads!r}
# the columns the model uses, in this order (others in the table are ignored)
FEATURES = {features}


{members}def build_model():
    """The chosen model, unfitted: {description}."""
    return {model}


def read_table(path):
    """A CSV or Parquet file as a DataFrame (read as the search read it)."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    return pd.read_csv(path)


def training_data(frame):
    """The rows with a known target, the model's columns, and the target as the search saw it."""
    check_columns(frame, FEATURES + [TARGET])
    known = frame[TARGET].notna().to_numpy()
    X = frame.loc[known, FEATURES]
    y = frame.loc[known, TARGET]
    if y.dtype == object and len({{type(v) for v in y.iloc[:5000]}}) > 1:
        y = y.astype(str)  # labels of mixed types were read as text
    return X, target_array(y)


{target_array}


def check_columns(frame, needed):
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        sys.exit(f"The table is missing {{len(missing)}} column(s) the model needs: {{missing[:20]}}")


def predictions(model, frame):
    """Predicted {what} (and class probabilities) for every row of ``frame``."""
    check_columns(frame, FEATURES)
    X = frame[FEATURES]
    out = pd.DataFrame({{"prediction": model.predict(X)}}, index=frame.index)
    if hasattr(model, "predict_proba") and TASK != "regression":
        proba = model.predict_proba(X)
        for j, label in enumerate(model.classes_):
            out[f"proba_{{label}}"] = proba[:, j]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description="Refit the model chosen by jupyter_automl.")
    parser.add_argument("data", {data_arg}help="training table (CSV or Parquet) with the columns in "
                        "FEATURES and the target column")
    parser.add_argument("--predict", help="a table to predict (CSV or Parquet)")
    parser.add_argument("--out", default="predictions.csv", help="where to write the predictions")
    parser.add_argument("--save", help="write the fitted model to this file with pickle")
    args = parser.parse_args(argv)

    X, y = training_data(read_table(args.data))
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        model = build_model().fit(X, y)
    print(f"fitted on {{len(X)}} rows and {{len(FEATURES)}} columns")
    if args.save:
        with open(args.save, "wb") as f:
            pickle.dump(model, f)
        print(f"model saved to {{args.save}}")
    if args.predict:
        out = predictions(model, read_table(args.predict))
        out.to_csv(args.out, index=False)
        print(f"{{len(out)}} predictions written to {{args.out}}")
    return model


if __name__ == "__main__":
    main()
'''

MEMBER = '''\
def {name}():
    """{doc}"""
    return {source}


'''

HELPER = '''\
def {name}():
    return {source}


'''


def _is_ensemble(model: Any) -> bool:
    return isinstance(model, (WeightedEnsembleClassifier, WeightedEnsembleRegressor))


def _member_doc(automl: Any, trial: int | None, weight: float) -> str:
    board = automl.leaderboard()
    rows = board[board["trial"] == trial] if trial is not None else board.iloc[:0]
    metric = automl.problem_.metric.name
    if len(rows):
        r = rows.iloc[0]
        return (f"Trial {trial}: {r['family']}, {metric} {r['score']:.4f} out of fold; "
                f"weight {weight:.0%} in the ensemble.")
    return f"A member of the ensemble (weight {weight:.0%})."


def model_source(automl: Any) -> tuple[str, str, Imports]:
    """(function definitions, build expression, imports) for ``automl.best_pipeline_``.

    Parts written more than once (the same categorical encoding for many columns) become small
    functions, so the script reads like hand-written code.
    """
    model = automl.best_pipeline_
    imports = Imports()
    members = [est for _, est in model.estimators] if _is_ensemble(model) else [model]
    shared: dict[str, str] = {}
    taken: set[str] = set()
    helpers: list[tuple[str, str]] = []
    for key, est in repeated(members).items():
        body = to_source(est, imports, 1, "a shared part", {k: v for k, v in shared.items() if k != key})
        name = helper_name(est, taken)
        helpers.append((name, HELPER.format(name=name, source=body)))
        shared[key] = name
    defs = ""
    if _is_ensemble(model):
        calls = []
        for (name, est), weight in zip(model.estimators, model.weights_, strict=True):
            fname = name if name.isidentifier() else f"member_{len(calls)}"
            trial = int(name.split("_")[1]) if name.startswith("trial_") and name[6:].isdigit() else None
            defs += MEMBER.format(name=fname, doc=_member_doc(automl, trial, float(weight)),
                                  source=to_source(est, imports, 1, f"member {name}", shared))
            calls.append((name, fname))
        cls = imports.add(LOCAL_MODULE, type(model).__name__)
        estimators = "\n".join(f"            ({n!r}, {f}())," for n, f in calls)
        weights = [float(w) for w in model.weights]
        build = f"{cls}(\n        estimators=[\n{estimators}\n        ],\n        weights={weights!r},\n    )"
    else:
        build = to_source(model, imports, 1, "the model", shared)
    # a part repeated only inside another shared part is not called anywhere: leave it out
    used = [(n, text) for n, text in helpers
            if re.search(rf"(?<!\w){n}\(\)", defs + build + "".join(t for m, t in helpers if m != n))]
    return "".join(text for _, text in used) + defs, build, imports


def refit_blas_threads(automl: Any) -> int | None:
    """BLAS threads of the search's final refit (``SearchResult.refit_blas_threads``): 1 when
    units ran side by side (threads limit BLAS process-wide, worker processes use one), None
    for the library default."""
    return getattr(automl.search_, "refit_blas_threads", None)


def script_text(automl: Any, script_name: str = "train_model.py", data_path: str | None = None) -> str:
    """The text of the exported script."""
    import pandas as pd
    import sklearn

    from .._version import __version__

    problem = automl.problem_
    blas = refit_blas_threads(automl)
    members, build, imports = model_source(automl)
    features = [c.name for c in problem.used_columns]
    summary = (f"Task: {problem.task} on the target {problem.target!r} ({problem.n_rows} rows). "
               f"Chosen model: {automl.search_.description}; {problem.metric.name} "
               f"{automl.cv_score_:.4f} out of fold ({problem.splits.label}).")
    import_lines = ["import numpy as np", "import pandas as pd"]
    import_lines += [line for line in imports.lines() if line != "import numpy as np"]
    local_note = (f" (plus {LOCAL_MODULE}.py, next to this file)" if imports.uses_local_module else "")
    feature_lines = "[\n" + "".join(f"    {f!r},\n" for f in features) + "]"
    text = SCRIPT.format(
        target_array=inspect.getsource(target_array).rstrip(),
        summary="\n".join(textwrap.wrap(summary, 96)),
        sklearn=sklearn.__version__, pandas=pd.__version__, local_note=local_note,
        script=script_name, data_usage="data.csv" if data_path is None else "[data]",
        version=__version__, date=datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        imports="\n".join(import_lines), target=problem.target, task=problem.task,
        features=feature_lines, members=members, description=automl.search_.description,
        model=build, what="values" if problem.task == "regression" else "labels",
        data_arg="" if data_path is None else f"nargs='?', default={data_path!r}, ",
        blas_threads=blas, blas_why=("several fits ran side by side" if blas == 1
                                     else "one fit at a time"),
    )
    compile(text, script_name, "exec")  # a syntax error here is a bug of ours, not the user's
    return text


def check_rebuilds(text: str, model: Any) -> None:
    """Run the script's ``build_model`` here and compare it with ``model`` parameter by parameter."""
    namespace: dict[str, Any] = {"__name__": "jupyter_automl_export_check"}
    exec(text.replace(f"from {LOCAL_MODULE} import", "from jupyter_automl.estimators import"),
         namespace)
    if not same(namespace["build_model"](), model):
        raise SourceError(MSG_MISMATCH)


def export_code(automl: Any, path: str | Path, data_path: str | None = None) -> Path:
    """Write the script (and our estimators module when needed); see :meth:`AutoML.export_code`."""
    if not hasattr(automl, "best_pipeline_"):
        raise NotFittedError(MSG_NOT_FITTED)
    path = Path(path)
    if path.suffix != ".py":
        raise InputError(MSG_SUFFIX.format(path=str(path)))
    text = script_text(automl, path.name, data_path)
    check_rebuilds(text, automl.best_pipeline_)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if f"from {LOCAL_MODULE} import" in text:
        header = (f"# Copied from jupyter_automl/estimators.py by export_code, so that {path.name}\n"
                  "# runs without jupyter_automl installed. It imports only numpy, pandas, scikit-learn.\n")
        (path.parent / f"{LOCAL_MODULE}.py").write_text(
            header + _ESTIMATORS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    return path
