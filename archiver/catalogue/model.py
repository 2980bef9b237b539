"""The site model: records, volume manifests, customers and configuration → plain data
for each page. Pure: no file is read or written here.

Art. 24 is applied here, once, at the edge: a restricted document (classified at or above
``catalogue.restricted_from``) enters the model with its reference code only — its
title, document number, responsible, thumbnail and links are never copied into the
model, so no template can show them by mistake. A volume holding a restricted document
is itself restricted: its PDF contains that document, so it is listed by reference code
only, with no page, no cover thumbnail and no PDF.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

from .. import clock
from ..config import CLASSIFICATION_LEVELS, Config
from ..custody.due import Arrival, Party, arrivals, expectations
from ..custody.stats import (
    UNKNOWN_TYPE,
    DocumentTally,
    VolumeTally,
    add_documents,
    add_volumes,
    tally_documents,
    tally_volumes,
)
from ..customers import PROFILE_LABELS, Customer
from ..model import Record
from ..volumes.manifest import VolumeManifest
from ..volumes.rules import ROLE_LABELS  # the 备注 the printed index shows (Art. 12, 15)
from . import paths
from .sources import AuditSummary, FilingSummary, HistoryEntry


# Plain data of the pages ----------------------------------------------------------------
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
class CustomerEntry(CustomerRow):
    """A customer's own page: its row, its Art. 8 profile, its history and its file by year."""

    profile: tuple[ProfileRow, ...]
    history: tuple[HistoryRow, ...]
    years: tuple[YearGroup, ...]  # newest first


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


def site_info(config: Config) -> SiteInfo:
    return SiteInfo(fonds_code=config.fonds_code, fonds_name=config.fonds_name,
                    policy_version=config.policy_version,
                    restricted_from=_label(config, config.catalogue.restricted_from))


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

    @property
    def last_filing(self) -> LastFiling | None:
        return self.overview.last_filing


# Rules -------------------------------------------------------------------------------------
def _is_restricted(level: str, config: Config) -> bool:
    """Art. 24 for one classification; an unknown level counts as restricted (never show
    what cannot be judged)."""
    return level not in CLASSIFICATION_LEVELS or config.is_restricted(level)


def record_restricted(record: Record, config: Config, bound_levels: Iterable[str] = ()) -> bool:
    """Art. 24: restricted when the record, or any volume entry of it, is classified at or
    above ``catalogue.restricted_from``."""
    return _is_restricted(record.meta.classification, config) or any(_is_restricted(x, config) for x in bound_levels)


def volume_restricted(manifest: VolumeManifest, config: Config, record_levels: Mapping[str, str]) -> bool:
    """A volume is restricted when it, or any document in it (as the manifest or the
    record now says), is restricted: its PDF contains the restricted document."""
    if _is_restricted(manifest.classification, config):
        return True
    for d in manifest.documents:
        if _is_restricted(d.classification, config) or _is_restricted(record_levels.get(d.record, "ordinary"), config):
            return True
    return False


def page_range(first: int | None, last: int | None) -> str:
    if first is None:
        return ""
    return str(first) if last in (None, first) else f"{first}–{last}"


# Building ----------------------------------------------------------------------------------
def build_model(
    config: Config,
    customers: Iterable[Customer],
    records: Iterable[Record],
    manifests: Iterable[VolumeManifest],
    *,
    histories: Mapping[str, list[HistoryEntry]] | None = None,
    thumbs: Collection[str] = (),
    last_filing: FilingSummary | None = None,
    last_audit: AuditSummary | None = None,
    today: dt.date | None = None,
) -> SiteModel:
    """Everything the pages show. ``thumbs`` holds the sha256 of each file with a
    thumbnail ready (document scans and volume PDFs).

    Built customer by customer (:func:`customer_part`), then the site-wide data from
    their summaries (:func:`overview`): an incremental build does the same for the
    customers whose material changed only, so both give the same site. A volume binds
    documents of its own customer (it is made per customer, Art. 16).
    """
    histories = histories or {}
    people = {c.code: c for c in customers}
    recs: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        recs[r.customer].append(r)
    mans: dict[str, list[VolumeManifest]] = defaultdict(list)
    for m in manifests:
        mans[m.customer].append(m)
    codes = sorted(set(people) | set(recs) | set(mans))
    parts = [customer_part(config, code, people.get(code), recs[code], mans[code], histories.get(code, []), thumbs)
             for code in codes]
    filed = None
    if last_filing is not None:
        filed = next((d for p in parts for d in p.documents if d.id == last_filing.record), None)
    return SiteModel(info=site_info(config), parts=parts,
                     overview=overview(config, [p.summary for p in parts], last_filing, filed, last_audit,
                                       today or clock.today()))


def customer_part(config: Config, code: str, person: Customer | None, records: Iterable[Record],
                  manifests: Iterable[VolumeManifest], history: list[HistoryEntry],
                  thumbs: Collection[str], active: Mapping[str, Sequence[str]] | None = None) -> CustomerPart:
    """One customer's pages' data, from its own records, volume manifests, profile and
    history only (Art. 24 applied). ``active`` maps the checksum of a PDF that carries
    active content (JavaScript, Launch actions, embedded files …) to what it carries:
    such a PDF is listed without its link, with a note."""
    active = active or {}
    records = sorted(records, key=lambda r: (r.meta.date, r.id))
    manifests = sorted(manifests, key=lambda m: (m.year, m.volume, m.reference))
    record_levels = {r.id: r.meta.classification for r in records}

    # Volumes, and where each record is bound.
    bound_levels: dict[str, list[str]] = defaultdict(list)
    for m in manifests:
        for d in m.documents:
            bound_levels[d.record].append(d.classification)
    restricted_ids = {r.id for r in records if record_restricted(r, config, bound_levels.get(r.id, ()))}
    restricted_ids |= {rid for rid, levels in bound_levels.items() if any(_is_restricted(x, config) for x in levels)}

    volumes: list[VolumeEntry] = []
    binding: dict[str, Binding] = {}
    for m in manifests:
        v_restricted = volume_restricted(m, config, record_levels)
        v_page = None if v_restricted else paths.volume_page(m.customer, m.reference)
        for item, d in enumerate(m.documents, start=1):
            binding[d.record] = Binding(volume=m.reference, item=item, first_page=d.first_page, last_page=d.last_page,
                                        pdf_first=d.pdf_first, pdf_last=d.pdf_last, page=v_page)
        if v_restricted:
            volumes.append(VolumeEntry(reference=m.reference, customer=m.customer, year=m.year, restricted=True,
                                       classification=_label(config, m.classification)))
            continue
        rows = []
        for item, d in enumerate(m.documents, start=1):
            # (not restricted: the volume would be restricted otherwise)
            present = d.record in record_levels
            rows.append(IndexRow(item=item, record=d.record, restricted=False, doc_no=d.doc_no,
                                 responsible=d.responsible, title=d.title, date=d.date,
                                 pages=page_range(d.first_page, d.last_page),
                                 remarks="；".join(x for x in (ROLE_LABELS.get(d.role, ""),
                                                              "" if present else "不在目录中") if x),
                                 page=paths.document_page(m.customer, d.record) if present else None))
        volumes.append(VolumeEntry(
            reference=m.reference, customer=m.customer, year=m.year, restricted=False,
            classification=_label(config, m.classification), volume=m.volume, title=m.title,
            retention=_retention(config, m.retention), start_date=m.start_date, end_date=m.end_date,
            page_count=m.page_count, sheet_count=m.sheet_count, document_count=m.document_count,
            filer=m.filer, checker=m.checker, built_at=_when(m.built_at), remarks=tuple(m.remarks),
            rows=tuple(rows), page=v_page,
            pdf=None if m.file_sha256 in active else paths.volume_pdf(m.customer, m.year, m.file_name),
            thumb=paths.thumbnail(m.file_sha256) if m.file_sha256 in thumbs else None,
            withheld="、".join(active.get(m.file_sha256, ())), box=m.box,
        ))  # fmt: skip

    documents = [_document(r, config, r.id in restricted_ids, binding.get(r.id), thumbs, active) for r in records]
    entry = _customer(code, person, documents, volumes, binding, history)
    search = [
        SearchItem(kind="volume", customer=code, type="", date=_span(v), title=v.title, doc_no="",
                   reference=v.reference, page=v.page, order=(-v.year, code, f"{v.volume:09d}"))
        for v in volumes if v.page is not None
    ] + [
        SearchItem(kind="document", customer=code, type=d.type, date=d.date.isoformat() if d.date else "",
                   title=d.title, doc_no=d.doc_no, reference=d.binding.volume if d.binding else "", page=d.page,
                   order=(-(d.date or dt.date.min).toordinal(), code, d.id))
        for d in documents if d.page is not None
    ]
    row = CustomerRow(**{f.name: getattr(entry, f.name) for f in fields(CustomerRow)})
    summary = CustomerSummary(row=row, pages=sum(r.file.page_count for r in records),
                              tally=tally(config, records, manifests), search=tuple(search))
    return CustomerPart(entry=entry, volumes=tuple(volumes), documents=tuple(documents), summary=summary)


def overview(config: Config, summaries: Iterable[CustomerSummary], last_filing: FilingSummary | None,
             filed: DocumentEntry | None, last_audit: AuditSummary | None, today: dt.date) -> Overview:
    """The site-wide data (home page, customers, statistics, search index) from every
    customer's summary; ``filed`` is the document of ``last_filing``, if found."""
    summaries = sorted(summaries, key=lambda s: s.row.code)
    rows = tuple(s.row for s in summaries)
    items = [i for s in summaries for i in s.search]
    search = sorted((i for i in items if i.kind == "volume"), key=lambda i: i.order) + \
        sorted((i for i in items if i.kind != "volume"), key=lambda i: i.order)
    filing = None
    if last_filing is not None:
        names = {r.code: r.name for r in rows}
        filing = LastFiling(at=last_filing.at, by=last_filing.by, customer=last_filing.customer,
                            customer_name=names.get(last_filing.customer, ""), document=filed)
    totals = Totals(customers=len(rows), volumes=sum(r.volume_count for r in rows),
                    documents=sum(r.document_count for r in rows), pages=sum(s.pages for s in summaries))
    return Overview(totals=totals, customers=rows, statistics=statistics(config, [s.tally for s in summaries],
                                                                         rows, today),
                    search=tuple(search), last_filing=filing, last_audit=last_audit)


def _label(config: Config, level: str) -> str:
    return config.classifications.get(level, level)


def _retention(config: Config, code: str) -> str:
    r = config.retention.get(code)
    return r.name if r else code


def _type_name(config: Config, code: str) -> str:
    t = config.document_types.get(code)
    return t.name if t else code


def _when(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _span(v: VolumeEntry) -> str:
    if v.start_date is None or v.end_date is None:
        return ""
    return f"{v.start_date.isoformat()} – {v.end_date.isoformat()}"


def _document(r: Record, config: Config, restricted: bool, bound: Binding | None,
              thumbs: Collection[str], active: Mapping[str, Sequence[str]]) -> DocumentEntry:
    if restricted:
        # Art. 24: the reference code only. Where it is bound is kept (a reference
        # code and page numbers), but never a link.
        safe_binding = None
        if bound is not None:
            safe_binding = Binding(volume=bound.volume, item=bound.item, first_page=bound.first_page,
                                   last_page=bound.last_page, pdf_first=bound.pdf_first, pdf_last=bound.pdf_last,
                                   page=None)
        return DocumentEntry(id=r.id, customer=r.customer, year=r.meta.year, restricted=True,
                             classification=_label(config, r.meta.classification), binding=safe_binding)
    m = r.meta
    return DocumentEntry(
        id=r.id, customer=r.customer, year=m.year, restricted=False, classification=_label(config, m.classification),
        date=m.date, type=_type_name(config, m.type), type_code=m.type, title=m.title, doc_no=m.doc_no,
        responsible=m.responsible, retention=_retention(config, r.retention), pages=r.file.page_count,
        copies=m.copies, group=m.group, role=m.role, notes=m.notes, filed_at=_when(r.filing.filed_at),
        filed_by=r.filing.filed_by, page=paths.document_page(r.customer, r.id),
        pdf=None if r.file.sha256 in active else paths.document_pdf(r.customer, m.year, r.file.name),
        thumb=paths.thumbnail(r.file.sha256) if r.file.sha256 in thumbs else None, binding=bound,
        withheld="、".join(active.get(r.file.sha256, ())),
    )  # fmt: skip


def _customer(code: str, person: Customer | None, docs: list[DocumentEntry], vols: list[VolumeEntry],
              binding: Mapping[str, Binding], history: list[HistoryEntry]) -> CustomerEntry:
    profile = tuple(ProfileRow(label, str(getattr(person, f, "") or "")) for f, label in PROFILE_LABELS.items()) \
        if person else ()
    years = sorted({d.year for d in docs} | {v.year for v in vols}, reverse=True)
    groups = []
    for year in years:
        loose = tuple(d for d in docs if d.year == year and d.id not in binding)
        groups.append(YearGroup(year=year, volumes=tuple(v for v in vols if v.year == year), documents=loose))
    hist = tuple(HistoryRow(at=h.at[:19].replace("T", " "), by=h.by, field=PROFILE_LABELS.get(h.field, h.field),
                            old=h.old, new=h.new, reason=h.reason) for h in history)
    return CustomerEntry(
        code=code, name=person.name if person else "", active=person.active if person else False,
        page=paths.customer_page(code), profile=profile, history=hist, years=tuple(groups),
        volume_count=len(vols), document_count=len(docs),
        first_year=min(years) if years else None, last_year=max(years) if years else None,
    )  # fmt: skip


# Statistics (Art. 25) ---------------------------------------------------------------------
DIMENSIONS = ("year", "type", "retention", "classification", "department")


def tally(config: Config, records: Iterable[Record], manifests: Iterable[VolumeManifest]) -> Tally:
    """One customer's counts for :func:`statistics` (the custody engine's tallies)."""
    records = list(records)
    return Tally(documents=tally_documents(records, config), volumes=tally_volumes(manifests),
                 arrivals=arrivals(records, config))


def _rows(table: Mapping[str, Mapping[str, int]], label: Mapping[str, str], order: Iterable[str] = ()) -> tuple[CountRow, ...]:
    """Rows of one dimension of ``archiver stats``' documents, labelled, in ``order``
    (the configuration's) and then by key."""
    order = [k for k in order if k in table]
    keys = order + sorted(k for k in table if k not in set(order))
    return tuple(CountRow(label=label.get(k, k), documents=table[k]["documents"], pages=table[k]["pages"],
                          customers=table[k]["customers"]) for k in keys)


def _month_add(year: int, month: int, n: int) -> tuple[int, int]:
    i = year * 12 + (month - 1) + n
    return i // 12, i % 12 + 1


def statistics(config: Config, tallies: list[Tally], customers: Iterable[Party], today: dt.date,
               months: int = 12) -> Statistics:
    """Counts (Art. 25) and collection (Art. 5), from every customer's tally, added up by
    the same functions ``archiver stats`` and ``archiver due`` use.

    Collection: for each of the last ``months`` months (from the month of the archive's
    first document on) and each department, *due* is the number of documents expected
    (active customers × the department's monthly document types), *collected* those that
    arrived (on time or late), *late* those filed after the department's due day of the
    following month — ``archiver due --month M`` counts, by department.
    """
    docs = add_documents([t.documents for t in tallies], today)["by"]
    vols = add_volumes([t.volumes for t in tallies])["by"]
    people = list(customers)
    found: dict[tuple[int, int], list[Arrival]] = defaultdict(list)  # by month: each month reads its own
    for t in tallies:
        for a in t.arrivals:
            found[(a.year, a.month)].append(a)
    by_year = tuple(sorted(_rows(docs["year"], {}), key=lambda c: c.label, reverse=True))
    by_type = _rows(docs["type"], {c: t.name for c, t in config.document_types.items()}, config.document_types)
    by_retention = _rows(docs["retention"], {c: r.name for c, r in config.retention.items()}, config.retention)
    by_class = _rows(docs["classification"], dict(config.classifications), config.classifications)
    by_dept = _rows(docs["department"], {**{c: d.name for c, d in config.departments.items()}, UNKNOWN_TYPE: "—"},
                    config.departments)
    volumes_by_year = tuple(sorted(((int(y), row["volumes"]) for y, row in vols["year"].items()), reverse=True))

    rows = []
    depts = list(config.departments.values())
    earliest_doc = min((t.earliest for t in tallies if t.earliest is not None), default=today)
    for back in range(months, 0, -1):
        y, mo = _month_add(today.year, today.month, -back)
        if (y, mo) < (earliest_doc.year, earliest_doc.month):
            continue  # before the archive's first document
        ny, nm = _month_add(y, mo, 1)
        expected = expectations(y, mo, people, found.get((y, mo), ()), config, today)
        cells = []
        for dept in depts:
            mine = [e for e in expected if e.department == dept.code]
            cells.append(CollectionCell(due=len(mine), collected=sum(e.status in ("arrived", "late") for e in mine),
                                        late=sum(e.status == "late" for e in mine)))
        earliest = min((dt.date(ny, nm, d.due_day) for d in depts), default=dt.date(ny, nm, 1))
        latest = max((dt.date(ny, nm, d.due_day) for d in depts), default=earliest)
        rows.append(CollectionRow(month=f"{y:04d}-{mo:02d}", due_date=earliest, cells=tuple(cells),
                                  open=today <= latest))
    return Statistics(
        by_year=by_year, by_type=by_type, by_retention=by_retention, by_classification=by_class,
        by_department=by_dept, volumes_by_year=volumes_by_year,
        departments=tuple(d.name for d in depts), collection=tuple(reversed(rows)),
    )
