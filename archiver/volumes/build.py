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
   PDFs of the volumes to build are hashed and compared with their sidecars before
   anything is written (a full fixity check of the archive is ``archiver audit``'s job).
5. The reference codes of the volumes to build are recorded (``assigned``) before any
   volume file is written; then each volume is written in one idempotent order
   (:func:`write_volume`): the intent, the earlier PDF and manifest moved to
   ``volumes/.superseded/<customer>/<year>/`` under the recorded label, the new PDF
   (:func:`.assemble.assemble`), its manifest, the ``volumes`` register.
6. A volume of a built series that the plan no longer has (say volume 3 when the
   material now fits in two) is not deleted: it is moved, with its manifest, to
   ``volumes/.superseded/`` with the time in its name, recorded in the register and
   reported; its code is released, never given out again.

The forms renderer and the blank-page detector are looked up through
:func:`default_renderer` and :func:`default_detector`, or passed in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from .. import clock as archive_clock
from ..atomic import ensure_dir, fsync_dir, remove_stale_temps
from ..config import Config
from ..customers import Customer
from ..errors import ConfigError, UnreadableFileError
from ..register import Register
from ..store import Archive
from .assemble import BlankDetector, Context, Renderer, assemble
from .codes import Journal, label_time
from .manifest import VolumeManifest, read_manifest
from .plan import (
    PlannedVolume,
    Problem,
    Slot,
    check_files,
    check_references,
    load_inputs,
    plan_volumes,
    refuse,
)

SUPERSEDED = ".superseded"
FILING_GRACE_SECONDS = 600.0  # a record PDF without sidecar younger than this is a filing in progress
LOCKED_GRACE_FACTOR = 6  # … and six times that while the filing lock is held


def default_renderer(archive: Archive) -> Renderer:
    """The forms stage's renderer, set up from archive.toml: the font, the style file
    (``volumes.forms_style``, relative to the archive root) and the binding margin."""
    from .forms import FormRenderer  # the forms stage

    options = archive.config.volumes
    renderer: Renderer = FormRenderer(font=options.font, style=options.forms_style, base=archive.root,
                                      binding_margin_mm=options.binding_margin_mm)
    return renderer


def default_detector() -> BlankDetector:
    from .blank import blank_pages  # the blank-page detector

    detect: BlankDetector = blank_pages
    return detect


def tool_inputs(archive: Archive) -> dict[str, str]:
    """What else shapes a volume besides records and configuration: the forms' style
    file (``volumes.forms_style``) and the blank detector's version, when present."""
    out = {}
    style = getattr(archive.config.volumes, "forms_style", "")
    if style:
        path = archive.root / style
        out["forms_style"] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
    try:
        from . import blank

        out["blank_detector"] = str(getattr(blank, "ANALYSER_VERSION", ""))
    except ImportError:
        pass
    return out


def fingerprint(plan: PlannedVolume, config: Config, customer: Customer, sidecars: dict[str, str],
                tools: dict[str, str] | None = None) -> str:
    """A hash of everything the volume is made from: its records (PDF checksum and
    sidecar text), the customer profile, the configuration that shapes volumes, its
    place in its series, the forms' style and blank detector (:func:`tool_inputs`) and
    the archiver's version. Filer and checker are not inputs: to put other names on an
    unchanged volume, use ``--force``."""
    options = {k: v for k, v in dataclasses.asdict(config.volumes).items() if k not in ("filer", "checker")}
    data = {
        "archiver": __version__,
        "fonds": [config.fonds_code, config.fonds_name],
        "volumes": options,
        "retention": {k: dataclasses.asdict(v) for k, v in config.retention.items()},
        "types": {k: [t.name, t.rank] for k, t in config.document_types.items()},
        "classifications": config.classifications,
        "customer": dataclasses.asdict(customer),
        "volume": [plan.reference, plan.number, plan.year, plan.retention, plan.top_secret, plan.oversize,
                   list(plan.followers), plan.sheets],
        "documents": [[r.id, r.file.sha256, sidecars.get(r.id, "")] for r in plan.documents],
        "texts": [_text_stamp(r.path) for r in plan.documents],  # the stored OCR text: a volume's text layer
        "tools": tools or {},
    }
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _text_stamp(record_pdf: Path) -> list[int]:
    """The record's stored text file as (size, mtime) — cheap; [] when there is none."""
    from ..ocr.store import text_path

    try:
        st = text_path(record_pdf).stat()
    except OSError:
        return []
    return [st.st_size, st.st_mtime_ns]


def volume_path(archive: Archive, plan: PlannedVolume) -> Path:
    return archive.volumes / plan.customer / f"{plan.year:04d}" / f"{plan.reference}.pdf"



@dataclass
class Outcome:
    reference: str
    status: str  # built / unchanged / superseded / held / skipped
    path: str
    documents: int = 0
    pages: int = 0
    detail: str = ""
    warning: str = ""  # e.g. the volume is not valid PDF/A-2b (see its manifest's [pdfa])

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in ("", None)}


@dataclass
class BuildResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


@dataclass(frozen=True)
class Scope:
    """The customer and filing year asked for (empty / None: all)."""

    customer: str = ""
    year: int | None = None

    def has(self, customer: str, year: int) -> bool:
        return (not self.customer or customer == self.customer) and (self.year is None or year == self.year)

    def has_customer(self, customer: str) -> bool:
        return not self.customer or customer == self.customer


def build(archive: Archive, *, customer: str = "", year: int | None = None, force: bool = False,
          filer: str = "", checker: str = "", renderer: Renderer | None = None,
          detect: BlankDetector | None = None, progress: Callable[[str], None] | None = None,
          planned: Callable[[int], None] | None = None, clock: Callable[[], dt.datetime] | None = None,
          filing_grace_seconds: float = FILING_GRACE_SECONDS) -> BuildResult:
    """Build the volumes asked for (see the module docstring). ``planned`` is told how
    many volumes will be assembled, ``progress`` each reference as it is done; ``clock``
    gives the build's time (the system clock by default)."""
    clock = clock or _system_clock
    config = archive.config
    scope = Scope(customer, year)
    with archive.lock("build", purpose="archiver build"):
        if customer:
            archive.customer(customer)  # NotFoundError for an unknown customer
        by = filer or config.volumes.filer or archive_clock.login_name()
        for _ in remove_stale_temps(archive.volumes):  # a writer cut off (only builds write there, locked)
            pass
        holds = disposal_holds(archive)
        volumes = read_volumes(archive)
        damaged = [p for p in volumes.problems if scope.has(p.customer, p.year)]
        if damaged:
            raise refuse([p.problem for p in damaged])
        journal = Journal.read(archive)
        result = BuildResult()
        if journal.pending:
            completed = finish_interrupted(archive, journal, scope, result)
            volumes = read_volumes(archive)  # as the completed steps left them
        else:
            completed = set()

        inputs = load_inputs(archive)
        records = [r for r in inputs.records if r.id not in holds.records]
        taken = set(journal.codes) | set(holds.references) | superseded_references(archive)
        everything = plan_volumes(records, config, taken=taken, assigned=current_slots(journal, volumes, holds))
        check_references(everything)
        plans = [p for p in everything if scope.has(p.customer, p.year)]
        problems = [p for p in inputs.problems if scope.has_customer(p.customer)]
        problems += lost_records(archive, scope, volumes, holds, result, grace=filing_grace_seconds, clock=clock)
        problems += loose_volume_pdfs(archive, scope, volumes, holds, journal)
        problems += check_files(archive, [r for p in plans for r in p.documents], hash_files=False)
        if problems:
            raise refuse(problems)
        result.outcomes += held_notes(archive, scope, holds, volumes)

        profiles = {c: archive.customer(c) for c in sorted({p.customer for p in plans})}
        todo: list[tuple[PlannedVolume, str, dict[str, Any] | None]] = []
        tools = tool_inputs(archive)
        for plan in plans:
            fp = fingerprint(plan, config, profiles[plan.customer], inputs.sidecar_sha256, tools)
            target = volume_path(archive, plan)
            pending = journal.pending.get(plan.reference)
            if pending is not None and pending.get("event") == "writing":
                todo.append((plan, fp, pending))  # cut off: complete it (or redo it, inputs changed)
            elif plan.reference in completed and _up_to_date(volumes, plan.reference, target, fp):
                continue  # completed above, reported built
            elif not force and _up_to_date(volumes, plan.reference, target, fp):
                result.outcomes.append(Outcome(plan.reference, "unchanged", _rel(archive, target),
                                               len(plan.documents)))
            else:
                todo.append((plan, fp, None))

        problems = check_files(archive, [r for plan, _, _ in todo for r in plan.documents])  # read what is used
        if problems:
            raise refuse(problems)
        when = clock()
        if todo:
            checker = checker or config.volumes.checker
            if not checker:
                raise ConfigError(
                    f"{len(todo)} volume(s) to build, but no checker (检查人) is named for the remarks sheet (Art. 18).",
                    hint="Give --checker NAME, or set checker under [volumes] in archive.toml.",
                )
            renderer = renderer or default_renderer(archive)
            detect = detect or default_detector()
        record_codes(journal, plans, volumes, scope, by=by)  # decided before any volume file is written
        if todo:
            assert renderer is not None and detect is not None
            if planned is not None:
                planned(len(todo))
            for plan, fp, pending in todo:
                ctx = Context(config=config, customer=profiles[plan.customer], renderer=renderer, detect=detect,
                              cache_dir=archive.state, filer=by, checker=checker, today=when.date(), built_at=when)
                result.outcomes.append(write_volume(archive, journal, plan, fp, ctx, pending, by=by, when=when))
                if progress is not None:
                    progress(plan.reference)

        result.outcomes += retire_stale(archive, journal, plans, volumes, scope, holds, by=by, when=when)
        return result


def pdfa_warning(m: VolumeManifest) -> str:
    """'' for a volume that passed the PDF/A-2b check, else what is wrong (issue 10 item 6:
    a volume that fails is built and bound-ready, but never handed over silently)."""
    from .pdfa import PdfaResult

    if not m.pdfa or m.pdfa.get("valid"):
        return ""
    return PdfaResult.from_manifest(m.pdfa).summary()


def _system_clock() -> dt.datetime:
    return archive_clock.now()


# Custody: what a build must leave alone ----------------------------------------------------------
@dataclass(frozen=True)
class DisposalHolds:
    """Volumes and records on a destruction list in any state but cancelled (Art. 29):
    proposed, appraised, approved and moving to the hold, held, being restored, destroyed.
    A build never binds their records, never rebuilds, moves or renumbers their volumes,
    and never gives their codes to another volume. Values: the list and its state."""

    references: dict[str, str] = field(default_factory=dict)
    records: dict[str, str] = field(default_factory=dict)
    lists: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # list id → (state, references)


def disposal_holds(archive: Archive) -> DisposalHolds:
    """The one place the build reads custody state (the destruction lists)."""
    from ..custody.state import disposal_lists, list_state  # the one view of custody state

    holds = DisposalHolds()
    for case in disposal_lists(archive).values():
        state = list_state(case)
        if state == "cancelled":
            continue
        label = f"destruction list {case.id} ({state})"
        refs = []
        for v in case.opened.get("volumes", []):
            refs.append(v["reference"])
            holds.references[v["reference"]] = label
            for d in v.get("documents", []):
                holds.records[d["record"]] = label
        holds.lists[case.id] = (state, refs)
    return holds


def held_notes(archive: Archive, scope: Scope, holds: DisposalHolds, volumes: Volumes) -> list[Outcome]:
    """One note per destruction list touching the customers and years built."""
    out = []
    present: dict[str, int] = {}  # list label → its records still in records/
    for pdf in _record_pdfs(archive, scope.customer) if holds.records else []:
        if pdf.stem in holds.records:
            present[holds.records[pdf.stem]] = present.get(holds.records[pdf.stem], 0) + 1
    for list_id, (state, refs) in sorted(holds.lists.items()):
        if state == "destroyed":
            continue
        mine = [r for r in refs if r in volumes.manifests and scope.has(volumes.manifests[r].customer,
                                                                         volumes.manifests[r].year)]
        records = present.get(f"destruction list {list_id} ({state})", 0)
        if not mine and not records:
            continue
        out.append(Outcome(list_id, "held", "", detail=(
            f"destruction list {list_id} is {state}: its volume(s) {', '.join(refs)} are left as they are "
            f"and its {records} record(s) in records/ are not bound again")))
    return out


# Volumes on disk ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VolumeProblem:
    customer: str
    year: int
    problem: Problem


@dataclass
class Volumes:
    """What ``volumes/<customer>/<year>/`` holds: the volumes (by reference), the PDFs
    without a manifest, and the manifests that cannot be trusted."""

    manifests: dict[str, VolumeManifest] = field(default_factory=dict)
    loose: list[Path] = field(default_factory=list)
    problems: list[VolumeProblem] = field(default_factory=list)


def read_volumes(archive: Archive) -> Volumes:
    """Read every volume manifest once. A manifest that does not parse, or that describes
    another file than the one it sits beside, is a problem (exit 6): the build never
    treats it as stale and never moves the bound PDF beside it."""
    out = Volumes()
    if not archive.volumes.is_dir():
        return out
    for folder in sorted(archive.volumes.glob("*/[0-9][0-9][0-9][0-9]")):
        if folder.parent.name.startswith(".") or not folder.is_dir():
            continue
        customer, year = folder.parent.name, int(folder.name)
        for path in sorted(folder.glob("*.toml")):
            if path.name.startswith("."):
                continue
            rel = _rel(archive, path)
            try:
                m = read_manifest(path, sealed=True)
            except UnreadableFileError as exc:
                reason = exc.message.split(" cannot be read ", 1)[-1].strip("(). ")
                out.problems.append(VolumeProblem(customer, year, Problem(
                    rel, f"the volume manifest cannot be read ({reason}); its volume is not rebuilt, so that its "
                    "PDF, which may be bound, is not set aside: restore the manifest from backup (`archiver audit` "
                    "checks it against the PDF)", customer)))
                continue
            wrong = [what for what, ok in (
                (f"reference {m.reference}", m.reference == path.stem),
                (f"file {m.file_name}", m.file_name == f"{path.stem}.pdf"),
                (f"customer {m.customer}", m.customer == customer),
                (f"year {m.year}", m.year == year)) if not ok]
            if wrong:
                out.problems.append(VolumeProblem(customer, year, Problem(
                    rel, f"the volume manifest does not describe the volume beside it (it names {', '.join(wrong)}): "
                    "restore it from backup", customer)))
                continue
            out.manifests[m.reference] = m
        described = {m.pdf_path for m in out.manifests.values() if m.path.parent == folder}
        for pdf in sorted(folder.glob("*.pdf")):
            if pdf.name.startswith(".") or pdf in described or pdf.with_suffix(".toml").exists():
                continue
            out.loose.append(pdf)
    return out


def loose_volume_pdfs(archive: Archive, scope: Scope, volumes: Volumes, holds: DisposalHolds,
                      journal: Journal) -> list[Problem]:
    """A volume PDF without its manifest, which no build of ours left unfinished and no
    destruction list is moving: it may be bound, so it is named, never replaced."""
    out = []
    for pdf in volumes.loose:
        customer, year = pdf.parent.parent.name, int(pdf.parent.name)
        if not scope.has(customer, year) or pdf.stem in holds.references:
            continue
        pending = journal.pending.get(pdf.stem)
        if pending is not None and pending.get("event") == "writing":
            continue  # our own unfinished output: written again
        out.append(Problem(_rel(archive, pdf), "the volume PDF has no manifest beside it: restore the manifest "
                           f"({pdf.stem}.toml) from backup, or move the PDF out of volumes/ if it is not a volume",
                           customer))
    return out


def current_slots(journal: Journal, volumes: Volumes, holds: DisposalHolds) -> dict[Slot, int]:
    """The numbers the places of each series hold (see :mod:`.plan`): the codes the
    register gave out and has not released, and the volumes in ``volumes/`` — so a volume
    whose files are being rewritten keeps its number — less those on a destruction list."""
    series: dict[tuple[str, int, str, bool], set[int]] = {}
    for a in journal.live().values():
        if a.reference not in holds.references:
            series.setdefault(a.kind, set()).add(a.volume)
    for m in volumes.manifests.values():
        if m.reference not in holds.references:
            series.setdefault((m.customer, m.year, m.retention, m.classification == "top-secret"), set()).add(m.volume)
    return {(*key, place): number for key, numbers in series.items()
            for place, number in enumerate(sorted(numbers), 1)}


def superseded_references(archive: Archive) -> set[str]:
    """Reference codes of superseded volumes: given out once, never given to another volume."""
    refs = set()
    for path in sorted((archive.volumes / SUPERSEDED).glob("*/[0-9][0-9][0-9][0-9]/*")):
        if path.suffix in (".toml", ".pdf") and not path.name.startswith("."):
            refs.add(path.name.split(".")[0])
    return refs


def _up_to_date(volumes: Volumes, reference: str, target: Path, fp: str) -> bool:
    m = volumes.manifests.get(reference)
    if m is None or not target.is_file():
        return False
    return m.inputs == fp and m.file_size == target.stat().st_size


def _rel(archive: Archive, path: Path) -> str:
    return path.relative_to(archive.root).as_posix()


# Records: what a rebuild would leave out ----------------------------------------------------------
def _record_pdfs(archive: Archive, customer: str) -> list[Path]:
    return [p for p in sorted(archive.records.glob(f"{customer or '*'}/[0-9][0-9][0-9][0-9]/*.pdf"))
            if not p.name.startswith(".")]


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
    for pdf in _record_pdfs(archive, scope.customer):
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
                result.outcomes.append(Outcome(pdf.stem, "skipped", _rel(archive, pdf), detail=(
                    f"being filed (written {max(0, int(age))} s ago, {why}): not bound by this build; build "
                    "again once the filing is done")))
                continue
        problems.append(Problem(f"{pdf.stem} ({_rel(archive, pdf)})",
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


# Writing: codes first, then each volume in one idempotent order ------------------------------------
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


def write_volume(archive: Archive, journal: Journal, plan: PlannedVolume, fp: str, ctx: Context,
                 pending: dict[str, Any] | None, *, by: str, when: dt.datetime) -> Outcome:
    """Write one volume: record the intent (with the label its earlier copy is kept
    under), move the earlier PDF and manifest aside, write the PDF, its manifest, and
    record it built. A ``pending`` intent of a build cut off is completed with its own
    build time, so the result is the same as if it had not been cut off."""
    target = volume_path(archive, plan)
    manifest = target.with_suffix(".toml")
    resumed = pending is not None and pending.get("inputs") == fp
    if pending is not None and not resumed:  # inputs changed since: its unfinished PDF is replaced
        journal.append("abandoned", by=by, reference=plan.reference, job=pending.get("job"),
                       reason="inputs changed before the build was completed")
    if resumed:
        assert pending is not None
        intent = pending
        ctx = dataclasses.replace(ctx, built_at=_when(intent, when), today=_when(intent, when).date())
    else:
        old = [p.name for p in (target, manifest) if p.exists()] if manifest.exists() else []
        intent = journal.append("writing", by=by, reference=plan.reference, job=journal.next_job(),
                                path=_rel(archive, target), inputs=fp, built_at=when,
                                supersede={"label": free_label(archive, target, when), "files": old,
                                           "reason": "rebuilt: its inputs changed"} if old else None)
        move_old(archive, intent, resumed=False)
    m = assemble(plan, ctx, target, fp)
    commit(archive, journal, m, intent, resumed=resumed)
    rebuilt = bool(intent.get("supersede"))
    return Outcome(m.reference, "built", _rel(archive, target), m.document_count, m.page_count,
                   "rebuilt" if rebuilt else "new", warning=pdfa_warning(m))


def _when(intent: dict[str, Any], default: dt.datetime) -> dt.datetime:
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
            volume=m.volume, file=_rel(archive, m.pdf_path), sha256=m.file_sha256, documents=m.document_count,
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
        moved.append(_rel(archive, kept))
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
        if m.inputs == intent.get("inputs") and str(m.built_at) == str(_when(intent, m.built_at)):
            commit(archive, journal, m, intent, resumed=True)
            completed.add(ref)
            result.outcomes.append(Outcome(ref, "built", _rel(archive, path), m.document_count, m.page_count,
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
                                path=_rel(archive, m.pdf_path),
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
