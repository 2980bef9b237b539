"""Interrupted catalogue builds finish (issue 11 item 4): kill ``archiver site`` with
SIGKILL at every file-system step (tests/crash_runner.py), of a first build and of an
incremental one; the next ``archiver site`` must succeed and leave exactly the folder an
uninterrupted build leaves (every file, byte for byte, and the same file list). A build
failing on a full disk is completed the same way."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from catalogue_helpers import ingest_all, make_volume
from conftest import NEXT_WEEK, Clock, run_cli

from archiver.catalogue.build import build_site
from archiver.catalogue.output import MANIFEST
from archiver.store import Archive

RUNNER = Path(__file__).with_name("crash_runner.py")


@pytest.fixture
def small(archive_root: Path, drop: Callable[..., Path], clock: Clock) -> Path:
    """Two customers, three records, one volume: every kind of page, few steps."""
    clock.set(NEXT_WEEK)
    recs = ingest_all(archive_root, drop, [
        ("a", {"customer": "C0001", "type": "credit-report", "date": "2025-03-15", "title": "信用评估报告"}),
        ("b", {"customer": "C0001", "type": "contract", "date": "2025-06-02", "title": "购销合同"}),
        ("c", {"customer": "C0002", "type": "basic-data", "date": "2026-05-20", "title": "基本资料表"}),
    ])  # fmt: skip
    make_volume(Archive.open(archive_root), [recs["a"], recs["b"]])
    return archive_root


def snapshot(site: Path) -> dict[str, bytes]:
    """Every file of the site (the manifest: its file list and state, not its time)."""
    out = {}
    for p in sorted(site.rglob("*")):
        if p.is_file() and p.name != MANIFEST:
            out[p.relative_to(site).as_posix()] = p.read_bytes()
    meta = json.loads((site / MANIFEST).read_text("utf-8"))
    # (the customers' fingerprints cover file stamps, which differ between copies: their names only)
    out[MANIFEST] = json.dumps([meta["state"], meta["files"], sorted(meta["customers"]), meta["foreign"]]).encode()
    return out


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent.parent),
                                                         os.environ.get("PYTHONPATH", "")])}


def sweep(template: Path, work: Path) -> int:
    """Kill `site` at step 1, 2, … of a copy of ``template`` until a run completes; after
    each kill, `site` again must give the uninterrupted result. Returns the kills."""
    reference = work / "reference"
    shutil.copytree(template, reference, symlinks=True)
    assert run_cli(reference, "-q", "site").exit_code == 0
    expected = snapshot(reference / "site")
    kills = 0
    for n in range(1, 2000):
        root = work / f"run{n}"
        shutil.copytree(template, root, symlinks=True)
        proc = subprocess.run([sys.executable, str(RUNNER), str(n), "--clock", NEXT_WEEK, "--root", str(root), "-q", "site"],
                              env=_env(), capture_output=True, text=True, timeout=300)
        if proc.returncode == -9:
            kills += 1
            again = run_cli(root, "-q", "site")
            assert again.exit_code == 0, f"after a kill at step {n}: {again.output}"
            got = snapshot(root / "site")
            assert sorted(got) == sorted(expected), f"kill at step {n}: other files"
            assert got == expected, f"kill at step {n}: " + ", ".join(k for k in got if got[k] != expected[k])
            shutil.rmtree(root)
            continue
        assert proc.returncode == 0, proc.stderr
        assert snapshot(root / "site") == expected
        return kills
    raise AssertionError("the build never completed")


@pytest.mark.slow
def test_sigkill_at_every_step_of_a_first_build(small: Path, tmp_path: Path) -> None:
    kills = sweep(small, tmp_path / "first")
    print(f"{kills} kill points")
    assert kills >= 40


@pytest.mark.slow
def test_sigkill_at_every_step_of_an_incremental_build(small: Path, drop: Callable[..., Path],
                                                       tmp_path: Path) -> None:
    assert run_cli(small, "-q", "site").exit_code == 0
    (small / "site" / "README-of-the-web-admin.txt").write_text("keep", "utf-8")  # foreign: kept throughout
    # Then: a new record for C0001, and a record of C0002 leaves (into a hold).
    drop("d.pdf", pages=2, seed=99, meta={"customer": "C0001", "type": "sales-statistics", "date": "2026-10-08",
                                          "title": "销售统计表"})
    assert run_cli(small, "-q", "ingest").exit_code == 0
    gone = next(r for r in Archive.open(small).iter_records() if r.customer == "C0002")
    hold = small / "hold" / "L1" / "records" / "C0002" / "2026"
    hold.mkdir(parents=True)
    for p in (gone.path, gone.sidecar_path):
        p.rename(hold / p.name)
    kills = sweep(small, tmp_path / "incremental")
    print(f"{kills} kill points")
    assert kills >= 20


def test_a_first_build_killed_before_anything_else_is_not_refused(small: Path) -> None:
    """The case of the issue: a first build killed before it wrote its file list."""
    site = small / "site"
    site.mkdir()
    (site / ".tmp-archiver-0123456789ab-.archiver-site.json").write_text('{"form', "utf-8")  # its marker, torn
    assert run_cli(small, "-q", "site").exit_code == 0
    assert not any(p.name.startswith(".tmp-archiver-") for p in site.rglob("*"))
    assert json.loads((site / MANIFEST).read_text("utf-8"))["state"] == "complete"


def _full_disk_after(n: int, real_write: Callable[[int, bytes], int]) -> Callable[[int, bytes], int]:
    calls = [0]

    def write(fd: int, data: bytes) -> int:
        calls[0] += 1
        if calls[0] >= n:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    return write


def test_a_build_stopped_by_a_full_disk_is_completed_by_the_next(small: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(small, reference)
    assert run_cli(reference, "-q", "site").exit_code == 0
    expected = snapshot(reference / "site")
    for fail_at in (1, 6, 14):
        root = tmp_path / f"full{fail_at}"
        shutil.copytree(small, root)
        real_write = os.write
        monkeypatch.setattr(os, "write", _full_disk_after(fail_at, real_write))
        with pytest.raises(OSError):
            build_site(Archive.open(root))
        monkeypatch.setattr(os, "write", real_write)
        manifest = json.loads((root / "site" / MANIFEST).read_text("utf-8"))
        assert manifest["state"] == "building"  # the marker says it did not finish
        assert run_cli(root, "-q", "site").exit_code == 0
        assert snapshot(root / "site") == expected


def test_a_full_disk_is_reported_without_a_traceback(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "write", _full_disk_after(3, os.write))
    r = run_cli(small, "site")
    monkeypatch.undo()
    assert r.exit_code == 2 and "No space left on device" in r.output and "run `archiver site`" in r.output
    assert "Traceback" not in r.output
