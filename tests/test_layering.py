"""The core package never imports streamlit (only shelfwatch/ui/ may)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CORE = sorted(
    path
    for path in (PROJECT / "shelfwatch").rglob("*.py")
    if "ui" not in path.relative_to(PROJECT / "shelfwatch").parts
)


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
