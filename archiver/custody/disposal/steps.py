"""The steps of a destruction list (Art. 29): propose, appraise, approve (the files move into
the hold), cancel (they move back), destroy. Each step is checked and recorded under the
archive's custody lock; the steps that move files also hold its build lock and verify every
file against the plan first (:func:`check_plan`). The workflow and its crash safety:
:mod:`archiver.custody.disposal`."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from ... import clock
from ...atomic import move_verified, sha256_file
from ...errors import IntegrityError, NotFoundError, WorkflowError
from ...months import add_months
from ...ocr.store import text_path
from ...store import Archive
from ...volumes.manifest import iter_manifests
from ..material import Holdings
from ..state import DESTRUCTION, DISPOSAL, disposal_lists, lent_units, list_state
from ..workflow import Case, custody_lock, need_text, next_id
from .copies import destroy_copies
from .lists import get_list, listed_volumes
from .rules import HOLD, ROLES, approval, expires_on, hold_end, in_hold, retention_years, volume_entry


def propose(archive: Archive, references: list[str], *, by: str) -> dict[str, Any]:
    """Make a numbered destruction list of expired volumes (登记造册)."""
    if not references:
        raise WorkflowError("No volumes given.", hint="Name the volumes, e.g. from `archiver disposal due`.")
    with custody_lock(archive, "archiver disposal propose"):
        day = clock.today()
        manifests = {m.reference: m for m in iter_manifests(archive.volumes)}
        listed = listed_volumes(archive)
        volumes = []
        for ref in dict.fromkeys(references):
            if ref in listed:
                raise WorkflowError(f"Volume {ref} is already on destruction list {listed[ref]}.",
                                    hint=f"See it with `archiver disposal show {listed[ref]}`. Nothing was recorded.")
            m = manifests.get(ref)
            if m is None:
                raise NotFoundError(f"There is no volume {ref}.",
                                    hint="List expired volumes with `archiver disposal due`. Nothing was recorded.")
            years = retention_years(archive.config, m.retention)
            end = expires_on(m.year, years)
            if end is None or day <= end:
                until = "forever (permanent)" if end is None else f"until {end.isoformat()}"
                raise WorkflowError(f"Volume {ref} has not expired: its retention ({m.retention}) runs {until}.",
                                    hint="Only expired volumes can be listed (Art. 29). Nothing was recorded.")
            volumes.append(volume_entry(m, archive.root, years))
        list_id = next_id(disposal_lists(archive), "DL", day.year, width=3)
        return archive.register(DISPOSAL).append("proposed", by=by, id=list_id, volumes=volumes)


def appraise(archive: Archive, list_id: str, *, role: str, by: str, opinion: str = "") -> dict[str, Any]:
    """Record one of the two appraisals (共同鉴定): the CS manager and the originating
    department's leader, two different people."""
    if role not in ROLES:
        raise WorkflowError(f"Unknown role {role!r}.", hint=f"Use one of: {', '.join(ROLES)}.")
    with custody_lock(archive, "archiver disposal appraise"):
        case = get_list(archive, list_id)
        state = list_state(case)
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
        return archive.register(DISPOSAL).append("appraised", by=by, id=list_id, role=role,
                                                 role_name=ROLES[role], opinion=opinion or "同意销毁")


def approve(archive: Archive, list_id: str, *, by: str) -> dict[str, Any]:
    """The customer director's approval; then every file moves into the hold.

    Running it again on a list left ``moving`` by a crash completes the move.
    """
    with custody_lock(archive, "archiver disposal approve"), archive.lock("build", purpose="archiver disposal approve"):
        case = get_list(archive, list_id)
        state = list_state(case)
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
        day = clock.today()
        hold_until = add_months(day, archive.config.custody.disposal_hold_months)
        approved = archive.register(DISPOSAL).append("approved", by=by, id=list_id, hold_until=hold_until,
                                                     hold_months=archive.config.custody.disposal_hold_months,
                                                     files=files)
        return _finish_hold(archive, get_list(archive, list_id), approved)


def cancel(archive: Archive, list_id: str, *, by: str, reason: str = "") -> dict[str, Any]:
    """Withdraw a list; during the hold, put every file back exactly where it was."""
    with custody_lock(archive, "archiver disposal cancel"), archive.lock("build", purpose="archiver disposal cancel"):
        case = get_list(archive, list_id)
        state = list_state(case)
        if state in ("destroyed", "destroying", "cancelled"):
            raise WorkflowError(f"Destruction list {list_id} is {state}: it cannot be cancelled.",
                                hint="Nothing was changed.")
        reg = archive.register(DISPOSAL)
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
        state = list_state(case)
        reg = archive.register(DISPOSAL)
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
            day = clock.today()
            if day < hold_until:
                raise WorkflowError(
                    f"Destruction list {list_id} is held until {hold_until.isoformat()} "
                    f"({(hold_until - day).days} days from today): it cannot be destroyed before.",
                    hint="Art. 29: approved material is kept apart for six months first. Nothing was destroyed.")
            check_plan(archive, list_id, approved.get("files", []), "hold")  # 经验证…再行销毁
            reg.append("destroying", by=by, id=list_id, supervisor=supervisor, place=place)
        for f in approved.get("files", []):
            if not in_hold(f["hold"], list_id):
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
    return archive.register(DISPOSAL).append("held", by=approved.get("by", ""), id=case.id,
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


def _remove_empty_tree(folder: Path) -> None:
    if not folder.is_dir():
        return
    for dirpath, _dirs, _files in sorted(os.walk(folder), key=lambda t: -len(t[0])):
        with contextlib.suppress(OSError):  # not empty: something put there by hand — keep it
            os.rmdir(dirpath)
    with contextlib.suppress(OSError):
        folder.parent.rmdir()  # hold/ itself, when no other list is held
