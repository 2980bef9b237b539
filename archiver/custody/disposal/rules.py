"""The rules of disposal (Art. 29), pure functions over plain data: when a volume expires,
what a destruction list records of a volume, who appraises, when the hold of a list ends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...config import Config
from ...errors import WorkflowError
from ...months import add_months
from ...volumes.manifest import VolumeManifest
from ..state import DISPOSAL_ROLES
from ..workflow import Case

HOLD = "hold"  # the folder below the archive root where approved material is kept apart
MIN_HOLD_MONTHS = 6  # Art. 29: 单独存放半年 — archive.toml may lengthen the hold, never shorten it
ROLES = {"cs-manager": "客户服务部经理", "originating-dept": "档案形成部门领导"}
assert tuple(ROLES) == DISPOSAL_ROLES


def expires_on(year: int, years: int) -> dt.date | None:
    """The last day a volume of filing ``year`` must be kept: the end of the year plus the
    retention years; ``None`` for permanent (years = 0), which never expires (Art. 17, 29)."""
    if years == 0:
        return None
    return dt.date(year + years, 12, 31)


def retention_years(config: Config, retention: str) -> int:
    """The years of a volume's retention class (WorkflowError for a class not configured)."""
    cls = config.retention.get(retention)
    if cls is None:
        raise WorkflowError(f"Unknown retention class {retention!r} in a volume manifest.",
                            hint="Add it to [retention] in archive.toml or rebuild the volume.")
    return cls.years


def volume_entry(m: VolumeManifest, root: Path, retention_years: int) -> dict[str, Any]:
    """What a destruction list records of one volume (and what the destruction register keeps)."""
    return {
        "reference": m.reference,
        "customer": m.customer,
        "year": m.year,
        "retention": m.retention,
        "classification": m.classification,
        "title": m.title,
        "sha256": m.file_sha256,
        "manifest": m.path.relative_to(root).as_posix(),
        "pdf": m.pdf_path.relative_to(root).as_posix(),
        "expired_after": expires_on(m.year, retention_years),
        "documents": [{"record": d.record, "title": d.title, "sha256": d.sha256} for d in m.documents],
    }


@dataclass(frozen=True)
class DueVolume:
    """A volume whose retention has run out (and the last day it had to be kept)."""

    manifest: VolumeManifest
    expired_after: dt.date

    def as_dict(self, root: Path) -> dict[str, Any]:
        m = self.manifest
        return {"reference": m.reference, "customer": m.customer, "year": m.year, "retention": m.retention,
                "title": m.title, "documents": m.document_count, "expired_after": self.expired_after,
                "path": m.pdf_path.relative_to(root).as_posix()}


def approval(case: Case) -> dict[str, Any]:
    """The approval of a list (its plan of files and hold), ``{}`` before it. A list is
    approved once: the first ``approved`` entry counts, never a line appended after it."""
    found = case.events("approved")
    return found[0] if found else {}


def hold_end(case: Case) -> dt.date | None:
    """The day the hold of an approved list ends: as recorded at the approval (from
    ``custody.disposal_hold_months``), and never less than six months after the approval
    (Art. 29) — whatever a line appended later says (the first approval counts)."""
    approved = approval(case)
    if not approved:
        return None
    recorded = dt.date.fromisoformat(str(approved["hold_until"]))
    try:
        on = dt.datetime.fromisoformat(str(approved["at"])).date()
    except (KeyError, ValueError):
        return recorded
    return max(recorded, add_months(on, MIN_HOLD_MONTHS))


def in_hold(rel: str, list_id: str) -> bool:
    """``rel`` (a path relative to the archive root) lies inside the hold of ``list_id``."""
    parts = rel.split("/")
    return parts[:2] == [HOLD, list_id] and len(parts) > 2 and ".." not in parts
