"""``archiver build``: plan the volumes, check the inputs, build what changed.

1. Read every record (:func:`.plan.load_inputs`) and plan every volume
   (:func:`.plan.plan_volumes`); keep those asked for (``customer``, ``year``).
2. Check the inputs of those volumes — every sidecar readable, no record PDF without its
   sidecar and no record an earlier build bound gone from records/, every group sound, every
   PDF present with its recorded size. Any problem: nothing is built, and the error lists
   them all (Art. 21: never a volume silently missing a document).
3. A volume whose *inputs fingerprint* (:func:`fingerprint`) equals the one in its
   manifest, and whose PDF is still there, is left alone and reported unchanged. The
   PDFs of the volumes to build are hashed and compared with their sidecars before
   anything is written (a full fixity check of the archive is ``archiver audit``'s job).
4. The others are assembled (:func:`.assemble.assemble`) and recorded in the ``volumes``
   register.
5. A volume file of a built series that the plan no longer has (say volume 3 when the
   material now fits in two) is not deleted: it is moved, with its manifest, to
   ``volumes/.superseded/<customer>/<year>/`` with the time in its name, recorded in the
   register and reported.

The forms renderer and the blank-page detector are looked up through
:func:`default_renderer` and :func:`default_detector`, or passed in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..atomic import ensure_dir, fsync_dir
from ..config import Config
from ..customers import Customer
from ..errors import ConfigError
from ..register import current_user, now, today
from ..store import Archive
from .assemble import BlankDetector, Context, Renderer, assemble
from .manifest import VolumeManifest, manifest_paths, read_manifest
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
        "tools": tools or {},
    }
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def volume_path(archive: Archive, plan: PlannedVolume) -> Path:
    return archive.volumes / plan.customer / f"{plan.year:04d}" / f"{plan.reference}.pdf"


@dataclass
class Outcome:
    reference: str
    status: str  # built / unchanged / superseded
    path: str
    documents: int = 0
    pages: int = 0
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in ("", None)}


@dataclass
class BuildResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


def build(archive: Archive, *, customer: str = "", year: int | None = None, force: bool = False,
          filer: str = "", checker: str = "", renderer: Renderer | None = None,
          detect: BlankDetector | None = None, progress: Callable[[str], None] | None = None,
          planned: Callable[[int], None] | None = None) -> BuildResult:
    """Build the volumes asked for (see the module docstring). ``planned`` is told how
    many volumes will be assembled, ``progress`` each reference as it is done."""
    config = archive.config
    with archive.lock("build", purpose="archiver build"):
        if customer:
            archive.customer(customer)  # NotFoundError for an unknown customer
        inputs = load_inputs(archive)
        taken = disposed_references(archive) | superseded_references(archive)
        everything = plan_volumes(inputs.records, config, taken=taken, assigned=current_slots(archive))
        check_references(everything)
        plans = [p for p in everything
                 if (not customer or p.customer == customer) and (year is None or p.year == year)]
        problems = [p for p in inputs.problems if not customer or p.customer == customer]
        problems += lost_records(archive, customer, year)
        problems += check_files(archive, [r for p in plans for r in p.documents], hash_files=False)
        if problems:
            raise refuse(problems)

        profiles = {c: archive.customer(c) for c in sorted({p.customer for p in plans})}
        result = BuildResult()
        todo: list[tuple[PlannedVolume, str]] = []
        tools = tool_inputs(archive)
        for plan in plans:
            fp = fingerprint(plan, config, profiles[plan.customer], inputs.sidecar_sha256, tools)
            target = volume_path(archive, plan)
            if not force and _up_to_date(target, fp):
                result.outcomes.append(Outcome(plan.reference, "unchanged", _rel(archive, target),
                                               len(plan.documents)))
            else:
                todo.append((plan, fp))

        problems = check_files(archive, [r for plan, _ in todo for r in plan.documents])  # read what is used
        if problems:
            raise refuse(problems)
        if todo:
            filer = filer or config.volumes.filer or current_user()
            checker = checker or config.volumes.checker
            if not checker:
                raise ConfigError(
                    f"{len(todo)} volume(s) to build, but no checker (检查人) is named for the remarks sheet (Art. 18).",
                    hint="Give --checker NAME, or set checker under [volumes] in archive.toml.",
                )
            renderer = renderer or default_renderer(archive)
            detect = detect or default_detector()
            if planned is not None:
                planned(len(todo))
            built_at = now()
            for plan, fp in todo:
                ctx = Context(config=config, customer=profiles[plan.customer], renderer=renderer, detect=detect,
                              cache_dir=archive.state, filer=filer, checker=checker,
                              today=today(), built_at=built_at)
                target = volume_path(archive, plan)
                rebuilt = target.exists()
                if rebuilt:  # the earlier PDF may be printed and bound: keep it (Art. 21)
                    move_aside(archive, target, target.with_suffix(".toml"), by=filer,
                               reason="rebuilt: its inputs changed")
                m = assemble(plan, ctx, target, fp)
                archive.register("volumes").append(
                    "built", by=filer, reference=m.reference, customer=m.customer, year=m.year, volume=m.volume,
                    file=_rel(archive, target), sha256=m.file_sha256, documents=m.document_count,
                    pages=m.page_count, checker=checker, inputs=fp, rebuilt=rebuilt,
                )
                result.outcomes.append(Outcome(m.reference, "built", _rel(archive, target), m.document_count,
                                               m.page_count, "rebuilt" if rebuilt else "new"))
                if progress is not None:
                    progress(m.reference)

        result.outcomes += supersede_stale(archive, plans, customer, year, by=filer or current_user())
        return result


def disposed_references(archive: Archive) -> set[str]:
    """Reference codes of volumes approved for destruction — held apart, being restored
    or destroyed (Art. 29): a new volume never takes one of them (Art. 20). Read from
    the custody state (:mod:`archiver.custody.state`), like every custody question."""
    from ..custody.state import disposed_references as from_custody

    return from_custody(archive)


def lost_records(archive: Archive, customer: str, year: int | None) -> list[Problem]:
    """Records a rebuild would silently leave out (Art. 21): a record PDF whose sidecar
    is gone, and a record an earlier build bound into a volume that is no longer filed."""
    problems = []
    filed = {p.stem for p in archive.sidecar_paths()}
    orphans = set()
    for pdf in sorted(archive.records.glob(f"{customer or '*'}/[0-9][0-9][0-9][0-9]/*.pdf")):
        if pdf.name.startswith(".") or pdf.stem in filed:
            continue
        orphans.add(pdf.stem)
        problems.append(Problem(f"{pdf.stem} ({_rel(archive, pdf)})",
                                "the PDF has no sidecar, so its volume would be built without it: run "
                                "`archiver ingest` (a filing cut off completes) or restore the sidecar",
                                pdf.parent.parent.name))
    years = f"{year:04d}" if year is not None else "[0-9]" * 4
    for manifest in sorted(archive.volumes.glob(f"{customer or '*'}/{years}/*.toml")):
        try:
            m = read_manifest(manifest)
        except ConfigError:
            continue
        for d in m.documents:
            if d.record not in filed and d.record not in orphans:
                problems.append(Problem(f"{d.record} (bound in {m.reference})",
                                        "the record is no longer in records/ (sidecar and PDF gone): "
                                        "restore both from backup", m.customer))
    return problems


def _up_to_date(target: Path, fp: str) -> bool:
    manifest = target.with_suffix(".toml")
    if not (target.is_file() and manifest.is_file()):
        return False
    try:
        m = read_manifest(manifest)
    except ConfigError:
        return False
    return m.inputs == fp and m.file_size == target.stat().st_size


def _rel(archive: Archive, path: Path) -> str:
    return path.relative_to(archive.root).as_posix()


def supersede_stale(archive: Archive, plans: list[PlannedVolume], customer: str, year: int | None,
                    *, by: str) -> list[Outcome]:
    """Move volumes no longer planned (in the customers and years built) out of the way."""
    keep = {volume_path(archive, p) for p in plans}
    outcomes = []
    folders = sorted(archive.volumes.glob(f"{customer or '*'}/{year if year is not None else '[0-9]' * 4}"))
    for folder in folders:
        if not folder.is_dir() or folder.parent.name.startswith("."):
            continue
        for manifest in sorted(folder.glob("*.toml")):
            try:
                m: VolumeManifest | None = read_manifest(manifest)
            except ConfigError:
                m = None
            pdf = manifest.with_suffix(".pdf") if m is None else m.pdf_path
            if pdf in keep:
                continue
            moved = move_aside(archive, pdf, manifest, by=by, reason="no longer in the plan")
            outcomes.append(Outcome(m.reference if m else manifest.stem, "superseded", moved[0] if moved else "",
                                    detail="no longer in the plan; moved, not deleted"))
    return outcomes


def move_aside(archive: Archive, pdf: Path, manifest: Path, *, by: str, reason: str) -> list[str]:
    """Move a volume (PDF and manifest) to ``volumes/.superseded/<customer>/<year>/``
    with the time in its name; never deleted, never overwriting an earlier copy."""
    folder = manifest.parent
    stamp = now().strftime("%Y%m%dT%H%M%S")
    dest = ensure_dir(archive.volumes / SUPERSEDED / folder.parent.name / folder.name)
    label, n = stamp, 1
    while any((dest / f"{p.stem}.{label}{p.suffix}").exists() for p in (pdf, manifest)):
        n += 1
        label = f"{stamp}-{n}"
    moved = []
    for path in (pdf, manifest):
        if path.exists():
            target = dest / f"{path.stem}.{label}{path.suffix}"
            os.replace(path, target)
            moved.append(_rel(archive, target))
    fsync_dir(dest)
    fsync_dir(folder)
    archive.register("volumes").append("superseded", by=by, reference=manifest.stem, reason=reason, moved_to=moved)
    return moved


def current_slots(archive: Archive) -> dict[Slot, int]:
    """The numbers the volumes in ``volumes/`` hold, by slot (see :mod:`.plan`)."""
    series: dict[tuple[str, int, str, bool], list[int]] = {}
    for path in manifest_paths(archive.volumes):
        try:
            m = read_manifest(path)
        except ConfigError:
            continue
        series.setdefault((m.customer, m.year, m.retention, m.classification == "top-secret"), []).append(m.volume)
    return {(*key, place): number for key, numbers in series.items()
            for place, number in enumerate(sorted(numbers), 1)}


def superseded_references(archive: Archive) -> set[str]:
    """Reference codes of superseded volumes: given out once, never given to another volume."""
    refs = set()
    for path in sorted((archive.volumes / SUPERSEDED).glob("*/[0-9][0-9][0-9][0-9]/*.toml")):
        try:
            refs.add(read_manifest(path).reference)
        except ConfigError:
            refs.add(path.name.split(".")[0])
    return refs
