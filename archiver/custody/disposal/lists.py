"""The destruction lists, read from the registers (Art. 29): one list, a summary of each,
the volumes due for a list, what the destruction register holds. The state of a list
comes from :mod:`archiver.custody.state`, the one view of custody state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ... import clock
from ...store import Archive
from ...volumes.manifest import iter_manifests
from ..state import DESTRUCTION, OPEN_STATES, disposal_lists, list_state
from ..workflow import Case, get_case
from .rules import DueVolume, approval, expires_on, hold_end, retention_years


def get_list(archive: Archive, list_id: str) -> Case:
    """The destruction list ``list_id`` (NotFoundError when there is none)."""
    return get_case(disposal_lists(archive), list_id, "destruction list", "archiver disposal list")


def listed_volumes(archive: Archive) -> dict[str, str]:
    """Reference codes of the volumes on an open destruction list → the list id."""
    out = {}
    for case in disposal_lists(archive).values():
        if list_state(case) in OPEN_STATES:
            for v in case.opened.get("volumes", []):
                out[v["reference"]] = case.id
    return out


def due_volumes(archive: Archive, day: dt.date | None = None) -> list[DueVolume]:
    """Volumes whose retention has run out and that are on no open destruction list."""
    day = day or clock.today()
    listed = listed_volumes(archive)
    out = []
    for m in iter_manifests(archive.volumes):
        end = expires_on(m.year, retention_years(archive.config, m.retention))
        if end is not None and day > end and m.reference not in listed:
            out.append(DueVolume(m, end))
    return out


def summaries(archive: Archive) -> Iterator[dict[str, Any]]:
    """One line of data per destruction list, for `disposal list` and the statistics."""
    for case in disposal_lists(archive).values():
        vols = case.opened.get("volumes", [])
        end = hold_end(case)
        yield {
            "id": case.id,
            "state": list_state(case),
            "proposed_by": case.opened.get("by"),
            "proposed_at": case.opened.get("at"),
            "volumes": [v["reference"] for v in vols],
            "records": sum(len(v.get("documents", [])) for v in vols),
            "appraisals": {e["role"]: e["by"] for e in case.events("appraised")},
            "approved_by": approval(case).get("by"),
            "hold_until": end.isoformat() if end else None,
        }


def destruction_totals(archive: Archive) -> dict[str, int]:
    """What the destruction register holds: lists, volumes and records destroyed."""
    lists_n = volumes_n = records_n = 0
    for e in archive.register(DESTRUCTION):
        if e.get("event") == "destroyed":
            lists_n += 1
            vols = e.get("volumes", [])
            volumes_n += len(vols)
            records_n += sum(len(v.get("documents", [])) for v in vols)
    return {"lists": lists_n, "volumes": volumes_n, "records": records_n}
