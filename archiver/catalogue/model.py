"""The site model: records, volume manifests, customers and configuration → the view
types of :mod:`.views`, customer by customer (:func:`customer_part`), then the site-wide
data from every customer's summary (:func:`overview`). Pure: no file is read or written
here.

Art. 24 is applied here, once, at the edge, by the rules of :mod:`.access`: a restricted
document enters the model with its reference code only — its title, document number,
responsible, thumbnail and links are never copied into the model, so no template can show
them by mistake. A volume holding a restricted document is itself restricted: its PDF
contains that document, so it is listed by reference code only, with no page, no cover
thumbnail and no PDF. The statistics are shaped by :mod:`.statistics`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import fields

from .. import clock
from ..config import Config
from ..customers import PROFILE_LABELS, Customer
from ..model import Record
from ..volumes.manifest import VolumeManifest
from ..volumes.rules import ROLE_LABELS  # the 备注 the printed index shows (Art. 12, 15)
from . import paths
from .access import restricted_records, volume_restricted
from .sources import AuditSummary, DealingEntry, FilingSummary, HistoryEntry
from .statistics import statistics, tally
from .views import (
    Binding,
    CustomerEntry,
    CustomerPart,
    CustomerRow,
    CustomerSummary,
    DealingRow,
    DocumentEntry,
    HistoryRow,
    IndexRow,
    LastFiling,
    Overview,
    ProfileRow,
    SearchItem,
    SiteInfo,
    SiteModel,
    Totals,
    VolumeEntry,
    YearGroup,
)


def site_info(config: Config) -> SiteInfo:
    return SiteInfo(fonds_code=config.fonds_code, fonds_name=config.fonds_name,
                    policy_version=config.policy_version,
                    restricted_from=_label(config, config.catalogue.restricted_from))



def page_range(first: int | None, last: int | None) -> str:
    if first is None:
        return ""
    return str(first) if last in (None, first) else f"{first}–{last}"


def build_model(
    config: Config,
    customers: Iterable[Customer],
    records: Iterable[Record],
    manifests: Iterable[VolumeManifest],
    *,
    histories: Mapping[str, list[HistoryEntry]] | None = None,
    dealings: Mapping[str, list[DealingEntry]] | None = None,
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
    histories, dealings = histories or {}, dealings or {}
    people = {c.code: c for c in customers}
    recs: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        recs[r.customer].append(r)
    mans: dict[str, list[VolumeManifest]] = defaultdict(list)
    for m in manifests:
        mans[m.customer].append(m)
    codes = sorted(set(people) | set(recs) | set(mans))
    parts = [customer_part(config, code, people.get(code), recs[code], mans[code], histories.get(code, []), thumbs,
                           dealings=dealings.get(code, ())) for code in codes]
    filed = None
    if last_filing is not None:
        filed = next((d for p in parts for d in p.documents if d.id == last_filing.record), None)
    return SiteModel(info=site_info(config), parts=parts,
                     overview=overview(config, [p.summary for p in parts], last_filing, filed, last_audit,
                                       today or clock.today()))


def customer_part(config: Config, code: str, person: Customer | None, records: Iterable[Record],
                  manifests: Iterable[VolumeManifest], history: list[HistoryEntry],
                  thumbs: Collection[str], active: Mapping[str, Sequence[str]] | None = None,
                  dealings: Sequence[DealingEntry] = ()) -> CustomerPart:
    """One customer's pages' data, from its own records, volume manifests, profile,
    history and (never confidential) dealings only (Art. 24 applied). ``active`` maps the checksum of a PDF that carries
    active content (JavaScript, Launch actions, embedded files …) to what it carries:
    such a PDF is listed without its link, with a note."""
    active = active or {}
    records = sorted(records, key=lambda r: (r.meta.date, r.id))
    manifests = sorted(manifests, key=lambda m: (m.year, m.volume, m.reference))
    record_levels = {r.id: r.meta.classification for r in records}

    restricted_ids = restricted_records(records, manifests, config)

    # Volumes, and where each record is bound.
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
    entry = _customer(code, person, documents, volumes, binding, history, dealings)
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
              binding: Mapping[str, Binding], history: list[HistoryEntry],
              dealings: Sequence[DealingEntry] = ()) -> CustomerEntry:
    profile = tuple(ProfileRow(label, str(getattr(person, f, "") or "")) for f, label in PROFILE_LABELS.items()) \
        if person else ()
    years = sorted({d.year for d in docs} | {v.year for v in vols}, reverse=True)
    groups = []
    for year in years:
        loose = tuple(d for d in docs if d.year == year and d.id not in binding)
        groups.append(YearGroup(year=year, volumes=tuple(v for v in vols if v.year == year), documents=loose))
    hist = tuple(HistoryRow(at=h.at[:19].replace("T", " "), by=h.by, field=PROFILE_LABELS.get(h.field, h.field),
                            old=h.old, new=h.new, reason=h.reason) for h in history)
    listed = {d.id: d for d in docs}  # a document no longer listed (destroyed, held) is not named
    deals = tuple(DealingRow(date=d.date, summary=d.summary, amount=d.amount,
                             document=d.document if d.document in listed else "",
                             page=listed[d.document].page if d.document in listed else None,
                             at=d.at[:19].replace("T", " "), by=d.by)
                  for d in sorted(dealings, key=lambda d: (d.date, d.at), reverse=True))
    return CustomerEntry(
        code=code, name=person.name if person else "", active=person.active if person else False,
        page=paths.customer_page(code), profile=profile, history=hist, years=tuple(groups), dealings=deals,
        volume_count=len(vols), document_count=len(docs),
        first_year=min(years) if years else None, last_year=max(years) if years else None,
    )  # fmt: skip
