"""Nothing lost, nothing twice (Art. 21): kill ingest at every file-system step, run again.

Each run is killed with SIGKILL at its N-th write/fsync/rename/unlink, for every N until
a run completes; after each kill a normal ingest runs and the archive must hold every
scan exactly once (filed, or set aside with its reason), with no half-written record,
no orphan sidecar, no leftover temporary file and one journal entry per record.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import make_scan, run_cli

from archiver.register import Register

RUNNER = Path(__file__).with_name("crash_runner.py")


def _prepare(template: Path, drop) -> dict[str, bytes]:
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
    return scans


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
    good = {hashlib.sha256(d).hexdigest() for n, d in scans.items() if not n.startswith("C0999")}
    assert set(records) == good, "every valid scan filed exactly once"
    rejected = root / "inbox" / "rejected"
    set_aside = [p for p in rejected.iterdir() if p.suffix == ".pdf"]
    assert [p.read_bytes() for p in set_aside] == [scans["C0999_contract_20260105.pdf"]]
    assert all(Path(str(p) + ".reason.txt").exists() for p in set_aside)
    leftovers = [p for p in (root / "inbox").iterdir() if p.is_file()]
    assert leftovers == [], f"left in the inbox: {leftovers}"
    filed = [e["record"] for e in Register(root / "registers" / "journal.jsonl") if e["event"] == "filed"]
    assert sorted(filed) == sorted(records.values()), "one journal entry per record"


def test_sigkill_at_every_step_loses_nothing_and_files_nothing_twice(archive_root, drop, tmp_path):
    scans = _prepare(archive_root, drop)
    template = tmp_path / "template"
    shutil.copytree(archive_root, template)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent.parent), os.environ.get("PYTHONPATH", "")])}
    completed = False
    kills = 0
    for n in range(1, 400):
        root = tmp_path / f"run{n}"
        shutil.copytree(template, root)
        proc = subprocess.run([sys.executable, str(RUNNER), str(n), "--root", str(root), "-q", "ingest"],
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
    assert completed and kills >= 20, f"only {kills} crash points were exercised"
