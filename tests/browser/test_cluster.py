"""Running the wizard's search on a Dask cluster, in a real JupyterLab and Chromium.

The test starts a real ``LocalCluster`` (2 worker processes, a dashboard); a person picks "On a
Dask cluster" on the Search step and types the scheduler's address: the step shows the live
worker count and a link to the Dask dashboard, and the search's folds run on the cluster's
workers. Screenshots: test-artifacts/browser/<test>/.
"""

from __future__ import annotations

import pytest
from wizard_flow import (
    STEP_TIMEOUT,
    choose_demo,
    next_step,
    run_to_the_end,
    set_small_search,
    tid,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address="127.0.0.1:0", silence_logs=40) as local, \
            distributed.Client(local) as client:
        yield client


def test_the_search_runs_on_a_dask_cluster_at_an_address(open_wizard, page, shots, cluster):
    from distributed import get_task_stream

    _, wizard = open_wizard("bad_input.ipynb")
    choose_demo(page)
    for step in ("target", "columns", "search"):
        next_step(page, step)
    set_small_search(page, n_trials=3)
    assert page.locator(tid("dask-address")).is_hidden()  # in this kernel by default
    page.select_option(tid("executor"), "dask")
    page.fill(tid("dask-address"), cluster.scheduler.address)
    page.keyboard.press("Tab")  # the address applies on change
    status = page.locator(tid("cluster-workers"))
    status.wait_for(timeout=STEP_TIMEOUT)
    assert status.inner_text().startswith("Connected: 2 workers, 2 threads")
    link = page.locator(tid("cluster-dashboard"))
    assert link.get_attribute("href") == cluster.dashboard_link
    assert page.locator(tid("n-jobs")).is_hidden()  # the cluster's threads, not this machine's cores
    summary = page.locator(tid("search-summary")).inner_text()
    assert f"on the Dask cluster at {cluster.scheduler.address}" in summary
    shots(wizard, "search-on-a-cluster")
    next_step(page, "run")
    with get_task_stream(cluster) as stream:
        run_to_the_end(page)
    folds = [t for t in stream.data if t["key"].startswith("run_fold")]
    assert len(folds) >= 3 and {t["worker"] for t in folds} <= set(cluster.scheduler_info(n_workers=-1)["workers"])
    shots(wizard, "run-on-a-cluster")
    # a worker leaves: the count on the Search step follows
    cluster.cluster.scale(1)
    page.click(tid("step-search"))
    page.wait_for_selector(f"{tid('cluster-workers')}:has-text('Connected: 1 worker,')", timeout=STEP_TIMEOUT)
