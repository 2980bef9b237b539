"""Destruction-list holds as the build sees them (Art. 29): which volumes and records a
list in any state but cancelled keeps from the build, and the one note per list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import Clock
from custody_helpers import bind, doc, file_docs

from archiver.custody.state import DISPOSAL
from archiver.store import Archive
from archiver.volumes.holds import DisposalHolds, disposal_holds, held_notes
from archiver.volumes.ondisk import read_volumes
from archiver.volumes.outcome import Scope


def open_list(archive: Archive, list_id: str, volumes: list[dict[str, Any]], *later: str) -> None:
    """A destruction list in the disposal register: proposed, then the events ``later``."""
    reg = archive.register(DISPOSAL)
    reg.append("proposed", by="李明", id=list_id, volumes=volumes)
    for event in later:
        reg.append(event, by="王芳", id=list_id)


def test_a_list_holds_its_volumes_and_records_until_it_is_cancelled(archive: Archive, clock: Clock) -> None:
    open_list(archive, "D-1", [{"reference": "V-A", "documents": [{"record": "r1"}, {"record": "r2"}]}])
    open_list(archive, "D-2", [{"reference": "V-B", "documents": [{"record": "r3"}]}], "approved")
    open_list(archive, "D-3", [{"reference": "V-C", "documents": [{"record": "r4"}]}], "restoring", "cancelled")

    holds = disposal_holds(archive)

    assert holds.references == {"V-A": "destruction list D-1 (proposed)", "V-B": "destruction list D-2 (moving)"}
    assert holds.records == {"r1": "destruction list D-1 (proposed)", "r2": "destruction list D-1 (proposed)",
                             "r3": "destruction list D-2 (moving)"}
    assert holds.lists == {"D-1": ("proposed", ["V-A"]), "D-2": ("moving", ["V-B"])}


def test_no_destruction_list_holds_nothing(archive: Archive) -> None:
    assert disposal_holds(archive) == DisposalHolds()


def test_held_notes_one_per_list_touching_the_scope(archive_root: Path, drop: Callable[..., Path],
                                                    clock: Clock) -> None:
    records = file_docs(archive_root, drop, [doc("C0001", "contract", "2026-03-01", title="合同"),
                                             doc("C0001", "credit-report", "2026-04-01", title="信用评估")])
    archive = Archive.open(archive_root)
    m = bind(archive, records, built_at=clock.now())
    open_list(archive, "D-1", [{"reference": m.reference, "documents": [{"record": r.id} for r in records]}])
    holds = disposal_holds(archive)
    volumes = read_volumes(archive)

    notes = held_notes(archive, Scope(), holds, volumes)
    assert [(n.reference, n.status) for n in notes] == [("D-1", "held")]
    assert m.reference in notes[0].detail
    assert "is proposed" in notes[0].detail and "its 2 record(s) in records/" in notes[0].detail

    assert held_notes(archive, Scope(customer="C0002"), holds, volumes) == []  # another customer's build
    assert held_notes(archive, Scope(customer="C0001", year=2025), holds, volumes) == []  # another year's build
    assert len(held_notes(archive, Scope(customer="C0001", year=2026), holds, volumes)) == 1


def test_a_destroyed_list_is_not_noted(archive_root: Path, drop: Callable[..., Path], clock: Clock) -> None:
    records = file_docs(archive_root, drop, [doc("C0001", "contract", "2026-03-01", title="合同")])
    archive = Archive.open(archive_root)
    m = bind(archive, records, built_at=clock.now())
    open_list(archive, "D-1", [{"reference": m.reference, "documents": [{"record": records[0].id}]}], "destroyed")
    holds = disposal_holds(archive)

    assert holds.references == {m.reference: "destruction list D-1 (destroyed)"}  # its code is never given out again
    assert held_notes(archive, Scope(), holds, read_volumes(archive)) == []
