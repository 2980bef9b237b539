"""``archiver build``: plan the volumes, check the inputs, build what changed.

1. Finish what a build cut off left half-done (:func:`finish_interrupted`): the steps it
   recorded in the reference-code register (:mod:`.codes`) are completed as recorded.
2. Read every record (:func:`.plan.load_inputs`) and every volume manifest
   (:func:`read_volumes`), leave out what custody holds (:func:`disposal_holds`: any
   record or volume on a destruction list, whatever the list's state, Art. 29) and plan
   every volume (:func:`.plan.plan_volumes`); keep those asked for (``customer``, ``year``).
   A volume keeps the number its place was given (:func:`current_slots`).
3. Check the inputs of those volumes — every sidecar and manifest readable, no record PDF
   without its sidecar (unless a filing is still writing it, :func:`lost_records`) and no
   record an earlier build bound gone from records/, every group sound, every PDF present
   with its recorded size. Any problem: nothing is built, and the error lists them all
   (Art. 21: never a volume silently missing a document, never a bound PDF replaced
   because its manifest was damaged).
4. A volume whose *inputs fingerprint* (:func:`fingerprint`) equals the one in its
   manifest, and whose PDF is still there, is left alone and reported unchanged. The
   PDFs of the volumes to build are hashed and compared with their sidecars
   (:class:`.plan.HashCheck`, in a child process while the first volume is
   assembled), and any altered one stops the build before anything is put in place (a
   full fixity check of the archive is ``archiver audit``'s job).
5. The reference codes of the volumes to build are recorded (``assigned``) before any
   volume file is written; then each volume is assembled under a temporary name
   (:func:`stage_volume`, :func:`.assemble.stage` — a crash there leaves only a
   temporary file) and validated as PDF/A-2b — in a worker process while the next
   volume is assembled, the last one in the build's own — and then, in order, put in
   place (:func:`put_in_place`), in one idempotent order: the intent, the earlier PDF and
   manifest moved to ``volumes/.superseded/<customer>/<year>/`` under the recorded
   label, the new PDF put in place and its manifest (:meth:`.assemble.Assembled.place`),
   the ``volumes`` register. A volume that cannot be assembled stops the build after
   the one before it is put in place.
6. A volume of a built series that the plan no longer has (say volume 3 when the
   material now fits in two) is not deleted: it is moved, with its manifest, to
   ``volumes/.superseded/`` with the time in its name, recorded in the register and
   reported; its code is released, never given out again.

:func:`build` is the stage's orchestrator and reads as its steps — :func:`read_state` →
:func:`plan` → :func:`check_inputs` → :func:`changed` → :func:`write` (each volume:
:func:`stage_volume`, which lays it out, assembles and saves it through
:func:`.assemble.stage`, then :func:`put_in_place`) — each taking the build's
:class:`Run` and returning plain data. Their rules live beside it: :mod:`.ondisk` (what ``volumes/`` and ``records/``
hold), :mod:`.holds` (custody), :mod:`.lost` (records a rebuild would leave out),
:mod:`.fingerprint`, :mod:`.supersede` (the recorded file-system steps), :mod:`.outcome`.

The forms renderer and the blank-page detector are looked up through
:func:`default_renderer` and :func:`default_detector`, or passed in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import clock as archive_clock
from ..atomic import remove_stale_temps
from ..customers import Customer
from ..errors import ConfigError
from ..store import Archive
from .analysis import WORKERS, Analysis
from .assemble import Assembled, BlankDetector, Context, Renderer, Validator, stage
from .codes import Journal
from .fingerprint import fingerprint, tool_inputs
from .holds import DisposalHolds, disposal_holds, held_notes
from .lost import FILING_GRACE_SECONDS, lost_records
from .manifest import VolumeManifest
from .ondisk import (
    SUPERSEDED,
    Volumes,
    current_slots,
    loose_volume_pdfs,
    read_volumes,
    superseded_references,
    up_to_date,
)
from .outcome import BuildResult, Outcome, Scope, rel
from .plan import HashCheck, Inputs, PlannedVolume, check_files, check_references, load_inputs, plan_volumes, refuse
from .shelf import box_numbers
from .supersede import commit, finish_interrupted, free_label, move_old, record_codes, retire_stale, when_of

__all__ = ["SUPERSEDED", "BuildResult", "Outcome", "build", "disposal_holds", "fingerprint", "free_label", "move_old"]


def default_renderer(archive: Archive) -> Renderer:
    """The forms stage's renderer, set up from archive.toml: the font, the style file
    (``volumes.forms_style``, relative to the archive root) and the binding margin."""
    from .forms import FormRenderer  # the forms stage

    options = archive.config.volumes
    renderer: Renderer = FormRenderer(font=options.font, style=options.forms_style, base=archive.root,
                                      binding_margin_mm=options.binding_margin_mm)
    return renderer


def default_detector() -> BlankDetector:
    from .blank import Detector  # the blank-page detector

    detect: BlankDetector = Detector()
    return detect


def volume_path(archive: Archive, plan: PlannedVolume) -> Path:
    return archive.volumes / plan.customer / f"{plan.year:04d}" / f"{plan.reference}.pdf"


@dataclass
class Run:
    """The build's context: what was asked, and what it reports."""

    archive: Archive
    scope: Scope
    force: bool
    by: str  # 立卷人
    checker: str
    renderer: Renderer | None
    detect: BlankDetector | None
    clock: Callable[[], dt.datetime]
    grace: float
    progress: Callable[[str], None] | None
    planned: Callable[[int], None] | None
    result: BuildResult = field(default_factory=BuildResult)


@dataclass
class State:
    """What the archive holds before anything is built."""

    holds: DisposalHolds
    volumes: Volumes
    journal: Journal
    completed: set[str]  # references a build cut off had finished, completed now


@dataclass(frozen=True)
class Planned:
    plans: list[PlannedVolume]  # the volumes asked for
    inputs: Inputs


@dataclass(frozen=True)
class Todo:
    plan: PlannedVolume
    customer: Customer
    fingerprint: str
    pending: dict[str, Any] | None  # the intent of a build cut off while writing it


def build(archive: Archive, *, customer: str = "", year: int | None = None, force: bool = False,
          filer: str = "", checker: str = "", renderer: Renderer | None = None,
          detect: BlankDetector | None = None, progress: Callable[[str], None] | None = None,
          planned: Callable[[int], None] | None = None, clock: Callable[[], dt.datetime] | None = None,
          filing_grace_seconds: float = FILING_GRACE_SECONDS) -> BuildResult:
    """Build the volumes asked for (see the module docstring). ``planned`` is told how
    many volumes will be assembled, ``progress`` each reference as it is done; ``clock``
    gives the build's time (the system clock by default)."""
    with archive.lock("build", purpose="archiver build"):
        if customer:
            archive.customer(customer)  # NotFoundError for an unknown customer
        by = filer or archive.config.volumes.filer or archive_clock.login_name()
        run = Run(archive, Scope(customer, year), force, by, checker, renderer, detect, clock or _system_clock,
                  filing_grace_seconds, progress, planned)
        state = read_state(run)
        planned_volumes = plan(run, state)
        check_inputs(run, state, planned_volumes)
        todo = changed(run, state, planned_volumes)
        write(run, state, planned_volumes, todo)
        return run.result


def read_state(run: Run) -> State:
    """Volumes, custody holds and the code register, after finishing what a build cut
    off left half-done. A damaged manifest in the scope stops the build."""
    archive, scope = run.archive, run.scope
    for _ in remove_stale_temps(archive.volumes):  # a writer cut off (only builds write there, locked)
        pass
    holds = disposal_holds(archive)
    volumes = read_volumes(archive)
    damaged = [p for p in volumes.problems if scope.has(p.customer, p.year)]
    if damaged:
        raise refuse([p.problem for p in damaged])
    journal = Journal.read(archive)
    completed: set[str] = set()
    if journal.pending:
        completed = finish_interrupted(archive, journal, scope, run.result)
        volumes = read_volumes(archive)  # as the completed steps left them
    return State(holds, volumes, journal, completed)


def plan(run: Run, state: State) -> Planned:
    """Every volume planned from the records custody does not hold, each keeping the
    number its place was given; those asked for."""
    archive, holds = run.archive, state.holds
    inputs = load_inputs(archive)
    records = [r for r in inputs.records if r.id not in holds.records]
    taken = set(state.journal.codes) | set(holds.references) | superseded_references(archive)
    everything = plan_volumes(records, archive.config, taken=taken,
                              assigned=current_slots(state.journal, state.volumes, holds.references))
    check_references(everything)
    return Planned([p for p in everything if run.scope.has(p.customer, p.year)], inputs)


def check_inputs(run: Run, state: State, planned: Planned) -> None:
    """Every input of the volumes asked for sound, or nothing is built (exit 6, every
    problem listed); the notes on material custody holds."""
    archive, scope = run.archive, run.scope
    problems = [p for p in planned.inputs.problems if scope.has_customer(p.customer)]
    problems += lost_records(archive, scope, state.volumes, state.holds, run.result, grace=run.grace,
                             clock=run.clock)
    problems += loose_volume_pdfs(archive, scope, state.volumes, state.holds.references, state.journal)
    problems += check_files(archive, [r for p in planned.plans for r in p.documents])
    if problems:
        raise refuse(problems)
    run.result.outcomes += held_notes(archive, scope, state.holds, state.volumes)


def changed(run: Run, state: State, planned: Planned) -> list[Todo]:
    """The volumes to write: those whose inputs changed (all, with ``force``) and those a
    build cut off while writing; the others are reported unchanged. Their records are
    hashed and compared with their sidecars."""
    archive = run.archive
    profiles = {c: archive.customer(c) for c in sorted({p.customer for p in planned.plans})}
    tools = tool_inputs(archive)
    todo: list[Todo] = []
    for p in planned.plans:
        fp = fingerprint(p, archive.config, profiles[p.customer], planned.inputs.sidecar_sha256, tools)
        target = volume_path(archive, p)
        pending = state.journal.pending.get(p.reference)
        if pending is not None and pending.get("event") == "writing":
            todo.append(Todo(p, profiles[p.customer], fp, pending))  # cut off: complete it (or redo it, inputs changed)
        elif p.reference in state.completed and up_to_date(state.volumes, p.reference, target, fp):
            continue  # completed above, reported built
        elif not run.force and up_to_date(state.volumes, p.reference, target, fp):
            run.result.outcomes.append(Outcome(p.reference, "unchanged", rel(archive, target), len(p.documents)))
        else:
            todo.append(Todo(p, profiles[p.customer], fp, None))
    return todo


def write(run: Run, state: State, planned: Planned, todo: list[Todo]) -> None:
    """Record the codes of the series built, write each volume, then move the volumes no
    longer planned aside."""
    archive, config = run.archive, run.archive.config
    when = run.clock()
    checker = run.checker or config.volumes.checker
    if todo and not checker:
        raise ConfigError(
            f"{len(todo)} volume(s) to build, but no checker (检查人) is named for the remarks sheet (Art. 18).",
            hint="Give --checker NAME, or set checker under [volumes] in archive.toml.",
        )
    renderer = run.renderer or (default_renderer(archive) if todo else None)
    detect = run.detect or (default_detector() if todo else None)
    record_codes(state.journal, planned.plans, state.volumes, run.scope, by=run.by)  # before any volume file
    if todo:
        assert renderer is not None and detect is not None
        if run.planned is not None:
            run.planned(len(todo))
        boxes = box_numbers(archive)  # a rebuilt volume stays in its box (Art. 20)
        hashes = HashCheck(archive, [r for t in todo for r in t.plan.documents])  # read what is used

        def put(staged: Staged) -> None:
            run.result.outcomes.append(put_in_place(archive, state.journal, staged, by=run.by, verify=hashes.verify))
            if run.progress is not None:
                run.progress(staged.plan.reference)

        try:
            with Analysis(WORKERS) as analysis:  # (worker processes: started when a volume needs them)
                # Each volume is validated in a worker while the next is assembled, then put
                # in place: the volumes go in place in order, each with the same steps.
                previous: Staged | None = None
                for i, t in enumerate(todo):
                    ctx = Context(config=config, customer=t.customer, renderer=renderer, detect=detect,
                                  cache_dir=archive.state, filer=run.by, checker=checker, today=when.date(),
                                  built_at=when, box=boxes.get(t.plan.reference, 0), analysis=analysis)
                    try:
                        staged = stage_volume(archive, t.plan, t.fingerprint, ctx, t.pending, when=when,
                                              later=analysis.validate if i + 1 < len(todo) else None)
                    except BaseException:
                        if previous is not None:  # (put in place first, as if this one had not been started)
                            put(previous)
                        raise
                    if previous is not None:
                        try:
                            put(previous)
                        except BaseException:
                            staged.assembled.discard()
                            raise
                    previous = staged
                if previous is not None:
                    put(previous)
        finally:
            hashes.close()
    run.result.outcomes += retire_stale(archive, state.journal, planned.plans, state.volumes, run.scope,
                                        state.holds, by=run.by, when=when)


@dataclasses.dataclass
class Staged:
    """A volume assembled under a temporary name (:func:`stage_volume`), to be put in place."""

    plan: PlannedVolume
    fingerprint: str
    pending: dict[str, Any] | None  # the intent of a build cut off, if any
    resumed: bool  # that intent completed (same inputs)
    when: dt.datetime
    assembled: Assembled


def stage_volume(archive: Archive, plan: PlannedVolume, fp: str, ctx: Context, pending: dict[str, Any] | None,
                 *, when: dt.datetime, later: Validator | None = None) -> Staged:
    """Assemble one volume under a temporary name (:func:`.assemble.stage`; its
    validation started in ``later``, if given). A ``pending`` intent of a build cut off is
    completed with its own build time, so the result is the same as if it had not been
    cut off."""
    resumed = pending is not None and pending.get("inputs") == fp
    if resumed:
        assert pending is not None
        ctx = dataclasses.replace(ctx, built_at=when_of(pending, when), today=when_of(pending, when).date())
    assembled = stage(plan, ctx, volume_path(archive, plan), fp, later)
    return Staged(plan, fp, pending, resumed, when, assembled)


def put_in_place(archive: Archive, journal: Journal, staged: Staged, *, by: str,
                 verify: Callable[[], None] = lambda: None) -> Outcome:
    """Wait for the staged volume's fsync and PDF/A verdict, ``verify`` its inputs (the
    records' hashes: an exception discards it, and nothing has changed), then record the
    intent (with the label its earlier copy is kept under), move the earlier PDF and
    manifest aside, put the PDF and its manifest in place, and record it built."""
    plan, fp, pending, resumed, when, assembled = (staged.plan, staged.fingerprint, staged.pending, staged.resumed,
                                                   staged.when, staged.assembled)
    target = volume_path(archive, plan)
    manifest = target.with_suffix(".toml")
    try:
        assembled.settle()
        verify()
        if pending is not None and not resumed:  # inputs changed since: its unfinished PDF is replaced
            journal.append("abandoned", by=by, reference=plan.reference, job=pending.get("job"),
                           reason="inputs changed before the build was completed")
        if resumed:
            assert pending is not None
            intent = pending
        else:
            old = [p.name for p in (target, manifest) if p.exists()] if manifest.exists() else []
            intent = journal.append("writing", by=by, reference=plan.reference, job=journal.next_job(),
                                    path=rel(archive, target), inputs=fp, built_at=when,
                                    supersede={"label": free_label(archive, target, when), "files": old,
                                               "reason": "rebuilt: its inputs changed"} if old else None)
            move_old(archive, intent, resumed=False)
        place(assembled)
    except BaseException:
        assembled.discard()
        raise
    m = assembled.manifest
    commit(archive, journal, m, intent, resumed=resumed)
    rebuilt = bool(intent.get("supersede"))
    return Outcome(m.reference, "built", rel(archive, target), m.document_count, m.page_count,
                   "rebuilt" if rebuilt else "new", warning=pdfa_warning(m))


def place(assembled: Assembled) -> None:
    """The assembled volume's PDF and manifest put in place (the step a crash sweep cuts)."""
    assembled.place()


def pdfa_warning(m: VolumeManifest) -> str:
    """'' for a volume that passed the PDF/A-2b check, else what is wrong (issue 10 item 6:
    a volume that fails is built and bound-ready, but never handed over silently)."""
    from .pdfa import PdfaResult

    if not m.pdfa or m.pdfa.get("valid"):
        return ""
    return PdfaResult.from_manifest(m.pdfa).summary()


def _system_clock() -> dt.datetime:
    return archive_clock.now()
