"""axe-core in the browser tests: a page passes with no violation of impact serious or critical.

``axe-playwright-python`` (the ``test`` extra) bundles ``axe.min.js`` and injects it into the
page from disk: nothing is fetched. Minor and moderate findings are not failures here (a
rule's weight is axe's own), except the rules in :data:`ALSO_FAILING`: ones the desk broke
once, kept fixed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from services import missing

FAILING_IMPACTS = ("serious", "critical")
ALSO_FAILING = ("empty-table-header",)  # minor; the models page had one

__all__ = [
    "ALSO_FAILING",
    "FAILING_IMPACTS",
    "assert_accessible",
    "axe_report",
    "serious_violations",
]


@cache
def _axe() -> Any:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        missing("axe-playwright-python is not installed", "pip install -e '.[test]'")
    return Axe()


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations on ``page`` (a Playwright page) of impact serious or critical, and
    those of the rules in :data:`ALSO_FAILING`."""
    violations: list[dict[str, Any]] = _axe().run(page).response["violations"]
    return [v for v in violations if v.get("impact") in FAILING_IMPACTS or v["id"] in ALSO_FAILING]


def axe_report(violations: list[dict[str, Any]]) -> str:
    """One line a rule: its id, impact, what it asks, and the selectors of every element."""
    lines = []
    for violation in violations:
        targets = ", ".join(" >> ".join(map(str, node["target"])) for node in violation["nodes"])
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}; "
            f"{len(violation['nodes'])} element(s): {targets}"
        )
    return "\n".join(lines)


def assert_accessible(page: Any, name: str) -> None:
    """Fail with axe's report when ``page`` has a serious or critical violation."""
    found = serious_violations(page)
    assert not found, f"axe on {name} ({page.url}):\n{axe_report(found)}"
