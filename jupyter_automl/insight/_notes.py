"""``summarise_notes``: the search's notes as a person reads them, one line per kind of event.

The search writes one note per ensemble member it left out ("trial 12 left out of the ensemble:
no time left to refit it"); a long search can leave out a dozen. Notes that differ only by the
trial number become one line: "trials 3, 7 and 12 left out of the ensemble: no time left to refit
them".
"""

from __future__ import annotations

import re

LEFT_OUT = re.compile(r"^trial (\d+) (left out of the ensemble|could not be refit)(.*)$")


def _numbers(numbers: list[str]) -> str:
    return numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]


def summarise_notes(notes: list[str]) -> list[str]:
    """The notes, with per-trial notes that share their wording merged into one line each."""
    groups: dict[tuple[str, str], list[str]] = {}
    order: list[tuple[str, str] | str] = []
    for note in notes:
        m = LEFT_OUT.match(note)
        if m is None:
            order.append(note)
            continue
        key = (m.group(2), m.group(3))
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(m.group(1))
    out = []
    for item in order:
        if isinstance(item, str):
            out.append(item)
            continue
        numbers = groups[item]
        if len(numbers) == 1:
            out.append(f"trial {numbers[0]} {item[0]}{item[1]}")
        else:
            rest = re.sub(r"\bit\b", "them", item[1])
            out.append(f"trials {_numbers(numbers)} ({len(numbers)}) {item[0]}{rest}")
    return out
