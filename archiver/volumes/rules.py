"""The policy's rules for assembling volumes (Art. 12–15), as pure functions.

Nothing here opens a file: records go in, plain answers come out.

* Art. 12 — documents sharing a ``group`` key stay together (:func:`group_units`) and a
  group is never split across volumes (:func:`split_volumes`).
* Art. 13 — top-secret documents form volumes of their own; ordinary documents in the
  same group as a top-secret one follow it (:func:`is_top_secret`).
* Art. 14 — the filing year (:func:`document_year`, :func:`unit_year`).
* Art. 15 — the order inside a group (:data:`ROLE_ORDER`) and of groups and single
  documents in a volume (:func:`unit_key`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..config import CLASSIFICATION_LEVELS, Config
from ..model import ROLES, Metadata, Record

# Art. 15 and Art. 12: inside a group, each pair's first role comes before its second —
# reply before request, main document before attachment, printed copy before final
# draft, original before duplicate, forwarding document before the forwarded one, the
# original-language version before its translations. Documents of a group without a
# role follow the ones with a role.
ROLE_ORDER: tuple[str, ...] = ROLES
# Chinese names of the roles, for the volume index's 备注 column.
ROLE_LABELS = {
    "reply": "批复",
    "request": "请示",
    "main": "正件",
    "attachment": "附件",
    "printed": "印件",
    "final-draft": "定稿",
    "original": "正本",
    "duplicate": "副本",
    "forwarding": "转发文件",
    "forwarded": "被转发文件",
    "original-language": "原文",
    "translation": "译文",
}

Unit = tuple[Record, ...]  # a group in its Art. 15 order, or one single document


# Art. 14: the filing year ------------------------------------------------------------------
def document_year(meta: Metadata) -> int:
    """The filing year of one document on its own (Art. 14).

    A cross-year plan goes to the first year of its period (第14条第2项), a cross-year
    summary to the last (第3项), cross-year meeting papers to the year the meeting opened
    (第4项); anything else to the year of its own date (第5项). A plan, summary or meeting
    whose period lies within one year is not cross-year: it follows its date.
    """
    period = meta.period
    if meta.kind and period is not None and period[0].year != period[1].year:
        if meta.kind in ("plan", "meeting"):
            return period[0].year
        if meta.kind == "summary":
            return period[1].year
    return meta.date.year


def unit_year(unit: Unit) -> int:
    """The filing year of a group: that of its first document in Art. 15 order.

    So a request and its reply in different years go to the reply's year (the reply
    leads, 第14条第1项) and a request without a reply to the request's year (第2项); a
    group is never split across years (Art. 12).
    """
    return document_year(unit[0].meta)


# Art. 12, 15: groups and their order ---------------------------------------------------------
def role_rank(role: str) -> int:
    return ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)


def document_key(record: Record, type_rank: Callable[[str], int]) -> tuple[dt.date, int, str]:
    """Date, then the document type's configured rank, then id: stable (Art. 15)."""
    return (record.meta.date, type_rank(record.meta.type), record.id)


def order_group(records: Iterable[Record], type_rank: Callable[[str], int]) -> Unit:
    """The documents of one group in Art. 15 order: by role, then date, type rank, id."""
    return tuple(sorted(records, key=lambda r: (role_rank(r.meta.role), *document_key(r, type_rank))))


def group_units(records: Iterable[Record], type_rank: Callable[[str], int]) -> list[Unit]:
    """Gather records into units: one per ``group`` key (Art. 12), one per single document.

    Units come back in volume order (:func:`unit_key`).
    """
    groups: dict[str, list[Record]] = {}
    units: list[Unit] = []
    for record in records:
        if record.meta.group:
            groups.setdefault(record.meta.group, []).append(record)
        else:
            units.append((record,))
    units.extend(order_group(members, type_rank) for members in groups.values())
    return sorted(units, key=lambda u: unit_key(u, type_rank))


def unit_key(unit: Unit, type_rank: Callable[[str], int]) -> tuple[dt.date, int, str]:
    """Groups and single documents follow by date, type rank, id — of a group's first document."""
    return document_key(unit[0], type_rank)


def config_type_rank(config: Config) -> Callable[[str], int]:
    """The document-type rank from archive.toml; an unknown type sorts last."""
    ranks = {code: t.rank for code, t in config.document_types.items()}
    return lambda code: ranks.get(code, 1_000_000)


@dataclass(frozen=True)
class GroupProblem:
    """Why a group cannot be assembled (Art. 12): which records, and what is wrong."""

    group: str
    records: tuple[str, ...]
    what: str


def check_groups(records: Iterable[Record]) -> list[GroupProblem]:
    """Groups that cannot be assembled: two documents claiming the same role, or one
    group spread over two customers' files (e.g. a reply whose request is in another
    customer's file) — Art. 12 keeps such documents together, so the build refuses."""
    groups: dict[str, list[Record]] = {}
    for record in records:
        if record.meta.group:
            groups.setdefault(record.meta.group, []).append(record)
    problems = []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda r: r.id)
        customers = sorted({r.customer for r in members})
        if len(customers) > 1:
            by_role = {r.meta.role: r for r in members}
            if "reply" in by_role and "request" in by_role and by_role["reply"].customer != by_role["request"].customer:
                reply, request = by_role["reply"], by_role["request"]
                what = (f"the reply {reply.id} (customer {reply.customer}) has its request {request.id} "
                        f"in customer {request.customer}'s file")
            else:
                what = "its documents are in the files of customers " + ", ".join(customers)
            problems.append(GroupProblem(key, tuple(r.id for r in members),
                                         f"group '{key}': {what}; a group stays in one customer file (Art. 12)"))
        seen: dict[str, list[str]] = {}
        for r in members:
            if r.meta.role:
                seen.setdefault(r.meta.role, []).append(r.id)
        for role, ids in sorted(seen.items()):
            if len(ids) > 1:
                problems.append(GroupProblem(key, tuple(ids),
                                             f"group '{key}': {' and '.join(ids)} both claim the role '{role}' (Art. 12, 15)"))
    return problems


# Art. 13, 17: which series a unit goes to ------------------------------------------------------
def is_top_secret(unit: Unit) -> bool:
    """Art. 13: a unit with a top-secret document goes to a top-secret volume, with the
    ordinary documents of its group."""
    return any(r.meta.classification == "top-secret" for r in unit)


def highest_classification(records: Iterable[Record]) -> str:
    levels = [CLASSIFICATION_LEVELS.index(r.meta.classification) for r in records
              if r.meta.classification in CLASSIFICATION_LEVELS]
    return CLASSIFICATION_LEVELS[max(levels, default=0)]


def unit_retention(unit: Unit, config: Config) -> str:
    """The retention class of a unit: the longest of its documents' (a group is kept
    whole, Art. 12, as long as its most durable document; years = 0 is forever)."""
    def length(code: str) -> tuple[bool, int]:
        cls = config.retention.get(code)
        return (cls is not None and cls.years == 0, cls.years if cls else -1)

    return max((r.retention for r in unit), key=length)


# Volume thickness ---------------------------------------------------------------------------
def document_sheets(page_count: int, sides: str) -> int:
    """Sheets a document takes in a duplex volume (Art. 16): a simplex scan's pages each
    take a sheet (a blank back is inserted); a duplex scan's pages fill both sides."""
    return page_count if sides == "simplex" else (page_count + 1) // 2


@dataclass(frozen=True)
class Split:
    """One volume's units; ``oversize`` when it is a single group thicker than the maximum."""

    units: tuple[Unit, ...]
    sheets: int
    oversize: bool = False


def split_volumes(units: Sequence[Unit], sheets: Callable[[Unit], int], max_sheets: int) -> list[Split]:
    """Cut ordered units into volumes of at most ``max_sheets`` sheets of material.

    Splits fall only between units (Art. 12: a group is never split). A unit thicker
    than the maximum on its own makes a volume of its own, marked ``oversize`` so the
    remarks sheet can say why.
    """
    out: list[Split] = []
    current: list[Unit] = []
    total = 0
    for unit in units:
        n = sheets(unit)
        if n > max_sheets:
            if current:
                out.append(Split(tuple(current), total))
                current, total = [], 0
            out.append(Split((unit,), n, oversize=True))
            continue
        if current and total + n > max_sheets:
            out.append(Split(tuple(current), total))
            current, total = [], 0
        current.append(unit)
        total += n
    if current:
        out.append(Split(tuple(current), total))
    return out


# Art. 20: the reference code ----------------------------------------------------------------
def reference_code(config: Config, customer: str, year: int, retention: str, volume: int) -> str:
    """The volume's reference code (档号) from ``volumes.reference_format``."""
    letter = config.retention[retention].letter if retention in config.retention else retention
    return config.volumes.reference_format.format(
        fonds=config.fonds_code, customer=customer, year=year, retention=letter, volume=volume
    )
