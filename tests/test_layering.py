"""The layers as contracts: pages → shelfwatch.ui → core; the core never imports streamlit,
the ui or the command line; the benchmark never imports the tests. ``make lint`` runs this."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
CORE = sorted(
    path
    for path in (PROJECT / "shelfwatch").rglob("*.py")
    if "ui" not in path.relative_to(PROJECT / "shelfwatch").parts
)


def imported(path: Path, root: Path) -> set[str]:
    """Every module a source file imports, by absolute name (relative imports resolved)."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            parts = list(package[: len(package) - node.level + 1]) if node.level else []
            base = ".".join([*parts, node.module] if node.module else parts)
            names |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return names


def violations(root: Path, layer: str, forbidden: tuple[str, ...], allowed: tuple[str, ...]):
    """``file: module`` for each import under ``root/layer`` of a module in ``forbidden``."""
    found = []
    for path in sorted((root / layer).rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if any(name.startswith(prefix) for prefix in allowed):
            continue
        for module in sorted(imported(path, root)):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                found.append(f"{name}: {module}")
    return found


# (layer, what it must not import, files of the layer exempt: each says why)
CONTRACTS = [
    # __main__ is the command line's entry point; cli.py is the command line itself.
    (
        "shelfwatch",
        ("streamlit", "shelfwatch.ui", "shelfwatch.cli"),
        (
            "shelfwatch/ui/",
            "shelfwatch/__main__.py",
            "shelfwatch/cli.py",
        ),
    ),
    ("shelfwatch/ui", ("shelfwatch.cli", "pages", "bench", "tests"), ()),
    ("bench", ("tests",), ()),
    ("pages", ("bench", "tests", "shelfwatch.cli"), ()),
]


@pytest.mark.parametrize(
    ("layer", "forbidden", "allowed"), CONTRACTS, ids=[c[0] for c in CONTRACTS]
)
def test_layering_contract(layer, forbidden, allowed):
    assert violations(PROJECT, layer, forbidden, allowed) == []


def test_a_planted_violation_is_caught(tmp_path: Path):
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "sneaky.py").write_text("from tests.browser import harness\n")
    (tmp_path / "shelfwatch").mkdir()
    (tmp_path / "shelfwatch" / "charts.py").write_text("import streamlit as st\n")
    assert violations(tmp_path, "bench", ("tests",), ()) == [
        "bench/sneaky.py: tests.browser",
        "bench/sneaky.py: tests.browser.harness",
    ]
    assert violations(tmp_path, "shelfwatch", ("streamlit",), ()) == [
        "shelfwatch/charts.py: streamlit"
    ]


def test_core_modules_do_not_import_streamlit_in_a_fresh_interpreter():
    modules = [
        ".".join(path.relative_to(PROJECT).with_suffix("").parts)
        for path in CORE
        if path.name != "__main__.py"
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules\n"
        "                if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
    assert len(modules) >= 7


def test_no_core_source_mentions_a_streamlit_import():
    offenders = []
    for path in CORE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name == "streamlit" or name.startswith("streamlit.") for name in names):
                offenders.append(str(path.relative_to(PROJECT)))
    assert offenders == []


def test_nothing_points_to_a_document_outside_the_repository():
    """docs/design.md is the contract: code, docs and tests point there, never outside."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT, capture_output=True, text=True, check=True
    ).stdout.split()
    outside = ("DESIGN.md", "../shared", "STYLE.md", "seed-facts.md")
    offenders = []
    for name in tracked:
        path = PROJECT / name
        if path.suffix not in (".py", ".md", ".sql", ".toml", ".txt", "") or not path.is_file():
            continue
        if name == "tests/test_layering.py":  # this list of words
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{name}: {word}" for word in outside if word in text]
    assert offenders == []
    assert (PROJECT / "docs" / "design.md").is_file()
