"""Reference codes under any crash (Art. 20, 21): kill ``build`` at every file-system step.

Two builds are swept: the first build of a small archive (two customers) and a rebuild
after one new document for an existing customer. Each run is killed with SIGKILL at its
N-th write/fsync/rename/unlink (``crash_runner.py``), for every N until a run completes;
after each kill a normal build runs, and the archive must then be exactly what the
uninterrupted build gives: the same reference codes, the same files in ``volumes/`` (PDFs
and manifests byte for byte, the superseded copies under the same names, each with its
manifest), the same register entries — nothing orphaned, no temporary file left, no step
left open. The clock is fixed, so the builds are reproducible to the byte.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from build_crash_runner import fixed_clock, run_killed_at
from conftest import NOW, make_scan, run_cli

from archiver.register import Register
from archiver.store import Archive
from archiver.volumes.codes import pending_writes, reference_findings
from archiver.volumes.manifest import iter_manifests

RUNNER = Path(__file__).with_name("build_crash_runner.py")
FIRST = NOW
SECOND = "2026-11-21T15:30:00+08:00"
BUILD = ("build", "--checker", "李强")


def _build(root: Path, when: str) -> None:
    undo = fixed_clock(when)
    try:
        r = run_cli(root, "-q", *BUILD)
    finally:
        undo()
    assert r.exit_code == 0, r.output


def snapshot(root: Path) -> dict[str, Any]:
    """What a build leaves: every file of volumes/ (bytes), and the register entries."""
    files = {}
    for path in sorted((root / "volumes").rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            assert not path.name.startswith(".tmp-"), f"leftover temporary file {rel}"
            files[rel] = path.read_bytes()
    for rel in list(files):
        if rel.endswith(".pdf"):
            manifest = rel[:-4] + ".toml"
            assert manifest in files, f"volume PDF without its manifest: {rel}"
            data = tomllib.loads(files[manifest].decode("utf-8"))
            assert data["file"]["sha256"] == hashlib.sha256(files[rel]).hexdigest(), f"{manifest} ≠ {rel}"
        elif rel.endswith(".toml"):
            assert rel[:-5] + ".pdf" in files, f"manifest without its PDF: {rel}"
    registers = {name: Register(root / "registers" / f"{name}.jsonl").entries() for name in ("volumes", "references")}
    return {"files": files, "registers": registers}


def _check_like(root: Path, expected: dict[str, Any]) -> None:
    got = snapshot(root)
    assert sorted(got["files"]) == sorted(expected["files"]), "not the same files in volumes/"
    for rel, data in expected["files"].items():
        assert got["files"][rel] == data, f"{rel} differs from the uninterrupted build's"
    assert got["registers"] == expected["registers"], "the registers differ from the uninterrupted build's"
    archive = Archive.open(root)
    assert pending_writes(archive) == {}, "a step left open"
    assert reference_findings(archive, list(iter_manifests(archive.volumes))) == []


def _sweep(template: Path, when: str, expected: dict[str, Any], work: Path) -> int:
    kills = 0
    for n in range(1, 1000):
        root = work / f"run{n}"
        shutil.copytree(template, root, symlinks=True)
        code = run_killed_at(n, ["--root", str(root), "-q", *BUILD], when)
        if code is None:
            kills += 1
            _build(root, when)
            _check_like(root, expected)
            shutil.rmtree(root)
            continue
        assert code == 0, f"the build stopped with exit code {code}"
        _check_like(root, expected)
        shutil.rmtree(root)
        return kills
    raise AssertionError("the build never completed")


def test_the_sweep_kills_a_real_process(archive_root: Path, drop: Callable[..., Path], tmp_path: Path) -> None:
    """The forked sweep kills as crash_runner.py does in a fresh interpreter (a spot check)."""
    drop("C0001_contract_20250105_供货合同.pdf", data=make_scan(1, seed=1))
    assert run_cli(archive_root, "-q", "ingest").exit_code == 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent.parent),
                                                        os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, str(RUNNER), FIRST, "5", "--root", str(archive_root), "-q", *BUILD],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    assert pending_writes(Archive.open(archive_root)) != {} or not list((archive_root / "volumes").rglob("*.pdf"))
    _build(archive_root, FIRST)
    assert [p.name for p in (archive_root / "volumes/C0001/2025").glob("*.pdf")] == ["Q001-C0001-2025-C-001.pdf"]
    assert pending_writes(Archive.open(archive_root)) == {}


@pytest.mark.slow
def test_sigkill_at_every_step_of_a_build_and_a_rebuild_gives_the_uninterrupted_result(
        archive_root: Path, drop: Callable[..., Path], tmp_path: Path) -> None:
    started = time.monotonic()
    drop("C0001_contract_20250105_供货合同.pdf", data=make_scan(2, seed=1))
    drop("C0002_credit-report_20251015.pdf", data=make_scan(1, seed=2))
    assert run_cli(archive_root, "-q", "ingest").exit_code == 0

    # 1. the first build
    first = tmp_path / "first"
    shutil.copytree(archive_root, first, symlinks=True)
    _build(first, FIRST)
    expected_first = snapshot(first)
    assert sorted(p for p in expected_first["files"] if p.endswith(".pdf")) == [
        "volumes/C0001/2025/Q001-C0001-2025-C-001.pdf", "volumes/C0002/2025/Q001-C0002-2025-C-001.pdf"]
    kills_first = _sweep(archive_root, FIRST, expected_first, tmp_path)

    # 2. a rebuild after one new document for C0001: its volume is rebuilt and keeps C-001
    rebuild = tmp_path / "rebuild-template"
    shutil.copytree(first, rebuild, symlinks=True)
    inbox = rebuild / "inbox" / "C0001_contract_20250301_补充协议.pdf"
    inbox.write_bytes(make_scan(1, seed=3))
    assert run_cli(rebuild, "-q", "ingest").exit_code == 0
    second = tmp_path / "second"
    shutil.copytree(rebuild, second, symlinks=True)
    _build(second, SECOND)
    expected_second = snapshot(second)
    assert sorted(p for p in expected_second["files"] if p.endswith(".pdf")) == [
        "volumes/.superseded/C0001/2025/Q001-C0001-2025-C-001.20261121T153000.pdf",
        "volumes/C0001/2025/Q001-C0001-2025-C-001.pdf", "volumes/C0002/2025/Q001-C0002-2025-C-001.pdf"]
    kills_second = _sweep(rebuild, SECOND, expected_second, tmp_path)

    print(f"{kills_first} + {kills_second} kill points in {time.monotonic() - started:.0f} s")
    assert kills_first >= 15 and kills_second >= 15, (kills_first, kills_second)


@pytest.mark.slow
def test_sigkill_at_every_step_of_a_rebuild_that_retires_a_volume(archive_root: Path, drop: Callable[..., Path],
                                                                  tmp_path: Path) -> None:
    """Two volumes become one (max_sheets raised): C-001 is rebuilt, C-002 is moved aside
    with its manifest and its code released — under any kill, as without one."""
    for name, date, seed in (("a.pdf", "2025-01-05", 1), ("b.pdf", "2025-02-05", 2)):  # 6 sheets each: two
        drop(name, data=make_scan(6, seed=seed),  # volumes of at most 10 sheets
             meta={"customer": "C0001", "type": "contract", "date": date, "sides": "simplex"})
    assert run_cli(archive_root, "-q", "ingest").exit_code == 0
    toml = archive_root / "archive.toml"
    toml.write_text(toml.read_text("utf-8").replace("max_sheets = 200", "max_sheets = 10"), "utf-8")
    _build(archive_root, FIRST)
    assert sorted(p.name for p in (archive_root / "volumes/C0001/2025").glob("*.pdf")) == [
        "Q001-C0001-2025-C-001.pdf", "Q001-C0001-2025-C-002.pdf"]
    toml.write_text(toml.read_text("utf-8").replace("max_sheets = 10", "max_sheets = 200"), "utf-8")
    reference = tmp_path / "reference"
    shutil.copytree(archive_root, reference, symlinks=True)
    _build(reference, SECOND)
    expected = snapshot(reference)
    assert sorted(p for p in expected["files"] if p.endswith(".pdf")) == [
        "volumes/.superseded/C0001/2025/Q001-C0001-2025-C-001.20261121T153000.pdf",
        "volumes/.superseded/C0001/2025/Q001-C0001-2025-C-002.20261121T153000.pdf",
        "volumes/C0001/2025/Q001-C0001-2025-C-001.pdf"]
    assert [e["event"] for e in expected["registers"]["references"]][-3:] == ["written", "superseding", "released"]
    kills = _sweep(archive_root, SECOND, expected, tmp_path)
    print(f"{kills} kill points")
    assert kills >= 15, kills
