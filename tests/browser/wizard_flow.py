"""What a person does in the wizard, step by step, shared by the browser tests that walk it.

Selectors are ``data-testid``s inside the wizard's root; timeouts are named constants.
"""

from __future__ import annotations

WIZARD = "[data-testid=wizard]"
READY_TIMEOUT = 120_000  # ms: the first cell imports scikit-learn, optuna... on a loaded machine
STEP_TIMEOUT = 60_000
RESULTS_TIMEOUT = 180_000  # a loaded CI machine: stop, refit and results
SMALL_SEARCH_FAMILIES = ("linear",)  # the fastest family: a search of a few seconds


def tid(name: str) -> str:
    return f"{WIZARD} [data-testid={name}]"


def wait_ready(page) -> None:
    page.wait_for_selector(f"{WIZARD}[data-ready=true]", timeout=READY_TIMEOUT)


def wait_next_enabled(page) -> None:
    page.wait_for_selector(f"{tid('next')}:not([disabled])", timeout=STEP_TIMEOUT)


def next_step(page, step: str) -> None:
    """Click Next and wait for ``step`` (data, target, columns, search, run, results)."""
    wait_next_enabled(page)
    page.click(tid("next"))
    page.wait_for_selector(f"{WIZARD}[data-step={step}]", timeout=STEP_TIMEOUT)


def choose_demo(page, name: str = "german_credit") -> None:
    page.select_option(tid("demo-select"), name)
    page.wait_for_selector(f"{tid('data-summary')}:has-text('{name}')", timeout=STEP_TIMEOUT)
    page.wait_for_selector(f"{tid('profile')} tbody tr", timeout=STEP_TIMEOUT)


def choose_frame(page, name: str, rows: int) -> None:
    """Data step: a DataFrame of the notebook's kernel by its variable name."""
    page.click(tid("source-variable"))
    page.wait_for_selector(f"{tid('frame-select')} option[value={name}]", state="attached",
                           timeout=STEP_TIMEOUT)
    page.select_option(tid("frame-select"), name)
    page.wait_for_selector(f"{tid('data-summary')}:has-text('{rows} rows')", timeout=STEP_TIMEOUT)


def set_small_search(page, n_trials: int = 4) -> None:
    """On the Search step: linear models only, ``n_trials`` trials, no time limit, one core."""
    families = page.eval_on_selector_all(
        f"{tid('families')} input[type=checkbox]", "els => els.map(e => e.dataset.testid)")
    for testid in families:
        on = testid.removeprefix("family-") in SMALL_SEARCH_FAMILIES
        page.set_checked(tid(testid), on)
    page.select_option(tid("n-jobs"), "1")
    page.fill(tid("n-trials"), str(n_trials))
    page.fill(tid("time-budget"), "")
    page.keyboard.press("Tab")  # the number inputs apply on change
    page.wait_for_selector(f"{tid('search-summary')}:has-text('at most {n_trials} trials')",
                           timeout=STEP_TIMEOUT)


def run_to_the_end(page) -> None:
    """On the Run step: Start, and wait until the results can be seen."""
    page.click(tid("start"))
    page.wait_for_selector(f"{tid('see-results')}:not([hidden])", timeout=RESULTS_TIMEOUT)
