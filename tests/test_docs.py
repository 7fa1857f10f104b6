"""The README stays a newcomer's page, its test command stays CI's, and every doc link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
PAGES = [README, ROOT / "CHANGELOG.md", ROOT / "CONTRIBUTING.md", *sorted(ROOT.glob("docs/*.md"))]
# Pages the README links that other branches add; drop a name once its page is merged.
COMING: set[str] = set()
LINK = re.compile(r"\]\(([^)\s]+)\)")


def fenced_commands(text: str) -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}


def test_readme_is_short() -> None:
    assert README.stat().st_size <= 12_000


def test_readme_test_command_is_what_ci_runs_word_for_word() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    commands = fenced_commands(README.read_text(encoding="utf-8"))
    assert commands[1] == ci
    assert commands[0].endswith("pip install -q -e . && newsdesk classify examples/articles.jsonl")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if str(file.relative_to(ROOT)) in COMING:
            continue
        if not file.is_file() or (anchor and anchor not in anchors(file)):
            broken.append(target)
    assert broken == []


def test_slug_follows_github() -> None:
    assert (
        slug("Streaming, Parquet and `--resume` (no Ray)")
        == "streaming-parquet-and---resume-no-ray"
    )
    assert slug("`newsdesk classify`") == "newsdesk-classify"
