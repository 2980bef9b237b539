"""The command line as a user sees it on a terminal (cli/__init__.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import run_cli

REPO = Path(__file__).resolve().parents[1]


def test_build_prints_only_archivers_own_lines(archive_root, drop):
    """The forms' font subsetting (fontTools) logs hundreds of INFO lines per volume;
    a clerk running `archiver build` must see what was built, not that."""
    drop("C0001_contract_20260105.pdf", pages=1)
    assert run_cli(archive_root, "ingest").exit_code == 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run([sys.executable, "-m", "archiver", "--root", str(archive_root), "build", "--checker", "陈建国"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "built" in p.stdout
    assert "glyph" not in p.stderr.lower() and "pruned" not in p.stderr, p.stderr[:500]
    assert len(p.stderr.splitlines()) <= 2, p.stderr[:500]
