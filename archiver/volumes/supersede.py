"""The build's file-system steps, each recorded in the reference-code register
(:mod:`.codes`) before it is done, so a build cut off is completed as recorded: the codes
of the series built (recorded before any volume file is written), the earlier copy of a
volume moved to ``volumes/.superseded/`` under a label never used before, the closing
lines of a volume written, and the volumes no longer planned moved aside."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from ..atomic import ensure_dir, fsync_dir
from ..register import Register
from ..store import Archive
from .codes import Journal, label_time
from .holds import DisposalHolds
from .manifest import VolumeManifest, read_manifest
from .ondisk import SUPERSEDED, Volumes
from .outcome import BuildResult, Outcome, Scope, rel
from .plan import PlannedVolume


def record_codes(journal: Journal, plans: list[PlannedVolume], volumes: Volumes, scope: Scope, *, by: str) -> None:
    """Record every code of the series built before any of their files is written: the
    codes the volumes already in ``volumes/`` bear (an archive built before the register
    existed), then the new ones."""
    for m in sorted(volumes.manifests.values(), key=lambda m: m.reference):
        if scope.has(m.customer, m.year) and m.reference not in journal.codes:
            journal.append("assigned", by=by, reference=m.reference, customer=m.customer, year=m.year,
                           retention=m.retention, top_secret=m.classification == "top-secret", volume=m.volume,
                           note="recorded from the volume in volumes/")
    for p in plans:
        if p.reference not in journal.codes:
            journal.append("assigned", by=by, reference=p.reference, customer=p.customer, year=p.year,
                           retention=p.retention, top_secret=p.top_secret, volume=p.number)


def when_of(intent: dict[str, Any], default: dt.datetime) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(intent["built_at"]))
    except (KeyError, ValueError):
        return default


def commit(archive: Archive, journal: Journal, m: VolumeManifest, intent: dict[str, Any], *, resumed: bool) -> None:
    """The closing steps of a volume: the ``built`` line of the volumes register (once)
    and ``written`` in the reference-code register."""
    job = intent.get("job")
    volumes_register = archive.register("volumes")
    if not (resumed and _recorded(volumes_register, "built", job)):
        volumes_register.append(
            "built", by=intent.get("by", ""), reference=m.reference, customer=m.customer, year=m.year,
            volume=m.volume, file=rel(archive, m.pdf_path), sha256=m.file_sha256, documents=m.document_count,
            pages=m.page_count, checker=m.checker, inputs=m.inputs, rebuilt=bool(intent.get("supersede")), job=job,
            pdfa=bool(m.pdfa.get("valid")),
        )
    journal.append("written", by=intent.get("by", ""), reference=m.reference, job=job, sha256=m.file_sha256)


def _recorded(reg: Register, event: str, job: Any) -> bool:
    return any(e.get("event") == event and e.get("job") == job for e in reg)


def free_label(archive: Archive, target: Path, when: dt.datetime) -> str:
    """The time part of the name the earlier copy of ``target`` is kept under, never one
    an earlier copy has (two rebuilds in one second: ``…T100000-2``)."""
    dest = archive.volumes / SUPERSEDED / target.parent.parent.name / target.parent.name
    stamp = label_time(when)
    label, n = stamp, 1
    while any((dest / f"{target.stem}.{label}{suffix}").exists() for suffix in (".pdf", ".toml")):
        n += 1
        label = f"{stamp}-{n}"
    return label


def move_old(archive: Archive, intent: dict[str, Any], *, resumed: bool) -> list[str]:
    """Move the files an intent names to ``volumes/.superseded/<customer>/<year>/`` under
    its label — each only if it is not there yet — and record it (once). Never deleted,
    never overwriting an earlier copy."""
    supersede = intent.get("supersede") or {}
    if not supersede:
        return []
    target = archive.root / intent["path"]
    folder = target.parent
    dest = ensure_dir(archive.volumes / SUPERSEDED / folder.parent.name / folder.name)
    moved = []
    for name in supersede.get("files", []):
        source = folder / name
        kept = dest / f"{Path(name).stem}.{supersede['label']}{Path(name).suffix}"
        if not kept.exists():
            if not source.exists():
                continue
            os.replace(source, kept)
            fsync_dir(dest)
            fsync_dir(folder)
        moved.append(rel(archive, kept))
    volumes_register = archive.register("volumes")
    job = intent.get("job")
    if not (resumed and _recorded(volumes_register, "superseded", job)):
        volumes_register.append("superseded", by=intent.get("by", ""), reference=intent["reference"],
                                reason=supersede.get("reason", ""), moved_to=moved, job=job)
    return moved


def finish_interrupted(archive: Archive, journal: Journal, scope: Scope, result: BuildResult) -> set[str]:
    """Complete, as recorded, the steps a build cut off left open in the customers and
    years asked for: the moves of earlier copies; a volume no longer planned that was
    being moved aside; a volume whose manifest was written but not yet recorded. Returns
    the references completed that way."""
    completed = set()
    for ref, intent in sorted(journal.pending.items()):
        path = archive.root / str(intent.get("path", ""))
        if not scope.has(path.parent.parent.name, int(path.parent.name) if path.parent.name.isdigit() else -1):
            continue
        moved = move_old(archive, intent, resumed=True)
        if intent.get("event") == "superseding":
            journal.append("released", by=intent.get("by", ""), reference=ref, job=intent.get("job"),
                           reason=(intent.get("supersede") or {}).get("reason", ""))
            result.outcomes.append(Outcome(ref, "superseded", moved[0] if moved else "",
                                           detail="no longer in the plan; moved, not deleted (completed)"))
            continue
        manifest = path.with_suffix(".toml")
        if not (path.is_file() and manifest.is_file()):
            continue
        m = read_manifest(manifest, sealed=True)
        if m.inputs == intent.get("inputs") and str(m.built_at) == str(when_of(intent, m.built_at)):
            commit(archive, journal, m, intent, resumed=True)
            completed.add(ref)
            result.outcomes.append(Outcome(ref, "built", rel(archive, path), m.document_count, m.page_count,
                                           "rebuilt" if intent.get("supersede") else "new"))
    return completed


def retire_stale(archive: Archive, journal: Journal, plans: list[PlannedVolume], volumes: Volumes, scope: Scope,
                 holds: DisposalHolds, *, by: str, when: dt.datetime) -> list[Outcome]:
    """Move volumes no longer planned (in the customers and years built) out of the way
    and release their codes; release a code given out whose volume was never written."""
    keep = {p.reference for p in plans}
    outcomes = []
    for ref, m in sorted(volumes.manifests.items()):
        if ref in keep or ref in holds.references or not scope.has(m.customer, m.year):
            continue
        files = [p.name for p in (m.pdf_path, m.path) if p.exists()]
        intent = journal.append("superseding", by=by, reference=ref, job=journal.next_job(),
                                path=rel(archive, m.pdf_path),
                                supersede={"label": free_label(archive, m.pdf_path, when), "files": files,
                                           "reason": "no longer in the plan"})
        moved = move_old(archive, intent, resumed=False)
        journal.append("released", by=by, reference=ref, job=intent["job"], reason="no longer in the plan")
        outcomes.append(Outcome(ref, "superseded", moved[0] if moved else "",
                                detail="no longer in the plan; moved, not deleted"))
    for ref, a in sorted(journal.live().items()):
        if ref in keep or ref in holds.references or ref in volumes.manifests or not scope.has(a.customer, a.year):
            continue
        pending = journal.pending.get(ref)
        if pending is not None:  # a volume begun and never finished: its PDF never had a manifest
            unfinished = archive.root / str(pending.get("path", ""))
            if unfinished.is_file() and not unfinished.with_suffix(".toml").exists():
                unfinished.unlink()
                fsync_dir(unfinished.parent)
            journal.append("abandoned", by=by, reference=ref, job=pending.get("job"), reason="no longer in the plan")
        journal.append("released", by=by, reference=ref, reason="no longer in the plan; never built")
    return outcomes
