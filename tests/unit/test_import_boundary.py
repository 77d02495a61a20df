"""The engine never imports the widget stack: problem/, search/, insight/, export/ import and fit
with ipywidgets, anywidget and IPython blocked (each check runs in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

ENGINE = ["jupyter_automl", "jupyter_automl.problem", "jupyter_automl.search", "jupyter_automl.insight",
          "jupyter_automl.export", "jupyter_automl.events", "jupyter_automl.estimators",
          "jupyter_automl.datasets"]
WIDGET_STACK = ("ipywidgets", "anywidget", "IPython")

BLOCKER = textwrap.dedent(f"""
    import sys

    BLOCKED = {WIDGET_STACK!r}

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{{name}} is blocked in this test")

    sys.meta_path.insert(0, Blocker())
""")


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_engine_imports_with_the_widget_stack_blocked():
    code = BLOCKER + "".join(f"import {m}\nprint({m!r})\n" for m in ENGINE)
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ENGINE


def test_engine_does_not_load_the_widget_stack():
    # without a blocker too: a guarded "try: import IPython" would still load it
    code = "import sys\n" + "".join(
        f"import {m}\nprint({m!r}, sorted(k for k in sys.modules if k.split('.')[0] in {WIDGET_STACK!r}))\n"
        for m in ENGINE)
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{m} []" for m in ENGINE]


def test_a_search_runs_with_the_widget_stack_blocked():
    code = BLOCKER + textwrap.dedent("""
        from jupyter_automl import AutoML
        from jupyter_automl.datasets import load_demo
        X, y, _ = load_demo("breast_cancer")
        automl = AutoML(time_budget=None, n_trials=1, families=["linear"], executor="sync",
                        storage="memory", ensemble=False, cv=2).fit(X, y)
        print(automl.predict(X.head(3)).shape)
    """)
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(3,)"


def test_the_wizard_is_the_part_that_needs_them():
    result = run_python(BLOCKER + "import jupyter_automl\njupyter_automl.Wizard")
    assert result.returncode != 0
    assert "is blocked in this test" in result.stderr
