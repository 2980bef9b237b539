"""The inputs fingerprint of a volume: it changes when anything the volume is made from
changes, and stays the same otherwise (a volume is rebuilt only when it must be)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from volumes_helpers import make_record

from archiver.ocr.store import text_path
from archiver.store import Archive
from archiver.volumes.fingerprint import fingerprint, tool_inputs
from archiver.volumes.plan import PlannedVolume


@pytest.fixture
def plan(tmp_path: Path) -> PlannedVolume:
    records = (make_record(tmp_path, "r1", pages=1), make_record(tmp_path, "r2", pages=1, type="credit-report"))
    return PlannedVolume(customer="C0001", year=2026, retention="long-term", top_secret=False, number=1,
                         reference="Q001-C0001-2026-C-001", documents=records, classification="ordinary", sheets=1)


SIDECARS = {"r1": "sha-of-sidecar-1", "r2": "sha-of-sidecar-2"}


def test_the_same_inputs_give_the_same_fingerprint(archive: Archive, plan: PlannedVolume) -> None:
    customer = archive.customer("C0001")
    first = fingerprint(plan, archive.config, customer, SIDECARS, {"blank_detector": "3"})
    assert first.startswith("sha256:") and len(first) == len("sha256:") + 64
    assert fingerprint(plan, Archive.open(archive.root).config, archive.customer("C0001"), dict(SIDECARS),
                       {"blank_detector": "3"}) == first


def test_every_input_changes_the_fingerprint(archive: Archive, plan: PlannedVolume, tmp_path: Path) -> None:
    config, customer = archive.config, archive.customer("C0001")
    base = fingerprint(plan, config, customer, SIDECARS)
    (tmp_path / "other").mkdir()
    other = make_record(tmp_path / "other", "r1", pages=2)  # the same id, another PDF
    changed = {
        "a record's PDF": fingerprint(dataclasses.replace(plan, documents=(other, plan.documents[1])), config,
                                      customer, SIDECARS),
        "a sidecar": fingerprint(plan, config, customer, {**SIDECARS, "r2": "edited"}),
        "the records' order": fingerprint(dataclasses.replace(plan, documents=plan.documents[::-1]), config,
                                          customer, SIDECARS),
        "the customer profile": fingerprint(plan, config, dataclasses.replace(customer, address="北京市"), SIDECARS),
        "a volume option": fingerprint(plan, dataclasses.replace(
            config, volumes=dataclasses.replace(config.volumes, binding_margin_mm=30.0)), customer, SIDECARS),
        "the fonds": fingerprint(plan, dataclasses.replace(config, fonds_name="另一个全宗"), customer, SIDECARS),
        "the volume number": fingerprint(dataclasses.replace(plan, number=2), config, customer, SIDECARS),
        "the followers": fingerprint(dataclasses.replace(plan, followers=("r2",)), config, customer, SIDECARS),
        "the forms' style": fingerprint(plan, config, customer, SIDECARS, {"forms_style": "abc"}),
    }
    assert {what: fp for what, fp in changed.items() if fp == base} == {}
    assert len(set(changed.values())) == len(changed)


def test_filer_checker_and_other_sections_are_not_inputs(archive: Archive, plan: PlannedVolume) -> None:
    config, customer = archive.config, archive.customer("C0001")
    base = fingerprint(plan, config, customer, SIDECARS)
    names = dataclasses.replace(config, volumes=dataclasses.replace(config.volumes, filer="张三", checker="李四"))
    assert fingerprint(plan, names, customer, SIDECARS) == base  # other names on a volume: --force
    site = dataclasses.replace(config, catalogue=dataclasses.replace(config.catalogue, output="elsewhere"))
    assert fingerprint(plan, site, customer, SIDECARS) == base
    assert fingerprint(plan, config, customer, {**SIDECARS, "not-in-volume": "x"}) == base


def test_the_stored_text_of_a_record_is_an_input(archive: Archive, plan: PlannedVolume) -> None:
    config, customer = archive.config, archive.customer("C0001")
    base = fingerprint(plan, config, customer, SIDECARS)
    assert plan.documents[0].path is not None
    text = text_path(plan.documents[0].path)
    text.write_text('{"format": "archiver-text"}', "utf-8")
    with_text = fingerprint(plan, config, customer, SIDECARS)
    assert with_text != base
    assert fingerprint(plan, config, customer, SIDECARS) == with_text  # read again: unchanged
    text.write_text('{"format": "archiver-text", "version": 1}', "utf-8")
    assert fingerprint(plan, config, customer, SIDECARS) not in (base, with_text)
    text.unlink()
    assert fingerprint(plan, config, customer, SIDECARS) == base


def test_tool_inputs_hash_the_forms_style_file(archive: Archive) -> None:
    assert "forms_style" not in tool_inputs(archive)  # the shipped layout
    styled = dataclasses.replace(archive.config, volumes=dataclasses.replace(archive.config.volumes,
                                                                             forms_style="style.toml"))
    archive.config = styled
    assert tool_inputs(archive)["forms_style"] == "missing"
    (archive.root / "style.toml").write_text("[cover]\ntitle_size = 30\n", "utf-8")
    first = tool_inputs(archive)["forms_style"]
    assert len(first) == 64
    (archive.root / "style.toml").write_text("[cover]\ntitle_size = 31\n", "utf-8")
    assert tool_inputs(archive)["forms_style"] != first
