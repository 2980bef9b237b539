"""Records a rebuild would leave out (Art. 21): a record PDF without its sidecar, a bound
record gone from records/ — and the filing grace, within which a PDF without sidecar is
a filing still being written, not damage."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Clock
from custody_helpers import bind, doc, file_docs

from archiver.custody.state import DISPOSAL
from archiver.model import Record
from archiver.store import Archive
from archiver.volumes.holds import disposal_holds
from archiver.volumes.lost import FILING_GRACE_SECONDS, LOCKED_GRACE_FACTOR, filing_holder, lost_records
from archiver.volumes.ondisk import read_volumes
from archiver.volumes.outcome import BuildResult, Scope
from archiver.volumes.plan import Problem

GRACE = FILING_GRACE_SECONDS


@pytest.fixture
def records(archive_root: Path, drop: Callable[..., Path], clock: Clock) -> list[Record]:
    return file_docs(archive_root, drop, [doc("C0001", "contract", "2026-03-01", title="合同"),
                                          doc("C0002", "contract", "2026-05-01", title="合同")])


def orphan(record: Record, clock: Clock, age: float) -> Path:
    """Remove the record's sidecar; make its PDF ``age`` seconds old by the test clock."""
    assert record.path is not None
    record.path.with_suffix(".toml").unlink()
    t = clock.now().timestamp() - age
    os.utime(record.path, (t, t))
    return record.path


def lost(archive: Archive, scope: Scope, clock: Clock) -> tuple[list[Problem], BuildResult]:
    result = BuildResult()
    problems = lost_records(archive, scope, read_volumes(archive), disposal_holds(archive), result,
                            grace=GRACE, clock=clock.now)
    return problems, result


def hold_lock(archive: Archive, pid: int) -> None:
    path = archive.root / ".archiver" / "filing.lock"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"ingest (pid {pid})", "utf-8")


def test_a_record_pdf_without_sidecar_past_the_grace_is_a_problem(archive: Archive, records: list[Record],
                                                                   clock: Clock) -> None:
    orphan(records[0], clock, age=GRACE + 60)
    problems, result = lost(archive, Scope(), clock)
    assert [p.where for p in problems] == [f"{records[0].id} (records/C0001/2026/{records[0].id}.pdf)"]
    assert "no sidecar" in problems[0].what and problems[0].customer == "C0001"
    assert result.outcomes == []
    assert lost(archive, Scope(customer="C0002"), clock)[0] == []  # another customer's build does not see it


def test_a_young_pdf_without_sidecar_is_a_filing_in_progress(archive: Archive, records: list[Record],
                                                             clock: Clock) -> None:
    orphan(records[0], clock, age=GRACE - 60)
    problems, result = lost(archive, Scope(), clock)
    assert problems == []
    assert [(o.reference, o.status) for o in result.outcomes] == [(records[0].id, "skipped")]
    assert "being filed (written 540 s ago, its filing has not finished)" in result.outcomes[0].detail


def test_the_grace_is_longer_while_a_live_process_holds_the_filing_lock(archive: Archive, records: list[Record],
                                                                         clock: Clock) -> None:
    pdf = orphan(records[0], clock, age=GRACE * LOCKED_GRACE_FACTOR - 60)
    hold_lock(archive, os.getppid())  # a process that is alive and is not this one
    assert filing_holder(archive) == f"ingest (pid {os.getppid()})"
    problems, result = lost(archive, Scope(), clock)
    assert problems == []
    assert f"ingest (pid {os.getppid()}) holds the filing lock" in result.outcomes[0].detail

    t = clock.now().timestamp() - (GRACE * LOCKED_GRACE_FACTOR + 60)  # … but not for ever
    os.utime(pdf, (t, t))
    assert len(lost(archive, Scope(), clock)[0]) == 1


def test_a_lock_file_of_a_finished_process_or_of_this_one_holds_nothing(archive: Archive) -> None:
    assert filing_holder(archive) == ""  # no lock file
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    hold_lock(archive, gone.pid)
    assert filing_holder(archive) == ""
    hold_lock(archive, os.getpid())
    assert filing_holder(archive) == ""
    (archive.root / ".archiver" / "filing.lock").write_text("garbage", "utf-8")
    assert filing_holder(archive) == ""


def test_a_bound_record_without_sidecar_is_never_a_filing_in_progress(archive: Archive, records: list[Record],
                                                                       clock: Clock) -> None:
    bind(archive, [records[0]], built_at=clock.now())
    orphan(records[0], clock, age=1)
    problems, result = lost(archive, Scope(), clock)
    assert [p.where for p in problems] == [f"{records[0].id} (records/C0001/2026/{records[0].id}.pdf)"]
    assert result.outcomes == []


def test_a_bound_record_gone_from_records_is_a_problem_unless_held(archive: Archive, records: list[Record],
                                                                   clock: Clock) -> None:
    m = bind(archive, [records[0]], built_at=clock.now())
    assert records[0].path is not None
    records[0].path.with_suffix(".toml").unlink()
    records[0].path.unlink()

    problems, _ = lost(archive, Scope(), clock)
    assert [(p.where, p.customer) for p in problems] == [(f"{records[0].id} (bound in {m.reference})", "C0001")]
    assert "restore both from backup" in problems[0].what
    assert lost(archive, Scope(customer="C0002"), clock)[0] == []
    assert lost(archive, Scope(year=2025), clock)[0] == []

    archive.register(DISPOSAL).append("proposed", by="李明", id="D-1", volumes=[
        {"reference": m.reference, "documents": [{"record": records[0].id}]}])
    assert lost(archive, Scope(), clock)[0] == []  # moving with its destruction list: custody's business


def test_a_record_on_a_destruction_list_without_sidecar_is_left_to_custody(archive: Archive, records: list[Record],
                                                                           clock: Clock) -> None:
    archive.register(DISPOSAL).append("proposed", by="李明", id="D-1", volumes=[
        {"reference": "V-X", "documents": [{"record": records[0].id}]}])
    orphan(records[0], clock, age=GRACE * 10)
    problems, result = lost(archive, Scope(), clock)
    assert problems == [] and result.outcomes == []
