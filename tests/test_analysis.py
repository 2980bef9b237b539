"""The records analysed in worker processes (archiver.volumes.analysis): the same volume,
the same caches, as analysed in the build's own process — and a worker that dies
changes nothing but the time it takes.

The real blank detector and forms renderer (no stand-ins), at a fixed time, so two
builds can be compared byte for byte.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Clock, run_cli
from volumes_helpers import blank_spec

from archiver.synth import text_page
from archiver.volumes import analysis
from archiver.volumes import build as build_module


def _files(root: Path, top: str) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / top).rglob("*")) if p.is_file()}


@pytest.fixture
def filed(archive_root: Path, drop: Callable[..., Path], clock: Clock) -> Path:
    """Three documents for one customer — text pages and blank ones, a simplex scan — filed."""
    specs = [[text_page("合同第1页", n_lines=5, seed=1), blank_spec(), text_page("合同第3页", seed=2)],
             [text_page("通知", n_lines=2, seed=3)],
             [blank_spec(), text_page("附件", n_lines=8, seed=4), blank_spec(), text_page("附件二", seed=5)]]
    for i, pages in enumerate(specs):
        drop(f"doc{i}.pdf", pages=pages, meta={"customer": "C0001", "type": "contract", "date": f"2026-03-0{i + 1}"},
             seed=i + 1)
    r = run_cli(archive_root, "ingest")
    assert r.exit_code == 0, r.output
    return archive_root


def _build(root: Path) -> None:
    r = run_cli(root, "build", "--checker", "李强")
    assert r.exit_code == 0, r.output


def test_workers_find_what_the_build_finds_itself(filed: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    alone = tmp_path / "alone"
    shutil.copytree(filed, alone, symlinks=True)
    calls: list[str] = []
    real = analysis.Analysis.blanks

    def counted(self: analysis.Analysis, *args: object) -> object:
        calls.append("pool" if self.pool is not None else "here")
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis.Analysis, "blanks", counted)
    _build(filed)  # with worker processes (the default)
    monkeypatch.setattr(build_module, "WORKERS", 0)
    _build(alone)  # all in the build's own process
    assert calls == ["pool", "here"]
    assert _files(filed, "volumes") == _files(alone, "volumes")  # the same volume, byte for byte
    for cache in ("blank", "stamp-cache"):  # and the same decisions kept
        assert _files(filed / ".archiver", cache) == _files(alone / ".archiver", cache), cache
        assert _files(filed / ".archiver", cache), f"nothing kept in {cache}"


def test_a_worker_that_dies_changes_nothing_but_the_time(filed: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    alone = tmp_path / "alone"
    shutil.copytree(filed, alone, symlinks=True)

    def die(*args: object) -> None:
        os._exit(3)  # a worker killed mid-task: the pool is broken

    monkeypatch.setattr(analysis, "_analyse", die)
    monkeypatch.setattr(analysis, "_corners", die)
    _build(filed)
    monkeypatch.setattr(build_module, "WORKERS", 0)
    _build(alone)
    assert _files(filed, "volumes") == _files(alone, "volumes")
    assert _files(filed / ".archiver", "blank") == _files(alone / ".archiver", "blank")
