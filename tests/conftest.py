"""Shared fixtures: a fresh archive on disk, the CLI, and scan-like PDFs to drop in it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner, Result

from archiver.cli import main
from archiver.store import Archive
from archiver.synth import PageSpec, scan, text_page

CUSTOMERS = {
    "C0001": "上海明远贸易有限公司",
    "C0002": "北京华信科技股份有限公司",
    "C0003": "广州南方物流有限公司",
}


def run_cli(root: Path, *args: str, input: str | None = None) -> Result:
    """Run ``archiver --root ROOT ARGS…`` in-process and return click's Result."""
    return CliRunner().invoke(main, ["--root", str(root), *args], input=input, catch_exceptions=False)


def set_config(root: Path, pattern: str, replacement: str) -> None:
    """Edit archive.toml with a regex substitution (the first match must exist)."""
    path = root / "archive.toml"
    text = path.read_text("utf-8")
    new, n = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert n == 1, f"{pattern!r} not found in archive.toml"
    path.write_text(new, "utf-8")


@pytest.fixture
def archive_root(tmp_path: Path) -> Path:
    """A new archive (archiver init) with three customers and stable_seconds = 0."""
    root = tmp_path / "archive"
    result = CliRunner().invoke(main, ["init", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    set_config(root, r"^stable_seconds = .*$", "stable_seconds = 0.0")
    for code, name in CUSTOMERS.items():
        r = run_cli(root, "customer", "add", code, "--name", name, "--legal-representative", "张伟",
                    "--address", "上海市浦东新区世纪大道100号", "--postcode", "200120")
        assert r.exit_code == 0, r.output
    return root


@pytest.fixture
def archive(archive_root: Path) -> Archive:
    return Archive.open(archive_root)


def make_scan(pages: int | list[PageSpec] = 2, *, seed: int = 0, dpi: int = 100, bilevel: bool = False) -> bytes:
    """A scan-like PDF (raster pages); ``pages`` is a count of printed pages or the specs."""
    specs = [text_page(f"第{i + 1}页", n_lines=4, seed=seed * 100 + i) for i in range(pages)] if isinstance(pages, int) else pages
    return scan(specs, dpi=dpi, bilevel=bilevel, seed=seed)


@pytest.fixture
def drop(archive_root: Path) -> Callable[..., Path]:
    """drop(name, pages=2, meta=None, subdir="", seed=0) → the inbox path written.

    ``meta`` (a dict) is written as the NAME.toml sidecar next to the PDF.
    """

    def _drop(name: str, pages: int | list[PageSpec] = 2, meta: dict[str, Any] | None = None,
              subdir: str = "", seed: int = 0, data: bytes | None = None) -> Path:
        folder = archive_root / "inbox" / subdir
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        if meta is not None:
            path.with_suffix(".toml").write_text(tomli_w.dumps(meta), "utf-8")
        path.write_bytes(data if data is not None else make_scan(pages, seed=seed))
        return path

    return _drop
