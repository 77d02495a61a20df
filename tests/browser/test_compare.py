"""A search on a Dask cluster, then comparing its trials, in a real JupyterLab and Chromium.

The test starts a real ``LocalCluster`` (2 worker processes, a dashboard). A person picks "On a
Dask cluster" on the Search step and types the scheduler's address: the step shows the live
worker count and a link to the Dask dashboard, and the tiny search's folds run on the cluster.
Then they open the Results step's Leaderboard tab, tick two trials with the keyboard and press
Compare: a side-by-side table names both trials, highlights the settings that differ and says
which workers ran them. Screenshots (light and dark theme): test-artifacts/browser/<test>/.
"""

from __future__ import annotations

import pytest
from wizard_flow import (
    RESULTS_TIMEOUT,
    STEP_TIMEOUT,
    choose_demo,
    next_step,
    run_to_the_end,
    set_small_search,
    tid,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PANEL = tid("panel-leaderboard")


@pytest.fixture
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address="127.0.0.1:0", silence_logs=40) as local, \
            distributed.Client(local) as client:
        yield client


def choose_the_cluster(page, wizard, shots, cluster) -> None:
    """On the Search step: run on the cluster at its address; its workers and dashboard show."""
    assert page.locator(tid("dask-address")).is_hidden()  # in this kernel by default
    page.select_option(tid("executor"), "dask")
    page.fill(tid("dask-address"), cluster.scheduler.address)
    page.keyboard.press("Tab")  # the address applies on change
    status = page.locator(tid("cluster-workers"))
    status.wait_for(timeout=STEP_TIMEOUT)
    assert status.inner_text().startswith("Connected: 2 workers, 2 threads")
    assert page.locator(tid("cluster-dashboard")).get_attribute("href") == cluster.dashboard_link
    assert page.locator(tid("n-jobs")).is_hidden()  # the cluster's threads, not this machine's cores
    summary = page.locator(tid("search-summary")).inner_text()
    assert f"on the Dask cluster at {cluster.scheduler.address}" in summary
    shots(wizard, "search-on-a-cluster")


def test_a_search_on_a_cluster_then_two_trials_side_by_side(open_wizard, page, shots, cluster):
    from distributed import get_task_stream

    nb, wizard = open_wizard("bad_input.ipynb")
    choose_demo(page)
    for step in ("target", "columns", "search"):
        next_step(page, step)
    set_small_search(page, n_trials=4)
    choose_the_cluster(page, wizard, shots, cluster)
    next_step(page, "run")
    with get_task_stream(cluster) as stream:
        run_to_the_end(page)
    folds = [t for t in stream.data if t["key"].startswith("run_fold")]
    workers = set(cluster.scheduler_info(n_workers=-1)["workers"])
    assert len(folds) >= 4 and {t["worker"] for t in folds} <= workers
    page.click(tid("see-results"))
    page.wait_for_selector(tid("chosen-model"), timeout=RESULTS_TIMEOUT)

    page.click(tid("tab-leaderboard"))
    page.wait_for_selector(f"{PANEL} [data-testid=leaderboard-row]", timeout=STEP_TIMEOUT)
    boxes = page.locator(f"{PANEL} input[type=checkbox]")
    assert boxes.count() >= 2
    assert boxes.first.get_attribute("aria-label").startswith("Compare trial ")
    compare = page.locator(tid("compare-trials"))
    assert compare.is_disabled()
    # keyboard only: Space ticks the focused box; the focus stays on it while the rows redraw
    first, second = (int(boxes.nth(i).get_attribute("data-testid").removeprefix("compare-")) for i in (0, 1))
    boxes.nth(0).focus()
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.dataset.testid") == f"compare-{first}"
    boxes.nth(1).focus()
    page.keyboard.press("Space")
    assert page.locator(tid("compare-hint")).inner_text() == f"Trials {first} and {second} ticked."
    assert compare.is_enabled()
    compare.focus()
    page.keyboard.press("Enter")

    table = page.locator(tid("compare-table"))
    table.wait_for(timeout=STEP_TIMEOUT)
    headers = page.locator(f"{tid('compare-table')} [data-testid=compare-trial]").all_inner_texts()
    assert headers == [f"Trial {first}", f"Trial {second}"]
    differing = page.locator(f"{tid('compare-table')} [data-testid=compare-differs]")
    assert differing.count() >= 1  # two trials of a search never share every setting
    assert "differs" in differing.first.inner_text()
    assert "ROC AUC, mean over the folds" in table.inner_text()
    assert "Predict time for 1,000 rows" in table.inner_text()
    ran_on = table.locator("tr", has_text="Folds ran on (Dask workers)").inner_text()
    assert any(w in ran_on for w in workers), ran_on  # who ran them: the cluster's workers
    panel = page.locator(PANEL)
    panel.scroll_into_view_if_needed()
    shots(panel, "compare-light")

    nb.set_theme("JupyterLab Dark")
    table.wait_for(timeout=STEP_TIMEOUT)
    shots(panel, "compare-dark")
    nb.set_theme("JupyterLab Light")

    # a worker leaves the cluster: the Search step's count follows
    cluster.cluster.scale(1)
    page.click(tid("step-search"))
    page.wait_for_selector(f"{tid('cluster-workers')}:has-text('Connected: 1 worker,')", timeout=STEP_TIMEOUT)
