"""The volume plan (Art. 7, 12–14, 17) and the checks of the build's inputs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from pathlib import Path

import pytest
from volumes_helpers import make_record

from archiver.config import Config, parse_config, template_text
from archiver.errors import IntegrityError
from archiver.store import Archive, write_record
from archiver.volumes.plan import HashCheck, check_files, load_inputs, plan_volumes

D = dt.date


@pytest.fixture(scope="module")
def config() -> Config:
    return parse_config(tomllib.loads(template_text()))


def test_one_series_per_customer_year_and_retention(tmp_path: Path, config: Config) -> None:
    """Art. 7: volumes by year; Art. 17: by retention class; numbers restart per series."""
    recs = [
        make_record(tmp_path, "a", date=D(2026, 1, 1), retention="long-term", pages=1),
        make_record(tmp_path, "b", date=D(2026, 2, 1), retention="permanent", type="basic-data", pages=1),
        make_record(tmp_path, "c", date=D(2025, 2, 1), retention="long-term", pages=1),
        make_record(tmp_path, "d", date=D(2026, 2, 1), retention="long-term", pages=1, customer="C0002"),
    ]
    plans = plan_volumes(recs, config)
    assert [(p.reference, [r.id for r in p.documents]) for p in plans] == [
        ("Q001-C0001-2025-C-001", ["c"]),
        ("Q001-C0001-2026-Y-001", ["b"]),
        ("Q001-C0001-2026-C-001", ["a"]),
        ("Q001-C0002-2026-C-001", ["d"]),
    ]


def test_top_secret_volumes_follow_the_ordinary_ones_in_the_series(tmp_path: Path, config: Config) -> None:
    """Art. 13; volume numbers run through the series so reference codes stay unique."""
    recs = [make_record(tmp_path, "s", classification="top-secret", pages=1),
            make_record(tmp_path, "o", pages=1)]
    plans = plan_volumes(recs, config)
    assert [(p.number, p.top_secret, p.classification, [r.id for r in p.documents]) for p in plans] == [
        (1, False, "ordinary", ["o"]), (2, True, "top-secret", ["s"])]
    assert len({p.reference for p in plans}) == 2


def test_taken_reference_codes_are_skipped(tmp_path: Path, config: Config) -> None:
    """Art. 20, 29: the code of a volume held apart or destroyed is never given again."""
    recs = [make_record(tmp_path, "s", classification="top-secret", pages=1),
            make_record(tmp_path, "o", pages=1)]
    first = plan_volumes(recs, config)
    plans = plan_volumes(recs, config, taken={first[0].reference})
    assert [p.number for p in plans] == [2, 3]
    assert first[0].reference not in {p.reference for p in plans}


def test_a_volume_keeps_its_number_when_a_new_volume_joins_its_series(tmp_path: Path, config: Config) -> None:
    """Art. 20: once given, a reference code stays with its volume. A top-secret volume
    built alone is 001; an ordinary document filed later makes a new volume 002 instead of
    pushing the top-secret one to 002 and giving its code to other material."""
    secret = make_record(tmp_path, "s", classification="top-secret", pages=1)
    [alone] = plan_volumes([secret], config)
    assert (alone.number, alone.top_secret) == (1, True)
    assigned = {(alone.customer, alone.year, alone.retention, True, 1): alone.number}
    plans = plan_volumes([secret, make_record(tmp_path, "o", pages=1)], config, assigned=assigned)
    assert [(p.number, p.top_secret, [r.id for r in p.documents]) for p in plans] == [
        (1, True, ["s"]), (2, False, ["o"])]


def test_a_new_volume_never_takes_a_superseded_or_held_number(tmp_path: Path, config: Config) -> None:
    recs = [make_record(tmp_path, "a", pages=1)]
    plans = plan_volumes(recs, config, taken={"Q001-C0001-2026-C-001", "Q001-C0001-2026-C-002"})
    assert [p.reference for p in plans] == ["Q001-C0001-2026-C-003"]


def test_a_mixed_group_takes_its_longest_retention(tmp_path: Path, config: Config) -> None:
    recs = [make_record(tmp_path, "m", retention="short-term", group="g", role="main", pages=1),
            make_record(tmp_path, "a", retention="permanent", group="g", role="attachment", pages=1)]
    [plan] = plan_volumes(recs, config)
    assert plan.retention == "permanent" and [r.id for r in plan.documents] == ["m", "a"]


def test_thickness_counts_sheets_and_oversize_groups_stand_alone(tmp_path: Path, config: Config) -> None:
    small = dataclasses.replace(config, volumes=dataclasses.replace(config.volumes, max_sheets=10))
    recs = [make_record(tmp_path, "a", date=D(2026, 1, 1), pages=6),  # 3 sheets
            make_record(tmp_path, "b", date=D(2026, 1, 2), pages=7, sides="simplex"),  # 7 sheets
            make_record(tmp_path, "c", date=D(2026, 1, 3), pages=12, group="g", role="main"),
            make_record(tmp_path, "d", date=D(2026, 1, 3), pages=12, group="g", role="attachment")]
    plans = plan_volumes(recs, small)
    assert [([r.id for r in p.documents], p.sheets, p.oversize) for p in plans] == [
        (["a", "b"], 10, False), (["c", "d"], 12, True)]


def _archive(root: Path, config: Config) -> Archive:
    (root / "records/C0001/2026").mkdir(parents=True)
    return Archive(root=root, config=config)


def test_inputs_name_every_problem(tmp_path: Path, config: Config) -> None:
    archive = _archive(tmp_path, config)
    folder = tmp_path / "records/C0001/2026"
    good = make_record(folder, "good", pages=1)
    gone = make_record(folder, "gone", pages=1)
    changed = make_record(folder, "changed", pages=1)
    for r in (good, gone, changed):
        write_record(r)
    gone.path.unlink()
    changed.path.write_bytes(b"%PDF-1.4 other")
    (folder / "broken.toml").write_text("id = ", "utf-8")
    inputs = load_inputs(archive)
    assert sorted(r.id for r in inputs.records) == ["changed", "gone", "good"]
    assert [(p.where, p.customer) for p in inputs.problems] == [("records/C0001/2026/broken.toml", "C0001")]
    assert set(inputs.sidecar_sha256) == {"changed", "gone", "good"}
    problems = check_files(archive, inputs.records)
    assert sorted((p.where.split()[0], p.what.split(":")[0]) for p in problems) == [
        ("changed", "the PDF was altered"), ("gone", "the PDF is missing")]


def test_reference_codes_must_be_unique_and_safe_file_names(tmp_path: Path, config: Config) -> None:
    from archiver.errors import ConfigError
    from archiver.volumes.plan import check_references

    recs = [make_record(tmp_path, "a", pages=1), make_record(tmp_path, "b", pages=1, retention="permanent",
                                                            type="basic-data")]
    no_retention = dataclasses.replace(config, volumes=dataclasses.replace(
        config.volumes, reference_format="{fonds}-{customer}-{year}-{volume:03d}"))
    with pytest.raises(ConfigError, match="same reference code Q001-C0001-2026-001"):
        check_references(plan_volumes(recs, no_retention))
    slash = dataclasses.replace(config, volumes=dataclasses.replace(
        config.volumes, reference_format="{fonds}/{customer}-{year}-{retention}-{volume}"))
    with pytest.raises(ConfigError, match="cannot name a file"):
        check_references(plan_volumes(recs, slash))
    check_references(plan_volumes(recs, config))  # the default is fine


def test_an_altered_pdf_of_the_same_size_is_caught_by_its_checksum(tmp_path: Path, config: Config) -> None:
    archive = _archive(tmp_path, config)
    rec = make_record(tmp_path / "records/C0001/2026", "same", pages=1)
    data = bytearray(rec.path.read_bytes())
    data[-10] ^= 0xFF
    rec.path.write_bytes(bytes(data))
    assert check_files(archive, [rec]) == []  # the quick check sees the size only
    check = HashCheck(archive, [rec])  # (hashed in a child process)
    try:
        with pytest.raises(IntegrityError) as raised:
            check.verify()
    finally:
        check.close()
    assert "SHA-256" in str(raised.value) and "same (records/C0001/2026/same.pdf)" in str(raised.value)
    check = HashCheck(archive, [make_record(tmp_path / "records/C0001/2026", "intact", pages=1)])
    check.verify()  # an intact record: nothing raised
    check.close()


def test_no_process_to_fork_and_the_records_are_hashed_when_verified(tmp_path: Path, config: Config,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    archive = _archive(tmp_path, config)
    rec = make_record(tmp_path / "records/C0001/2026", "same", pages=1)
    data = bytearray(rec.path.read_bytes())
    data[-10] ^= 0xFF
    rec.path.write_bytes(bytes(data))
    monkeypatch.setattr(os, "fork", no_fork)
    check = HashCheck(archive, [rec])  # no child: nothing raised here
    with pytest.raises(IntegrityError, match="SHA-256"):
        check.verify()  # the altered record still caught
    check.close()
