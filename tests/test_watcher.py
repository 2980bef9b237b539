"""``archiver watch``: stable files only, bursts, rescans, one watcher, clean stop."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pikepdf
import pytest
from conftest import make_scan, set_config

from archiver.filing.watcher import Watcher
from archiver.store import Archive

GUARD = 60.0  # seconds before a test gives up waiting (a hang guard, not a speed limit)


def tiny_pdf(n: int) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pdf.make_stream(f"BT /F1 12 Tf 72 720 Td (document {n}) Tj ET".encode())
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def records(root: Path) -> list[Path]:
    return sorted((root / "records").rglob("*.toml"))


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + GUARD
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def watching(archive_root: Path):
    """Start a watcher thread (stable after 0.5 s); yields the Watcher; stops it after."""
    set_config(archive_root, r"^stable_seconds = .*$", "stable_seconds = 0.5")
    set_config(archive_root, r"^rescan_seconds = .*$", "rescan_seconds = 600.0")
    started: list[Watcher] = []

    def start(polling: bool = False, watcher: Watcher | None = None) -> Watcher:
        w = watcher or Watcher(Archive.open(archive_root), polling=polling, tick=0.05)
        t = threading.Thread(target=w.run, kwargs={"install_signals": False}, daemon=True)
        t.start()
        started.append(w)
        w.thread = t  # type: ignore[attr-defined]
        return w

    yield start
    for w in started:
        w.stop()
        w.thread.join(timeout=GUARD)  # type: ignore[attr-defined]


def test_slow_writer_is_never_caught_half_written(archive_root, watching):
    set_config(archive_root, r"^stable_seconds = .*$", "stable_seconds = 2.0")  # pauses of 0.25 s stay well below
    watching()
    data = make_scan(4, seed=7)
    target = archive_root / "inbox" / "C0001_contract_20260105_慢速扫描.pdf"
    chunks = [data[i : i + len(data) // 12 + 1] for i in range(0, len(data), len(data) // 12 + 1)]
    with target.open("wb") as fh:
        for chunk in chunks:  # a scanner writing for ~3 s, pausing 0.25 s (< stable) between chunks
            fh.write(chunk)
            fh.flush()
            time.sleep(0.25)
    wait_for(lambda: len(records(archive_root)) == 1, "the slow scan to be filed")
    assert not (archive_root / "inbox" / "rejected").exists() or not any((archive_root / "inbox" / "rejected").iterdir())
    pdf = next((archive_root / "records").rglob("*.pdf"))
    assert pdf.read_bytes() == data


@pytest.mark.parametrize("polling", [False, True], ids=["native", "polling"])
def test_burst_of_200_files(archive_root, watching, polling):
    w = watching(polling=polling)
    for n in range(200):
        (archive_root / "inbox" / f"C0002_sales-statistics_20261031_批量{n:03d}.pdf").write_bytes(tiny_pdf(n))
    wait_for(lambda: len(records(archive_root)) == 200, "200 records")
    time.sleep(1.0)  # anything queued twice would show up as a duplicate rejection now
    assert len(records(archive_root)) == 200
    assert [o.status for o in w.outcomes].count("filed") == 200
    assert all(o.status == "filed" for o in w.outcomes), [o for o in w.outcomes if o.status != "filed"]
    assert not any((archive_root / "inbox").glob("*.pdf"))


def test_files_present_at_start_are_taken(archive_root, watching):
    (archive_root / "inbox" / "C0001_contract_20260105.pdf").write_bytes(tiny_pdf(1))
    old = time.time() - 5
    os.utime(archive_root / "inbox" / "C0001_contract_20260105.pdf", (old, old))
    watching()
    wait_for(lambda: len(records(archive_root)) == 1, "the waiting scan")


def test_rescan_catches_what_events_missed(archive_root, watching):
    set_config(archive_root, r"^rescan_seconds = .*$", "rescan_seconds = 0.5")

    class Deaf(Watcher):
        def make_observer(self):  # an observer that never delivers an event
            from watchdog.observers.api import BaseObserver

            class Nothing(BaseObserver):
                def __init__(self) -> None:
                    super().__init__(emitter_class=None)  # type: ignore[arg-type]

                def schedule(self, *a, **k):
                    return None

            return Nothing()

    watching(watcher=Deaf(Archive.open(archive_root), tick=0.05))
    time.sleep(0.3)
    (archive_root / "inbox" / "C0001_contract_20260105.pdf").write_bytes(tiny_pdf(2))
    wait_for(lambda: len(records(archive_root)) == 1, "the rescan to find the scan")


def test_bad_file_is_rejected_and_the_watcher_keeps_running(archive_root, watching):
    watching()
    (archive_root / "inbox" / "C0001_contract_20260105.pdf").write_bytes(b"not a pdf at all")
    wait_for(lambda: (archive_root / "inbox/rejected/C0001_contract_20260105.pdf.reason.txt").exists(), "rejection")
    (archive_root / "inbox" / "C0001_contract_20260106.pdf").write_bytes(tiny_pdf(3))
    wait_for(lambda: len(records(archive_root)) == 1, "the next good scan")


def _start_cli_watcher(root: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    proc = subprocess.Popen([sys.executable, "-m", "archiver", "--root", str(root), "watch"],
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    deadline = time.monotonic() + GUARD
    for line in proc.stderr:
        if "watching" in line:
            return proc
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise AssertionError("the watcher did not start")


def test_one_watcher_per_archive_and_sigterm_exits_cleanly(archive_root):
    set_config(archive_root, r"^stable_seconds = .*$", "stable_seconds = 0.3")
    first = _start_cli_watcher(archive_root)
    try:
        second = subprocess.run([sys.executable, "-m", "archiver", "--root", str(archive_root), "watch"],
                                capture_output=True, text=True, timeout=GUARD,
                                env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
        assert second.returncode == 5
        assert "busy" in second.stderr and "archiver watch" in second.stderr
        (archive_root / "inbox" / "C0003_contract_20260105.pdf").write_bytes(tiny_pdf(4))
        wait_for(lambda: len(records(archive_root)) == 1, "the CLI watcher to file")
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=GUARD) == 0
    assert first.stderr is not None
    rest = first.stderr.read()
    assert "filed C0003_contract_20260105.pdf" in rest and "watcher stopped" in rest


def test_the_watcher_never_dies_because_of_a_file(archive_root, watching, monkeypatch):
    """An exception while filing one file, a FIFO and a link: each set aside; the watcher goes on."""
    from archiver.filing import pipeline

    real = pipeline.classify

    def classify(ctx, doc, found, *args, **kwargs):  # type: ignore[no-untyped-def]
        if found.meta.title == "boom":
            raise MemoryError("injected")
        return real(ctx, doc, found, *args, **kwargs)

    monkeypatch.setattr(pipeline, "classify", classify)
    w = watching()
    inbox = archive_root / "inbox"
    (inbox / "C0001_contract_20260105_boom.pdf").write_bytes(tiny_pdf(1))
    os.mkfifo(inbox / "pipe.pdf")
    (inbox / "link.pdf").symlink_to("/dev/zero")
    wait_for(lambda: len(list((inbox / "rejected").glob("*.reason.txt"))) == 3, "three files set aside")
    (inbox / "C0001_contract_20260105_after.pdf").write_bytes(tiny_pdf(2))
    wait_for(lambda: len(records(archive_root)) == 1, "the next file filed")
    assert w.thread.is_alive()  # type: ignore[attr-defined]
    codes = sorted(o.code for o in w.outcomes if o.status == "rejected")
    assert codes == ["could-not-file", "not-a-file", "symlink"]
    assert "MemoryError" in (archive_root / ".archiver" / "log" / "filing.log").read_text("utf-8")
