"""The catalogue's view types: the plain data each page shows, made by :mod:`.model`
and read by the templates (:mod:`.render`), the search index (:mod:`.search`) and the
build's memory of each customer (:mod:`.known`).

Frozen dataclasses only, no logic beyond a display property: what a restricted
document or volume (Art. 24) may show is decided before one of these is made
(:mod:`.access`, :mod:`.model`), so no template can show more than it holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..custody.due import Arrival
from ..custody.stats import DocumentTally, VolumeTally
from .sources import AuditSummary


@dataclass(frozen=True)
class Binding:
    """Where a document is bound: its volume, item number and page range (Art. 16–17)."""

    volume: str  # reference code of the volume
    item: int  # 序号 in the volume index
    first_page: int | None  # stamped page numbers (页号)
    last_page: int | None
    pdf_first: int
    pdf_last: int
    page: str | None  # the volume's page in the site (None when the volume is restricted)


@dataclass(frozen=True)
class DocumentEntry:
    id: str
    customer: str
    year: int
    restricted: bool
    classification: str  # label, e.g. 普通 / 机密
    # Everything below is empty for a restricted document (Art. 24).
    date: dt.date | None = None
    type: str = ""  # document type name (客户信用评估报告)
    type_code: str = ""
    title: str = ""
    doc_no: str = ""
    responsible: str = ""
    retention: str = ""  # retention class name (长期)
    pages: int = 0
    copies: int | None = None
    group: str = ""
    role: str = ""
    notes: str = ""
    filed_at: str = ""
    filed_by: str = ""
    page: str | None = None  # site path of its page
    pdf: str | None = None  # site path of its PDF
    thumb: str | None = None  # site path of its first-page thumbnail
    binding: Binding | None = None
    withheld: str = ""  # why its PDF is not served (active content found in it), else ""


@dataclass(frozen=True)
class IndexRow:
    """One line of the volume index (卷内文件目录, Art. 17)."""

    item: int
    record: str
    restricted: bool
    doc_no: str = ""
    responsible: str = ""
    title: str = ""
    date: dt.date | None = None
    pages: str = ""  # "1–4" (stamped page numbers)
    remarks: str = ""
    page: str | None = None  # the document's page in the site


@dataclass(frozen=True)
class VolumeEntry:
    reference: str
    customer: str
    year: int
    restricted: bool
    classification: str  # label
    # Empty for a restricted volume.
    volume: int = 0
    title: str = ""
    retention: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    page_count: int = 0
    sheet_count: int = 0
    document_count: int = 0
    filer: str = ""
    checker: str = ""
    built_at: str = ""
    remarks: tuple[str, ...] = ()
    rows: tuple[IndexRow, ...] = ()
    page: str | None = None
    pdf: str | None = None
    thumb: str | None = None
    withheld: str = ""  # why its PDF is not served (active content found in it), else ""
    box: int = 0  # 盒号 from the manifest (archiver papers box-labels), 0: not boxed


@dataclass(frozen=True)
class YearGroup:
    year: int
    volumes: tuple[VolumeEntry, ...]
    documents: tuple[DocumentEntry, ...]  # not yet in a volume


@dataclass(frozen=True)
class ProfileRow:
    label: str
    value: str


@dataclass(frozen=True)
class HistoryRow:
    at: str
    by: str
    field: str  # Chinese label when known
    old: str
    new: str
    reason: str


def _years_text(first: int | None, last: int | None) -> str:
    if first is None:
        return ""
    return str(first) if first == last else f"{first}–{last}"


@dataclass(frozen=True)
class CountRow:
    label: str
    documents: int
    pages: int
    customers: int = 0  # customers the documents concern


@dataclass(frozen=True)
class CollectionCell:
    due: int  # documents expected (active customers × monthly types of the department)
    collected: int  # of those, how many arrived
    late: int  # of those, how many were filed after the department's due day


@dataclass(frozen=True)
class CollectionRow:
    month: str  # YYYY-MM
    due_date: dt.date  # the earliest due day among departments (for display)
    cells: tuple[CollectionCell, ...]  # one per department, in config order
    open: bool  # the due day has not passed yet


@dataclass(frozen=True)
class Statistics:
    """Art. 25: quantities by year, type, retention, classification and department, and
    collection (Art. 5): monthly documents collected against those due."""

    by_year: tuple[CountRow, ...]
    by_type: tuple[CountRow, ...]
    by_retention: tuple[CountRow, ...]
    by_classification: tuple[CountRow, ...]
    by_department: tuple[CountRow, ...]
    volumes_by_year: tuple[tuple[int, int], ...]
    departments: tuple[str, ...]  # names, in config order
    collection: tuple[CollectionRow, ...]


@dataclass(frozen=True)
class Totals:
    customers: int
    volumes: int
    documents: int
    pages: int


@dataclass(frozen=True)
class LastFiling:
    at: str
    by: str
    customer: str
    customer_name: str
    document: DocumentEntry | None


@dataclass(frozen=True)
class SearchItem:
    kind: str  # "volume" / "document"
    customer: str  # customer code
    type: str
    date: str
    title: str
    doc_no: str
    reference: str
    page: str
    order: tuple[int, str, str]  # where it goes in the index: newest first, then customer


@dataclass(frozen=True)
class CustomerRow:
    """A customer in the list of customers and in the search index."""

    code: str
    name: str
    active: bool
    page: str
    volume_count: int
    document_count: int
    first_year: int | None
    last_year: int | None

    @property
    def years_text(self) -> str:
        return _years_text(self.first_year, self.last_year)


@dataclass(frozen=True)
class DealingRow:
    """One dealing with the company (Art. 8, 26, 30); never a confidential one."""

    date: str
    summary: str
    amount: str
    document: str  # the record documenting it, when the catalogue lists that record; else ""
    page: str | None  # its page, when the catalogue shows it
    at: str
    by: str


@dataclass(frozen=True)
class CustomerEntry(CustomerRow):
    """A customer's own page: its row, its Art. 8 profile, its history, its dealings and
    its file by year."""

    profile: tuple[ProfileRow, ...]
    history: tuple[HistoryRow, ...]
    years: tuple[YearGroup, ...]  # newest first
    dealings: tuple[DealingRow, ...] = ()  # newest first


@dataclass(frozen=True)
class Tally:
    """One customer's share of the statistics (Art. 25) and of the collection table (Art. 5),
    made by the custody stage's own engine (:mod:`archiver.custody.stats`,
    :mod:`archiver.custody.due`), so the site and ``archiver stats`` / ``archiver due``
    give the same numbers."""

    documents: DocumentTally
    volumes: VolumeTally
    arrivals: tuple[Arrival, ...]  # its records of monthly document types

    @property
    def earliest(self) -> dt.date | None:  # date of its earliest document
        return self.documents.earliest


@dataclass(frozen=True)
class CustomerSummary:
    """What the site-wide pages (home, customers, statistics, search index) need from one
    customer: small, so a rebuild keeps it for every customer whose material is unchanged."""

    row: CustomerRow
    pages: int  # scanned pages of its documents
    tally: Tally
    search: tuple[SearchItem, ...]  # its volumes and documents that may be shown


@dataclass(frozen=True)
class CustomerPart:
    """One customer's pages' data: its file (案卷) by year, its volumes and documents."""

    entry: CustomerEntry
    volumes: tuple[VolumeEntry, ...]
    documents: tuple[DocumentEntry, ...]
    summary: CustomerSummary


@dataclass(frozen=True)
class Overview:
    """The site-wide pages' data, made from every customer's summary."""

    totals: Totals
    customers: tuple[CustomerRow, ...]
    statistics: Statistics
    search: tuple[SearchItem, ...]
    last_filing: LastFiling | None
    last_audit: AuditSummary | None


@dataclass(frozen=True)
class SiteInfo:
    fonds_code: str
    fonds_name: str
    policy_version: str
    restricted_from: str  # label of the lowest restricted classification


@dataclass
class SiteModel:
    """The whole site: the site-wide data and every customer's part."""

    info: SiteInfo
    parts: list[CustomerPart]
    overview: Overview

    @property
    def customers(self) -> list[CustomerEntry]:
        return [p.entry for p in self.parts]

    @property
    def volumes(self) -> list[VolumeEntry]:
        return [v for p in self.parts for v in p.volumes]

    @property
    def documents(self) -> list[DocumentEntry]:
        return [d for p in self.parts for d in p.documents]

    @property
    def totals(self) -> Totals:
        return self.overview.totals

    @property
    def statistics(self) -> Statistics:
        return self.overview.statistics

    @property
    def search(self) -> tuple[SearchItem, ...]:
        return self.overview.search
