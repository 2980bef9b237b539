"""Disposal (销毁, Art. 29): expired volumes are listed, appraised, approved, held apart for
six months and only then destroyed under a named supervisor at a named place.

The workflow of one destruction list, each step an entry in ``registers/disposal.jsonl``::

    proposed ─► appraised (cs-manager) ─► appraised (originating-dept) ─► approved
      ─► [files move to hold/<list>/] ─► held ─► destroying ─► destroyed
                                          └──► restoring ─► cancelled   (disposal cancel)

A list is *proposed* by the records clerk (登记造册); the customer-service manager and the
leader of the originating department appraise it (共同鉴定) — two different people; the
customer director approves it (报客户总监批准), someone other than the appraisers. The
approved volumes (PDF + manifest) and their records (PDF + sidecar) then leave
``volumes/`` and ``records/`` for ``hold/<list>/`` under the same relative paths: out of
the catalogue, out of ``archiver build``'s reach, not lendable (单独存放半年). After the
hold (``custody.disposal_hold_months``, never under six) the files are destroyed and the
destruction register ``registers/destruction.jsonl`` — kept forever — records what (reference
codes, record ids, titles, SHA-256), when, where and the supervisor (监销人). During the
hold ``disposal cancel`` puts every file back exactly (same paths, same bytes, verified).

Every file is verified against the plan before a step is recorded (:func:`check_plan`):
before approval (the files in records/ and volumes/), before a cancel (the files in the
hold) and before destroying (经验证…再行销毁) — a file changed or gone stops the step with
nothing recorded or moved.

Crash safety (Art. 21). Before a single file moves, the ``approved`` (or ``restoring`` /
``destroying``) entry is written with the complete plan: every file's path and SHA-256.
Each file is then moved by :func:`move_verified` — checked against the plan, renamed (same
file system), or copied, verified and only then removed at the source — and is idempotent:
a file already at its destination with the planned hash counts as moved. The closing entry
(``held`` / ``cancelled`` / ``destroyed``) is written last. A run killed at any instant
leaves the list in ``moving`` / ``restoring`` / ``destroying``; running the same command
again (``approve`` / ``cancel`` / ``destroy``) completes it, and ``cancel`` also rolls back
an interrupted approval. Commit marks move last out and last in: a record's sidecar leaves
``records/`` before its PDF and comes back after it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..atomic import copy_atomic, ensure_dir, fsync_dir, sha256_file
from ..config import Config
from ..errors import ConfigError, IntegrityError, NotFoundError, WorkflowError
from ..ocr.store import text_path
from ..register import today
from ..store import Archive
from ..volumes.manifest import VolumeManifest, iter_manifests, read_manifest
from .audit import Expected
from .material import Holdings
from .state import (
    DESTRUCTION,
    DISPOSAL,
    DISPOSAL_ROLES,
    OPEN_STATES,
    disposal_lists,
    lent_units,
    list_state,
)
from .state import HELD_STATES as HELD_STATES  # named here too, for callers of this module
from .state import held_names as held_names
from .workflow import Case, custody_lock, get_case, need_text, next_id

REGISTER = DISPOSAL
HOLD = "hold"
MIN_HOLD_MONTHS = 6  # Art. 29: 单独存放半年 — archive.toml may lengthen the hold, never shorten it
ROLES = {"cs-manager": "客户服务部经理", "originating-dept": "档案形成部门领导"}
assert tuple(ROLES) == DISPOSAL_ROLES
state_of = list_state  # the state of one list: custody.state derives it for everyone


# Pure rules ---------------------------------------------------------------------------------
def expires_on(year: int, years: int) -> dt.date | None:
    """The last day a volume of filing ``year`` must be kept: the end of the year plus the
    retention years; ``None`` for permanent (years = 0), which never expires (Art. 17, 29)."""
    if years == 0:
        return None
    return dt.date(year + years, 12, 31)


def is_expired(year: int, years: int, day: dt.date) -> bool:
    end = expires_on(year, years)
    return end is not None and day > end


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; the 31st becomes the month's last day when needed."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


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
    manifest: VolumeManifest
    expired_after: dt.date

    def as_dict(self, root: Path) -> dict[str, Any]:
        m = self.manifest
        return {"reference": m.reference, "customer": m.customer, "year": m.year, "retention": m.retention,
                "title": m.title, "documents": m.document_count, "expired_after": self.expired_after,
                "path": m.pdf_path.relative_to(root).as_posix()}


# Reading the registers -----------------------------------------------------------------------
def lists(archive: Archive) -> dict[str, Case]:
    return disposal_lists(archive)


def held_files(archive: Archive) -> list[Expected]:
    """Files in the hold, as recorded when they were moved there (for the audit)."""
    out = []
    for case in lists(archive).values():
        if state_of(case) != "held":
            continue
        approved = approval(case)
        for f in approved.get("files", []):
            out.append(Expected(archive.root / f["hold"], f["sha256"], f["size"], None,
                                f"held for destruction list {case.id}"))
    return out


def due_volumes(archive: Archive, day: dt.date | None = None) -> list[DueVolume]:
    """Volumes whose retention has run out and that are on no open destruction list."""
    day = day or today()
    listed = _listed_volumes(archive)
    out = []
    for m in iter_manifests(archive.volumes):
        years = _years(archive.config, m.retention)
        end = expires_on(m.year, years)
        if end is not None and day > end and m.reference not in listed:
            out.append(DueVolume(m, end))
    return out


def _years(config: Config, retention: str) -> int:
    cls = config.retention.get(retention)
    if cls is None:
        raise WorkflowError(f"Unknown retention class {retention!r} in a volume manifest.",
                            hint="Add it to [retention] in archive.toml or rebuild the volume.")
    return cls.years


def _listed_volumes(archive: Archive) -> dict[str, str]:
    out = {}
    for case in lists(archive).values():
        if state_of(case) in OPEN_STATES:
            for v in case.opened.get("volumes", []):
                out[v["reference"]] = case.id
    return out


# Steps ---------------------------------------------------------------------------------------
def propose(archive: Archive, references: list[str], *, by: str) -> dict[str, Any]:
    """Make a numbered destruction list of expired volumes (登记造册)."""
    if not references:
        raise WorkflowError("No volumes given.", hint="Name the volumes, e.g. from `archiver disposal due`.")
    with custody_lock(archive, "archiver disposal propose"):
        day = today()
        manifests = {m.reference: m for m in iter_manifests(archive.volumes)}
        listed = _listed_volumes(archive)
        volumes = []
        for ref in dict.fromkeys(references):
            if ref in listed:
                raise WorkflowError(f"Volume {ref} is already on destruction list {listed[ref]}.",
                                    hint=f"See it with `archiver disposal show {listed[ref]}`. Nothing was recorded.")
            m = manifests.get(ref)
            if m is None:
                raise NotFoundError(f"There is no volume {ref}.",
                                    hint="List expired volumes with `archiver disposal due`. Nothing was recorded.")
            years = _years(archive.config, m.retention)
            end = expires_on(m.year, years)
            if end is None or day <= end:
                until = "forever (permanent)" if end is None else f"until {end.isoformat()}"
                raise WorkflowError(f"Volume {ref} has not expired: its retention ({m.retention}) runs {until}.",
                                    hint="Only expired volumes can be listed (Art. 29). Nothing was recorded.")
            volumes.append(volume_entry(m, archive.root, years))
        list_id = next_id(lists(archive), "DL", day.year, width=3)
        return archive.register(REGISTER).append("proposed", by=by, id=list_id, volumes=volumes)


def appraise(archive: Archive, list_id: str, *, role: str, by: str, opinion: str = "") -> dict[str, Any]:
    """Record one of the two appraisals (共同鉴定): the CS manager and the originating
    department's leader, two different people."""
    if role not in ROLES:
        raise WorkflowError(f"Unknown role {role!r}.", hint=f"Use one of: {', '.join(ROLES)}.")
    with custody_lock(archive, "archiver disposal appraise"):
        case = get_list(archive, list_id)
        state = state_of(case)
        if state not in ("proposed", "appraising"):
            raise WorkflowError(f"Destruction list {list_id} is {state}: it can no longer be appraised.",
                                hint="Appraisal comes after the proposal and before the approval. Nothing was recorded.")
        done = {e["role"]: e["by"] for e in case.events("appraised")}
        if role in done:
            raise WorkflowError(f"The {role} appraisal of {list_id} was recorded already (by {done[role]}).",
                                hint="Each role appraises once. Nothing was recorded.")
        if by in done.values():
            raise WorkflowError(f"{by} has already appraised {list_id} in the other role.",
                                hint="Art. 29: the CS manager and the originating department's leader are "
                                "two different people. Nothing was recorded.")
        return archive.register(REGISTER).append("appraised", by=by, id=list_id, role=role,
                                                 role_name=ROLES[role], opinion=opinion or "同意销毁")


def approve(archive: Archive, list_id: str, *, by: str) -> dict[str, Any]:
    """The customer director's approval; then every file moves into the hold.

    Running it again on a list left ``moving`` by a crash completes the move.
    """
    with custody_lock(archive, "archiver disposal approve"), archive.lock("build", purpose="archiver disposal approve"):
        case = get_list(archive, list_id)
        state = state_of(case)
        if state == "moving":
            approved = approval(case)
            return _finish_hold(archive, case, approved)
        if state != "appraised":
            why = {"proposed": "it has not been appraised", "appraising": "it lacks one of the two appraisals"}
            raise WorkflowError(
                f"Destruction list {list_id} cannot be approved: {why.get(state, 'it is ' + state)}.",
                hint="Order (Art. 29): propose → appraise --role cs-manager and --role originating-dept "
                "→ approve. Nothing was recorded.")
        appraisers = {e["by"] for e in case.events("appraised")}
        if by in appraisers:
            raise WorkflowError(f"{by} appraised {list_id} and cannot also approve it.",
                                hint="The customer director approves (Art. 29). Nothing was recorded.")
        if not archive.config.custody.allow_self_approval and by == case.opened.get("by"):
            raise WorkflowError(f"{by} proposed {list_id} and cannot approve it.",
                                hint="custody.allow_self_approval is false in archive.toml. Nothing was recorded.")
        _refuse_lent(archive, case)
        files = _plan(archive, case)
        check_plan(archive, list_id, files, "path")
        day = today()
        hold_until = add_months(day, archive.config.custody.disposal_hold_months)
        approved = archive.register(REGISTER).append("approved", by=by, id=list_id, hold_until=hold_until,
                                                     hold_months=archive.config.custody.disposal_hold_months,
                                                     files=files)
        return _finish_hold(archive, get_list(archive, list_id), approved)


def cancel(archive: Archive, list_id: str, *, by: str, reason: str = "") -> dict[str, Any]:
    """Withdraw a list; during the hold, put every file back exactly where it was."""
    with custody_lock(archive, "archiver disposal cancel"), archive.lock("build", purpose="archiver disposal cancel"):
        case = get_list(archive, list_id)
        state = state_of(case)
        if state in ("destroyed", "destroying", "cancelled"):
            raise WorkflowError(f"Destruction list {list_id} is {state}: it cannot be cancelled.",
                                hint="Nothing was changed.")
        reg = archive.register(REGISTER)
        if state in ("proposed", "appraising", "appraised"):
            return reg.append("cancelled", by=by, id=list_id, reason=reason, restored=0)
        files = approval(case).get("files", [])
        if state != "restoring":
            check_plan(archive, list_id, files, "hold", "path")
            reg.append("restoring", by=by, id=list_id, reason=reason)
        for f in reversed(files):  # PDFs before their sidecars and manifests (commit marks last in)
            move_verified(archive.root / f["hold"], archive.root / f["path"], f["sha256"])
        _remove_empty_tree(archive.root / HOLD / list_id)
        return reg.append("cancelled", by=by, id=list_id, reason=reason, restored=len(files))


def destroy(archive: Archive, list_id: str, *, by: str, supervisor: str, place: str) -> dict[str, Any]:
    """Destroy the held files after the hold; record it in the destruction register."""
    supervisor = need_text(supervisor, "destruction supervisor (监销人)")
    place = need_text(place, "place of destruction")
    with custody_lock(archive, "archiver disposal destroy"), archive.lock("build", purpose="archiver disposal destroy"):
        case = get_list(archive, list_id)
        state = state_of(case)
        reg = archive.register(REGISTER)
        approved = approval(case)
        if state == "destroying":
            started = case.last("destroying") or {}
            supervisor, place = started.get("supervisor", supervisor), started.get("place", place)
        elif state != "held":
            raise WorkflowError(f"Destruction list {list_id} is {state}: only a list held apart after its "
                                "approval can be destroyed.",
                                hint="Order (Art. 29): propose → appraise ×2 → approve → hold → destroy. "
                                "Nothing was destroyed.")
        else:
            hold_until = hold_end(case)
            assert hold_until is not None  # the list is held: it was approved
            day = today()
            if day < hold_until:
                raise WorkflowError(
                    f"Destruction list {list_id} is held until {hold_until.isoformat()} "
                    f"({(hold_until - day).days} days from today): it cannot be destroyed before.",
                    hint="Art. 29: approved material is kept apart for six months first. Nothing was destroyed.")
            check_plan(archive, list_id, approved.get("files", []), "hold")  # 经验证…再行销毁
            reg.append("destroying", by=by, id=list_id, supervisor=supervisor, place=place)
        for f in approved.get("files", []):
            if not _in_hold(f["hold"], list_id):
                continue  # never a file outside this list's hold (the plan names only those)
            held = archive.root / f["hold"]
            held.unlink(missing_ok=True)
        removed = destroy_copies(archive, case, approved, by=by)
        folder = archive.root / HOLD / list_id
        _remove_empty_tree(folder)
        destruction = archive.register(DESTRUCTION)
        if not any(e.get("list") == list_id for e in destruction):
            appraisals = [{"role": e["role"], "by": e["by"], "at": e["at"], "opinion": e.get("opinion", "")}
                          for e in case.events("appraised")]
            destruction.append(
                "destroyed", by=by, list=list_id, supervisor=supervisor, place=place,
                proposed_by=case.opened.get("by"), appraisals=appraisals,
                approved_by=approved.get("by"), approved_at=approved.get("at"),
                hold_until=approved.get("hold_until"), volumes=case.opened.get("volumes", []),
                files=[{"path": f["path"], "sha256": f["sha256"]} for f in approved.get("files", [])],
                derived_copies=removed,
            )
        return reg.append("destroyed", by=by, id=list_id, supervisor=supervisor, place=place,
                          files=len(approved.get("files", [])), derived_copies=removed)


def destroy_copies(archive: Archive, case: Case, approved: dict[str, Any], *, by: str) -> dict[str, Any]:
    """Destroyed means destroyed (Art. 29): every copy the archive made of the material goes
    with it — earlier versions of its volumes that ``archiver build`` kept aside
    (``volumes/.superseded/``, any that binds a destroyed record), and, through the
    catalogue stage's :func:`~archiver.catalogue.purge.purge_destroyed`, thumbnails,
    cached data and the material in every catalogue folder the archive has written.

    Each run is recorded as a ``purged`` entry in the disposal register; returns what was
    removed where over every run for this list (an interrupted destruction run again
    removes what is left and still reports what the first run removed)."""
    from ..catalogue.purge import purge_destroyed  # the catalogue stage's copies

    volumes = case.opened.get("volumes", [])
    references = {v["reference"] for v in volumes}
    records = {d["record"] for v in volumes for d in v.get("documents", [])}
    superseded = _destroy_superseded(archive, references, records)
    forms = _forget_forms(archive, references)
    shas = {f["sha256"] for f in approved.get("files", [])} | {f["sha256"] for f in superseded}
    paths = [f["path"] for f in approved.get("files", [])] + [f["hold"] for f in approved.get("files", [])]
    report = purge_destroyed(archive, shas, paths_in_archive=paths)
    purged = report.as_dict()
    purged["cache"] = purged["cache"] + forms
    archive.register(REGISTER).append("purged", by=by, id=case.id, superseded=superseded, **purged)
    runs = get_list(archive, case.id).events("purged")
    sites: dict[str, dict[str, Any]] = {}
    for run in runs:
        for site in run.get("sites", []):
            mine = sites.setdefault(site["folder"], {"folder": site["folder"], "removed": [], "rebuilt": False,
                                                     "note": ""})
            mine["removed"] += [r for r in site.get("removed", []) if r not in mine["removed"]]
            mine["rebuilt"], mine["note"] = site.get("rebuilt", False), site.get("note", "")
    done = [f for run in runs for f in run.get("superseded", [])]
    gone = {f["path"] for f in done if "error" not in f}
    return {
        "superseded": [f for f in done if "error" not in f],
        "caches": sorted({c for run in runs for c in run.get("cache", [])}),
        "sites": list(sites.values()),
        "problems": [f"{f['path']}: {f['error']}" for f in done if "error" in f and f["path"] not in gone]
        + list(report.problems),
    }


def _forget_forms(archive: Archive, references: set[str]) -> list[str]:
    """The build's cached forms of the destroyed volumes (their index lists the titles)."""
    from ..volumes.assemble import FORMS_CACHE, forget_volume  # the volumes stage's cache

    gone = []
    for ref in sorted(references):
        cached = [archive.state / FORMS_CACHE / f"{ref}{suffix}" for suffix in (".json", ".pdf")]
        present = [p for p in cached if p.exists()]
        forget_volume(archive.state, ref)
        gone += [p.relative_to(archive.root).as_posix() for p in present]
    return gone


def _destroy_superseded(archive: Archive, references: set[str], records: set[str]) -> list[dict[str, Any]]:
    """Remove the superseded versions (PDF and manifest) of the destroyed volumes, and any
    superseded volume binding a destroyed record; return each file removed with its hash."""
    from ..volumes.build import SUPERSEDED  # where build keeps earlier versions

    removed = []
    for manifest in sorted((archive.volumes / SUPERSEDED).glob("*/[0-9][0-9][0-9][0-9]/*.toml")):
        try:
            m = read_manifest(manifest)
            hit = m.reference in references or any(d.record in records for d in m.documents)
        except ConfigError:
            hit = manifest.name.split(".")[0] in references
        if not hit:
            continue
        for path in (manifest.with_suffix(".pdf"), manifest):  # the PDF first: the manifest names it
            rel = path.relative_to(archive.root).as_posix()
            try:
                if path.is_file():
                    sha = sha256_file(path)
                    path.unlink()
                    removed.append({"path": rel, "sha256": sha})
            except OSError as exc:  # recorded and reported; the destruction itself is still recorded
                removed.append({"path": rel, "error": f"not removed ({exc.strerror or exc}); remove it by hand"})
        with contextlib.suppress(OSError):
            fsync_dir(manifest.parent)
    return removed


# File moves ----------------------------------------------------------------------------------
def move_verified(source: Path, target: Path, sha256: str) -> None:
    """Move one file whose content must be ``sha256``; idempotent and crash-safe.

    Already at ``target`` with that hash: done (a leftover source copy is removed). Else
    the source is verified, renamed (or, across file systems, copied, verified and only
    then removed), and both folders are fsynced.
    """
    if target.exists():
        if sha256_file(target) != sha256:
            raise IntegrityError(f"{target} exists with other content than recorded; it was not overwritten.",
                                 hint="Compare it with the file in the hold by hand; run `archiver audit`.")
        if source.exists():
            source.unlink()
            fsync_dir(source.parent)
        return
    if not source.exists():
        raise IntegrityError(f"{source} is missing: it was neither there nor at {target}.",
                             hint="Restore it from backup, then run the command again.")
    if sha256_file(source) != sha256:
        raise IntegrityError(f"{source} has changed since the list was approved (SHA-256 differs).",
                             hint="Run `archiver audit`; restore the file from backup, then run the command again.")
    ensure_dir(target.parent)
    try:
        os.rename(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        if copy_atomic(source, target) != sha256 or sha256_file(target) != sha256:
            target.unlink(missing_ok=True)
            raise IntegrityError(f"Copying {source} to {target} did not verify.", hint="Run the command again.") from None
        source.unlink()
    fsync_dir(target.parent)
    fsync_dir(source.parent)


def _plan(archive: Archive, case: Case) -> list[dict[str, Any]]:
    """Every file of the list, in the order it leaves: per volume its manifest, its PDF,
    then per record its sidecar and PDF. Each checked against the list now."""
    holdings = Holdings.read(archive)
    files: list[dict[str, Any]] = []
    root = archive.root

    def add(path: Path, sha: str) -> None:
        if not path.is_file():
            raise IntegrityError(f"{path} is missing.", hint="Run `archiver audit`. Nothing was moved.")
        rel = path.relative_to(root).as_posix()
        files.append({"path": rel, "hold": f"{HOLD}/{case.id}/{rel}", "sha256": sha, "size": path.stat().st_size})

    for v in case.opened.get("volumes", []):
        m = holdings.volumes.get(v["reference"])
        if m is None:
            raise IntegrityError(f"Volume {v['reference']} of list {case.id} is no longer in volumes/.",
                                 hint="Run `archiver audit`; cancel the list if the volume was rebuilt. Nothing was moved.")
        if m.file_sha256 != v["sha256"]:
            raise WorkflowError(f"Volume {m.reference} was rebuilt after list {case.id} was proposed.",
                                hint="Cancel the list and propose it again. Nothing was moved.")
        add(m.path, sha256_file(m.path))
        add(m.pdf_path, m.file_sha256)
        for d in m.documents:
            r = holdings.records.get(d.record)
            if r is None:
                continue  # not filed any more: nothing of it to hold (the audit reports it)
            add(r.sidecar_path, sha256_file(r.sidecar_path))
            add(r.path, r.file.sha256)
            text = text_path(r.path)  # its stored OCR text goes with it (last: OCR never remakes it without a record)
            if text.is_file():
                add(text, sha256_file(text))
    return files


def _finish_hold(archive: Archive, case: Case, approved: dict[str, Any]) -> dict[str, Any]:
    for f in approved.get("files", []):
        move_verified(archive.root / f["path"], archive.root / f["hold"], f["sha256"])
    return archive.register(REGISTER).append("held", by=approved.get("by", ""), id=case.id,
                                             hold_until=approved.get("hold_until"),
                                             files=len(approved.get("files", [])))


def check_plan(archive: Archive, list_id: str, files: list[dict[str, Any]], source: str, target: str = "") -> None:
    """Before a step is recorded: every file of the plan is, at its ``source`` place (or,
    after an interruption, already at its ``target``), exactly what was approved. Raises
    IntegrityError naming the first file that is not, so nothing is recorded or moved."""
    for f in files:
        at = archive.root / f[source]
        if not at.is_file() and target and (archive.root / f[target]).is_file():
            at = archive.root / f[target]
        if not at.is_file():
            raise IntegrityError(f"{archive.root / f[source]} of destruction list {list_id} is missing; "
                                 "nothing was changed.",
                                 hint="Find out what happened to it (run `archiver audit`), restore it from backup, "
                                 "then run the command again.")
        if sha256_file(at) != f["sha256"]:
            raise IntegrityError(f"{at} has changed since destruction list {list_id} was approved; "
                                 "nothing was changed.",
                                 hint="Find out why (run `archiver audit`): what is held, restored or destroyed "
                                 "must be what was appraised and approved (Art. 29).")


def _refuse_lent(archive: Archive, case: Case) -> None:
    lent = lent_units(archive)
    for v in case.opened.get("volumes", []):
        loan = lent.get(f"volume:{v['reference']}")
        if loan:
            raise WorkflowError(f"Volume {v['reference']} is out on loan {loan}; it cannot be held apart.",
                                hint=f"Have it returned first (`archiver loan return {loan}`). Nothing was recorded.")


def _in_hold(rel: str, list_id: str) -> bool:
    parts = rel.split("/")
    return parts[:2] == [HOLD, list_id] and len(parts) > 2 and ".." not in parts


def _remove_empty_tree(folder: Path) -> None:
    if not folder.is_dir():
        return
    for dirpath, _dirs, _files in sorted(os.walk(folder), key=lambda t: -len(t[0])):
        with contextlib.suppress(OSError):  # not empty: something put there by hand — keep it
            os.rmdir(dirpath)
    with contextlib.suppress(OSError):
        folder.parent.rmdir()  # hold/ itself, when no other list is held


def get_list(archive: Archive, list_id: str) -> Case:
    """The destruction list ``list_id`` (NotFoundError when there is none)."""
    return get_case(lists(archive), list_id, "destruction list", "archiver disposal list")


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


def summaries(archive: Archive) -> Iterator[dict[str, Any]]:
    """One line of data per destruction list, for `disposal list` and the statistics."""
    for case in lists(archive).values():
        vols = case.opened.get("volumes", [])
        end = hold_end(case)
        yield {
            "id": case.id,
            "state": state_of(case),
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
