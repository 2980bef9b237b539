"""The box register ``registers/boxes.jsonl`` (卷盒登记): which box each volume went into.

One ``boxed`` entry per volume when it is first placed (:mod:`.boxes`), with who placed it
and when; later entries never move a volume (the first counts), so a box number printed on
a label stays true. The register is the record; the volume manifest carries a copy
(``box``, for the catalogue), written here: a manifest is rewritten by every rebuild of
its volume, while a volume's box is a fact of the shelf that outlives rebuilds, so
:func:`place_all` puts the number back into any manifest that lacks it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ..store import Archive
from ..volumes.manifest import VolumeManifest, iter_manifests, write_manifest
from ..volumes.shelf import REGISTER, boxed
from .boxes import Placement, Volume, place


def placements(archive: Archive) -> dict[str, Placement]:
    """Every volume's box, by reference code (the first entry for a volume counts)."""
    return {b.reference: Placement(b.reference, b.year, b.retention, b.box) for b in boxed(archive)}


def record(archive: Archive, new: Iterable[Placement], *, by: str, capacity: int) -> None:
    """Append one entry per newly placed volume."""
    reg = archive.register(REGISTER)
    for p in new:
        reg.append("boxed", by=by, reference=p.reference, year=p.year, retention=p.retention, box=p.number,
                   capacity=capacity)


def place_all(archive: Archive, *, by: str) -> tuple[list[Volume], dict[str, Placement], list[Placement]]:
    """Place every volume not yet in a box, record it, and write each volume's box into its
    manifest where it is not there yet. Returns the volumes, every placement and the new
    ones. The manifests are read and rewritten under the build lock: never one that
    ``archiver build`` is writing, never a copy older than the file."""
    capacity = archive.config.volumes.box_sheets
    with archive.lock("build", purpose="archiver papers box-labels"):
        manifests = list(iter_manifests(archive.volumes))
        volumes = [volume_of(m) for m in manifests]
        placed = placements(archive)
        new = place(volumes, placed, capacity)
        record(archive, new, by=by, capacity=capacity)
        placed |= {p.reference: p for p in new}
        for m in manifests:
            p = placed.get(m.reference)
            if p is not None and m.box != p.number:
                write_manifest(dataclasses.replace(m, box=p.number))
    return volumes, placed, new


def volume_of(m: VolumeManifest) -> Volume:
    """What placing needs of a volume, from its manifest."""
    return Volume(reference=m.reference, customer=m.customer, year=m.year, retention=m.retention,
                  top_secret=m.classification == "top-secret", number=m.volume, sheets=m.sheet_count)
