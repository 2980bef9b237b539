"""The volume manifest (volumes/manifest.py): what build writes beside each volume PDF and
the catalogue, audit, statistics and disposal read — round trip, seal, damage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from archiver.errors import UnreadableFileError
from archiver.volumes.manifest import (
    SEAL,
    VolumeDocument,
    VolumeManifest,
    check_seal,
    iter_manifests,
    manifest_paths,
    manifest_text,
    read_manifest,
    write_manifest,
)

BUILT = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def manifest(path: Path, **changes: object) -> VolumeManifest:
    doc = VolumeDocument(record="20260301-contract-33d0175f", sha256="a" * 64, type="contract", title="采购合同",
                         date=dt.date(2026, 3, 1), doc_no="沪明远〔2026〕1号", responsible="上海明远贸易有限公司",
                         first_page=1, last_page=3, pdf_first=3, pdf_last=6, blank_pages=(5,), inserted_backs=())
    fields: dict[str, object] = dict(
        reference="A01-2026-C0001-Y30-001", customer="C0001", year=2026, retention="Y30", classification="ordinary",
        volume=1, title="上海明远贸易有限公司 2026年客户档案（30年·第1卷）", start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 3, 1), page_count=3, sheet_count=5, built_at=BUILT, filer="王芳", checker="李强",
        inputs="sha256:" + "b" * 64, file_name="A01-2026-C0001-Y30-001.pdf", file_sha256="c" * 64, file_size=1234,
        pdf_page_count=10, parts={"cover": (1, 1), "index": (2, 2), "documents": (3, 6), "remarks": (7, 8),
                                  "back_cover": (9, 10)},
        documents=(doc,), remarks=("本卷共1件文件。",), path=path,
        pdfa={"valid": True, "flavour": "PDF/A-2b", "verdict": "pass", "validator": "pikepdf 10.18.0", "checked": BUILT},
        reencoded=({"where": "20260301-contract-33d0175f page 1 image Im0", "from": "LZWDecode", "to": "FlateDecode"},),
    )
    fields.update(changes)
    return VolumeManifest(**fields)  # type: ignore[arg-type]


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, VolumeManifest]:
    path = tmp_path / "volumes" / "C0001" / "2026" / "A01-2026-C0001-Y30-001.toml"
    m = manifest(path)
    write_manifest(m)
    return path, m


def test_what_is_written_reads_back_the_same(written: tuple[Path, VolumeManifest]) -> None:
    path, m = written
    back = read_manifest(path, sealed=True)
    assert back == m
    assert back.pdf_path == path.with_name("A01-2026-C0001-Y30-001.pdf")
    assert back.document_count == 1
    text = path.read_text("utf-8")
    assert text.startswith("# 案卷清单") and text.splitlines()[-1].startswith(SEAL)


def test_anything_appended_or_changed_breaks_the_seal(written: tuple[Path, VolumeManifest]) -> None:
    """The seal is the SHA-256 of the text above it and must be the last line: garbage
    appended, or a changed value, makes a sealed read fail (build stops, exit 6); an
    unsealed read (the catalogue's) still reads a changed value."""
    path, _ = written
    text = path.read_text("utf-8")
    path.write_text(text + "garbage = 1\n", "utf-8")
    with pytest.raises(UnreadableFileError, match="seal"):
        read_manifest(path, sealed=True)
    path.write_text(text.replace('checker = "李强"', 'checker = "张三"'), "utf-8")
    with pytest.raises(UnreadableFileError, match="seal"):
        read_manifest(path, sealed=True)
    assert read_manifest(path).checker == "张三"


def test_a_manifest_without_a_seal_is_taken_as_it_is(tmp_path: Path) -> None:
    m = manifest(tmp_path / "A.toml")
    text = manifest_text(m)
    check_seal(text)
    unsealed = text[: text.rfind(SEAL)]
    check_seal(unsealed)
    (tmp_path / "A.toml").write_text(unsealed, "utf-8")
    assert read_manifest(tmp_path / "A.toml", sealed=True) == m


@pytest.mark.parametrize(("damage", "why"), [
    (lambda t: t.replace("year = 2026", 'year = "2026"'), "year is str"),
    (lambda t: t.replace("[file]", "[filex]"), "KeyError"),
    (lambda t: t[: len(t) // 2], "TOMLDecodeError|KeyError"),
    (lambda t: t.replace('sha256 = "' + "c" * 64, 'sha256 = "' + "c" * 10), "not a SHA-256"),
])
def test_a_damaged_manifest_names_the_file_and_the_damage(tmp_path: Path, damage: object, why: str) -> None:
    path = tmp_path / "A.toml"
    text = manifest_text(manifest(path))
    path.write_text(damage(text[: text.rfind(SEAL)]), "utf-8")  # type: ignore[operator]
    with pytest.raises(UnreadableFileError, match=why) as got:
        read_manifest(path)
    assert str(path) in got.value.message


def test_a_hand_written_pdfa_verdict_is_taken_as_a_table(tmp_path: Path) -> None:
    path = tmp_path / "A.toml"
    text = manifest_text(manifest(path, pdfa={}))
    body = text[: text.rfind(SEAL)]
    for value, valid in (('"pass"', True), ("false", False)):
        path.write_text(f"pdfa = {value}\n" + body, "utf-8")  # (a top-level key: before the tables)
        assert read_manifest(path).pdfa.get("valid") is valid


def test_only_the_volumes_manifests_are_listed(written: tuple[Path, VolumeManifest], tmp_path: Path) -> None:
    """Manifests of volumes/<customer>/<year>/ in a stable order; a writer's hidden
    temporary file and files elsewhere are not manifests."""
    path, m = written
    (path.parent / ".tmp-archiver-1234-A.toml").write_text("half", "utf-8")
    (tmp_path / "volumes" / "C0001" / "notes.toml").write_text("x = 1", "utf-8")
    second = path.with_name("A01-2026-C0001-Y30-002.toml")
    write_manifest(manifest(second, reference="A01-2026-C0001-Y30-002", volume=2))
    assert list(manifest_paths(tmp_path / "volumes")) == [path, second]
    assert [x.reference for x in iter_manifests(tmp_path / "volumes")] == [m.reference, "A01-2026-C0001-Y30-002"]
    assert list(manifest_paths(tmp_path / "none")) == []
