"""Records a rebuild would silently leave out (Art. 21) — and those that are only being
filed, which are not damage."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable

from ..store import Archive
from .holds import DisposalHolds
from .ondisk import Volumes, record_pdfs
from .outcome import BuildResult, Outcome, Scope, rel
from .plan import Problem

FILING_GRACE_SECONDS = 600.0  # a record PDF without sidecar younger than this is a filing in progress
LOCKED_GRACE_FACTOR = 6  # … and six times that while the filing lock is held


def filing_holder(archive: Archive) -> str:
    """Who holds the filing lock now (an ``ingest`` or a watcher), or ''. Read from the
    lock file's holder line and checked against the running processes, without taking the
    lock (a build must never make a starting ingest find the archive busy)."""
    path = archive.root / ".archiver" / "filing.lock"
    try:
        text = path.read_text("utf-8", errors="replace").strip()
    except OSError:
        return ""
    found = re.search(r"\(pid (\d+)\)", text)
    if not found:
        return ""
    pid = int(found.group(1))
    if pid == os.getpid():
        return ""  # this process builds: any filing it did is over
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return ""
    except PermissionError:
        return text
    return text


def lost_records(archive: Archive, scope: Scope, volumes: Volumes, holds: DisposalHolds, result: BuildResult,
                 *, grace: float, clock: Callable[[], dt.datetime]) -> list[Problem]:
    """Records a rebuild would silently leave out (Art. 21): a record PDF whose sidecar
    is gone, and a record an earlier build bound into a volume that is no longer filed.

    A record PDF without its sidecar that a filing is still writing is not damage (the
    sidecar, the commit mark of a filing, follows the PDF): one younger than ``grace``
    seconds — or than :data:`LOCKED_GRACE_FACTOR` times that while an ``ingest`` or a
    watcher holds the filing lock — is noted and left for the next build. One that a
    volume already binds is never a filing in progress. A record on a destruction list
    (being moved to the hold or back) is left to custody."""
    problems = []
    filed = {p.stem for p in archive.sidecar_paths()}
    bound = {d.record for m in volumes.manifests.values() for d in m.documents}
    orphans = set()
    holder: str | None = None
    for pdf in record_pdfs(archive, scope.customer):
        if pdf.stem in filed:
            continue
        orphans.add(pdf.stem)
        if pdf.stem in holds.records:
            continue  # moving with its destruction list: noted by held_notes
        if pdf.stem not in bound:
            if holder is None:
                holder = filing_holder(archive)
            try:
                age = clock().timestamp() - pdf.stat().st_mtime
            except FileNotFoundError:
                continue  # gone meanwhile (a filing cleaned up)
            if age < grace * (LOCKED_GRACE_FACTOR if holder else 1):
                why = f"{holder} holds the filing lock" if holder else "its filing has not finished"
                result.outcomes.append(Outcome(pdf.stem, "skipped", rel(archive, pdf), detail=(
                    f"being filed (written {max(0, int(age))} s ago, {why}): not bound by this build; build "
                    "again once the filing is done")))
                continue
        problems.append(Problem(f"{pdf.stem} ({rel(archive, pdf)})",
                                "the PDF has no sidecar, so its volume would be built without it: run "
                                "`archiver ingest` (a filing cut off completes) or restore the sidecar",
                                pdf.parent.parent.name))
    for m in volumes.manifests.values():
        if not scope.has(m.customer, m.year) or m.reference in holds.references:
            continue
        for d in m.documents:
            if d.record not in filed and d.record not in orphans and d.record not in holds.records:
                problems.append(Problem(f"{d.record} (bound in {m.reference})",
                                        "the record is no longer in records/ (sidecar and PDF gone): "
                                        "restore both from backup", m.customer))
    return problems
