"""The statistics page's tables (Art. 25 counts, Art. 5 collection), shaped for display.

The numbers come from the custody stage's own engine (:mod:`archiver.custody.stats`
tallies and adds them up, :mod:`archiver.custody.due` says what was due), so the site,
``archiver stats`` and ``archiver due`` agree; here they are only labelled, ordered as the
configuration lists them and cut into the last twelve months. Pure: no file is read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping

from ..config import Config
from ..custody.due import Arrival, Party, arrivals, expectations
from ..custody.stats import UNKNOWN_TYPE, add_documents, add_volumes, tally_documents, tally_volumes
from ..model import Record
from ..months import shift_month
from ..volumes.manifest import VolumeManifest
from .views import CollectionCell, CollectionRow, CountRow, Statistics, Tally


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
        y, mo = shift_month(today.year, today.month, -back)
        if (y, mo) < (earliest_doc.year, earliest_doc.month):
            continue  # before the archive's first document
        ny, nm = shift_month(y, mo, 1)
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
