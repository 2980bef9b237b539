"""The audit's orchestrator: read what was recorded, check every file once, then the rules
of each property, in DA/T 70-2018's order of findings; under the archive's locks."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable

from ...clock import now
from ...errors import LockedError
from ...store import Archive
from ..workflow import custody_lock
from .authenticity import code_findings, metadata_findings
from .files import check_file
from .findings import rel_to
from .integrity import binding_findings, register_findings, sequence_findings
from .inventory import Expected, hold_inventory, read_inventory
from .report import AuditReport
from .security import catalogue_findings, security_findings
from .usability import pdfa_findings


def run_audit(archive: Archive, *, fast: bool = False, held: Iterable[Expected] | None = None,
              progress: Callable[[int, int], None] | None = None, locks: str = "") -> AuditReport:
    """Audit the whole archive under the four properties of DA/T 70-2018. ``progress(size,
    total)`` is called after each file with its recorded size and the total recorded size
    of all files (for a progress bar). ``held``: the files expected in ``hold/`` (default:
    read from the disposal register, every state). Takes no lock: :func:`audit_archive`
    does."""
    started = now()
    clock = time.monotonic()
    held_expected, hold_problems = hold_inventory(archive)
    if held is not None:
        held_expected = list(held)
    inv = read_inventory(archive, held_expected)
    findings = list(inv.findings) + hold_problems
    total = 0
    planned = sum(e.size for e in inv.expected)
    for exp in inv.expected:
        found, read = check_file(exp, rel_to(exp.path, archive.root), fast=fast)
        findings.extend(found)
        total += read
        if progress is not None:
            progress(exp.size, planned)
    findings.extend(binding_findings(inv.records, inv.manifests, archive.root))
    findings.extend(metadata_findings(inv.records, inv.manifests, archive.root))
    findings.extend(sequence_findings(inv.manifests, archive.root))
    findings.extend(code_findings(archive, inv.manifests))
    findings.extend(pdfa_findings(inv.manifests, archive.root, fast=fast))
    findings.extend(security_findings(archive, inv, held_expected,
                                      hardlinks_allowed=archive.config.catalogue.pdf_files == "hardlink"))
    site_found, _opened = catalogue_findings(archive, fast=fast)
    findings.extend(site_found)
    findings.extend(register_findings(archive))
    return AuditReport(
        scope="fast" if fast else "full",
        started=started,
        seconds=time.monotonic() - clock,
        files=len(inv.expected),
        bytes=total,
        findings=findings,
        locks=locks,
    )


def audit_archive(archive: Archive, *, fast: bool = False, progress: Callable[[int, int], None] | None = None,
                  ) -> AuditReport:
    """The audit as ``archiver audit`` runs it: under the archive's custody lock (waiting a
    little for a custody step) and its build lock (refused at once, exit 5, while
    ``archiver build`` or a disposal step moves files), so nothing it checks moves while it
    reads. Filing is locked too when no watcher holds it; when one does, the report says
    so (a record filed meanwhile may show as a PDF without its sidecar)."""

    with contextlib.ExitStack() as stack:
        stack.enter_context(custody_lock(archive, "archiver audit"))
        stack.enter_context(archive.lock("build", purpose="archiver audit"))
        try:
            stack.enter_context(archive.lock("filing", purpose="archiver audit"))
            locks = "custody, build and filing locks held: nothing moved while it read"
        except LockedError as exc:
            holder = str(exc).split(": ", 1)[-1].split(" holds")[0]
            locks = (f"custody and build locks held; filing not locked ({holder} holds it): "
                     "a record being filed meanwhile may show as a PDF without its sidecar")
        return run_audit(archive, fast=fast, progress=progress, locks=locks)
