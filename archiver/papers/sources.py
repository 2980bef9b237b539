"""What the papers print, read from the archive: manifests, customers and the registers.

The only module of :mod:`archiver.papers` that reads the archive; it hands the layouts
plain data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from ..custody import consult, loans, stats
from ..custody.state import DESTRUCTION, disposal_lists
from ..errors import NotFoundError, WorkflowError
from ..store import Archive
from ..volumes.manifest import VolumeManifest, iter_manifests
from .box_labels import BoxLabel
from .boxes import Volume
from .destruction import DestructionList, DestructionRecord, ListedVolume, Step
from .slips import LoanRecord, Material, RequestSlip, Review
from .stats_report import StatsReport, sections
from .volume_register import RegisterRow, VolumeRegister


def manifests(archive: Archive, *, customer: str = "", year: int | None = None, retention: str = "",
              first: str = "", last: str = "") -> list[VolumeManifest]:
    """The volumes asked for, in reference-code order; ``first``/``last``: a range of
    reference codes (inclusive) within that order."""
    found = sorted((m for m in iter_manifests(archive.volumes)
                    if (not customer or m.customer == customer) and (year is None or m.year == year)
                    and (not retention or m.retention == retention)),
                   key=lambda m: (m.customer, m.year, m.retention, m.classification == "top-secret", m.volume))
    refs = [m.reference for m in found]
    for code in (first, last):
        if code and code not in refs:
            raise NotFoundError(f"There is no volume {code} among the volumes asked for.",
                                hint="Give reference codes of built volumes (see the catalogue or volumes/).")
    start = refs.index(first) if first else 0
    end = refs.index(last) + 1 if last else len(refs)
    return found[start:end]


def box_labels(archive: Archive, boxes: dict[tuple[int, str, int], list[Volume]]) -> list[BoxLabel]:
    """The labels of ``boxes`` (box → its volumes in number order)."""
    cfg = archive.config
    names = {c.code: c.name for c in archive.customers()}
    out = []
    for (year, retention, number), vols in boxes.items():
        first = vols[0]
        out.append(BoxLabel(
            fonds_code=cfg.fonds_code, fonds_name=cfg.fonds_name, customer_code=first.customer,
            customer_name=names.get(first.customer, ""), year=year, retention_name=cfg.retention[retention].name,
            number=number, first_reference=vols[0].reference, last_reference=vols[-1].reference,
            volumes=len(vols), sheets=sum(v.sheets for v in vols),
            classification_label=cfg.classifications["top-secret"] if first.top_secret else "",
        ))  # fmt: skip
    return out


def volume_register(archive: Archive, year: int, retention: str, *, by: str, day: dt.date) -> VolumeRegister:
    """案卷目录 of the fonds' volumes of ``year`` and ``retention`` class, in reference-code order."""
    cfg = archive.config
    if retention not in cfg.retention:
        raise NotFoundError(f"There is no retention class {retention!r}.",
                            hint=f"Use one of: {', '.join(cfg.retention)} (archive.toml [retention]).")
    rows = []
    for m in manifests(archive, year=year, retention=retention):
        remark = [cfg.classifications[m.classification]] if m.classification != "ordinary" else []
        if m.box:
            remark.append(f"第{m.box}盒")
        rows.append(RegisterRow(number=m.volume, reference=m.reference, title=m.title, start_date=m.start_date,
                                end_date=m.end_date, pages=m.page_count, retention_name=cfg.retention[m.retention].name,
                                remark="\n".join(remark)))
    if not rows:
        raise NotFoundError(f"There are no built volumes of {year} with retention class {retention}.",
                            hint="Run `archiver build` first, or check --year and --retention.")
    return VolumeRegister(fonds_code=cfg.fonds_code, fonds_name=cfg.fonds_name, year=year,
                          retention_name=cfg.retention[retention].name, rows=tuple(rows), compiled_by=by,
                          compiled_on=day)


def _day(value: Any) -> dt.date | None:
    """The day of a register's ISO date or time ('' or missing: None)."""
    if not value:
        return None
    text = str(value)
    try:
        return dt.datetime.fromisoformat(text).date() if "T" in text else dt.date.fromisoformat(text)
    except ValueError:
        return None


def _listed(archive: Archive, volumes: Iterable[dict[str, Any]]) -> tuple[ListedVolume, ...]:
    names = archive.config.retention
    return tuple(ListedVolume(
        reference=str(v.get("reference", "")), title=str(v.get("title", "")), year=int(v.get("year", 0)),
        retention_name=names[v["retention"]].name if v.get("retention") in names else str(v.get("retention", "")),
        documents=len(v.get("documents", [])), expired_after=_day(v.get("expired_after")),
    ) for v in volumes)  # fmt: skip


APPRAISERS = {"cs-manager": "客户服务部经理鉴定", "originating-dept": "形成部门领导鉴定"}


def destruction_list(archive: Archive, list_id: str) -> DestructionList:
    """销毁清册 of the destruction list ``list_id`` as the disposal register holds it."""
    case = disposal_lists(archive).get(list_id)
    if case is None:
        raise NotFoundError(f"There is no destruction list {list_id}.",
                            hint="See the lists with `archiver disposal list`.")
    opened = case.opened
    done = {e.get("role"): e for e in case.events("appraised")}
    approvals = case.events("approved")
    approved = approvals[0] if approvals else {}
    steps = [Step("登记造册", str(opened.get("by", "")), "保管期限已满", _day(opened.get("at")))]
    for role, label in APPRAISERS.items():
        e = done.get(role, {})
        steps.append(Step(label, str(e.get("by", "")), str(e.get("opinion", "")), _day(e.get("at"))))
    steps.append(Step("客户总监批准", str(approved.get("by", "")), "同意销毁" if approved else "", _day(approved.get("at"))))
    cfg = archive.config
    return DestructionList(list_id=list_id, fonds_code=cfg.fonds_code, fonds_name=cfg.fonds_name,
                           volumes=_listed(archive, opened.get("volumes", [])), steps=tuple(steps),
                           hold_until=_day(approved.get("hold_until")))


def destruction_record(archive: Archive, list_id: str) -> DestructionRecord:
    """销毁登记表 of ``list_id``, from the destruction register (after destruction only)."""
    entry = next((e for e in archive.register(DESTRUCTION) if e.get("event") == "destroyed"
                  and e.get("list") == list_id), None)
    if entry is None:
        if list_id in disposal_lists(archive):
            raise WorkflowError(f"Destruction list {list_id} has not been destroyed: there is no destruction "
                                "register entry to print.",
                                hint=f"Print its 销毁清册 with `archiver papers destruction-list {list_id}`; the "
                                "销毁登记表 follows `archiver disposal destroy`.")
        raise NotFoundError(f"There is no destruction list {list_id}.",
                            hint="See the lists with `archiver disposal list`.")
    cfg = archive.config
    return DestructionRecord(
        list_id=list_id, fonds_code=cfg.fonds_code, fonds_name=cfg.fonds_name,
        volumes=_listed(archive, entry.get("volumes", [])), files=len(entry.get("files", [])),
        approved_by=str(entry.get("approved_by", "")), approved_on=_day(entry.get("approved_at")),
        hold_until=_day(entry.get("hold_until")), destroyed_on=_day(entry.get("at")) or dt.date.min,
        place=str(entry.get("place", "")), executed_by=str(entry.get("by", "")),
        supervisor=str(entry.get("supervisor", "")),
    )  # fmt: skip


def _material(data: Any) -> Material | None:
    if not isinstance(data, dict):
        return None
    return Material(str(data.get("kind", "")), str(data.get("ref", "")), str(data.get("label", "")))


def request_slip(archive: Archive, case_id: str) -> tuple[RequestSlip, LoanRecord | None]:
    """The request slip of a consultation (CQ-…) or loan (LN-…), and a loan's record."""
    is_loan = case_id in loans.cases(archive)
    case = (loans.cases(archive) if is_loan else consult.cases(archive)).get(case_id)
    if case is None:
        raise NotFoundError(f"There is no consultation or loan request {case_id}.",
                            hint="See them with `archiver consult list` and `archiver loan list`.")
    o = case.opened
    refused = case.last("refused") or {}
    review = Review(approved_by=tuple((str(e.get("by", "")), _day(e.get("at"))) for e in case.events("approved")),
                    refused_by=str(refused.get("by", "")), refusal=str(refused.get("reason", "")),
                    refused_on=_day(refused.get("at")))
    level = str(o.get("classification") or (o.get("object") or {}).get("classification") or "ordinary")
    cfg = archive.config
    items = tuple(m for m in (_material(i) for i in o.get("items", [])) if m)
    slip = RequestSlip(
        loan=is_loan, case_id=case_id, requested_on=_day(o.get("at")), recorded_by=str(o.get("by", "")),
        requester=str(o.get("requester", "")), department=str(o.get("department", "")),
        purpose=str(o.get("purpose", "")), reason=str(o.get("reason", "")), signer=str(o.get("signer") or ""),
        subject=_material(o.get("object")), items=items, copies=int(o.get("copies") or 0), due=_day(o.get("due")),
        classification_label="" if level == "ordinary" else cfg.classifications.get(level, level),
        approvals_needed=int(o.get("approvals_needed", 1)), review=review,
    )  # fmt: skip
    if not is_loan:
        return slip, None
    lent = case.last("lent") or {}
    back = case.last("returned") or {}
    record = LoanRecord(case_id=case_id, items=items, copies=slip.copies, reason=slip.reason,
                        borrower=str(lent.get("borrower", "")), lent_on=_day(lent.get("at")),
                        lent_by=str(lent.get("by", "")), due=slip.due, returned_on=_day(back.get("at")),
                        returned_by=str(back.get("by", "")), days_late=int(back.get("days_late") or 0))
    return slip, record


def stats_report(archive: Archive, day: dt.date, *, by: str) -> StatsReport:
    """档案统计表 on ``day``: the numbers of ``archiver stats`` with the configured names."""
    cfg = archive.config
    labels, order = stats.dimension_names(cfg)
    return StatsReport(fonds_code=cfg.fonds_code, fonds_name=cfg.fonds_name, as_of=day,
                       sections=sections(stats.collect(archive, day), labels, order), compiled_by=by)
