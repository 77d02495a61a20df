"""The core works without the optional packages (dask, psycopg2), and asking for a feature that
needs one gives the exact ``pip install "jupyter_automl[extra]"`` line. Fresh interpreters with the
packages blocked."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from jupyter_automl._optional import MissingDependencyError, import_optional

OPTIONAL = ("dask", "distributed", "psycopg2", "psycopg")

BLOCKER = textwrap.dedent(f"""
    import sys

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {OPTIONAL!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

    sys.meta_path.insert(0, Blocker())
    import warnings
    warnings.simplefilter("ignore")
    from jupyter_automl import AutoML
    from jupyter_automl.datasets import load_demo
    X, y, _ = load_demo("breast_cancer")
    X, y = X.iloc[:120], y.iloc[:120]
    TINY = dict(time_budget=None, n_trials=1, families=["linear"], storage="memory", ensemble=False, cv=2)
""")


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_core_works_without_optional_packages(tmp_path):
    code = BLOCKER + textwrap.dedent(f"""
        for executor in ("sync", "threads"):
            AutoML(**TINY, executor=executor).fit(X, y)
        AutoML(**(TINY | {{"storage": None}}), runs_dir={str(tmp_path)!r}).fit(X, y)   # SQLite
        AutoML(**(TINY | {{"storage": {str(tmp_path / "j.log")!r}}})).fit(X, y)      # journal
        import jupyter_automl.search, jupyter_automl.insight, jupyter_automl.export
        print(sorted(m for m in sys.modules if m.split(".")[0] in {OPTIONAL!r}))
    """)
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(("params", "line"), [
    ('executor="dask", dask_client=object()', 'pip install "jupyter_automl[dask]"'),
    ('storage="postgresql://user:pw@127.0.0.1:5432/db"', 'pip install "jupyter_automl[postgres]"'),
    ('storage="postgresql+psycopg2://user:pw@127.0.0.1:5432/db"', 'pip install "jupyter_automl[postgres]"'),
])
def test_missing_extra_gives_the_install_line(params, line):
    code = BLOCKER + textwrap.dedent(f"""
        from jupyter_automl._optional import MissingDependencyError
        try:
            AutoML(**(TINY | dict({params}))).fit(X, y)
        except MissingDependencyError as exc:
            print(exc)
        else:
            print("no error")
    """)
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"Install it with: {line}")


def test_import_optional_message():
    with pytest.raises(MissingDependencyError, match=r"the Dask executor needs the optional package "
                       r"'distributed', which is not installed\. Install it with: pip install "
                       r'"jupyter_automl\[dask\]"'):
        import_optional("distributed.surely_not_a_module")
    with pytest.raises(ImportError, match=r"Install it with: pip install not_a_package_xyz$"):
        import_optional("not_a_package_xyz")
    assert import_optional("json").dumps([]) == "[]"
