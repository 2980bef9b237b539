"""The build's recorded file-system steps (Art. 20, 21): an earlier copy kept under a label
never used before, moved once and recorded once, and a step a killed build left open
completed as it was recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import Clock
from custody_helpers import bind, doc, file_docs

from archiver.store import Archive
from archiver.volumes.codes import Journal
from archiver.volumes.ondisk import SUPERSEDED, read_volumes
from archiver.volumes.outcome import BuildResult, Scope
from archiver.volumes.supersede import finish_interrupted, free_label, move_old, record_codes

WHEN = dt.datetime(2026, 11, 20, 10, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def old_volume(archive: Archive, stem: str = "V-1", customer: str = "C0001", year: int = 2026) -> Path:
    """A volume's PDF and manifest (their content does not matter to the moves)."""
    folder = archive.volumes / customer / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.pdf").write_bytes(b"%PDF old " + stem.encode())
    (folder / f"{stem}.toml").write_text(f"# old manifest of {stem}\n", "utf-8")
    return folder / f"{stem}.pdf"


def kept(archive: Archive, name: str, customer: str = "C0001", year: int = 2026) -> Path:
    return archive.volumes / SUPERSEDED / customer / str(year) / name


def intent(archive: Archive, pdf: Path, label: str, **extra: Any) -> dict[str, Any]:
    return {"reference": pdf.stem, "path": pdf.relative_to(archive.root).as_posix(), "job": 7, "by": "李明",
            "supersede": {"label": label, "files": [pdf.name, pdf.with_suffix(".toml").name],
                          "reason": "inputs changed"}, **extra}


def superseded_lines(archive: Archive) -> list[dict[str, Any]]:
    return [e for e in archive.register("volumes") if e["event"] == "superseded"]


def test_free_label_is_the_time_and_never_one_an_earlier_copy_has(archive: Archive) -> None:
    pdf = old_volume(archive)
    assert free_label(archive, pdf, WHEN) == "20261120T100000"
    kept(archive, "").mkdir(parents=True)
    kept(archive, "V-1.20261120T100000.pdf").write_bytes(b"first")
    assert free_label(archive, pdf, WHEN) == "20261120T100000-2"
    kept(archive, "V-1.20261120T100000-2.toml").write_text("second", "utf-8")  # a manifest alone counts too
    assert free_label(archive, pdf, WHEN) == "20261120T100000-3"
    assert free_label(archive, pdf.with_name("V-2.pdf"), WHEN) == "20261120T100000"  # another volume's copies


def test_move_old_moves_each_file_once_and_records_it_once(archive: Archive, clock: Clock) -> None:
    pdf = old_volume(archive)
    step = intent(archive, pdf, "20261120T100000")

    moved = move_old(archive, step, resumed=False)

    assert moved == ["volumes/.superseded/C0001/2026/V-1.20261120T100000.pdf",
                     "volumes/.superseded/C0001/2026/V-1.20261120T100000.toml"]
    assert not pdf.exists() and not pdf.with_suffix(".toml").exists()
    assert kept(archive, "V-1.20261120T100000.pdf").read_bytes() == b"%PDF old V-1"
    [line] = superseded_lines(archive)
    assert (line["reference"], line["reason"], line["moved_to"], line["job"]) == ("V-1", "inputs changed", moved, 7)

    # Run again (a build resumed after a kill): nothing moves twice, nothing is recorded twice,
    # and the new volume written in the old one's place meanwhile is not touched.
    pdf.write_bytes(b"%PDF new")
    assert move_old(archive, step, resumed=True) == moved
    assert pdf.read_bytes() == b"%PDF new"
    assert kept(archive, "V-1.20261120T100000.pdf").read_bytes() == b"%PDF old V-1"
    assert len(superseded_lines(archive)) == 1


def test_move_old_without_an_earlier_copy_does_nothing(archive: Archive) -> None:
    pdf = old_volume(archive)
    assert move_old(archive, {**intent(archive, pdf, "x"), "supersede": {}}, resumed=False) == []
    assert pdf.exists() and superseded_lines(archive) == []


def test_an_interrupted_move_aside_is_completed_as_recorded(archive: Archive, clock: Clock) -> None:
    journal = Journal.read(archive)
    journal.append("assigned", by="李明", reference="V-1", customer="C0001", year=2026, retention="long-term",
                   top_secret=False, volume=1)
    pdf = old_volume(archive)
    other = old_volume(archive, "V-9", customer="C0002")
    for p in (pdf, other):  # the build was killed right after recording the step
        step = intent(archive, p, "20261120T100000", reference=p.stem)
        step.pop("by")
        journal.append("superseding", by="李明", **{**step, "job": journal.next_job()})

    journal = Journal.read(archive)
    result = BuildResult()
    assert finish_interrupted(archive, journal, Scope(customer="C0001"), result) == set()

    assert [(o.reference, o.status) for o in result.outcomes] == [("V-1", "superseded")]
    assert "(completed)" in result.outcomes[0].detail
    assert kept(archive, "V-1.20261120T100000.pdf").is_file() and not pdf.exists()
    journal = Journal.read(archive)
    assert set(journal.pending) == {"V-9"}  # another customer's step is left for its own build
    assert journal.codes["V-1"].released and "V-1" not in journal.live()
    assert other.exists()


def test_a_volume_written_but_not_recorded_is_committed_once(archive_root: Path, drop: Callable[..., Path],
                                                             clock: Clock) -> None:
    records = file_docs(archive_root, drop, [doc("C0001", "contract", "2026-03-01", title="合同")])
    archive = Archive.open(archive_root)
    m = bind(archive, records, built_at=clock.now())
    journal = Journal.read(archive)
    path = m.pdf_path.relative_to(archive.root).as_posix()
    journal.append("writing", by="李明", reference=m.reference, job=1, path=path, inputs=m.inputs,
                   built_at=m.built_at.isoformat(), supersede={})

    result = BuildResult()
    assert finish_interrupted(archive, Journal.read(archive), Scope(), result) == {m.reference}

    assert [(o.reference, o.status, o.detail) for o in result.outcomes] == [(m.reference, "built", "new")]
    built = [e for e in archive.register("volumes") if e["event"] == "built"]
    assert [(e["reference"], e["sha256"], e["job"]) for e in built] == [(m.reference, m.file_sha256, 1)]
    assert Journal.read(archive).pending == {}
    assert finish_interrupted(archive, Journal.read(archive), Scope(), BuildResult()) == set()  # nothing left
    assert len([e for e in archive.register("volumes") if e["event"] == "built"]) == 1


def test_a_write_whose_inputs_changed_is_not_committed(archive_root: Path, drop: Callable[..., Path],
                                                       clock: Clock) -> None:
    records = file_docs(archive_root, drop, [doc("C0001", "contract", "2026-03-01", title="合同")])
    archive = Archive.open(archive_root)
    m = bind(archive, records, built_at=clock.now())
    journal = Journal.read(archive)
    journal.append("writing", by="李明", reference=m.reference, job=1,
                   path=m.pdf_path.relative_to(archive.root).as_posix(), inputs="sha256:other",
                   built_at=m.built_at.isoformat(), supersede={})

    result = BuildResult()
    assert finish_interrupted(archive, Journal.read(archive), Scope(), result) == set()
    assert result.outcomes == []
    assert set(Journal.read(archive).pending) == {m.reference}  # left for the build to abandon and redo


def test_record_codes_records_the_codes_volumes_already_bear_once(archive_root: Path, drop: Callable[..., Path],
                                                                  clock: Clock) -> None:
    records = file_docs(archive_root, drop, [doc("C0001", "contract", "2026-03-01", title="合同"),
                                             doc("C0002", "contract", "2026-03-01", title="合同")])
    archive = Archive.open(archive_root)
    mine = bind(archive, [records[0]], built_at=clock.now())
    theirs = bind(archive, [records[1]], built_at=clock.now())
    journal = Journal.read(archive)

    record_codes(journal, [], read_volumes(archive), Scope(customer="C0001"), by="李明")
    record_codes(journal, [], read_volumes(archive), Scope(customer="C0001"), by="李明")

    assert set(Journal.read(archive).codes) == {mine.reference}
    a = Journal.read(archive).codes[mine.reference]
    assert (a.customer, a.year, a.volume, a.retention) == ("C0001", 2026, 1, mine.retention)
    assert theirs.reference not in Journal.read(archive).codes
    assert len([e for e in archive.register("references") if e["event"] == "assigned"]) == 1
