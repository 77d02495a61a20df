"""Write the common set of configurations that the meta-learning corpus evaluates on every dataset.

    python benchmarks/meta/make_configs.py            # writes benchmarks/meta/configs.json

For each task kind ("classification" covers binary and multiclass, whose spaces are the same;
"regression") and each family in ``FAMILIES`` except ``neural``:

- the family's defaults, as ``SearchSpace.default_configs`` would enqueue them, for small data
  and for large data (the forests' large-data default differs), duplicates removed;
- ``--per-family`` configurations drawn once by Optuna's ``RandomSampler`` (seed ``--seed``)
  through the space's own ``Param.suggest``, so log scales, integer steps and conditional
  parameters are exactly the engine's.

The file is committed: the same configurations everywhere, whatever the engine's space does
later. The neural family is left out while its space is being redesigned (NAS, another issue);
its defaults can be added later by re-running this script with ``--families``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import optuna
import pandas as pd

from jupyter_automl.problem import analyze
from jupyter_automl.search.space import FAMILIES, SearchSpace
from jupyter_automl.search.space._params import prefixed, suggest_all

HERE = Path(__file__).resolve().parent
DEFAULT_FAMILIES = ["linear", "gradient_boosting", "random_forest", "extra_trees", "knn", "svm"]
TASK_KINDS = {"classification": "binary", "regression": "regression"}


def reference_problem(task: str, n_rows: int):
    """A Problem of ``task`` with ``n_rows`` rows: the spaces depend on the task and the size."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=n_rows), "b": rng.normal(size=n_rows),
                      "c": rng.choice(["x", "y", "z"], n_rows)})
    y = (rng.normal(size=n_rows) > 0).astype(int) if task == "binary" else rng.normal(size=n_rows)
    problem, _, _ = analyze(X, pd.Series(y, name="y"), task=task, cv=3, check_leakage=False)
    return problem


def make_configs(families: list[str], per_family: int, seed: int) -> list[dict]:
    configs: list[dict] = []
    for kind, task in TASK_KINDS.items():
        small, large = reference_problem(task, 300), reference_problem(task, 20_000)
        for name in families:
            seen: list[dict] = []
            for problem in (small, large):
                for params in SearchSpace(problem, [name]).default_configs():
                    if params not in seen:
                        seen.append(params)
            for i, params in enumerate(seen):
                configs.append({"id": f"{kind[0]}.{name}.d{i}", "task_kind": kind, "source": "default",
                                "params": params})
            sampler = optuna.samplers.RandomSampler(seed=seed + sum(map(ord, kind + name)))
            study = optuna.create_study(sampler=sampler)
            params_list = FAMILIES[name].params(small)
            for i in range(per_family):
                trial = study.ask()
                values = suggest_all(params_list, trial, name)
                study.tell(trial, 0.0)
                configs.append({"id": f"{kind[0]}.{name}.r{i:02d}", "task_kind": kind,
                                "source": "random", "params": {"family": name} | prefixed(name, values)})
    return configs


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--families", nargs="+", default=DEFAULT_FAMILIES)
    p.add_argument("--per-family", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=HERE / "configs.json")
    args = p.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    configs = make_configs(args.families, args.per_family, args.seed)
    args.out.write_text(json.dumps({"seed": args.seed, "per_family": args.per_family,
                                    "configs": configs}, indent=1, default=_plain) + "\n")
    print(f"{len(configs)} configurations -> {args.out}")


def _plain(v):
    return v.item() if hasattr(v, "item") else str(v)


if __name__ == "__main__":
    main()
