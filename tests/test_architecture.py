"""The architecture contract in pyproject.toml (see docs/architecture.md) holds, and bites."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import importlinter  # noqa: F401  (in the test extra: pip install -e '.[test]')
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))"
)


def lint(config: Path, path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on ``config`` with ``path`` first on the import path."""
    env = os.environ | {"PYTHONPATH": str(path)}
    return subprocess.run(
        [sys.executable, "-c", LINT, str(config)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_source_keeps_the_contract() -> None:
    result = lint(ROOT / "pyproject.toml", ROOT / "src", ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def contracts() -> list[dict]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return list(tomllib.load(file)["tool"]["importlinter"]["contracts"])


def toy_package(root: Path, imports: dict[str, str]) -> None:
    """A package ``toy`` with every layer of the contract; ``imports``: module -> its import."""
    for contract in contracts():
        for layer in contract.get("layers", []):
            for name in layer.replace(":", "|").split("|"):
                folder = root / "toy" / name.strip()
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "__init__.py").write_text(imports.get(name.strip(), ""))
    (root / "toy" / "__init__.py").write_text("")


def lint_toy(tmp_path: Path, imports: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The contract, as written but for its ignores (they name newsdesk's modules), on a toy."""
    toy_package(tmp_path / "src", imports)
    lines = ["[importlinter]", "root_package = toy", ""]
    for contract in contracts():
        lines += [f"[importlinter:contract:{contract['id']}]", f"name = {contract['name']}"]
        lines.append(f"type = {contract['type']}")
        if "layers" in contract:
            lines += ["containers = toy", "layers ="] + [f"    {x}" for x in contract["layers"]]
        if "ancestors" in contract:
            lines.append("ancestors = toy")
        lines.append("")
    config = tmp_path / ".importlinter"
    config.write_text("\n".join(lines))
    return lint(config, tmp_path / "src", tmp_path)


def test_the_contract_allows_an_edge_to_import_the_core(tmp_path: Path) -> None:
    result = lint_toy(tmp_path, {"service": "from toy import lifecycle\n"})
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("importer", "imported"),
    [("service", "ui"), ("ui", "service"), ("lifecycle", "ui"), ("classify", "eval")],
)
def test_the_contract_refuses_an_upward_or_sideways_arrow(
    tmp_path: Path, importer: str, imported: str
) -> None:
    result = lint_toy(tmp_path, {importer: f"from toy import {imported}\n"})
    assert result.returncode == 1
    assert f"toy.{importer} is not allowed to import toy.{imported}" in result.stdout


def test_the_contract_refuses_a_cycle_between_modules(tmp_path: Path) -> None:
    store = tmp_path / "src" / "toy" / "store"
    store.mkdir(parents=True)
    (store / "a.py").write_text("from toy.store import b\n")
    (store / "b.py").write_text("from toy.store import a\n")
    result = lint_toy(tmp_path, {})
    assert result.returncode == 1
    assert "No cycles are allowed in toy.store" in result.stdout
