"""The OCR stage is crash-safe: kill ``archiver ocr`` at every file-system step (SIGKILL at
the N-th write/fsync/rename/unlink, for every N until a run completes); after each kill
every text file there is complete and current, and a normal run finishes the rest —
every record with its text, exactly one file each, no temporary file left."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from ocr_helpers import FakeEngine

from archiver.ocr import stage
from archiver.ocr.store import load, read_text, text_path
from archiver.store import Archive

RUNNER = Path(__file__).with_name("ocr_crash_runner.py")
WHEN = "2026-11-20T10:00:00+08:00"


def _check(root: Path, *, complete: bool) -> None:
    archive = Archive.open(root)
    recs = list(archive.iter_records())
    for r in recs:
        path = text_path(r.path)
        if path.exists() or complete:
            text = load(path)
            assert text is not None, path  # never a half-written file
            assert read_text(r.path) == text and len(text.pages) == r.file.page_count
            assert text.pages[0].lines[0].text == "减速器采购合同"
    leftovers = [p for p in (root / "records").rglob("*") if p.name.startswith(".tmp-")]
    if complete:
        assert not leftovers, leftovers
    assert len(list((root / "records").rglob("*.text.json"))) <= len(recs)


@pytest.mark.slow
def test_sigkill_at_every_step_of_ocr_leaves_whole_texts_and_a_rerun_finishes(archive_root: Path, drop, tmp_path,  # type: ignore[no-untyped-def]
                                                                               monkeypatch) -> None:
    for i in range(3):
        drop(f"C0001_contract_2025030{i + 1}_doc{i}.pdf", pages=1, seed=i)
    assert run_cli(archive_root, "ingest").exit_code == 0
    template = tmp_path / "template"
    shutil.copytree(archive_root, template)
    monkeypatch.setattr(stage, "default_engine", lambda threads: FakeEngine())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent.parent), os.environ.get("PYTHONPATH", "")])}
    kills, completed = 0, False
    for n in range(1, 200):
        root = tmp_path / f"run{n}"
        shutil.copytree(template, root)
        proc = subprocess.run([sys.executable, str(RUNNER), str(n), "--clock", WHEN, "--root", str(root), "-q", "ocr"],
                              env=env, capture_output=True, text=True, timeout=300)
        if proc.returncode == -9:
            kills += 1
            _check(root, complete=False)
            again = run_cli(root, "-q", "ocr")
            assert again.exit_code == 0, again.output
            _check(root, complete=True)
            shutil.rmtree(root)
            continue
        assert proc.returncode == 0, proc.stderr
        _check(root, complete=True)
        completed = True
        break
    print(f"{kills} kill points")
    assert completed and kills >= 9, f"only {kills} crash points were exercised"  # 3 records × (write, fsync, rename, …)
