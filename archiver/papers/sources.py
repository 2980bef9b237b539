"""What the papers print, read from the archive: manifests, customers and the registers.

The only module of :mod:`archiver.papers` that reads the archive; it hands the layouts
plain data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..errors import NotFoundError
from ..store import Archive
from ..volumes.manifest import VolumeManifest, iter_manifests
from .box_labels import BoxLabel
from .boxes import Volume
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


def box_volume(m: VolumeManifest) -> Volume:
    return Volume(reference=m.reference, customer=m.customer, year=m.year, retention=m.retention,
                  top_secret=m.classification == "top-secret", number=m.volume, sheets=m.sheet_count)


def box_labels(archive: Archive, boxes: dict[tuple[int, str, int], list[Volume]],
               sheets: Iterable[VolumeManifest]) -> list[BoxLabel]:
    """The labels of ``boxes`` (box → its volumes in number order)."""
    cfg = archive.config
    by_ref = {m.reference: m for m in sheets}
    names = {c.code: c.name for c in archive.customers()}
    out = []
    for (year, retention, number), vols in boxes.items():
        first = vols[0]
        out.append(BoxLabel(
            fonds_code=cfg.fonds_code, fonds_name=cfg.fonds_name, customer_code=first.customer,
            customer_name=names.get(first.customer, ""), year=year, retention_name=cfg.retention[retention].name,
            number=number, first_reference=vols[0].reference, last_reference=vols[-1].reference,
            volumes=len(vols), sheets=sum(by_ref[v.reference].sheet_count for v in vols if v.reference in by_ref),
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
