"""Automated accessibility checks with axe-core, run inside the page.

axe-core is a devDependency of the project's ``package.json``, installed by ``npm install`` (which
``scripts/setup.sh`` runs through the package build); its ``axe.min.js`` is injected into the page
as it is, nothing is downloaded at test time. ``audit(page)`` checks the wizard only, not the
JupyterLab or Notebook chrome around it, against the WCAG 2.x A and AA rules and axe's best
practices, and returns the violations; the tests fail on any of impact serious or critical.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
WIZARD = "[data-testid=wizard]"

_RUN_JS = """async (selector) => {
  const result = await window.axe.run({ include: [[selector]] }, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html.slice(0, 160),
                                 summary: (n.failureSummary || "").slice(0, 300) })),
  }));
}"""


def audit(page, selector: str = WIZARD) -> list[dict]:
    """The axe-core violations inside ``selector`` (every element it matches), all impacts."""
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS.relative_to(REPO)} is missing: run `npm install` in the "
                           "repository (scripts/setup.sh does) to install axe-core.")
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_RUN_JS, selector)


def blocking(violations: list[dict]) -> list[dict]:
    """The violations a person cannot work around: impact serious or critical."""
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    """One line per violation and node, for a failure message."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for n in v["nodes"][:5]:
            lines.append(f"    {n['target']}  {n['html']}")
            if n["summary"]:
                lines.append("      " + n["summary"].replace("\n", " "))
    return "\n".join(lines)
