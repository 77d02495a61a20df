"""Small HTML building blocks of the report: one self-contained page, no external resources."""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd

CSS = """
:root { --fg:#1f2328; --muted:#656d76; --line:#d0d7de; --bg:#ffffff; --soft:#f6f8fa;
        --accent:#4c72b0; --warn:#9a6700; --warn-bg:#fff8c5; --bad:#cf222e; --ok:#1a7f37; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0; line-height: 1.5; font-size: 15px; }
main { max-width: 1060px; margin: 0 auto; padding: 24px 28px 64px; }
header.top { border-bottom: 1px solid var(--line); margin-bottom: 12px; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
section:first-of-type h2 { border-top: none; margin-top: 8px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p, li { max-width: 860px; }
.muted { color: var(--muted); }
nav.toc { font-size: 14px; margin: 8px 0 16px; }
nav.toc a { margin-right: 14px; color: var(--accent); text-decoration: none; white-space: nowrap; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px;
        min-width: 170px; }
.card .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.card .value { font-size: 20px; font-weight: 600; }
.card .sub { font-size: 12px; color: var(--muted); }
table.t { border-collapse: collapse; font-size: 13px; margin: 8px 0 12px; }
table.t th, table.t td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left;
                         vertical-align: top; }
table.t th { background: var(--soft); font-weight: 600; }
table.t td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.t td.small { font-size: 12px; color: var(--muted); min-width: 160px; max-width: 300px;
                   overflow-wrap: anywhere; }
table.t tr.chosen td { background: #eef4ff; }
.scroll { overflow-x: auto; max-width: 100%; }
figure { margin: 10px 0 16px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--soft); }
figcaption { font-size: 13px; color: var(--muted); max-width: 860px; }
.row { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.row > figure { flex: 1 1 420px; }
.note { background: var(--soft); border-left: 4px solid var(--accent); padding: 8px 12px; margin: 10px 0;
        max-width: 900px; font-size: 14px; }
.warn { background: var(--warn-bg); border-left: 4px solid var(--warn); padding: 8px 12px; margin: 10px 0;
        max-width: 900px; font-size: 14px; }
.error { border-left: 4px solid var(--bad); background: #ffebe9; padding: 8px 12px; margin: 10px 0;
         font-size: 14px; }
pre.code { background: var(--soft); padding: 10px 12px; font-size: 12px; overflow-x: auto; max-height: 520px; }
.outline ul { margin: 2px 0 2px 4px; padding-left: 18px; font-size: 13px; }
.outline li { margin: 2px 0; }
code { background: var(--soft); padding: 1px 4px; border-radius: 4px; font-size: 13px; }
details { margin: 8px 0; }
details summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 48px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--line);
         padding-top: 8px; }
@media print { nav.toc { display: none; } h2 { break-before: auto; } figure { break-inside: avoid; } }
"""


def esc(value: Any) -> str:
    return html.escape(str(value))


def fmt(value: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits; NaN as an em dash; others as text."""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "—"
        return f"{value:.{digits}g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if value is None or value is pd.NA:
        return "—"
    return str(value)


def table(frame: pd.DataFrame, *, numeric: tuple[str, ...] = (), highlight: Any = None,
          index: bool = False, max_rows: int | None = None, small: tuple[str, ...] = ()) -> str:
    """An HTML table; ``highlight`` is a boolean mask of rows to mark (the chosen model);
    ``small`` columns hold long text in a smaller font."""
    if max_rows is not None:
        frame = frame.head(max_rows)
    if index:
        frame = frame.reset_index()
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    marks = list(highlight)[:len(frame)] if highlight is not None else [False] * len(frame)
    rows = []
    for mark, (_, row) in zip(marks, frame.iterrows(), strict=True):
        cells = []
        for c in frame.columns:
            v = row[c]
            is_num = c in numeric or isinstance(v, (float, np.floating, int, np.integer)) \
                and not isinstance(v, (bool, np.bool_))
            cls = " class='num'" if is_num else " class='small'" if c in small else ""
            cells.append(f"<td{cls}>{esc(fmt(v))}</td>")
        rows.append(f"<tr{' class=chosen' if mark else ''}>{''.join(cells)}</tr>")
    return f"<div class='scroll'><table class='t'><tr>{head}</tr>{''.join(rows)}</table></div>"


def pairs(items: list[tuple[str, Any]]) -> str:
    """A two-column table of labels and values."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{v if isinstance(v, Raw) else esc(fmt(v))}</td></tr>"
                   for k, v in items)
    return f"<table class='t'>{rows}</table>"


class Raw(str):
    """HTML that is already safe (not escaped again by ``pairs``)."""


def figure(uri: str, caption: str, alt: str) -> str:
    return (f"<figure><img src='{uri}' alt='{esc(alt)}'>"
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def note(text: str, kind: str = "note") -> str:
    return f"<div class='{kind}'>{text}</div>"


def bullets(items: list[str], escape: bool = True) -> str:
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{esc(i) if escape else i}</li>" for i in items) + "</ul>"


def card(label: str, value: str, sub: str = "") -> str:
    return (f"<div class='card'><div class='label'>{esc(label)}</div>"
            f"<div class='value'>{esc(value)}</div><div class='sub'>{esc(sub)}</div></div>")


def page(title: str, subtitle: str, toc: list[tuple[str, str]], body: str, footer: str) -> str:
    links = "".join(f"<a href='#{esc(i)}'>{esc(t)}</a>" for i, t in toc)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<meta name='generator' content='jupyter_automl'><title>{esc(title)}</title>"
        f"<style>{CSS}</style></head><body><main>"
        f"<header class='top'><h1>{esc(title)}</h1><div class='muted'>{esc(subtitle)}</div>"
        f"<nav class='toc'>{links}</nav></header>{body}<footer>{footer}</footer></main></body></html>\n"
    )


def section(anchor: str, title: str, body: str, intro: str = "") -> str:
    lead = f"<p class='muted'>{intro}</p>" if intro else ""
    return f"<section id='{esc(anchor)}'><h2>{esc(title)}</h2>{lead}{body}</section>"
