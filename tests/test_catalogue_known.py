"""What the last build knew of each customer (:mod:`archiver.catalogue.known`): one
JSON file a customer, only what changed written, forgotten on demand. (Which customers a
build keeps is tested by the incremental builds of test_catalogue.py.)"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

from archiver.catalogue import known
from archiver.catalogue.views import CustomerRow, CustomerSummary, SearchItem, Tally
from archiver.custody.due import Arrival
from archiver.custody.stats import DocumentTally, VolumeTally


def summary(code: str, documents: int = 2) -> CustomerSummary:
    row = CustomerRow(code=code, name=f"客户 {code}", active=True, page=f"customers/{code}/index.html",
                      volume_count=1, document_count=documents, first_year=2025, last_year=None)
    tally = Tally(documents=DocumentTally(documents=documents, pages=4,
                                          rows=(("type", "contract", documents, 4, frozenset({code, "other"})),),
                                          filed=((2026, 3, documents),), earliest=dt.date(2025, 3, 1)),
                  volumes=VolumeTally(volumes=1, pages=4, documents_bound=2, rows=(("year", "2025", 1, 4),)),
                  arrivals=(Arrival(customer=code, type="sales-statistics", year=2026, month=2,
                                    filed=dt.date(2026, 3, 9), record="r1"),))
    item = SearchItem(kind="document", customer=code, type="合同", date="2025-03-01", title="题名", doc_no="",
                      reference="", page=f"customers/{code}/documents/r1.html", order=(-739000, code, "r1"))
    return CustomerSummary(row=row, pages=4, tally=tally, search=(item,))


def entry(code: str, fingerprint: str = "fp", documents: int = 2) -> known.Known:
    return known.Known(fingerprint=fingerprint, summary=summary(code, documents),
                       outputs=(f"customers/{code}/index.html", "thumbs/ab.jpg"), pages=3, restricted=1,
                       thumbs=("ab",), complete=True)


def test_save_then_load_gives_the_same(tmp_path: Path) -> None:
    data = {"C0001": entry("C0001"), "C0002": entry("C0002", documents=5)}
    known.save(tmp_path, data, {})
    assert sorted(os.listdir(tmp_path / known.DIR)) == ["C0001.json", "C0002.json"]
    assert known.load(tmp_path) == data


def test_only_what_changed_is_written_and_what_went_is_removed(tmp_path: Path) -> None:
    first = {"C0001": entry("C0001"), "C0002": entry("C0002")}
    known.save(tmp_path, first, {})
    stamp = known.path(tmp_path, "C0001").stat().st_mtime_ns
    os.utime(known.path(tmp_path, "C0001"), ns=(1, 1))
    second = {"C0001": first["C0001"], "C0003": entry("C0003", "fp3")}
    known.save(tmp_path, second, known.load(tmp_path))
    assert known.path(tmp_path, "C0001").stat().st_mtime_ns == 1 != stamp  # unchanged: not rewritten
    assert not known.path(tmp_path, "C0002").exists()
    assert known.load(tmp_path) == second


def test_none_forgets_everything_and_old_pickles_go(tmp_path: Path) -> None:
    known.save(tmp_path, {"C0001": entry("C0001")}, {})
    (tmp_path / known.DIR / "C0009.pickle").write_bytes(b"\x80\x05old")
    known.save(tmp_path, None, known.load(tmp_path))
    assert known.load(tmp_path) == {}
    assert os.listdir(tmp_path / known.DIR) == []


def test_a_file_of_another_shape_is_left_out(tmp_path: Path) -> None:
    known.save(tmp_path, {"C0001": entry("C0001"), "C0002": entry("C0002")}, {})
    path = known.path(tmp_path, "C0002")
    path.write_text(path.read_text("utf-8").replace('"fingerprint"', '"finger"'), "utf-8")
    assert set(known.load(tmp_path)) == {"C0001"}  # that customer is simply made again
    assert known.load(tmp_path / "nothing") == {}


def test_the_summary_keeps_its_types() -> None:
    from archiver.catalogue import cachefile

    e = entry("C0001")
    back = cachefile.typed(known.Known, cachefile.loads(cachefile.dumps("k", 1, e), "k", 1))
    assert back == e
    assert isinstance(back.summary.tally.documents.rows[0][4], frozenset)
    assert back.summary.tally.arrivals[0].filed == dt.date(2026, 3, 9)
    assert dataclasses.replace(back, complete=False) != e
