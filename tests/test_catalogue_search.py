"""The search index script (:mod:`archiver.catalogue.search`): compact, only what the
site shows, and no value can end the script or break a line."""

from __future__ import annotations

import json

from archiver.catalogue.search import GLOBAL, index_data, script_text
from archiver.catalogue.views import CustomerRow, Overview, SearchItem, Statistics, Totals


def overview(items: tuple[SearchItem, ...]) -> Overview:
    rows = tuple(CustomerRow(code=c, name=f"名{c}", active=True, page=f"customers/{c}/index.html", volume_count=0,
                             document_count=0, first_year=None, last_year=None) for c in ("C1", "客户2"))
    stats = Statistics((), (), (), (), (), (), (), ())
    return Overview(totals=Totals(2, 0, 0, 0), customers=rows, statistics=stats, search=items, last_filing=None,
                    last_audit=None)


def item(kind: str, customer: str, type_: str, title: str, page: str) -> SearchItem:
    return SearchItem(kind=kind, customer=customer, type=type_, date="2026-01-02", title=title, doc_no="文1",
                      reference="Q-1", page=page, order=(0, customer, title))


def test_types_are_listed_once_and_pages_encoded() -> None:
    data = index_data(overview((
        item("volume", "C1", "", "卷", "customers/C1/volumes/Q-1.html"),
        item("document", "客户2", "合同", "甲", "customers/客户2/documents/a b.html"),
        item("document", "C1", "合同", "乙", "customers/C1/documents/b.html"),
    )))
    assert data["version"] == 1
    assert data["types"] == ["合同"]
    assert data["customers"][1] == ["客户2", "名客户2", "customers/%E5%AE%A2%E6%88%B72/index.html"]
    assert data["items"] == [
        ["v", 0, -1, "2026-01-02", "卷", "文1", "Q-1", "customers/C1/volumes/Q-1.html"],
        ["d", 1, 0, "2026-01-02", "甲", "文1", "Q-1", "customers/%E5%AE%A2%E6%88%B72/documents/a%20b.html"],
        ["d", 0, 0, "2026-01-02", "乙", "文1", "Q-1", "customers/C1/documents/b.html"],
    ]


def test_the_script_cannot_be_closed_or_broken_by_a_value() -> None:
    hostile = "</script><script>alert(1)</script>&\u2028\u2029"
    data = index_data(overview((item("document", "C1", "合同", hostile, "customers/C1/documents/x.html"),)))
    text = script_text(data)
    assert text.startswith("/* archiver catalogue search index") and f"window.{GLOBAL} = " in text
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text.split("*/", 1)[1]
    payload = text.split(" = ", 1)[1].rstrip().rstrip(";")
    assert json.loads(payload) == data  # the escapes are still the same JSON
