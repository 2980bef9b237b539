"""The audit (Art. 21–23): complete vs valid, every kind of finding, --fast, the register."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_cli
from custody_helpers import bind, doc, file_docs, flip_byte

from archiver.custody.audit.findings import Finding
from archiver.custody.audit.integrity import binding_findings
from archiver.custody.audit.report import last_audit
from archiver.errors import EXIT_INTEGRITY
from archiver.store import Archive


@pytest.fixture
def filed(archive_root: Path, drop):  # type: ignore[no-untyped-def]
    """Three records of C0001 2026 (two bound into one volume, one not) and one of C0002."""
    records = file_docs(archive_root, drop, [
        doc("C0001", "credit-report", "2026-03-05", title="信用评估"),
        doc("C0001", "contract", "2026-03-09", title="销售合同"),
        doc("C0001", "sales-statistics", "2026-04-01", title="销售统计"),
        doc("C0002", "basic-data", "2026-02-01", title="基本资料"),
    ])  # fmt: skip
    archive = Archive.open(archive_root)
    volume = bind(archive, records[:2])
    return archive, records, volume


def audit(root: Path, *args: str) -> tuple[int, dict]:
    result = run_cli(root, "audit", "--json", *args)
    return result.exit_code, json.loads(result.output)


def kinds(report: dict) -> set[tuple[str, str]]:
    return {(f["kind"], f["path"]) for f in report["finding_list"] if f["severity"] == "error"}


def rel(archive: Archive, path: Path) -> str:
    return path.relative_to(archive.root).as_posix()


def test_clean_archive_is_complete_and_valid(filed) -> None:  # type: ignore[no-untyped-def]
    archive, records, volume = filed
    code, report = audit(archive.root)
    assert code == 0
    assert report["result"] == "ok" and report["complete"] and report["valid"]
    assert report["files"] == 5  # four record PDFs and one volume PDF
    assert report["bytes"] == sum(r.file.size for r in records) + volume.file_size  # each file read once
    warned = {f["path"] for f in report["finding_list"] if f["kind"] == "not-bound"}
    assert warned == {rel(archive, records[2].path), rel(archive, records[3].path)}
    entry = last_audit(archive)
    assert entry is not None and entry["event"] == "audit" and entry["result"] == "ok"
    assert entry["scope"] == "full" and entry["findings"] == 0 and entry["by"]


@pytest.mark.parametrize("target", ["record", "volume"])
def test_full_audit_finds_one_flipped_byte_fast_does_not(filed, target: str) -> None:  # type: ignore[no-untyped-def]
    archive, records, volume = filed
    path = records[0].path if target == "record" else volume.pdf_path
    flip_byte(path)
    code, report = audit(archive.root, "--fast")
    assert code == 0 and report["result"] == "ok"  # same size: fast cannot see it
    code, report = audit(archive.root)
    assert code == EXIT_INTEGRITY
    assert ("altered", rel(archive, path)) in kinds(report)
    assert report["complete"] and not report["valid"]
    assert last_audit(archive)["result"] == "problems"


def test_fast_audit_finds_a_size_change(filed) -> None:  # type: ignore[no-untyped-def]
    archive, records, _ = filed
    with records[1].path.open("ab") as fh:
        fh.write(b"%appended\n")
    code, report = audit(archive.root, "--fast")
    assert code == EXIT_INTEGRITY
    found = [f for f in report["finding_list"] if f["kind"] == "size-changed"]
    assert found[0]["path"] == rel(archive, records[1].path)
    assert found[0]["expected"] == str(records[1].file.size)
    assert found[0]["actual"] == str(records[1].file.size + 10)


def test_missing_extra_and_orphan_files(filed) -> None:  # type: ignore[no-untyped-def]
    archive, records, volume = filed
    records[2].path.unlink()  # a sidecar without its PDF
    records[3].sidecar_path.unlink()  # a PDF without its sidecar
    stray = archive.records / "C0001" / "2026" / "notes.txt"
    stray.write_text("left here by hand")
    stray_volume = archive.volumes / "C0001" / "2026" / "copy of volume.pdf"
    stray_volume.write_bytes(volume.pdf_path.read_bytes())
    (archive.records / "C0001" / "2026" / ".tmp-archiver-abc123-x.pdf").write_bytes(b"half")  # a writer's temp
    code, report = audit(archive.root, "--fast")
    assert code == EXIT_INTEGRITY
    assert kinds(report) == {
        ("missing", rel(archive, records[2].path)),
        ("no-sidecar", rel(archive, records[3].path)),
        ("unregistered", rel(archive, stray)),
        ("no-manifest", rel(archive, stray_volume)),
    }
    assert not report["complete"]


def test_unreadable_pdf_with_a_matching_checksum(filed, archive_root: Path) -> None:  # type: ignore[no-untyped-def]
    """A PDF recorded as garbage: checksum and size agree, but it does not open."""
    import hashlib

    archive, records, _ = filed
    r = records[2]
    garbage = b"%PDF-1.7\nthis is not a PDF body at all\n"
    r.path.write_bytes(garbage)
    text = r.sidecar_path.read_text("utf-8")
    text = text.replace(r.file.sha256, hashlib.sha256(garbage).hexdigest()).replace(
        f"size = {r.file.size}", f"size = {len(garbage)}")
    r.sidecar_path.write_text(text, "utf-8")
    code, report = audit(archive.root)
    assert code == EXIT_INTEGRITY
    assert kinds(report) == {("unreadable", rel(archive, r.path))}
    code, report = audit(archive.root, "--fast")
    assert code == 0  # fast does not open PDFs


def test_damaged_pdf_that_opens_only_after_repair(filed) -> None:  # type: ignore[no-untyped-def]
    archive, records, _ = filed
    r = records[0]
    data = r.path.read_bytes()
    r.path.write_bytes(data[:-200] + b" " * 200)  # the cross-reference table is gone, size kept
    code, report = audit(archive.root)
    assert code == EXIT_INTEGRITY
    found = kinds(report)
    assert ("damaged", rel(archive, r.path)) in found
    assert ("altered", rel(archive, r.path)) in found


def test_volume_lists_a_changed_or_missing_record(filed) -> None:  # type: ignore[no-untyped-def]
    archive, records, volume = filed
    text = volume.path.read_text("utf-8").replace(records[0].file.sha256, "0" * 64)
    volume.path.write_text(text, "utf-8")
    # The manifest itself is not checksummed; its volume PDF still is, and unchanged.
    records[1].sidecar_path.unlink()
    records[1].path.unlink()
    code, report = audit(archive.root, "--fast")
    assert code == EXIT_INTEGRITY
    found = {f["kind"]: f for f in report["finding_list"]}
    assert found["volume-record-changed"]["expected"] == "0" * 64
    assert found["volume-record-changed"]["actual"] == records[0].file.sha256
    assert found["volume-record-missing"]["expected"] == records[1].id


def test_unreadable_sidecar_is_reported_not_fatal(filed) -> None:  # type: ignore[no-untyped-def]
    archive, records, _ = filed
    records[3].sidecar_path.write_text("id = [broken", "utf-8")
    code, report = audit(archive.root)
    assert code == EXIT_INTEGRITY
    assert kinds(report) == {("unreadable-sidecar", rel(archive, records[3].sidecar_path))}


def test_text_report_names_the_problem(filed) -> None:  # type: ignore[no-untyped-def]
    archive, records, _ = filed
    flip_byte(records[1].path)
    result = run_cli(archive.root, "audit")
    assert result.exit_code == EXIT_INTEGRITY
    assert "altered" in result.output and records[1].path.name in result.output
    assert "valid: NO" in result.output


def test_not_bound_says_when_a_later_build_left_it_out() -> None:
    """Pure rule: a record filed before its customer/year's last build is pointed out."""
    import datetime as dt

    from archiver.model import FileInfo, FilingInfo, Metadata, Record
    from archiver.volumes.manifest import VolumeManifest

    tz = dt.timezone(dt.timedelta(hours=8))

    def rec(rid: str, filed: dt.datetime) -> Record:
        return Record(rid, Metadata("C0001", "contract", dt.date(2026, 1, 5), "t"),
                      FileInfo(f"{rid}.pdf", "a" * 64, 1, 1),
                      FilingInfo("s", 1, 1, "sidecar", filed, "x"), "long-term", Path(f"/a/records/{rid}.pdf"))

    early = rec("r1", dt.datetime(2026, 1, 6, tzinfo=tz))
    late = rec("r2", dt.datetime(2026, 3, 1, tzinfo=tz))
    m = VolumeManifest("V1", "C0001", 2026, "long-term", "ordinary", 1, "t", dt.date(2026, 1, 1),
                       dt.date(2026, 1, 1), 0, 0, dt.datetime(2026, 2, 1, tzinfo=tz), "", "", "", "v.pdf", "", 0, 0,
                       path=Path("/a/volumes/v.toml"))
    found = {f.path: f for f in binding_findings([early, late], [m], Path("/a"))}
    assert "run `archiver build`" in found["records/r1.pdf"].detail
    assert "run `archiver build`" not in found["records/r2.pdf"].detail
    assert all(f.severity == "warning" for f in found.values())
    assert Finding("altered", "x").severity == "error"


def test_a_torn_register_line_is_a_warning(filed) -> None:  # type: ignore[no-untyped-def]
    archive, _, _ = filed
    (archive.registers / "loans.jsonl").touch(mode=0o640)  # as the archive makes a register
    with (archive.registers / "loans.jsonl").open("ab") as fh:
        fh.write(b'{"at": "2026-11-20", "event": "req')  # a write cut off by a crash
    code, report = audit(archive.root)
    assert code == 0  # the register is still valid: nothing was half-recorded
    torn = [f for f in report["finding_list"] if f["kind"] == "torn-line"]
    assert torn == [{"kind": "torn-line", "path": "registers/loans.jsonl", "severity": "warning",
                     "detail": "line 1 cannot be read; it was never recorded"}]


def test_progress_reports_every_file_against_the_total(filed) -> None:  # type: ignore[no-untyped-def]
    from archiver.custody.audit.run import run_audit

    archive, records, volume = filed
    calls: list[tuple[int, int]] = []
    run_audit(archive, progress=lambda size, total: calls.append((size, total)))
    expected_total = sum(r.file.size for r in records) + volume.file_size
    assert len(calls) == 5 and sum(size for size, _ in calls) == expected_total
    assert {total for _, total in calls} == {expected_total}


def test_an_empty_archive_audits_ok(archive_root: Path) -> None:
    code, report = audit(archive_root)
    assert code == 0 and report["files"] == 0 and report["finding_list"] == []


def test_volumes_build_kept_aside_are_checked_not_cross_checked(filed) -> None:  # type: ignore[no-untyped-def]
    """`archiver build` moves a volume it no longer plans to volumes/.superseded/<customer>/
    <year>/<ref>.<stamp>.pdf|.toml: the audit verifies that PDF against its manifest and does
    not count it as binding any record."""
    archive, records, volume = filed
    aside = archive.volumes / ".superseded" / "C0001" / "2026"
    for folder in (aside.parent.parent, aside.parent, aside):  # as `archiver build` makes them (Art. 24)
        folder.mkdir(mode=0o750)
    pdf = aside / f"{volume.reference}.20261120T100000.pdf"
    pdf.write_bytes(volume.pdf_path.read_bytes())
    pdf.chmod(0o440)
    (aside / f"{volume.reference}.20261120T100000.toml").write_bytes(volume.path.read_bytes())
    (aside / f"{volume.reference}.20261120T100000.toml").chmod(0o640)
    volume.path.unlink()
    volume.pdf_path.unlink()
    code, report = audit(archive.root)
    assert code == 0 and report["files"] == 5
    unbound = {f["path"] for f in report["finding_list"] if f["kind"] == "not-bound"}
    assert unbound == {rel(archive, r.path) for r in records}  # a superseded volume binds nothing
    flip_byte(pdf)
    (aside / "stray.pdf").write_bytes(b"%PDF-1.4")
    code, report = audit(archive.root)
    assert code == EXIT_INTEGRITY
    assert kinds(report) == {("altered", rel(archive, pdf)), ("no-manifest", rel(archive, aside / "stray.pdf"))}


# The four properties of DA/T 70-2018 (issue 11 item 5) ------------------------------------------
def under(report: dict, prop: str) -> set[tuple[str, str]]:
    """(kind, path) of the errors the report files under ``prop``."""
    return {(f["kind"], f["path"]) for f in report["properties"][prop]["finding_list"] if f["severity"] == "error"}


def test_a_clean_archive_passes_all_four_properties(filed) -> None:  # type: ignore[no-untyped-def]
    archive, _, _ = filed
    code, report = audit(archive.root)
    assert code == 0
    assert list(report["properties"]) == ["authenticity", "integrity", "usability", "security"]
    assert [p["label"] for p in report["properties"].values()] == ["真实性", "完整性", "可用性", "安全性"]
    assert all(p["result"] == "ok" and p["errors"] == 0 for p in report["properties"].values())
    assert "custody" in report["locks"] and "build" in report["locks"]
    entry = last_audit(archive)
    assert entry is not None and entry["properties"]["security"] == {
        "label": "安全性", "name": "Security", "checks": report["properties"]["security"]["checks"],
        "result": "ok", "errors": 0, "warnings": 0}
    text = run_cli(archive.root, "audit").output
    for heading in ("真实性 Authenticity", "完整性 Integrity", "可用性 Usability", "安全性 Security"):
        assert heading in text
    assert "Locks: custody, build and filing locks held" in text


def test_authenticity_checksums_and_metadata(filed) -> None:  # type: ignore[no-untyped-def]
    archive, records, volume = filed
    flip_byte(records[0].path)
    text = volume.path.read_text("utf-8").replace('title = "销售合同"', 'title = "销售合同(改)"')
    volume.path.write_text(text, "utf-8")
    code, report = audit(archive.root)
    assert code == EXIT_INTEGRITY
    assert under(report, "authenticity") == {("altered", rel(archive, records[0].path)),
                                             ("metadata-mismatch", rel(archive, volume.path))}
    assert report["properties"]["integrity"]["result"] == "ok"
    text = run_cli(archive.root, "audit").output
    block = text[text.index("真实性"):text.index("完整性")]
    assert "altered" in block and "metadata-mismatch" in block and "title" in block


def test_integrity_a_deleted_volume_a_page_gap_and_a_stray_file_in_hold(filed) -> None:  # type: ignore[no-untyped-def]
    archive, records, volume = filed
    volume.pdf_path.unlink()
    text = volume.path.read_text("utf-8")
    volume.path.write_text(text.replace("first_page = 3", "first_page = 4", 1), "utf-8")
    hold = archive.root / "hold" / "DL-2026-009"
    hold.mkdir(parents=True, mode=0o750)
    (hold / "left-behind.pdf").write_bytes(b"%PDF-1.4 stray")
    code, report = audit(archive.root)
    assert code == EXIT_INTEGRITY
    found = under(report, "integrity")
    assert ("missing", rel(archive, volume.pdf_path)) in found
    assert ("unregistered", "hold/DL-2026-009/left-behind.pdf") in found
    assert ("page-sequence", rel(archive, volume.path)) in found
    gap = next(f for f in report["properties"]["integrity"]["finding_list"] if f["kind"] == "page-sequence")
    assert "starts at page 4, not 3" in gap["detail"]


def test_integrity_covers_held_material_in_every_state(filed, monkeypatch, clock) -> None:  # type: ignore[no-untyped-def]
    """Held (checked against the register), destroyed (nothing may be left), interrupted."""
    from archiver.custody.disposal import steps as disposal

    archive, records, volume = filed
    clock.set("2040-01-10T10:00:00+08:00")  # the volume's retention has run out
    monkeypatch.setattr(disposal, "retention_years", lambda config, retention: 1)
    lid = disposal.propose(archive, [volume.reference], by="李明")["id"]
    disposal.appraise(archive, lid, role="cs-manager", by="张")
    disposal.appraise(archive, lid, role="originating-dept", by="刘")
    disposal.approve(archive, lid, by="陈")
    held_pdf = archive.root / "hold" / lid / rel(archive, volume.pdf_path)
    assert held_pdf.exists()
    code, report = audit(archive.root)
    assert code == 0, report["finding_list"]
    flip_byte(held_pdf)
    code, report = audit(archive.root)
    assert ("altered", rel(archive, held_pdf)) in under(report, "authenticity")
    flip_byte(held_pdf)
    keep = held_pdf.read_bytes()
    clock.set("2040-08-10T10:00:00+08:00")
    disposal.destroy(archive, lid, by="李明", supervisor="吴", place="碎纸室")
    held_pdf.parent.mkdir(parents=True, mode=0o750, exist_ok=True)
    held_pdf.write_bytes(keep)  # "destroyed" — but a copy is still in the hold
    held_pdf.chmod(0o440)
    code, report = audit(archive.root)
    assert code == EXIT_INTEGRITY
    assert ("hold-leftover", rel(archive, held_pdf)) in under(report, "integrity")


def test_usability_unreadable_files_and_pdfa_results(filed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from archiver.custody.audit import run, usability

    archive, records, volume = filed
    # build records its PDF/A-2b verdict ([pdfa]); take it out: a volume with no result
    volume.path.write_text(re.sub(r"(?ms)^\[pdfa\]\n.*?(?=^\[|\Z)", "", volume.path.read_text("utf-8")), "utf-8")
    code, report = audit(archive.root)
    warned = [f for f in report["properties"]["usability"]["finding_list"] if f["kind"] == "pdfa-unchecked"]
    assert [f["path"] for f in warned] == [rel(archive, volume.pdf_path)]  # no result recorded: a warning
    text = volume.path.read_text("utf-8")
    volume.path.write_text(text + '\n[pdfa]\nvalid = false\nerrors = ["6.2.4.3 DeviceRGB used without OutputIntent"]\n',
                           "utf-8")
    code, report = audit(archive.root)
    assert code == EXIT_INTEGRITY
    assert under(report, "usability") == {("not-pdfa", rel(archive, volume.pdf_path))}
    f = next(f for f in report["finding_list"] if f["kind"] == "not-pdfa")
    assert "DeviceRGB" in f["actual"]
    volume.path.write_text('pdfa = "pass"\n' + text, "utf-8")  # a top-level key
    code, report = audit(archive.root, "--fast")  # --fast trusts what build recorded
    assert code == 0 and not [f for f in report["finding_list"] if f["kind"].startswith("pdfa")], report["finding_list"]
    # a full audit validates a recorded pass again: this volume (made by the test, not by
    # `archiver build`) is not PDF/A-2b, whatever its manifest says
    code, report = audit(archive.root)
    assert code == EXIT_INTEGRITY
    f = next(f for f in report["finding_list"] if f["kind"] == "not-pdfa")
    assert "validated again" in f["detail"] and "NOT PDF/A-2b" in f["actual"]
    monkeypatch.setattr(usability, "revalidate_pdfa", lambda path: (False, "no OutputIntent"))
    report = run.run_audit(archive)
    assert {(f.kind, f.property) for f in report.errors} == {("not-pdfa", "usability")}
    assert [f.actual for f in report.errors] == ["no OutputIntent"]
    volume.path.write_text(text, "utf-8")
    # an unreadable PDF is a usability problem
    records[2].path.write_bytes(b"%PDF-1.7 garbage" + b" " * (records[2].file.size - 16))
    code, report = audit(archive.root)
    assert ("unreadable", rel(archive, records[2].path)) in under(report, "usability")


def test_security_active_content_permissions_and_links(filed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import hashlib
    import os

    from catalogue_helpers import with_javascript

    archive, records, volume = filed
    # a volume carrying JavaScript (recorded so: authenticity holds, security does not)
    data = with_javascript(volume.pdf_path.read_bytes())
    volume.pdf_path.unlink()
    volume.pdf_path.write_bytes(data)
    volume.pdf_path.chmod(0o440)
    text = volume.path.read_text("utf-8").replace(volume.file_sha256, hashlib.sha256(data).hexdigest())
    volume.path.write_text(text.replace(f"size = {volume.file_size}", f"size = {len(data)}"), "utf-8")
    records[1].path.chmod(0o644)  # a stored scan made writable
    (archive.records / "C0001").chmod(0o777)
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("secret", "utf-8")
    link = archive.records / "C0001" / "2026" / "shortcut"
    link.symlink_to(outside)
    os.link(records[0].path, tmp_path / "hard-link.pdf")  # another name for a stored scan
    code, report = audit(archive.root)
    assert code == EXIT_INTEGRITY
    found = under(report, "security")
    assert ("active-content", rel(archive, volume.pdf_path)) in found
    assert ("permissions", rel(archive, records[1].path)) in found
    assert ("permissions", "records/C0001") in found
    assert ("link", rel(archive, link)) in found
    assert ("shared-inode", rel(archive, records[0].path)) in found
    detail = next(f for f in report["finding_list"] if f["kind"] == "link")["detail"]
    assert "out of the archive" in detail and str(outside) in detail
    assert report["properties"]["authenticity"]["result"] == "ok"


def test_security_checks_every_catalogue_folder(filed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from catalogue_helpers import with_javascript

    archive, records, _ = filed
    site = tmp_path / "share"
    assert run_cli(archive.root, "site", "--out", str(site)).exit_code == 0
    code, report = audit(archive.root)
    assert code == 0
    pdf = next(site.rglob("*.pdf"))
    pdf.write_bytes(with_javascript(pdf.read_bytes()))  # somebody put a script in a served PDF
    (site / "escape").symlink_to("/etc")
    code, report = audit(archive.root)
    assert code == EXIT_INTEGRITY
    assert under(report, "security") == {("active-content", str(pdf)), ("link", str(site / "escape"))}
    (site / "escape").unlink()
    pdf.unlink()
    assert run_cli(archive.root, "site").exit_code == 0  # the default site, inside the archive root
    (archive.root / "site" / "escape").symlink_to("/etc")
    code, report = audit(archive.root)
    assert [f["path"] for f in report["finding_list"] if f["kind"] == "link"] == ["site/escape"]  # once


def test_audit_runs_under_the_build_lock(filed) -> None:  # type: ignore[no-untyped-def]
    from archiver.errors import EXIT_LOCKED

    archive, _, _ = filed
    with archive.lock("build", purpose="archiver build"):
        r = run_cli(archive.root, "audit")
    assert r.exit_code == EXIT_LOCKED and "archiver build" in r.output
    with archive.lock("filing", purpose="archiver watch"):
        code, report = audit(archive.root)
    assert code == 0 and "filing not locked" in report["locks"] and "archiver watch" in report["locks"]


def test_catalogue_home_shows_the_last_audit_per_property(filed) -> None:  # type: ignore[no-untyped-def]
    archive, records, _ = filed
    records[1].path.chmod(0o644)
    audit(archive.root)
    assert run_cli(archive.root, "site").exit_code == 0
    home = (archive.root / "site" / "index.html").read_text("utf-8")
    for label in ("真实性", "完整性", "可用性", "安全性"):
        assert label in home
    section = home[home.index("安全性"):]
    assert "1 项问题" in section[:300]
    assert home.count("通过") == 3
