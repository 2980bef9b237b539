"""The records analysed in worker processes (archiver.volumes.analysis): the same volume,
the same caches, as analysed in the build's own process — and a worker that dies
changes nothing but the time it takes.

The real blank detector and forms renderer (no stand-ins), at a fixed time, so two
builds can be compared byte for byte.
"""

from __future__ import annotations

import contextlib
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
def filed(archive_root: Path, drop: Callable[..., Path], clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three documents for one customer — text pages and blank ones, a simplex scan — filed
    (and worker processes started however few their pages)."""
    monkeypatch.setattr(analysis, "MIN_PAGES", 0)
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
        calls.append("pool" if self.workers > 0 else "here")
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
    _build(filed)
    monkeypatch.setattr(build_module, "WORKERS", 0)
    _build(alone)
    assert _files(filed, "volumes") == _files(alone, "volumes")
    assert _files(filed / ".archiver", "blank") == _files(alone / ".archiver", "blank")


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_a_build_killed_takes_its_workers_with_it(filed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGKILL the build while its workers analyse: none is left behind."""
    import signal
    import time

    def slow(*args: object) -> None:
        time.sleep(60)

    monkeypatch.setattr(analysis, "_analyse", slow)
    pid = os.fork()
    if pid == 0:  # the build
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            run_cli(filed, "build", "--checker", "李强")
        finally:
            os._exit(0)
    workers: set[int] = set()
    deadline = time.monotonic() + 30
    while len(workers) < 2 and time.monotonic() < deadline:
        workers = {c for c in _children(pid) if _alive(c)}
        time.sleep(0.05)
    assert len(workers) >= 2, "the build did not start its workers"
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if _alive(w)], "workers left behind"


def test_a_page_looked_at_twice_is_read_and_decoded_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker looks at each page for its blank pages, then for its corner: within
    scanimage.shared_decodes the scan is decoded once — and both answers are the same as
    when each look decodes it itself."""
    import pikepdf
    from PIL import ImageFile

    from archiver import scanimage
    from archiver.synth import scan
    from archiver.volumes.blank import page_is_blank
    from archiver.volumes.placement import StampStyle
    from archiver.volumes.stamp import corner_of

    path = tmp_path / "scan.pdf"
    path.write_bytes(scan([text_page("标题", n_lines=6, seed=7)], dpi=300, seed=7))
    decodes: list[int] = []
    real_load = ImageFile.ImageFile.load

    def load(self: ImageFile.ImageFile) -> object:
        if self.tile:  # a real decode (a loaded image has no tiles left)
            decodes.append(1)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    style = StampStyle()
    answers = []
    for shared in (False, True):
        decodes.clear()
        with pikepdf.open(path) as pdf:
            page = pdf.pages[0]
            with scanimage.shared_decodes() if shared else contextlib.nullcontext():
                answers.append((page_is_blank(page), corner_of(page, "front", style)))
        assert len(decodes) == (1 if shared else 2)
    assert answers[0] == answers[1] and answers[0][1] is not None and answers[0][1].look is not None


def test_a_forked_child_does_not_keep_the_build_lock(archive_root: Path) -> None:
    """A build's lock ends with the build even while one of its children lives on."""
    import signal

    from archiver.store import Archive

    archive = Archive.open(archive_root)
    ready, tell = os.pipe()
    with archive.lock("build", purpose="archiver build"):
        pid = os.fork()
        if pid == 0:  # a child that outlives the lock block (a worker not yet gone)
            import time

            os.write(tell, b"!")  # (running: past the fork)
            time.sleep(30)
            os._exit(0)
        assert os.read(ready, 1) == b"!"
    try:
        with archive.lock("build", purpose="the next build"):  # not "busy"
            pass
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_a_rebuild_whose_numbers_moved_looks_at_its_corners_in_the_workers(
        filed: Path, drop: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new document dated first moves every later page number: the kept corner looks
    no longer fit and the blank pages are known — the workers look at the corners again
    (and only the corners), with the same result as the build looking itself."""
    _build(filed)
    drop("early.pdf", pages=[text_page("补充协议", n_lines=3, seed=9)],
         meta={"customer": "C0001", "type": "contract", "date": "2026-01-02"}, seed=9)
    r = run_cli(filed, "ingest")
    assert r.exit_code == 0, r.output
    alone = tmp_path / "alone"
    shutil.copytree(filed, alone, symlinks=True)
    submitted: list[str] = []
    real = analysis.Analysis._submit

    def recorded(self: analysis.Analysis, fn: Callable[..., object], *args: object) -> object:
        submitted.append(fn.__name__)
        return real(self, fn, *args)

    monkeypatch.setattr(analysis.Analysis, "_submit", recorded)
    _build(filed)
    assert sorted(submitted) == ["_analyse", "_look", "_look", "_look"]  # the new record whole, the others' corners
    monkeypatch.setattr(build_module, "WORKERS", 0)
    _build(alone)
    assert _files(filed, "volumes") == _files(alone, "volumes")
    assert _files(filed / ".archiver", "stamp-cache") == _files(alone / ".archiver", "stamp-cache")


@pytest.fixture
def several(archive_root: Path, drop: Callable[..., Path], clock: Clock) -> Path:
    """One contract a year for three years, filed: three volumes to build."""
    for i, year in enumerate((2024, 2025, 2026)):
        drop(f"contract{year}.pdf", pages=[text_page(f"{year}年合同", n_lines=4, seed=20 + i), blank_spec()],
             meta={"customer": "C0001", "type": "contract", "date": f"{year}-05-0{i + 1}"}, seed=20 + i)
    r = run_cli(archive_root, "ingest")
    assert r.exit_code == 0, r.output
    return archive_root


def _logged_checks(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """pdfa.check, writing "<pid> <file>" to ``log`` (from a worker too: patched before it is forked)."""
    from archiver.volumes import pdfa

    real = pdfa.check

    def check(path: Path, **kw: object) -> object:
        with log.open("a") as fh:
            fh.write(f"{os.getpid()} {path.name}\n")
        return real(path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pdfa, "check", check)


def test_each_volume_is_validated_in_a_worker_while_the_next_is_assembled(
        several: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Of three volumes, the first two are validated by a worker process (while the next
    is assembled), the last by the build itself (nothing else to do meanwhile) — and the
    volumes, their manifests and verdicts are byte for byte those of a build that
    validates each volume itself, before the next."""
    from archiver.volumes.manifest import read_manifest

    alone = tmp_path / "alone"
    shutil.copytree(several, alone, symlinks=True)
    log = tmp_path / "checks.log"
    _logged_checks(monkeypatch, log)
    _build(several)
    checks = [line.split() for line in log.read_text().splitlines()]
    assert len(checks) == 3
    assert [int(pid) != os.getpid() for pid, _ in checks] == [True, True, False]
    manifests = sorted((several / "volumes").rglob("*.toml"))
    assert len(manifests) == 3 and all(read_manifest(m).pdfa["valid"] for m in manifests)
    monkeypatch.setattr(build_module, "WORKERS", 0)
    _build(alone)
    assert _files(several, "volumes") == _files(alone, "volumes")
    assert _files(several / ".archiver", "pdfa-cache") == _files(alone / ".archiver", "pdfa-cache")


def test_a_worker_that_dies_while_validating_leaves_the_verdict_to_the_build(
        several: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = tmp_path / "alone"
    shutil.copytree(several, alone, symlinks=True)

    def die(*args: object) -> None:
        os._exit(3)

    monkeypatch.setattr(analysis, "_validate", die)
    _build(several)
    monkeypatch.setattr(build_module, "WORKERS", 0)
    _build(alone)
    assert _files(several, "volumes") == _files(alone, "volumes")


def test_a_volume_that_fails_to_assemble_puts_the_one_before_it_in_place_first(
        several: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second volume cannot be assembled: the first (assembled, validating) is put in
    place and recorded as before, the build stops with exit 6 and leaves no temporary
    file; the next build ends where one uninterrupted build ends."""
    from archiver.errors import IntegrityError

    whole = tmp_path / "whole"
    shutil.copytree(several, whole, symlinks=True)
    real = build_module.stage
    staged: list[str] = []

    def second_fails(plan: object, *args: object, **kw: object) -> object:
        staged.append(plan.reference)  # type: ignore[attr-defined]
        if len(staged) == 2:
            raise IntegrityError("a record that cannot be copied")
        return real(plan, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "stage", second_fails)
    r = run_cli(several, "build", "--checker", "李强")
    assert r.exit_code == 6, r.output
    pdfs = sorted(p.name for p in (several / "volumes").rglob("*") if p.is_file())
    assert pdfs == [f"{staged[0]}.pdf", f"{staged[0]}.toml"]  # the first in place, nothing else (no temporary)
    monkeypatch.setattr(build_module, "stage", real)
    _build(several)
    _build(whole)
    assert _files(several, "volumes") == _files(whole, "volumes")
