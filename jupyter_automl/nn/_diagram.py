"""An architecture drawn as SVG, and in one line of text: pure functions of the architecture dict.

The SVG reads in light and dark themes: text and lines use ``currentColor`` (the notebook's text
colour), fills are translucent JupyterLab colours (``--jp-*`` variables with fallbacks).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from ._encoding import category_dim, complete_architecture

ACTIVATION_LABELS = {"relu": "ReLU", "gelu": "GELU", "silu": "SiLU", "tanh": "tanh",
                     "leaky_relu": "LeakyReLU", "selu": "SELU", "mish": "Mish"}
NORM_LABELS = {"batch": "BatchNorm", "layer": "LayerNorm", "none": ""}
OPTIMIZER_LABELS = {"adamw": "AdamW", "adam": "Adam", "sgd": "SGD"}
# translucent fills over whatever background the theme has
COLOURS = {"input": "var(--jp-brand-color1, #1976d2)", "block": "var(--jp-success-color1, #388e3c)",
           "head": "var(--jp-warn-color1, #f57c00)"}
FONT = "var(--jp-ui-font-family, system-ui, -apple-system, 'Segoe UI', sans-serif)"
LINE = 14  # px per text line
BLOCK_W, GAP, INPUT_W, HEAD_W = 92, 34, 140, 96


def _numeric_label(inputs: dict[str, Any]) -> str:
    kind = inputs["numeric"]
    if inputs["conv_channels"]:
        return f"image: {inputs['conv_layers']} × conv 3×3, {inputs['conv_channels']} channels"
    if kind == "piecewise_linear":
        return f"piecewise-linear, {inputs['n_bins']} bins"
    if kind == "periodic":
        return f"periodic ×{inputs['n_frequencies']} → {inputs['embedding_dim']}"
    return {"plain": "standardised", "quantile": "quantile → normal"}[kind]


def _block_lines(block: dict[str, Any]) -> list[str]:
    lines = [f"{block['width']} units", ACTIVATION_LABELS[block["activation"]]]
    if block["norm"] != "none":
        lines.append(NORM_LABELS[block["norm"]])
    if block["dropout"] > 0:
        lines.append(f"dropout {block['dropout']:g}")
    return lines


def _training_line(arch: dict[str, Any]) -> str:
    t = arch["training"]
    schedule = {"constant": "constant lr", "cosine": "cosine", "one_cycle": "one-cycle"}[t["schedule"]]
    if t["warmup"] > 0 and t["schedule"] != "one_cycle":
        schedule += f" (warm-up {t['warmup']:.0%})"
    parts = [f"{OPTIMIZER_LABELS[t['optimizer']]} lr {t['lr']:.2g}", schedule,
             f"weight decay {t['weight_decay']:.2g}", f"batch {t['batch_size']}"]
    if t["label_smoothing"] > 0:
        parts.append(f"label smoothing {t['label_smoothing']:g}")
    return ", ".join(parts)


def _heads_label(arch: dict[str, Any]) -> str:
    k = arch["n_heads"]
    if k == 1:
        return "1 head"
    return f"{k} heads" + (" (TabM-mini)" if arch["ensemble"] == "tabm_mini" else "")


def architecture_summary(architecture: Any) -> str:
    """The architecture in one line of text (identical consecutive blocks are counted).

    Examples
    --------
    >>> architecture_summary({"inputs": {"numeric": "piecewise_linear"},
    ...                       "blocks": [{"width": 256, "dropout": 0.1}] * 3, "n_heads": 8})
    'piecewise-linear, 16 bins → 3 × [256 ReLU, dropout 0.1] → 8 heads, averaged | AdamW lr 0.001, cosine (warm-up 5%), weight decay 0.0001, batch 128'
    """
    arch = complete_architecture(architecture)
    groups: list[list[Any]] = []
    for block in arch["blocks"]:
        if groups and groups[-1][0] == block:
            groups[-1][1] += 1
        else:
            groups.append([block, 1])
    parts = [_numeric_label(arch["inputs"])]
    for block, n in groups:
        w = _block_lines(block)
        text = ", ".join([f"{block['width']} {w[1]}"] + w[2:]) + (" +skip" if block["residual"] else "")
        parts.append(f"{n} × [{text}]" if n > 1 else f"[{text}]")
    heads = _heads_label(arch) + (", averaged" if arch["n_heads"] > 1 else "")
    return " → ".join(parts + [heads]) + " | " + _training_line(arch)


def _box(x: float, y: float, w: float, h: float, kind: str, lines: list[str], dashed: bool = False) -> str:
    colour = COLOURS[kind]
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    out = [f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6" '
           f'style="fill:{colour};fill-opacity:0.14;stroke:{colour};stroke-width:1.5"{dash}/>']
    top = y + h / 2 - (len(lines) - 1) * LINE / 2
    for i, text in enumerate(lines):
        weight = ' font-weight="600"' if i == 0 else ""
        out.append(f'<text x="{x + w / 2:.1f}" y="{top + i * LINE:.1f}" text-anchor="middle" '
                   f'dominant-baseline="central"{weight}>{escape(text)}</text>')
    return "\n".join(out)


def _text_width(lines: list[str]) -> float:
    """About how wide the lines are at 12 px (the first line is bold)."""
    return max(len(t) * (7.2 if i == 0 else 6.6) for i, t in enumerate(lines)) + 18


def _head(x: float, y: float, dx: float, dy: float) -> str:
    """An arrowhead at (x, y) pointing along (dx, dy). Drawn, not an SVG marker: marker ids are
    document-wide, so two diagrams in one notebook would share (and recolour) each other's."""
    n = math.hypot(dx, dy)
    ux, uy = dx / n, dy / n
    bx, by = x - 7 * ux, y - 7 * uy
    return (f'<path d="M {x:.1f} {y:.1f} L {bx - 3.5 * uy:.1f} {by + 3.5 * ux:.1f} '
            f'L {bx + 3.5 * uy:.1f} {by - 3.5 * ux:.1f} Z" fill="currentColor" stroke="none"/>')


def _arrow(x1: float, x2: float, y: float) -> str:
    return (f'<line x1="{x1:.1f}" y1="{y:.1f}" x2="{x2 - 6:.1f}" y2="{y:.1f}" '
            f'stroke="currentColor" stroke-width="1.3"/>' + _head(x2, y, 1, 0))


def architecture_svg(architecture: Any, *, n_numeric: int | None = None,
                     cat_cardinalities: Any = None, n_outputs: int | None = None,
                     title: str | None = None) -> str:
    """Draw an architecture: input stage, blocks (height grows with width), skips, heads.

    Parameters
    ----------
    architecture : dict or Architecture
    n_numeric : int, optional
        Number of numeric columns, to label the input stage.
    cat_cardinalities : sequence of int, optional
        The categorical columns' cardinalities (their embedding sizes are shown); None: unknown,
        ``()``: no categorical column.
    n_outputs : int, optional
        Classes (2 or more) or 1 for a regression, to label the output.
    title : str, optional
        A caption above the drawing.

    Returns
    -------
    str
        A standalone ``<svg>`` element.

    Examples
    --------
    >>> svg = architecture_svg({"blocks": [{"width": 64, "residual": True}]}, n_outputs=3)
    >>> svg.startswith("<svg") and "64 units" in svg and "3 classes" in svg
    True
    >>> "2 × conv 3×3, 16 channels" in architecture_svg({"inputs": {"conv_channels": 16}}, n_numeric=61)
    True
    """
    arch = complete_architecture(architecture)
    blocks, inputs = arch["blocks"], arch["inputs"]
    heights = [max(len(_block_lines(b)) * LINE + 16,
                   min(130.0, 44 + 11 * (math.log2(max(b["width"], 16)) - 4))) for b in blocks]
    tallest = max(heights + [96.0])
    top = 30 + (24 if title else 0) + (30 if any(b["residual"] for b in blocks) else 0)
    mid = top + tallest / 2
    x = 12.0
    parts: list[str] = []
    # the input stage: numbers above, categories below
    numbers = "pixels" if inputs["conv_channels"] else "numbers"
    numeric_lines = [f"{n_numeric} {numbers}" if n_numeric is not None else numbers, _numeric_label(inputs)]
    if inputs["conv_channels"]:  # the label's two halves on two lines
        numeric_lines[1:] = [numeric_lines[1].split(": ")[1], "batch norm, ReLU, max-pool"]
    if cat_cardinalities is None:
        cat_lines = ["categories (if any)", f"embeddings ≤ {inputs['max_cat_dim']}"]
    elif len(cat_cardinalities):
        dims = sorted({category_dim(int(c), int(inputs["max_cat_dim"])) for c in cat_cardinalities})
        span = f"{dims[0]}" if len(dims) == 1 else f"{dims[0]}–{dims[-1]}"
        cat_lines = [f"{len(cat_cardinalities)} categories", f"embeddings of {span}"]
    else:
        cat_lines = []
    if n_numeric == 0:
        numeric_lines = []
    stacked = [ln for ln in (numeric_lines, cat_lines) if ln]
    box_h = (tallest - 8 * (len(stacked) - 1)) / max(len(stacked), 1)
    input_w = max([INPUT_W] + [_text_width(ln) for ln in stacked])
    for i, lines in enumerate(stacked):
        y = top + i * (box_h + 8)
        parts.append(_box(x, y, input_w, box_h, "input", lines, dashed=cat_cardinalities is None and lines is cat_lines))
    x += input_w if stacked else 0
    for i, (block, h) in enumerate(zip(blocks, heights, strict=True)):
        parts.append(_arrow(x, x + GAP, mid))
        left = x + GAP
        parts.append(_box(left, mid - h / 2, BLOCK_W, h, "block", _block_lines(block)))
        if block["residual"]:
            # the skip: from the arrow into the block, over it, down into a (+) after it
            x1, x2 = left - GAP / 2, left + BLOCK_W + GAP / 2
            peak = mid - h / 2 - 22
            parts.append(f'<path d="M {x1:.1f} {mid:.1f} C {x1:.1f} {peak:.1f}, {x2:.1f} {peak:.1f}, '
                         f'{x2:.1f} {mid - 12:.1f}" fill="none" stroke="currentColor" stroke-width="1.2" '
                         f'stroke-dasharray="3 2"/>' + _head(x2, mid - 6, 0, 1))
            parts.append(f'<circle cx="{x2:.1f}" cy="{mid:.1f}" r="6" fill="none" stroke="currentColor"/>'
                         f'<text x="{x2:.1f}" y="{mid:.1f}" text-anchor="middle" dominant-baseline="central">+</text>')
            if i == 0 or blocks[i - 1]["width"] != block["width"]:
                parts.append(f'<text x="{(x1 + x2) / 2:.1f}" y="{peak + 4:.1f}" text-anchor="middle" '
                             f'font-size="10" opacity="0.8">projection</text>')
        x = left + BLOCK_W
    parts.append(_arrow(x, x + GAP, mid))
    x += GAP
    head_lines = [f"{arch['n_heads']} heads" if arch["n_heads"] > 1 else "1 head"]
    if arch["n_heads"] > 1:
        head_lines += (["TabM-mini"] if arch["ensemble"] == "tabm_mini" else []) + ["averaged"]
    if n_outputs is not None:
        head_lines.append(f"{n_outputs} classes" if n_outputs > 1 else "1 value")
    head_h = len(head_lines) * LINE + 20
    head_w = max(HEAD_W, _text_width(head_lines))
    parts.append(_box(x, mid - head_h / 2, head_w, head_h, "head", head_lines))
    footer = _training_line(arch)
    width = max(x + head_w, 12 + len(footer) * 6.1) + 12
    footer_y = top + tallest + 22
    parts.append(f'<text x="12" y="{footer_y:.1f}" font-size="11" opacity="0.85">'
                 f'{escape(footer)}</text>')
    if title:
        parts.insert(0, f'<text x="12" y="20" font-size="13" font-weight="600">{escape(title)}</text>')
    height = footer_y + 12
    summary = escape(architecture_summary(arch))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="jam-architecture" role="img" '
            f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'style="color:var(--jp-ui-font-color1, currentColor);font-family:{FONT};font-size:12px;'
            f'max-width:100%;height:auto">'
            f'<title>{summary}</title>'
            '<g fill="currentColor">' + "\n".join(parts) + "</g></svg>")
