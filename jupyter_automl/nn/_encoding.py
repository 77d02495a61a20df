"""The architecture dict's vocabulary and defaults, and the numpy half of a network's input stage.

Shared by both backends (``network.py``, PyTorch, and ``_sklearn_backend.py``, scikit-learn's MLP)
and, like them, self-contained: numpy and scipy only, so ``export_code`` can copy it next to an
exported script together with the backend module that imports it.

Input contract: ``X`` is a float matrix whose first ``len(cat_cardinalities)`` columns hold
category codes ``1..cardinality``; any other value there (0, NaN, negative, too large) means
missing or unknown. The remaining columns are numbers. NaN and +-inf in them count as missing:
they are replaced by the training median, and each column that had missing values in training
also gets a 0/1 missing indicator input.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

ENCODINGS = ("plain", "quantile", "piecewise_linear", "periodic")
ACTIVATIONS = ("relu", "gelu", "silu", "tanh", "leaky_relu", "selu", "mish")
NORMS = ("none", "batch", "layer")
OPTIMIZERS = ("adamw", "adam", "sgd")
SCHEDULES = ("constant", "cosine", "one_cycle")
ENSEMBLES = ("heads", "tabm_mini")

INPUT_DEFAULTS = {"numeric": "plain", "n_bins": 16, "n_frequencies": 16, "frequency_scale": 0.1,
                  "embedding_dim": 8, "max_cat_dim": 16, "conv_channels": 0, "conv_layers": 2}
BLOCK_DEFAULTS = {"width": 256, "activation": "relu", "norm": "none", "dropout": 0.0,
                  "residual": False}
TRAINING_DEFAULTS = {"optimizer": "adamw", "lr": 1e-3, "schedule": "cosine", "warmup": 0.05,
                     "weight_decay": 1e-4, "batch_size": 128, "label_smoothing": 0.0}
DEFAULT_ARCHITECTURE = {"inputs": INPUT_DEFAULTS, "blocks": [BLOCK_DEFAULTS, BLOCK_DEFAULTS],
                        "n_heads": 1, "ensemble": "heads", "training": TRAINING_DEFAULTS}
FORMAT = 1  # of saved files and state bytes
# A finite loss this large is divergence too (targets are standardised, so a sane loss is O(1)).
DIVERGED_LOSS = 1e6

INSTALL_LINE = 'pip install "jupyter_automl[torch]"'
MSG_DIVERGED = ("the loss diverged at epoch {epoch} (mean training loss {loss}): the network "
                "cannot learn with this setting. Lower the learning rate (lr={lr}) or use "
                "normalisation.")
MSG_KEY = "Unknown key {key!r} in the architecture's {where}. Known keys: {known}."
MSG_VALUE = "The architecture's {key} must be one of {choices}. Got {got!r} instead."
MSG_TOO_FEW = "A network needs at least 2 training rows; got {n}."
MSG_ONE_CLASS = "A classifier needs at least 2 classes in y; got only {classes}."
MSG_CONV_ENCODING = ("The convolution stage reads one value per pixel, so inputs.numeric must be "
                     "'plain', 'quantile' or 'periodic' with conv_channels > 0; got 'piecewise_linear'.")
MSG_NO_GRID = ("conv_channels > 0 needs the image's geometry: pass image_grid={'shape': [rows, "
               "columns], 'cells': [...]} (jupyter_automl.nn.image_grid finds it from column names).")
MSG_GRID = ("image_grid must be {{'shape': [rows, columns], 'cells': [one cell index per numeric "
            "input, at most {n}]}} with indices in 0..rows*columns-1; got {got!r}.")


def complete_architecture(architecture: Any = None) -> dict[str, Any]:
    """The architecture with every missing key set to its default; unknown keys are errors.

    Examples
    --------
    >>> arch = complete_architecture({"blocks": [{"width": 64}], "n_heads": 4})
    >>> arch["blocks"][0]["activation"], arch["training"]["optimizer"], arch["n_heads"]
    ('relu', 'adamw', 4)
    """
    if architecture is None:
        architecture = {}
    if hasattr(architecture, "to_dict"):
        architecture = architecture.to_dict()
    arch = json.loads(json.dumps(architecture))  # a deep, JSON-clean copy
    _check_keys(arch, DEFAULT_ARCHITECTURE, "top level")
    out = {k: arch.get(k, DEFAULT_ARCHITECTURE[k]) for k in ("n_heads", "ensemble")}
    for part, defaults in (("inputs", INPUT_DEFAULTS), ("training", TRAINING_DEFAULTS)):
        _check_keys(arch.get(part, {}), defaults, part)
        out[part] = defaults | arch.get(part, {})
    blocks = arch.get("blocks", DEFAULT_ARCHITECTURE["blocks"])
    for block in blocks:
        _check_keys(block, BLOCK_DEFAULTS, "blocks")
    out["blocks"] = [BLOCK_DEFAULTS | block for block in blocks]
    checks = [("inputs.numeric", out["inputs"]["numeric"], ENCODINGS),
              ("ensemble", out["ensemble"], ENSEMBLES),
              ("training.optimizer", out["training"]["optimizer"], OPTIMIZERS),
              ("training.schedule", out["training"]["schedule"], SCHEDULES)]
    for i, block in enumerate(out["blocks"]):
        checks += [(f"blocks[{i}].activation", block["activation"], ACTIVATIONS),
                   (f"blocks[{i}].norm", block["norm"], NORMS)]
    for key, value, choices in checks:
        if value not in choices:
            raise ValueError(MSG_VALUE.format(key=key, choices=list(choices), got=value))
    if not out["blocks"]:
        raise ValueError("The architecture needs at least one block; got an empty 'blocks' list.")
    if out["inputs"]["conv_channels"] and out["inputs"]["numeric"] == "piecewise_linear":
        raise ValueError(MSG_CONV_ENCODING)
    return out


def _check_keys(given: dict, known: dict, where: str) -> None:
    for key in given:
        if key not in known:
            raise ValueError(MSG_KEY.format(key=key, where=where, known=sorted(known)))


# -- input encodings, fitted in numpy and stored as JSON ------------------------------------------

def category_dim(cardinality: int, max_dim: int) -> int:
    """Embedding size of a categorical column: ``min(max_dim, round(1.6 * card ** 0.56))``."""
    return int(max(1, min(max_dim, round(1.6 * max(cardinality, 1) ** 0.56))))


def category_codes(X: np.ndarray, cardinalities: list[int]) -> np.ndarray:
    """Integer codes ``1..cardinality``; every other value (NaN, 0, negative, too large, not an
    integer) becomes 0, the missing/unknown code."""
    codes = np.zeros((X.shape[0], len(cardinalities)), dtype=np.int64)
    for j, card in enumerate(cardinalities):
        col = X[:, j]
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(col) & (col >= 1) & (col <= card) & (col == np.round(col))
        codes[ok, j] = col[ok].astype(np.int64)
    return codes


def _fit_numeric(num: np.ndarray, inputs: dict[str, Any]) -> dict[str, Any]:
    """Fit the numeric encoding on training columns: medians, scales, quantiles or bin edges."""
    finite = np.isfinite(num)
    medians = [float(np.median(num[finite[:, j], j])) if finite[:, j].any() else 0.0
               for j in range(num.shape[1])]
    x = np.where(finite, num, np.asarray(medians))
    fitted: dict[str, Any] = {"median": medians,
                              "indicators": [j for j in range(num.shape[1]) if not finite[:, j].all()]}
    q25, q75 = np.percentile(x, [25, 75], axis=0) if x.shape[1] else (np.zeros(0), np.zeros(0))
    # robust scale (interquartile range), then the standard deviation for columns that are
    # mostly one value, then 1 for constant columns
    scale = np.where((q75 - q25) > 1e-12, (q75 - q25) / 1.349, x.std(axis=0) if x.shape[1] else 0)
    fitted["scale"] = np.where(scale > 1e-12, scale, 1.0).tolist()
    encoding = inputs["numeric"]
    if encoding == "quantile":
        levels = np.linspace(0, 1, min(256, max(2, x.shape[0])))
        fitted["quantiles"] = np.quantile(x, levels, axis=0).T.tolist() if x.shape[1] else []
    elif encoding == "piecewise_linear":
        levels = np.linspace(0, 1, int(inputs["n_bins"]) + 1)
        fitted["edges"] = [np.unique(np.quantile(x[:, j], levels)).tolist() for j in range(x.shape[1])]
    return fitted


def _transform_numeric(num: np.ndarray, fitted: dict[str, Any], encoding: str) -> np.ndarray:
    """Encode numeric columns as the fitted encoding says; missing indicators come last."""
    finite = np.isfinite(num)
    x = np.where(finite, num, np.asarray(fitted["median"])) if num.shape[1] else num
    if encoding in ("plain", "periodic"):
        z = np.clip((x - np.asarray(fitted["median"])) / np.asarray(fitted["scale"]), -1e9, 1e9)
        z = z / np.sqrt(1.0 + (z / 3.0) ** 2)  # smooth clipping to (-3, 3): outliers stay bounded
    elif encoding == "quantile":
        from scipy.special import ndtri

        z = np.empty_like(x)
        for j, q in enumerate(fitted["quantiles"]):
            q = np.asarray(q)
            refs = np.linspace(0, 1, len(q))
            # averaging the interpolation from both ends maps runs of equal quantiles to their
            # middle (as scikit-learn's QuantileTransformer does)
            u = 0.5 * (np.interp(x[:, j], q, refs) - np.interp(-x[:, j], -q[::-1], -refs[::-1]))
            z[:, j] = ndtri(np.clip(u, 1e-4, 1 - 1e-4))
    else:  # piecewise_linear: per bin, the share of the bin below the value
        parts = []
        for j, edges in enumerate(fitted["edges"]):
            e = np.asarray(edges)
            if len(e) < 2:  # a constant column: one input that is always 0
                parts.append(np.zeros((x.shape[0], 1)))
                continue
            lo, width = e[:-1], np.diff(e)
            parts.append(np.clip((x[:, j, None] - lo) / width, 0.0, 1.0))
        z = np.hstack(parts) if parts else np.zeros((x.shape[0], 0))
    indicators = (~finite[:, fitted["indicators"]]).astype(float)
    return np.hstack([z, indicators]).astype(np.float32)


# -- learning-rate schedules -------------------------------------------------------------------------

def lr_factor(schedule: str, warmup: float, progress: float) -> float:
    """Multiplier of the base learning rate at ``progress`` (0 to 1) of the planned steps.

    Examples
    --------
    >>> [round(lr_factor("cosine", 0.0, p), 2) for p in (0.0, 0.5, 1.0)]
    [1.0, 0.5, 0.0]
    """
    progress = min(max(progress, 0.0), 1.0)
    if schedule == "one_cycle":  # a linear ramp from lr/25 up, then a linear decay to 0
        peak = max(warmup, 0.3)
        if progress < peak:
            return 0.04 + 0.96 * progress / peak
        return (1.0 - progress) / (1.0 - peak)
    if progress < warmup:
        return (progress + 1e-3) / warmup
    if schedule == "constant":
        return 1.0
    return 0.5 * (1.0 + math.cos(math.pi * (progress - warmup) / max(1.0 - warmup, 1e-9)))




# -- the whole input stage and the target, as both backends use them ---------------------------------

def fit_inputs(X: np.ndarray, cat_cardinalities: Any, inputs: dict[str, Any],
               image_grid: Any = None) -> dict[str, Any]:
    """Fit the input stage on training rows; the result is JSON-able (saved with the network).

    ``image_grid`` places the first numeric columns on an image (``{"shape": [rows, columns],
    "cells": [flat cell index of each]}``) for the convolution stage; used only when
    ``inputs["conv_channels"] > 0``."""
    cards = [int(c) for c in cat_cardinalities]
    if len(cards) > X.shape[1]:
        raise ValueError(f"cat_cardinalities names {len(cards)} categorical columns but X has only "
                         f"{X.shape[1]} columns.")
    if any(c < 1 for c in cards):
        raise ValueError(f"Every cardinality in cat_cardinalities must be at least 1; got {cards}.")
    fitted = {"cat_cardinalities": cards,
              "cat_dims": [category_dim(c, int(inputs["max_cat_dim"])) for c in cards],
              "encoding": inputs["numeric"], "n_numeric": X.shape[1] - len(cards),
              "numeric": _fit_numeric(X[:, len(cards):], inputs)}
    fitted["image"] = _check_grid(image_grid, fitted["n_numeric"]) if inputs["conv_channels"] else None
    if fitted["image"] is not None and inputs["numeric"] != "quantile":
        _pool_scale(X[:, len(cards):len(cards) + len(fitted["image"]["cells"])], fitted["numeric"])
    fitted["n_encoded"] = int(transform_inputs(X[:1], fitted)[1].shape[1])
    return fitted


def _pool_scale(pixels: np.ndarray, numeric: dict[str, Any]) -> None:
    """One centre and scale for every pixel, as images are scaled: standardising each pixel on its
    own makes a faint stroke at the border as loud as one in the middle (digits: 0.984-0.989 test
    accuracy on three splits per pixel, 0.989-0.993 pooled)."""
    values = pixels[np.isfinite(pixels)]
    if values.size:
        centre, scale = float(values.mean()), float(values.std())
        n = pixels.shape[1]
        numeric["median"][:n] = [centre] * n
        numeric["scale"][:n] = [scale if scale > 1e-12 else 1.0] * n


def _check_grid(grid: Any, n_numeric: int) -> dict[str, Any]:
    if grid is None:
        raise ValueError(MSG_NO_GRID)
    try:
        rows, columns = (int(v) for v in grid["shape"])
        cells = [int(c) for c in grid["cells"]]
    except (TypeError, KeyError, ValueError) as exc:
        raise ValueError(MSG_GRID.format(n=n_numeric, got=grid)) from exc
    if (rows < 1 or columns < 1 or not 0 < len(cells) <= n_numeric or len(set(cells)) < len(cells)
            or not all(0 <= c < rows * columns for c in cells)):
        raise ValueError(MSG_GRID.format(n=n_numeric, got=grid))
    return {"shape": [rows, columns], "cells": cells}


def transform_inputs(X: np.ndarray, fitted: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Category codes (int64) and encoded numbers (float32) of ``X``."""
    k = len(fitted["cat_cardinalities"])
    return (category_codes(X[:, :k], fitted["cat_cardinalities"]),
            _transform_numeric(X[:, k:], fitted["numeric"], fitted["encoding"]))


def fit_target(y: np.ndarray, classification: bool) -> dict[str, Any]:
    """The classes (classification) or the mean and scale that standardise the target."""
    if classification:
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(MSG_ONE_CLASS.format(classes=classes.tolist()))
        return {"classes": [c.item() if isinstance(c, np.generic) else c for c in classes],
                "classes_dtype": classes.dtype.str}
    y = np.asarray(y, dtype=float)
    scale = float(y.std())
    return {"mean": float(y.mean()), "scale": scale if scale > 1e-12 else 1.0}


def classes_of(target: dict[str, Any]) -> np.ndarray:
    """The ``classes_`` array saved by ``fit_target``, with its original dtype."""
    dtype = np.dtype(target["classes_dtype"])
    return np.asarray(target["classes"], dtype=object if dtype.kind == "O" else dtype)


def encode_target(y: np.ndarray, target: dict[str, Any]) -> np.ndarray:
    """Class indices (int64) or the standardised target (float32)."""
    if "classes" not in target:
        return ((np.asarray(y, dtype=float) - target["mean"]) / target["scale"]).astype(np.float32)
    classes = classes_of(target)
    idx = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    unknown = classes[idx] != y
    if np.any(unknown):
        raise ValueError(f"y holds labels the network was not fitted with: {np.unique(y[unknown])[:5].tolist()}.")
    return idx.astype(np.int64)


def steps_per_epoch(n_rows: int, batch_size: int) -> int:
    """Optimiser steps in one epoch (a last batch of one row joins the one before)."""
    size = max(2, min(int(batch_size), n_rows))
    n = math.ceil(n_rows / size)
    return n - 1 if n > 1 and n_rows % size == 1 else n
