"""Nothing lost, nothing twice (Art. 21): kill ingest at every file-system step, run again.

Each run is killed with SIGKILL at its N-th write/fsync/rename/unlink, for every N until
a run completes (committing every two scans, so that commits run in the background while
the next scans are filed); after each kill a normal ingest runs and the archive must hold every
scan exactly once (filed, or set aside with its reason), with no half-written record,
no orphan sidecar, no leftover temporary file and one journal entry per record.

The reject path is swept the same way: a scan set aside alone, one set aside with its
sidecar (moved first), and a FIFO (the entry itself moved) — each ends in
``inbox/rejected/`` exactly once, with its reason (and sidecar), journaled exactly once,
and an earlier reason file there is never overwritten.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import make_scan, run_cli

from archiver.register import Register

RUNNER = Path(__file__).with_name("crash_runner.py")


def _prepare(template: Path, drop) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    scans = {
        "C0001_contract_20260105_供货合同.pdf": make_scan(2, seed=1),
        "C0002_credit-report_20261015.pdf": make_scan(3, seed=2),
        "C0999_contract_20260105.pdf": make_scan(1, seed=3),  # unknown customer → rejected
    }
    for name, data in scans.items():
        drop(name, data=data)
    side = make_scan(1, seed=4)
    drop("meta.pdf", data=side, meta={"customer": "C0003", "type": "analysis-report", "date": "2025-12-31"})
    scans["meta.pdf"] = side
    bad = make_scan(1, seed=5)  # set aside with its sidecar
    drop("bad-meta.pdf", data=bad, meta={"customer": "C0999", "type": "contract", "date": "2026-01-05"})
    scans["bad-meta.pdf"] = bad
    rejected = template / "inbox" / "rejected"
    (rejected / "C0999_contract_20260105.pdf.reason.txt").write_text(EARLIER, "utf-8")  # never overwritten
    os.mkfifo(template / "inbox" / "pipe.pdf")
    return scans


EARLIER = "an earlier rejection's reason\n"
REJECTED = {"C0999_contract_20260105.pdf": "C0999_contract_20260105 (2).pdf", "bad-meta.pdf": "bad-meta.pdf"}


def _check(root: Path, scans: dict[str, bytes]) -> None:
    records = {}
    for side in (root / "records").rglob("*.toml"):
        meta = tomllib.loads(side.read_text("utf-8"))
        pdf = side.with_name(meta["file"]["name"])
        assert pdf.exists(), f"sidecar without its PDF: {side}"
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == meta["file"]["sha256"], f"half-written {pdf}"
        assert meta["file"]["sha256"] not in records, "filed twice"
        records[meta["file"]["sha256"]] = meta["id"]
    for pdf in (root / "records").rglob("*"):
        if pdf.is_file():
            assert not pdf.name.startswith(".tmp-"), f"leftover temporary file {pdf}"
            assert pdf.suffix in (".pdf", ".toml")
            assert pdf.with_suffix(".toml").exists(), f"PDF without sidecar: {pdf}"
    good = {hashlib.sha256(d).hexdigest() for n, d in scans.items() if n not in REJECTED}
    assert set(records) == good, "every valid scan filed exactly once"
    rejected = root / "inbox" / "rejected"
    assert sorted(p.name for p in rejected.iterdir()) == sorted([
        "C0999_contract_20260105.pdf.reason.txt",  # the earlier one, untouched
        "C0999_contract_20260105 (2).pdf", "C0999_contract_20260105 (2).pdf.reason.txt",
        "bad-meta.pdf", "bad-meta.pdf.reason.txt", "bad-meta.toml",
        "pipe.pdf", "pipe.pdf.reason.txt",
    ]), "each set aside exactly once, nothing overwritten"
    assert (rejected / "C0999_contract_20260105.pdf.reason.txt").read_text("utf-8") == EARLIER
    for source, name in REJECTED.items():
        assert (rejected / name).read_bytes() == scans[source]
        assert "Unknown customer C0999" in (rejected / f"{name}.reason.txt").read_text("utf-8")
    assert tomllib.loads((rejected / "bad-meta.toml").read_text("utf-8"))["customer"] == "C0999"
    assert (rejected / "pipe.pdf").is_fifo()
    leftovers = [p for p in (root / "inbox").iterdir() if p.name != "rejected"]
    assert leftovers == [], f"left in the inbox: {leftovers}"
    assert [p for p in rejected.iterdir() if p.name.startswith(".tmp-")] == []
    journal = list(Register(root / "registers" / "journal.jsonl"))
    filed = [e["record"] for e in journal if e["event"] == "filed"]
    assert sorted(filed) == sorted(records.values()), "one journal entry per record"
    set_aside = [e["rejected_to"].rsplit("/", 1)[1] for e in journal if e["event"] == "rejected"]
    assert sorted(set_aside) == sorted([*REJECTED.values(), "pipe.pdf"]), "every rejection journaled exactly once"


def _copy(template: Path, root: Path) -> None:
    """copytree, with the FIFO made anew (copytree would try to read it)."""
    shutil.copytree(template, root, ignore=lambda d, names: [n for n in names if n == "pipe.pdf"])
    os.mkfifo(root / "inbox" / "pipe.pdf")


@pytest.mark.slow
def test_sigkill_at_every_step_loses_nothing_and_files_nothing_twice(archive_root, drop, tmp_path):
    scans = _prepare(archive_root, drop)
    template = tmp_path / "template"
    _copy(archive_root, template)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent.parent), os.environ.get("PYTHONPATH", "")])}
    completed = False
    kills = 0
    for n in range(1, 400):
        root = tmp_path / f"run{n}"
        _copy(template, root)
        # groups of 2: commits run in the background while the next scans are filed
        proc = subprocess.run([sys.executable, str(RUNNER), str(n), "--group", "2", "--root", str(root), "-q", "ingest"],
                              env=env, capture_output=True, text=True, timeout=120)
        if proc.returncode == -9:
            kills += 1
            again = run_cli(root, "-q", "ingest")
            assert again.exit_code in (0, 8), again.output
            _check(root, scans)
            shutil.rmtree(root)
            continue
        assert proc.returncode == 8, proc.stderr  # one scan is rejected
        _check(root, scans)
        completed = True
        break
    print(f"{kills} kill points")
    assert completed and kills >= 40, f"only {kills} crash points were exercised"
