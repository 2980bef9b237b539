"""The statistics page's tables (:mod:`archiver.catalogue.statistics`): the custody
engine's numbers (Art. 25 counts, Art. 5 collection) labelled, in the configuration's
order, over the last months from the archive's first document on."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from archiver.catalogue.statistics import statistics, tally
from archiver.catalogue.views import CustomerRow
from archiver.config import Config, parse_config, template_text
from archiver.custody.stats import tally_documents
from archiver.model import FileInfo, FilingInfo, Metadata, Record

TZ = dt.timezone(dt.timedelta(hours=8))


def config() -> Config:
    return parse_config(tomllib.loads(template_text()))


def record(rid: str, customer: str, type_: str, date: str, filed: str, *, retention: str = "long-term",
           classification: str = "ordinary", pages: int = 2) -> Record:
    meta = Metadata(customer=customer, type=type_, date=dt.date.fromisoformat(date), title=rid,
                    classification=classification)
    at = dt.datetime.fromisoformat(filed).replace(tzinfo=TZ)
    return Record(id=rid, meta=meta, file=FileInfo(f"{rid}.pdf", rid, 1, pages),
                  filing=FilingInfo("s.pdf", 1, 0, "sidecar", at, "tester"), retention=retention,
                  path=Path(f"records/{customer}/{date[:4]}/{rid}.pdf"))


def row(code: str, active: bool) -> CustomerRow:
    return CustomerRow(code=code, name=code, active=active, page="", volume_count=0, document_count=0,
                       first_year=None, last_year=None)


RECORDS = {
    "C1": [record("s9", "C1", "sales-statistics", "2026-09-05", "2026-10-08T09:00", retention="short-term"),
           record("k9", "C1", "credit-report", "2026-09-01", "2026-10-20T09:00")],  # finance: due 10-10, late
    "C2": [record("b1", "C2", "basic-data", "2025-12-01", "2025-12-02T09:00", retention="permanent",
                  classification="secret", pages=5)],
}


def test_counts_are_labelled_in_the_configurations_order() -> None:
    cfg = config()
    st = statistics(cfg, [tally(cfg, rs, []) for rs in RECORDS.values()], [row("C1", True), row("C2", False)],
                    dt.date(2026, 11, 26))
    assert [(r.label, r.documents, r.pages) for r in st.by_year] == [("2026", 2, 4), ("2025", 1, 5)]  # newest first
    assert [r.label for r in st.by_type] == ["客户基本资料表", "客户信用评估报告", "客户销售统计表"]
    assert [(r.label, r.documents) for r in st.by_retention] == [("永久", 1), ("长期", 1), ("短期", 1)]
    assert [(r.label, r.documents) for r in st.by_classification] == [("普通", 2), ("机密", 1)]  # a number only
    assert [(r.label, r.customers) for r in st.by_department] == [("销售部", 2), ("财务部", 1)]
    assert st.departments == ("销售部", "财务部", "客户服务部")
    assert st.volumes_by_year == ()


def test_collection_from_the_first_documents_month_on_newest_first() -> None:
    cfg = config()
    st = statistics(cfg, [tally(cfg, rs, []) for rs in RECORDS.values()], [row("C1", True), row("C2", False)],
                    dt.date(2026, 11, 12))
    months = [r.month for r in st.collection]
    assert months[0] == "2026-10" and months[-1] == "2025-12"  # not before the archive's first document
    assert len(months) == 11
    sep = next(r for r in st.collection if r.month == "2026-09")
    sales, finance, service = sep.cells
    # one active customer: one monthly type for sales and finance, two for customer service
    assert (sales.due, sales.collected, sales.late) == (1, 1, 0)
    assert (finance.due, finance.collected, finance.late) == (1, 1, 1)
    assert (service.due, service.collected, service.late) == (2, 0, 0)
    assert sep.due_date == dt.date(2026, 10, 10) and not sep.open
    assert st.collection[0].open  # October's documents are due by 11-15: not yet past


def test_the_site_and_archiver_stats_count_with_one_engine() -> None:
    cfg = config()
    records = RECORDS["C1"]
    t = tally(cfg, records, [])
    assert t.documents == tally_documents(records, cfg)
    assert t.earliest == dt.date(2026, 9, 1)
    assert [a.record for a in t.arrivals] == ["s9", "k9"]  # both types are monthly
