"""Tables whose columns are the pixels of an image: where each column sits, from its name.

A convolution stage (``InputStage.conv_channels``) needs to know which cell of the image each
numeric input is. Tables of images name their columns after the cell: ``pixel_3_5`` or ``3x5``
(row and column), or ``pixel117`` (a flat index into a square image). ``image_grid`` reads that;
it answers None for anything else, so ordinary tables never get a convolution stage.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

ROW_COLUMN = re.compile(r"^(?P<prefix>\D*?)(?P<row>\d+)[_x,\-](?P<column>\d+)$")
FLAT_INDEX = re.compile(r"^(?P<prefix>\D*?)(?P<index>\d+)$")
MIN_SIDE = 4
MIN_FLAT_SIDE = 8  # numbered columns (x0..x15) are often not an image: only larger squares count
MIN_COVERAGE = 0.5  # of the image's cells that must have a column (constant ones are dropped)


def image_grid(names: Iterable[Any]) -> dict[str, Any] | None:
    """``{"shape": [rows, columns], "cells": [...]}`` when every name is a pixel of one image
    (``cells``: each column's flat index, in the order given), else None.

    The image is cropped to the rows and columns that have a column, so a border that was dropped
    (constant pixels) costs nothing.

    Examples
    --------
    >>> image_grid(["pixel_0_1", "pixel_0_2", "pixel_1_0"] + [f"pixel_{r}_{c}" for r in range(2, 4) for c in range(4)])
    {'shape': [4, 4], 'cells': [1, 2, 4, 8, 9, 10, 11, 12, 13, 14, 15]}
    >>> image_grid([f"px{i}" for i in range(1, 785)])["shape"]
    [28, 28]
    >>> image_grid(["age", "income"]) is None, image_grid([f"x{i}" for i in range(16)]) is None
    (True, True)
    """
    names = [str(n) for n in names]
    if len(names) < MIN_COVERAGE * MIN_SIDE * MIN_SIDE:
        return None
    places = _row_column(names) or _flat_square(names)
    if places is None:
        return None
    rows = [r for r, _ in places]
    columns = [c for _, c in places]
    top, left = min(rows), min(columns)
    height, width = max(rows) - top + 1, max(columns) - left + 1
    cells = [(r - top) * width + (c - left) for r, c in places]
    if min(height, width) < MIN_SIDE or len(set(cells)) < len(cells) or len(cells) < MIN_COVERAGE * height * width:
        return None
    return {"shape": [height, width], "cells": cells}


def _row_column(names: list[str]) -> list[tuple[int, int]] | None:
    matches = [ROW_COLUMN.match(n) for n in names]
    if not all(matches) or len({m["prefix"] for m in matches}) != 1:
        return None
    return [(int(m["row"]), int(m["column"])) for m in matches]


def _flat_square(names: list[str]) -> list[tuple[int, int]] | None:
    """Flat indices into a square image (0- or 1-based): its side from the largest index."""
    matches = [FLAT_INDEX.match(n) for n in names]
    if not all(matches) or len({m["prefix"] for m in matches}) != 1:
        return None
    indices = [int(m["index"]) for m in matches]
    for base in (0, 1):
        side = math.isqrt(max(indices) + 1 - base)
        if side >= MIN_FLAT_SIDE and side * side == max(indices) + 1 - base and min(indices) >= base:
            return [divmod(i - base, side) for i in indices]
    return None
