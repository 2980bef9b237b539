"""Art. 24 in the catalogue (:mod:`archiver.catalogue.access`): the pure rules, on the
policy's own cases — a document at or above ``catalogue.restricted_from`` is listed by
reference code only; a volume holding one is restricted as a whole; an ordinary document
beside it in that volume is not; a level that cannot be judged is never shown."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from archiver.catalogue.access import (
    level_restricted,
    record_restricted,
    restricted_records,
    shown_files,
    volume_restricted,
)
from archiver.config import Config, parse_config, template_text
from archiver.model import FileInfo, FilingInfo, Metadata, Record
from archiver.volumes.manifest import VolumeDocument, VolumeManifest

WHEN = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def config(restricted_from: str = "secret") -> Config:
    raw = tomllib.loads(template_text())
    raw["catalogue"]["restricted_from"] = restricted_from
    return parse_config(raw)


def record(rid: str, classification: str = "ordinary") -> Record:
    meta = Metadata(customer="C0001", type="credit-report", date=dt.date(2026, 3, 1), title=f"title {rid}",
                    classification=classification)
    return Record(id=rid, meta=meta, file=FileInfo(f"{rid}.pdf", rid * 4, 100, 2),
                  filing=FilingInfo("scan.pdf", 100, 0, "sidecar", WHEN, "tester"), retention="long",
                  path=Path(f"/archive/records/C0001/2026/{rid}.pdf"))


def volume(reference: str, documents: dict[str, str], classification: str = "ordinary") -> VolumeManifest:
    docs = tuple(VolumeDocument(record=rid, sha256=rid * 4, type="credit-report", title=f"title {rid}",
                                date=dt.date(2026, 3, 1), classification=level, first_page=1, last_page=2,
                                pdf_first=2, pdf_last=3) for rid, level in documents.items())
    return VolumeManifest(
        reference=reference, customer="C0001", year=2026, retention="long", classification=classification,
        volume=1, title="volume", start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 3, 1), page_count=2,
        sheet_count=1, built_at=WHEN, filer="a", checker="b", inputs="x", file_name=f"{reference}.pdf",
        file_sha256="f" * 64, file_size=1, pdf_page_count=3, documents=docs,
        path=Path(f"/archive/volumes/C0001/2026/{reference}.toml"))  # fmt: skip


@pytest.mark.parametrize(("level", "restricted"), [
    ("ordinary", False), ("confidential", False), ("secret", True), ("top-secret", True),
    ("unknown-level", True), ("", True), ("SECRET", True),
])
def test_at_or_above_restricted_from_and_unknown_levels_are_restricted(level: str, restricted: bool) -> None:
    assert level_restricted(level, config()) is restricted


def test_the_threshold_is_configuration() -> None:
    assert level_restricted("confidential", config("confidential"))
    assert not level_restricted("secret", config("top-secret"))
    assert level_restricted("top-secret", config("top-secret"))
    assert level_restricted("ordinary", config("ordinary"))  # everything restricted


def test_a_record_is_restricted_by_its_own_level_or_any_volume_entry_of_it() -> None:
    cfg = config()
    assert not record_restricted(record("a"), cfg)
    assert record_restricted(record("a", "secret"), cfg)
    # bound while it was secret, reclassified since: the volume's entry still says secret
    assert record_restricted(record("a"), cfg, ["ordinary", "secret"])
    assert not record_restricted(record("a"), cfg, ["ordinary", "confidential"])


def test_a_volume_holding_a_restricted_document_is_restricted_as_a_whole() -> None:
    cfg = config()
    plain = volume("V1", {"a": "ordinary", "b": "ordinary"})
    assert not volume_restricted(plain, cfg, {"a": "ordinary", "b": "ordinary"})
    # its manifest lists a secret document
    assert volume_restricted(volume("V2", {"a": "ordinary", "s": "secret"}), cfg, {})
    # the record was classified secret after the volume was bound
    assert volume_restricted(plain, cfg, {"a": "ordinary", "b": "secret"})
    # the volume itself is marked secret
    assert volume_restricted(volume("V3", {"a": "ordinary"}, classification="secret"), cfg, {})
    # a bound record not in the catalogue (no level known now) is judged by the manifest
    assert not volume_restricted(plain, cfg, {})


def test_an_ordinary_document_beside_a_secret_one_is_not_restricted() -> None:
    cfg = config()
    records = [record("a"), record("s", "secret"), record("loose")]
    manifests = [volume("V1", {"a": "ordinary", "s": "secret"})]
    assert restricted_records(records, manifests, cfg) == {"s"}
    # a document the manifest lists as secret counts, filed or not
    assert restricted_records([record("a")], [volume("V2", {"a": "ordinary", "gone": "top-secret"})], cfg) == {"gone"}


def test_only_unrestricted_material_is_shown() -> None:
    """No thumbnail nor copy of a restricted scan or of a volume holding one."""
    cfg = config()
    records = [record("a"), record("s", "secret"), record("b")]
    manifests = [volume("V1", {"a": "ordinary", "s": "ordinary"}), volume("V2", {"b": "ordinary"})]
    shown_records, shown_volumes = shown_files(records, manifests, cfg)
    assert [r.id for r in shown_records] == ["a", "b"]
    assert [m.reference for m in shown_volumes] == ["V2"]  # V1 holds s, secret now
