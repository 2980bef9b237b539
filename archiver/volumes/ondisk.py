"""What ``volumes/`` and ``records/`` hold, as the build reads them: every volume
manifest (read once; a damaged one is a problem, never a stale volume), the volume PDFs
without a manifest, the numbers each series' places hold, the codes of superseded volumes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UnreadableFileError
from ..store import Archive
from .manifest import VolumeManifest, read_manifest
from .outcome import Scope, rel
from .plan import Problem, Slot

if TYPE_CHECKING:  # (codes reads the destruction holds, which read what volumes/ holds)
    from .codes import Journal

SUPERSEDED = ".superseded"  # volumes/.superseded/<customer>/<year>/: earlier copies, never deleted


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
            where = rel(archive, path)
            try:
                m = read_manifest(path, sealed=True)
            except UnreadableFileError as exc:
                reason = exc.message.split(" cannot be read ", 1)[-1].strip("(). ")
                out.problems.append(VolumeProblem(customer, year, Problem(
                    where, f"the volume manifest cannot be read ({reason}); its volume is not rebuilt, so that its "
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
                    where, f"the volume manifest does not describe the volume beside it (it names {', '.join(wrong)}): "
                    "restore it from backup", customer)))
                continue
            out.manifests[m.reference] = m
        described = {m.pdf_path for m in out.manifests.values() if m.path.parent == folder}
        for pdf in sorted(folder.glob("*.pdf")):
            if pdf.name.startswith(".") or pdf in described or pdf.with_suffix(".toml").exists():
                continue
            out.loose.append(pdf)
    return out


def loose_volume_pdfs(archive: Archive, scope: Scope, volumes: Volumes, held: Collection[str],
                      journal: Journal) -> list[Problem]:
    """A volume PDF without its manifest, which no build of ours left unfinished and no
    destruction list is moving (``held``: the references on one): it may be bound, so it
    is named, never replaced."""
    out = []
    for pdf in volumes.loose:
        customer, year = pdf.parent.parent.name, int(pdf.parent.name)
        if not scope.has(customer, year) or pdf.stem in held:
            continue
        pending = journal.pending.get(pdf.stem)
        if pending is not None and pending.get("event") == "writing":
            continue  # our own unfinished output: written again
        out.append(Problem(rel(archive, pdf), "the volume PDF has no manifest beside it: restore the manifest "
                           f"({pdf.stem}.toml) from backup, or move the PDF out of volumes/ if it is not a volume",
                           customer))
    return out


def current_slots(journal: Journal, volumes: Volumes, held: Collection[str]) -> dict[Slot, int]:
    """The numbers the places of each series hold (see :mod:`.plan`): the codes the
    register gave out and has not released, and the volumes in ``volumes/`` — so a volume
    whose files are being rewritten keeps its number — less those on a destruction list
    (``held``)."""
    series: dict[tuple[str, int, str, bool], set[int]] = {}
    for a in journal.live().values():
        if a.reference not in held:
            series.setdefault(a.kind, set()).add(a.volume)
    for m in volumes.manifests.values():
        if m.reference not in held:
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


def up_to_date(volumes: Volumes, reference: str, target: Path, fp: str) -> bool:
    m = volumes.manifests.get(reference)
    if m is None or not target.is_file():
        return False
    return m.inputs == fp and m.file_size == target.stat().st_size


def record_pdfs(archive: Archive, customer: str) -> list[Path]:
    """The record PDFs in ``records/`` (of one customer, or all)."""
    return [p for p in sorted(archive.records.glob(f"{customer or '*'}/[0-9][0-9][0-9][0-9]/*.pdf"))
            if not p.name.startswith(".")]
