"""``archiver build`` end to end: drop scans, ingest them, build volumes (Art. 12–20)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from conftest import Clock, run_cli, set_config
from volumes_helpers import KnownBlanks, RecordingRenderer, scan_dropper

from archiver.volumes import build as build_module
from archiver.volumes.forms import FormRenderer
from archiver.volumes.manifest import read_manifest


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> tuple[KnownBlanks, RecordingRenderer]:
    """Forms: the real renderer, recorded; blanks: known."""
    known = KnownBlanks()
    renderer = RecordingRenderer(FormRenderer())
    monkeypatch.setattr(build_module, "default_renderer", lambda archive: renderer)
    monkeypatch.setattr(build_module, "default_detector", lambda: known)
    clock.login = "王芳"  # the login name a build without --filer records (time: the clock's default)
    return known, renderer


@pytest.fixture
def put(drop: Callable[..., Path], env: tuple[KnownBlanks, RecordingRenderer]) -> Callable[..., Path]:
    """put(name, pages=2, blanks=(), **meta): drop a scan with its metadata sidecar."""
    known = env[0]
    return scan_dropper(drop, known)


def ingest(root: Path) -> None:
    r = run_cli(root, "ingest")
    assert r.exit_code == 0, r.output


def manifests(root: Path) -> dict[str, Any]:
    return {p.stem: read_manifest(p) for p in sorted((root / "volumes").glob("*/[0-9]*/*.toml"))}


def test_build_writes_volumes_and_skips_unchanged_ones(archive_root: Path, put: Callable[..., Path],
                                                      env: tuple[KnownBlanks, RecordingRenderer]) -> None:
    known, renderer = env
    put("a", date="2026-03-01", title="销售合同", pages=3, blanks=(2,))
    put("b", date="2026-05-01", type="basic-data", title="客户基本资料表")
    ingest(archive_root)

    r = run_cli(archive_root, "build", "--checker", "李强")
    assert r.exit_code == 0, r.output
    assert "2 built, 0 unchanged" in r.output
    vols = manifests(archive_root)
    assert set(vols) == {"Q001-C0001-2026-C-001", "Q001-C0001-2026-Y-001"}  # long-term contract, permanent basic data
    contract = vols["Q001-C0001-2026-C-001"]
    assert contract.pdf_path == archive_root / "volumes/C0001/2026/Q001-C0001-2026-C-001.pdf"
    assert contract.filer == "王芳" and contract.checker == "李强"
    assert contract.documents[0].first_page == 1 and contract.documents[0].last_page == 2
    assert contract.remarks[0] == "本卷共有文件1件，有文字的页共2页（页号1—2）。"
    with pikepdf.open(contract.pdf_path) as pdf:
        assert len(pdf.pages) == contract.pdf_page_count
    assert contract.pdf_path.stat().st_mode & 0o777 == 0o440  # replaced whole, never written in place
    calls = len(known.calls)

    again = run_cli(archive_root, "build")  # no checker needed: nothing to build
    assert again.exit_code == 0, again.output
    assert "0 built, 2 unchanged" in again.output and "unchanged  volumes/C0001/2026/" in again.output
    assert len(known.calls) == calls  # nothing analysed again

    forced = run_cli(archive_root, "build", "--force", "--checker", "李强", "--json")
    data = json.loads(forced.stdout)  # JSON on stdout; logs (if any) go to stderr
    assert data["built"] == 2 and {v["detail"] for v in data["volumes"]} == {"rebuilt"}
    events = [json.loads(line)["event"] for line in (archive_root / "registers/volumes.jsonl").read_text().splitlines()]
    assert events == ["built", "built", "superseded", "built", "superseded", "built"]
    # the earlier PDFs (perhaps printed and bound) are kept, not overwritten (Art. 21)
    kept = sorted(p.name.split(".")[0] for p in (archive_root / "volumes/.superseded/C0001/2026").glob("*.pdf"))
    assert kept == ["Q001-C0001-2026-C-001", "Q001-C0001-2026-Y-001"]


def test_a_changed_sidecar_rebuilds_only_its_volume(archive_root: Path, put: Callable[..., Path]) -> None:
    put("a", date="2026-03-01", title="合同甲")
    put("b", date="2026-05-01", type="basic-data")
    ingest(archive_root)
    assert run_cli(archive_root, "build", "--checker", "李强").exit_code == 0
    [sidecar] = (archive_root / "records/C0001/2026").glob("*contract*.toml")
    sidecar.write_text(sidecar.read_text("utf-8").replace('title = "合同甲"', 'title = "合同乙"'), "utf-8")
    r = run_cli(archive_root, "build", "--checker", "李强")
    assert "1 built, 1 unchanged" in r.output and "built      volumes/C0001/2026/Q001-C0001-2026-C-001.pdf" in r.output
    assert manifests(archive_root)["Q001-C0001-2026-C-001"].documents[0].title == "合同乙"


def test_same_records_give_the_same_volume_byte_for_byte(archive_root: Path, put: Callable[..., Path]) -> None:
    put("a", date="2026-03-01", pages=3)
    put("b", date="2026-03-02", pages=1, sides="simplex")
    ingest(archive_root)
    assert run_cli(archive_root, "build", "--checker", "李强").exit_code == 0
    [pdf] = (archive_root / "volumes/C0001/2026").glob("*.pdf")
    first = pdf.read_bytes()
    assert run_cli(archive_root, "build", "--force", "--checker", "李强").exit_code == 0
    assert pdf.read_bytes() == first


def test_checker_is_required_when_something_is_built(archive_root: Path, put: Callable[..., Path]) -> None:
    put("a", date="2026-03-01")
    ingest(archive_root)
    r = run_cli(archive_root, "build")
    assert r.exit_code == 3
    assert "checker" in r.output and "--checker NAME" in r.output
    assert not list((archive_root / "volumes").rglob("*.pdf"))
    set_config(archive_root, r'^checker = ""', 'checker = "赵敏"')
    assert run_cli(archive_root, "build").exit_code == 0
    [m] = manifests(archive_root).values()
    assert m.checker == "赵敏"


def test_art14_request_and_reply_across_years_go_to_the_reply_year(archive_root: Path, put: Callable[..., Path]) -> None:
    put("req", date="2025-12-20", title="关于延长账期的请示", group="g1", role="request")
    put("rep", date="2026-01-08", title="关于延长账期的批复", group="g1", role="reply")
    put("alone", date="2025-06-01", title="2025年合同")
    ingest(archive_root)
    assert run_cli(archive_root, "build", "--checker", "李强").exit_code == 0
    vols = manifests(archive_root)
    assert [d.title for d in vols["Q001-C0001-2026-C-001"].documents] == ["关于延长账期的批复", "关于延长账期的请示"]
    assert [d.title for d in vols["Q001-C0001-2025-C-001"].documents] == ["2025年合同"]
    assert "《关于延长账期的请示》形成于2025年，按第14条归入2026年立卷。" in vols["Q001-C0001-2026-C-001"].remarks


def test_art13_top_secret_volumes_of_their_own_with_their_group(archive_root: Path, put: Callable[..., Path],
                                                               env: tuple[KnownBlanks, RecordingRenderer]) -> None:
    put("s", date="2026-02-01", title="绝密合同", classification="top-secret", group="k", role="main")
    put("o", date="2026-02-01", title="合同附件", group="k", role="attachment")
    put("x", date="2026-01-01", title="普通合同")
    ingest(archive_root)
    assert run_cli(archive_root, "build", "--checker", "李强").exit_code == 0
    vols = manifests(archive_root)
    assert [d.title for d in vols["Q001-C0001-2026-C-001"].documents] == ["普通合同"]
    secret = vols["Q001-C0001-2026-C-002"]
    assert [d.title for d in secret.documents] == ["绝密合同", "合同附件"]
    assert secret.classification == "top-secret"
    assert "普通文件1件与绝密文件密切联系，随同立卷（第13条）。" in secret.remarks
    sheet = next(s for s in env[1].sheets if s.reference_code == secret.reference)
    assert sheet.classification_label == "绝密"


def test_max_sheets_splits_between_groups_and_stale_volumes_are_superseded(
        archive_root: Path, put: Callable[..., Path]) -> None:
    for i in range(4):
        put(f"d{i}", date=f"2026-0{i + 1}-01", pages=8, title=f"合同{i}")  # 4 sheets each
    ingest(archive_root)
    set_config(archive_root, r"^max_sheets = .*$", "max_sheets = 10")
    assert run_cli(archive_root, "build", "--checker", "李强").exit_code == 0
    vols = manifests(archive_root)
    assert {k: [d.title for d in v.documents] for k, v in vols.items()} == {
        "Q001-C0001-2026-C-001": ["合同0", "合同1"], "Q001-C0001-2026-C-002": ["合同2", "合同3"]}
    assert vols["Q001-C0001-2026-C-002"].documents[0].first_page == 1  # numbering restarts per volume

    set_config(archive_root, r"^max_sheets = .*$", "max_sheets = 200")
    r = run_cli(archive_root, "build", "--checker", "李强")
    assert "1 built, 0 unchanged, 1 superseded" in r.output, r.output
    assert set(manifests(archive_root)) == {"Q001-C0001-2026-C-001"}
    moved = sorted(p.name for p in (archive_root / "volumes/.superseded/C0001/2026").iterdir())
    assert moved == ["Q001-C0001-2026-C-001.20261120T100000.pdf", "Q001-C0001-2026-C-001.20261120T100000.toml",
                     "Q001-C0001-2026-C-002.20261120T100000.pdf", "Q001-C0001-2026-C-002.20261120T100000.toml"]


def test_customer_and_year_filters(archive_root: Path, put: Callable[..., Path]) -> None:
    put("a", date="2026-03-01")
    put("b", date="2025-03-01")
    put("c", date="2026-03-01", customer="C0002")
    ingest(archive_root)
    r = run_cli(archive_root, "build", "--customer", "C0001", "--year", "2026", "--checker", "李强")
    assert r.exit_code == 0, r.output
    assert set(manifests(archive_root)) == {"Q001-C0001-2026-C-001"}
    assert run_cli(archive_root, "build", "--customer", "C9999", "--checker", "x").exit_code == 4


# Bad input: the build names the record and what is wrong, and builds nothing --------------------
def _records(root: Path) -> list[Path]:
    return sorted((root / "records").glob("*/*/*.pdf"))


def test_missing_and_altered_pdfs_stop_the_build(archive_root: Path, put: Callable[..., Path]) -> None:
    put("a", date="2026-03-01")
    put("b", date="2026-04-01")
    ingest(archive_root)
    gone, changed = _records(archive_root)
    gone.unlink()
    changed.write_bytes(changed.read_bytes() + b"\n%tampered\n")
    r = run_cli(archive_root, "build", "--checker", "李强")
    assert r.exit_code == 6
    assert f"{gone.stem}" in r.output and "the PDF is missing" in r.output
    assert f"{changed.stem}" in r.output and "the PDF was altered" in r.output
    assert "2 problem(s)" in r.output
    assert not list((archive_root / "volumes").rglob("*.pdf"))


def test_a_removed_sidecar_never_drops_a_document_from_its_volume(archive_root: Path, put: Callable[..., Path]) -> None:
    """Art. 21: a record PDF whose sidecar is gone (or a bound record gone altogether) is
    named, and the volume that holds it is not rebuilt without it."""
    put("a", date="2026-03-01")
    put("b", date="2026-04-01")
    ingest(archive_root)
    assert run_cli(archive_root, "build", "--checker", "李强").exit_code == 0
    [before] = manifests(archive_root).values()
    assert len(before.documents) == 2
    pdf = sorted((archive_root / "records/C0001/2026").glob("*.pdf"))[0]
    sidecar = pdf.with_suffix(".toml")
    sidecar.unlink()
    r = run_cli(archive_root, "build", "--checker", "李强")
    assert r.exit_code == 6, r.output
    assert pdf.stem in r.output and "no sidecar" in r.output
    [after] = manifests(archive_root).values()
    assert [d.record for d in after.documents] == [d.record for d in before.documents]
    pdf.unlink()  # the record gone altogether: still named, through the volume that bound it
    r = run_cli(archive_root, "build", "--checker", "李强")
    assert r.exit_code == 6, r.output
    assert pdf.stem in r.output and before.reference in r.output
    assert len(next(iter(manifests(archive_root).values())).documents) == 2


def test_an_unreadable_sidecar_stops_the_build_of_its_customer(archive_root: Path, put: Callable[..., Path]) -> None:
    put("a", date="2026-03-01")
    put("c", date="2026-03-01", customer="C0002")
    ingest(archive_root)
    [sidecar] = (archive_root / "records/C0001/2026").glob("*.toml")
    sidecar.write_text("this is = = not toml", "utf-8")
    r = run_cli(archive_root, "build", "--checker", "李强")
    assert r.exit_code == 6 and sidecar.name in r.output and "cannot be read" in r.output
    assert not list((archive_root / "volumes").rglob("*.pdf"))
    other = run_cli(archive_root, "build", "--customer", "C0002", "--checker", "李强")  # another customer: fine
    assert other.exit_code == 0, other.output


def test_two_documents_claiming_one_role_stop_the_build(archive_root: Path, put: Callable[..., Path]) -> None:
    put("a", date="2026-03-01", group="g", role="reply")
    put("b", date="2026-03-02", group="g", role="reply")
    ingest(archive_root)
    r = run_cli(archive_root, "build", "--checker", "李强")
    assert r.exit_code == 6 and "both claim the role 'reply'" in r.output


def test_a_reply_whose_request_is_in_another_customers_file_stops_the_build(
        archive_root: Path, put: Callable[..., Path]) -> None:
    put("req", date="2026-03-01", group="g", role="request", customer="C0002")
    put("rep", date="2026-03-09", group="g", role="reply")
    ingest(archive_root)
    r = run_cli(archive_root, "build", "--checker", "李强")
    assert r.exit_code == 6
    assert "has its request" in r.output and "C0002" in r.output
    assert not list((archive_root / "volumes").rglob("*.pdf"))


def test_nothing_to_build(archive_root: Path, env: tuple[KnownBlanks, RecordingRenderer]) -> None:
    r = run_cli(archive_root, "build")
    assert r.exit_code == 0 and "No volumes to build" in r.output


def test_a_changed_customer_profile_rebuilds_its_volumes(archive_root: Path, put: Callable[..., Path]) -> None:
    put("a", date="2026-03-01")
    ingest(archive_root)
    assert run_cli(archive_root, "build", "--checker", "李强").exit_code == 0
    profile = archive_root / "customers/C0001/customer.toml"
    profile.write_text(profile.read_text("utf-8").replace("上海明远贸易有限公司", "上海明远贸易集团有限公司"), "utf-8")
    r = run_cli(archive_root, "build", "--checker", "李强")
    assert "1 built" in r.output
    [m] = manifests(archive_root).values()
    assert m.title.startswith("上海明远贸易集团有限公司 2026年客户档案")


def test_superseding_twice_in_one_second_keeps_both_copies(archive_root: Path, put: Callable[..., Path]) -> None:
    for i in range(3):
        put(f"d{i}", date=f"2026-0{i + 1}-01", pages=8)  # 4 sheets each: two volumes of at most 10
    ingest(archive_root)
    for _ in range(2):
        set_config(archive_root, r"^max_sheets = .*$", "max_sheets = 10")
        assert run_cli(archive_root, "build", "--checker", "李强").exit_code == 0
        set_config(archive_root, r"^max_sheets = .*$", "max_sheets = 200")
        assert run_cli(archive_root, "build", "--checker", "李强").exit_code == 0  # same clock time
    moved = sorted(p.name for p in (archive_root / "volumes/.superseded/C0001/2026").glob("*.pdf"))
    # C-001 was rebuilt three times in the same second: three copies, none overwritten; the
    # second volume's code is never given out again, so the second split made C-003
    assert moved == ["Q001-C0001-2026-C-001.20261120T100000-2.pdf", "Q001-C0001-2026-C-001.20261120T100000-3.pdf",
                     "Q001-C0001-2026-C-001.20261120T100000.pdf", "Q001-C0001-2026-C-002.20261120T100000.pdf",
                     "Q001-C0001-2026-C-003.20261120T100000.pdf"]


def test_a_volume_held_for_destruction_keeps_its_reference_code(archive_root: Path, put: Callable[..., Path],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Art. 20, 29: a reference code (档号) names one volume for ever. A late document of
    a series whose volume is held apart (or destroyed) starts a new volume number, and
    cancelling the list then puts the held volume back beside it."""
    put("old", date="2015-03-01", type="sales-statistics", title="2015年3月销售统计")
    ingest(archive_root)
    assert run_cli(archive_root, "build", "--checker", "李强").exit_code == 0
    ref = "Q001-C0001-2015-D-001"
    assert set(manifests(archive_root)) == {ref}
    for step in (["disposal", "propose", ref, "--by", "王芳"],
                 ["disposal", "appraise", "DL-2026-001", "--role", "cs-manager", "--by", "赵经理"],
                 ["disposal", "appraise", "DL-2026-001", "--role", "originating-dept", "--by", "钱部长"],
                 ["disposal", "approve", "DL-2026-001", "--by", "孙总监"]):
        r = run_cli(archive_root, *step)
        assert r.exit_code == 0, r.output
    assert manifests(archive_root) == {}
    put("late", date="2015-04-01", type="sales-statistics", title="2015年4月销售统计")
    ingest(archive_root)
    r = run_cli(archive_root, "build", "--checker", "李强")
    assert r.exit_code == 0, r.output
    assert set(manifests(archive_root)) == {"Q001-C0001-2015-D-002"}
    r = run_cli(archive_root, "disposal", "cancel", "DL-2026-001", "--by", "孙总监")
    assert r.exit_code == 0, r.output
    assert set(manifests(archive_root)) == {ref, "Q001-C0001-2015-D-002"}


def test_reference_codes_stay_with_their_volumes(archive_root: Path, put: Callable[..., Path]) -> None:
    """Art. 20: a top-secret volume built first keeps 001 when ordinary material of the same
    series arrives later; the newcomer gets 002, and nothing is rebuilt under a code that
    named other material."""
    put("s", date="2026-03-01", classification="top-secret", title="绝密件")
    ingest(archive_root)
    assert run_cli(archive_root, "build", "--checker", "李强").exit_code == 0
    first = manifests(archive_root)["Q001-C0001-2026-C-001"]
    put("o", date="2026-04-01", title="普通件")
    ingest(archive_root)
    r = run_cli(archive_root, "build", "--checker", "李强")
    assert r.exit_code == 0, r.output
    vols = manifests(archive_root)
    assert [d.title for d in vols["Q001-C0001-2026-C-001"].documents] == ["绝密件"]
    assert [d.title for d in vols["Q001-C0001-2026-C-002"].documents] == ["普通件"]
    assert vols["Q001-C0001-2026-C-001"].file_sha256 == first.file_sha256, "the secret volume was not touched"
