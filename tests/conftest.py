"""Shared fixtures. Plots use the Agg backend and are closed after each test."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import tempfile
import uuid
import warnings
from pathlib import Path

# One OpenMP/BLAS thread per test process (and the worker processes it spawns), set before numpy
# loads: the machine is shared, and on a busy machine a multi-threaded HistGradientBoosting fit on
# 60 rows took 46 s instead of 2 s (threads spin at every barrier waiting for a descheduled peer).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import matplotlib  # noqa: E402
import pytest  # noqa: E402

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO.parent / "shared" / "datasets"  # benchmarks use these; tests use built-in demos


# Added here rather than in pyproject.toml, see the comment there.
WARNING_FILTERS = [
    "error::jupyter_automl.exceptions.AutoMLWarning",
    "ignore::optuna.exceptions.ExperimentalWarning",
]


def pytest_configure(config):
    for line in WARNING_FILTERS:
        config.addinivalue_line("filterwarnings", line)
    if hasattr(config, "workerinput"):  # an xdist worker: the lock files its controller named
        _LOCK["machine"] = _MachineLock(_lock_stem(config.workerinput["testrunuid"]))
    elif config.pluginmanager.hasplugin("xdist") and config.getoption("numprocesses"):
        # the controller picks the run's id (xdist passes it to every worker) to remove the files
        config.option.testrunuid = config.option.testrunuid or uuid.uuid4().hex


def pytest_unconfigure(config):
    if "machine" in _LOCK:
        _LOCK.pop("machine").close()
    elif not hasattr(config, "workerinput") and getattr(config.option, "testrunuid", None):
        stem = _lock_stem(config.option.testrunuid)
        for name in ("gate", "main"):
            Path(f"{stem}.{name}").unlink(missing_ok=True)


def _lock_stem(run_id: str) -> Path:
    return Path(tempfile.gettempdir()) / f"jupyter_automl-tests-{run_id}"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist with ``--dist loadfile`` (bash test.sh), a test file's
    tests run on one worker, so its module fixtures serve them all; and every browser test runs
    on the same worker, so that two JupyterLab servers and two Chromiums never run at once on two
    cores (a dark-theme test waited 60 s in vain for the wizard to answer when they did)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class BrowserTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/browser" if nodeid.startswith("tests/browser/") else super()._split_scope(nodeid)

    return BrowserTogether(config, log)


class _MachineLock:
    """Under pytest-xdist, a test marked ``alone`` runs while no other worker runs a test (the
    Dask out-of-memory test lost its cluster when another worker loaded the machine).

    Two ``flock`` files shared by the workers: every test holds ``main`` shared; an ``alone`` test
    holds it exclusively. ``gate`` keeps a waiting ``alone`` test from being starved: once it holds
    ``gate``, no other test can start, and the running one finishes.
    """

    def __init__(self, stem: Path):
        self.gate, self.main = (open(f"{stem}.{name}", "a") for name in ("gate", "main"))  # noqa: SIM115

    @contextlib.contextmanager
    def hold(self, alone: bool):
        if alone:
            fcntl.flock(self.gate, fcntl.LOCK_EX)
            fcntl.flock(self.main, fcntl.LOCK_EX)
        else:
            fcntl.flock(self.gate, fcntl.LOCK_SH)
            fcntl.flock(self.main, fcntl.LOCK_SH)
            fcntl.flock(self.gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(self.main, fcntl.LOCK_UN)
            fcntl.flock(self.gate, fcntl.LOCK_UN)

    def close(self) -> None:  # the controller removes the files, once every worker is done
        self.gate.close()
        self.main.close()


_LOCK: dict[str, _MachineLock] = {}


def pytest_collection_modifyitems(config, items):
    """Browser tests run ``alone`` too: in 2 of 6 full two-worker runs, with the other worker's
    tests loading the machine, the dark-theme wizard test waited 60 s in vain for the Search
    step's summary after a page reload (never seen in one process)."""
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.alone)


# tryfirst: the outermost wrapper, so that pytest-timeout does not count the wait for the lock
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    lock = _LOCK.get("machine")
    if lock is None:
        return (yield)
    with lock.hold(alone=item.get_closest_marker("alone") is not None):
        return (yield)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    """A fresh runs folder for studies written by a test."""
    return tmp_path / "runs"


def load_shared(name: str):
    """A real dataset from ../shared/datasets, or skip when that folder is absent."""
    if not (SHARED_DATASETS / "load.py").exists():
        pytest.skip("../shared/datasets is not available on this machine")
    sys.path.insert(0, str(SHARED_DATASETS))
    try:
        from load import load
    finally:
        sys.path.pop(0)
    return load(name)


# -- "no tests ran" is never a silent exit code 5 ---------------------------------------------------
# pytest exits with 5 when nothing was collected. A selection that exists but is empty (e.g.
# ``-m slow`` before any slow test exists) is fine: exit 0 and say so. Nothing collected at all
# means a wrong path or a broken collection: fail (exit 1) and say so.
_SELECTION = {"deselected": 0}


def pytest_deselected(items):
    _SELECTION["deselected"] += len(items)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist (bash test.sh): the workers' deselected count reaches the
    controller, which decides the exit status (each worker collects the whole selection)."""
    worker = getattr(node, "workeroutput", {}).get("deselected", 0)
    _SELECTION["deselected"] = max(_SELECTION["deselected"], worker)


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workeroutput"):  # an xdist worker: report to the controller
        session.config.workeroutput["deselected"] = _SELECTION["deselected"]
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        empty_selection = _SELECTION["deselected"] > 0
        session.exitstatus = pytest.ExitCode.OK if empty_selection else pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus):
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        if _SELECTION["deselected"]:
            terminalreporter.write_line(f"no test matched the selection ({_SELECTION['deselected']} "
                                        "deselected): treated as a pass", yellow=True)
        else:
            terminalreporter.write_line("no test was collected: check the paths and the test "
                                        "layout; treated as a failure", red=True)


@pytest.fixture
def shown():
    """Warnings that reach ``warnings.showwarning`` (what a notebook prints), in a list."""
    seen: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, *args, **kwargs: seen.append(str(message))
        yield seen
