"""The limits of a search (time budget, number of trials): what is valid, and how a bad value is
reported. The facade, the wizard and the command line name the limits their own way (a
parameter, a field, a flag), so the messages are made for those names from one set of words."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

from ..exceptions import InputError

_BUDGET = "{budget} must be a positive number of seconds{or_none}. Got {got!r} instead."
_TRIALS = "{trials} must be a positive whole number{or_none}. Got {got!r} instead."
_NO_LIMIT = ("Set {budget_short} (seconds) or {trials_short}, or both: without either the search "
             "never ends.")


@dataclass(frozen=True)
class LimitNames:
    """How one caller names the two limits, e.g. a parameter or a form field."""

    budget: str  # "The 'time_budget' parameter of AutoML"
    trials: str
    budget_short: str  # "time_budget"
    trials_short: str
    or_none: str = ""  # ", or None", ", or empty for no limit"

    def messages(self) -> tuple[str, str, str]:
        """(bad budget, bad trial count, no limit at all), with ``{got!r}`` left to fill."""
        fill = {"{budget}": self.budget, "{trials}": self.trials, "{or_none}": self.or_none,
                "{budget_short}": self.budget_short, "{trials_short}": self.trials_short}
        out = []
        for template in (_BUDGET, _TRIALS, _NO_LIMIT):
            for key, value in fill.items():
                template = template.replace(key, value)
            out.append(template)
        return out[0], out[1], out[2]


API_NAMES = LimitNames("The 'time_budget' parameter of AutoML", "The 'n_trials' parameter of AutoML",
                       "time_budget", "n_trials", ", or None")


def check_limits(time_budget: object, n_trials: object, names: LimitNames = API_NAMES,
                 shown: tuple[object, object] | None = None) -> None:
    """Raise ``InputError`` unless the budget is a positive number of seconds or None, the trial
    count a positive int or None, and at least one of them is set.

    ``shown``: the values as the person gave them (a form's text), for the message.
    """
    bad_budget, bad_trials, no_limit = names.messages()
    b, n = time_budget, n_trials
    shown_b, shown_n = shown if shown is not None else (b, n)
    if b is not None and (isinstance(b, bool) or not isinstance(b, Real) or not b > 0):
        raise InputError(bad_budget.format(got=shown_b))
    if n is not None and (isinstance(n, bool) or not isinstance(n, Integral) or n < 1):
        raise InputError(bad_trials.format(got=shown_n))
    if b is None and n is None:
        raise InputError(no_limit)
