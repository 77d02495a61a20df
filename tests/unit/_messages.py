"""Match the message constants of the engine in ``pytest.raises(..., match=)`` and ``pytest.warns``."""

from __future__ import annotations

import re
import string


def template(msg: str) -> str:
    """A regex for a message constant: its literal text exactly, each ``{field}`` as anything.

    >>> import re
    >>> bool(re.search(template("Got {got!r} instead."), "Got 'acc' instead."))
    True
    """
    parts = []
    for literal, field, _spec, _conv in string.Formatter().parse(msg):
        # doubled braces come back from parse() as single ones
        parts.append(re.escape(literal))
        if field is not None:
            parts.append("(?s:.*?)")
    return "".join(parts)


def filled(msg: str, **fields) -> str:
    """A regex for a message constant with its fields filled in."""
    return re.escape(msg.format(**fields))
