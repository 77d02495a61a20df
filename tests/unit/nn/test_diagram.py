"""The architecture diagram: well-formed SVG that shows every part, in either theme."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from jupyter_automl.nn._diagram import architecture_summary, architecture_svg

ARCH = {"inputs": {"numeric": "periodic", "n_frequencies": 8, "embedding_dim": 4},
        "blocks": [{"width": 512, "activation": "gelu", "norm": "layer", "residual": True},
                   {"width": 512, "dropout": 0.2, "residual": True},
                   {"width": 64, "activation": "silu", "norm": "batch"}],
        "n_heads": 4, "ensemble": "tabm_mini", "training": {"label_smoothing": 0.1}}
SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_every_part_is_drawn():
    svg = architecture_svg(ARCH, n_numeric=5, cat_cardinalities=[2, 50], n_outputs=3, title="best")
    shown = texts(svg)
    for label in ["best", "5 numbers", "periodic ×8 → 4", "2 categories", "embeddings of 2–14",
                  "512 units", "GELU", "LayerNorm", "dropout 0.2", "64 units", "SiLU", "BatchNorm",
                  "4 heads", "TabM-mini", "averaged", "3 classes"]:
        assert label in shown, label
    root = ET.fromstring(svg)
    assert len(list(root.iter(f"{SVG}circle"))) == 2  # one (+) per skip
    assert shown.count("projection") == 1  # only the first skip changes width (inputs -> 512)
    assert "label smoothing 0.1" in shown[-1] and "AdamW" in shown[-1]


def test_theme_neutral_and_safe_to_repeat_in_a_page():
    svg = architecture_svg(ARCH)
    assert "currentColor" in svg and "var(--jp-" in svg
    assert " id=" not in svg  # ids are page-wide: two diagrams would clash
    assert "#000" not in svg and "black" not in svg
    assert "categories (if any)" in texts(svg)
    assert "categories" not in " ".join(texts(architecture_svg(ARCH, cat_cardinalities=())))


def test_text_is_escaped_and_the_summary_counts_repeats():
    summary = architecture_summary({"blocks": [{"width": 8}] * 3 + [{"width": 4, "residual": True}]})
    assert summary.startswith("standardised → 3 × [8 ReLU] → [4 ReLU +skip] → 1 head | AdamW")
    svg = architecture_svg(ARCH, title="<a & b>")
    assert "&lt;a &amp; b&gt;" in svg
    ET.fromstring(svg)
