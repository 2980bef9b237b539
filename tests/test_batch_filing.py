"""Filing batch scans end to end: split at cover sheets, file each document, set aside
what cannot be filed — and nothing lost or filed twice when killed midway (Art. 6, 21)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tomllib
from functools import lru_cache
from pathlib import Path

import pikepdf
import pytest
from batch_helpers import Doc, batch_pdf, degrade, document_pages, sheet_images, sheet_pdf
from conftest import make_scan, run_cli, set_config

from archiver.store import Archive

SHEETS = [
    {"customer": "C0001", "type": "credit-report", "date": "2026-10-15", "title": "2026年第三季度信用评估报告"},
    {"customer": "C0002", "type": "contract", "date": "2026-09-01", "title": "销售合同（复印件）", "pages": 2},
    {"customer": "C0003", "type": "basic-data", "date": "2026-03-02", "title": "客户基本资料表"},
    {"customer": "C0999", "type": "contract", "date": "2026-08-08", "title": "未登记客户的合同"},
    {"customer": "C0001", "type": "sales-statistics", "date": "2026-10-31", "title": "十月销售统计"},
]
REPO = Path(__file__).resolve().parent.parent


@lru_cache
def printed(dpi: int) -> tuple:  # type: ignore[type-arg]
    return tuple(sheet_images(sheet_pdf(*SHEETS), dpi))


def mixed_batch(*, dpi: int = 200, bilevel: bool = False, duplex: bool = True) -> bytes:
    """Pages before the first sheet; a sheet (duplex: with blank back); one upside
    down; one askew and speckled; one damaged; one for an unknown customer."""
    s = printed(dpi)
    return batch_pdf([
        Doc(None, document_pages(1, 90)),                                  # part 0: no sheet before it
        Doc(s[0], document_pages(2, 1), blank_back=duplex),                # part 1 → C0001
        Doc(degrade(s[1], rotate=180), document_pages(2, 2), blank_back=duplex),  # part 2 upside down → C0002
        Doc(degrade(s[2], damage=True), document_pages(1, 3), blank_back=duplex),  # part 3 unreadable
        Doc(s[3], document_pages(2, 4), blank_back=duplex),                # part 4 unknown customer
        Doc(degrade(s[4], rotate=-4, noise=0.003, seed=5), document_pages(3, 5), blank_back=duplex),  # part 5
    ], dpi=dpi, bilevel=bilevel)


def records(root: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    return {p.stem: tomllib.loads(p.read_text("utf-8")) for p in sorted((root / "records").rglob("*.toml"))}


def pages_of(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def journal(root: Path) -> list[dict]:  # type: ignore[type-arg]
    path = root / "registers" / "journal.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()] if path.exists() else []


@pytest.mark.parametrize("dpi, bilevel, duplex", [(200, False, True), (150, True, False), (300, True, True)])
def test_a_mixed_batch_is_split_and_each_document_filed_or_set_aside(
        archive_root: Path, dpi: int, bilevel: bool, duplex: bool) -> None:
    inbox = archive_root / "inbox"
    (inbox / "batch.pdf").write_bytes(mixed_batch(dpi=dpi, bilevel=bilevel, duplex=duplex))
    r = run_cli(archive_root, "ingest", "--json")
    assert r.exit_code == 8, r.output  # some parts were rejected
    result = json.loads(r.stdout)
    assert (result["filed"], result["rejected"]) == (3, 3)

    recs = records(archive_root)
    by_customer = {(v["customer"], v["type"]): v for v in recs.values()}
    assert set(by_customer) == {("C0001", "credit-report"), ("C0002", "contract"), ("C0001", "sales-statistics")}
    for rec in recs.values():
        assert rec["filing"]["metadata_source"] == "coversheet"
        assert rec["filing"]["source"].startswith("batch.pdf#")
    assert by_customer[("C0001", "credit-report")]["title"] == "2026年第三季度信用评估报告"
    assert by_customer[("C0002", "contract")]["pages"] == 2
    # the sheets and their blank backs are not filed: each record holds its document's pages only
    assert {k: v["file"]["page_count"] for k, v in by_customer.items()} == {
        ("C0001", "credit-report"): 2, ("C0002", "contract"): 2, ("C0001", "sales-statistics"): 3}
    for rec in recs.values():
        pdf = archive_root / "records" / rec["customer"] / rec["date"].strftime("%Y") / rec["file"]["name"]
        assert pages_of(pdf) == rec["file"]["page_count"]

    rejected = inbox / "rejected"
    assert sorted(p.name for p in rejected.iterdir()) == [
        "batch.part-00.pdf", "batch.part-00.pdf.reason.txt",
        "batch.part-03.pdf", "batch.part-03.pdf.reason.txt",
        "batch.part-04.pdf", "batch.part-04.pdf.reason.txt", "batch.part-04.toml",
    ]
    assert pages_of(rejected / "batch.part-00.pdf") == 1
    assert pages_of(rejected / "batch.part-03.pdf") == 1  # the document's pages only, not its sheet
    assert pages_of(rejected / "batch.part-04.pdf") == 2
    reasons = {n: (rejected / f"batch.part-{n}.pdf.reason.txt").read_text("utf-8") for n in ("00", "03", "04")}
    assert "(no-coversheet)" in reasons["00"] and "before its first cover sheet" in reasons["00"]
    assert "(unreadable-coversheet)" in reasons["03"] and "archiver coversheet" in reasons["03"]
    assert "(unknown-customer)" in reasons["04"] and "archiver customer add C0999" in reasons["04"]
    assert tomllib.loads((rejected / "batch.part-04.toml").read_text("utf-8"))["customer"] == "C0999"

    assert not (inbox / "batch.pdf").exists()  # every part filed or set aside: the batch is gone
    events = [e["event"] for e in journal(archive_root)]
    assert events.count("filed") == 3 and events.count("rejected") == 3 and events.count("split") == 1


def test_a_rejected_part_is_filed_once_fixed_and_dropped_again(archive_root: Path) -> None:
    (archive_root / "inbox" / "batch.pdf").write_bytes(mixed_batch())
    run_cli(archive_root, "ingest")
    rejected = archive_root / "inbox" / "rejected"
    assert run_cli(archive_root, "customer", "add", "C0999", "--name", "深圳新客户有限公司").exit_code == 0
    for name in ("batch.part-04.pdf", "batch.part-04.toml"):
        shutil.copy(rejected / name, archive_root / "inbox" / name)
    r = run_cli(archive_root, "ingest", "--json")
    assert r.exit_code == 0, r.output
    (outcome,) = json.loads(r.stdout)["outcomes"]
    rec = Archive.open(archive_root).find_record(outcome["record_id"])
    assert rec.customer == "C0999" and rec.meta.title == "未登记客户的合同"
    assert rec.filing.metadata_source == "sidecar" and rec.file.page_count == 2


def test_a_scan_without_cover_sheets_falls_back_to_the_other_sources(archive_root: Path) -> None:
    (archive_root / "inbox" / "C0001_credit-report_20261015.pdf").write_bytes(make_scan(3, dpi=150))
    r = run_cli(archive_root, "ingest", "--json")
    assert r.exit_code == 0, r.output
    (rec,) = records(archive_root).values()
    assert rec["filing"]["metadata_source"] == "filename" and rec["file"]["page_count"] == 3


def test_the_same_batch_dropped_again_is_not_filed_twice(archive_root: Path) -> None:
    data = mixed_batch(dpi=150, bilevel=True)
    (archive_root / "inbox" / "batch.pdf").write_bytes(data)
    run_cli(archive_root, "ingest")
    before = records(archive_root)
    (archive_root / "inbox" / "again.pdf").write_bytes(data)
    r = run_cli(archive_root, "ingest", "--json")
    assert records(archive_root) == before
    codes = sorted(o["code"] for o in json.loads(r.stdout)["outcomes"])
    assert codes == ["duplicate"] * 3 + ["no-coversheet", "unknown-customer", "unreadable-coversheet"]


# Killed midway ---------------------------------------------------------------------------------
KILLER = """
import os, signal, sys
limit, count, real = int(sys.argv[2]), [0], os.fsync
def fsync(fd):
    real(fd)
    count[0] += 1
    if count[0] >= limit:
        os.kill(os.getpid(), signal.SIGKILL)
os.fsync = fsync
from clocked_main import fix_clock
fix_clock(sys.argv[3])
from archiver.cli import main
main(["--root", sys.argv[1], "ingest"])
"""


@pytest.mark.slow
def test_killed_at_every_step_each_part_ends_filed_or_set_aside_exactly_once(archive_root: Path,
                                                                           tmp_path: Path) -> None:
    """SIGKILL after each durable write (every fsync) of filing a batch; then run again:
    the same records and the same set-aside parts as an uninterrupted run, each once."""
    s = printed(150)
    data = batch_pdf([
        Doc(None, document_pages(1, 80)),
        Doc(s[0], document_pages(2, 81), blank_back=True),
        Doc(s[3], document_pages(1, 82), blank_back=True),  # unknown customer
        Doc(degrade(s[1], rotate=180), document_pages(2, 83), blank_back=True),
    ], dpi=150, bilevel=True)
    template = tmp_path / "template"
    shutil.copytree(archive_root, template)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}

    def run(limit: int) -> tuple[Path, int]:
        root = tmp_path / f"run{limit}"
        shutil.copytree(template, root)
        batch = root / "inbox" / "batch.pdf"
        batch.write_bytes(data)
        os.utime(batch, ns=(1_790_000_000_000_000_000, 1_790_000_000_000_000_000))
        p = subprocess.run([sys.executable, "-c", KILLER, str(root), str(limit), "2026-11-26T10:00:00+08:00"], env=env, capture_output=True,
                           text=True, timeout=300)
        return root, p.returncode

    def state(root: Path) -> tuple:  # type: ignore[type-arg]
        recs = records(root)
        rejected = sorted(p.name for p in (root / "inbox" / "rejected").iterdir())
        leftovers = [p for p in root.rglob(".tmp-archiver-*")]
        inbox = sorted(p.name for p in (root / "inbox").iterdir() if p.name != "rejected")
        filed = sorted(e["record"] for e in journal(root) if e["event"] == "filed")
        set_aside = sorted(e["rejected_to"] for e in journal(root) if e["event"] == "rejected")
        return sorted(recs), rejected, leftovers, inbox, filed, set_aside

    reference, code = run(10_000)  # never killed
    assert code == 8
    expected = state(reference)
    assert len(expected[0]) == 2 and expected[3] == [] and expected[2] == []
    assert expected[4] == expected[0] and len(expected[5]) == 2  # journal: each once
    killed_points = 0
    for limit in range(1, 200):
        root, code = run(limit)
        if code != -signal.SIGKILL:
            break  # the run finished before the limit: every step has been interrupted once
        killed_points += 1
        r = run_cli(root, "ingest")
        assert r.exit_code in (0, 8), r.output
        assert state(root) == expected, f"killed after fsync #{limit}"
        shutil.rmtree(root)
    print(f"interrupted at {killed_points} points")
    assert killed_points >= 15  # the batch took that many durable steps, each one interrupted


def test_splitting_can_be_turned_off(archive_root: Path) -> None:
    """[batch] split = false: a scan is one document even with cover sheets in it."""
    set_config(archive_root, r"^split = true$", "split = false")
    (archive_root / "inbox" / "C0001_contract_20260901.pdf").write_bytes(mixed_batch(dpi=150, bilevel=True))
    r = run_cli(archive_root, "ingest", "--json")
    assert r.exit_code == 0, r.output
    (rec,) = records(archive_root).values()
    assert rec["filing"]["metadata_source"] == "filename" and rec["file"]["page_count"] == 21


def test_a_bad_split_setting_is_refused(archive_root: Path) -> None:
    set_config(archive_root, r"^split = true$", 'split = "yes"')
    r = run_cli(archive_root, "ingest")
    assert r.exit_code == 3 and "batch.split" in r.output


def test_a_part_with_fewer_pages_than_its_sheet_declares_is_set_aside(archive_root: Path) -> None:
    """Art. 11: the sheet says 5 pages; 2 were scanned behind it."""
    (sheet,) = sheet_images(sheet_pdf({"customer": "C0002", "type": "contract", "date": "2026-09-01",
                                       "title": "缺页的合同", "pages": 5}), 150)
    data = batch_pdf([Doc(printed(150)[0], document_pages(1, 7)), Doc(sheet, document_pages(2, 8))],
                     dpi=150, bilevel=True)
    (archive_root / "inbox" / "scan 7.pdf").write_bytes(data)
    r = run_cli(archive_root, "ingest", "--json")
    assert r.exit_code == 8
    outcomes = json.loads(r.stdout)["outcomes"]
    assert [(o["source"], o["status"]) for o in outcomes] == [("scan 7.pdf#1", "filed"), ("scan 7.pdf#2", "rejected")]
    assert outcomes[1]["code"] == "missing-pages"
    rejected = archive_root / "inbox" / "rejected"
    assert pages_of(rejected / "scan 7.part-02.pdf") == 2
    assert tomllib.loads((rejected / "scan 7.part-02.toml").read_text("utf-8"))["pages"] == 5
