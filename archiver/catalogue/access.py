"""Art. 24 in the catalogue: which documents and volumes are listed by reference code
only. Pure rules: no file is read here.

* A document classified at or above ``catalogue.restricted_from`` is restricted; so is
  one that a volume manifest lists at such a level (the volume was bound when it was).
* A level the archiver does not know counts as restricted: what cannot be judged is
  never shown.
* A volume is restricted as a whole when it, or any document in it (as its manifest or
  the record now says), is restricted: its PDF contains that document.
* An ordinary document bound in a restricted volume is not restricted itself (its scan
  holds nothing restricted); it only names the volume, without a link (:mod:`.model`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from ..config import CLASSIFICATION_LEVELS, Config
from ..model import Record
from ..volumes.manifest import VolumeManifest

ORDINARY = "ordinary"


def level_restricted(level: str, config: Config) -> bool:
    """Art. 24 for one classification level; an unknown level counts as restricted."""
    return level not in CLASSIFICATION_LEVELS or config.is_restricted(level)


def record_restricted(record: Record, config: Config, bound_levels: Iterable[str] = ()) -> bool:
    """Art. 24: the record is restricted when it, or any volume entry of it
    (``bound_levels``: its classification in each manifest listing it), is classified at
    or above ``catalogue.restricted_from``."""
    return level_restricted(record.meta.classification, config) or any(
        level_restricted(x, config) for x in bound_levels)


def volume_restricted(manifest: VolumeManifest, config: Config, record_levels: Mapping[str, str]) -> bool:
    """Art. 24: a volume is restricted when it, or any document in it (as the manifest or
    the record now says, ``record_levels``: record id → classification), is restricted."""
    if level_restricted(manifest.classification, config):
        return True
    return any(level_restricted(d.classification, config)
               or level_restricted(record_levels.get(d.record, ORDINARY), config) for d in manifest.documents)


def bound_levels(manifests: Iterable[VolumeManifest]) -> dict[str, list[str]]:
    """Record id → its classification in every manifest that lists it."""
    out: dict[str, list[str]] = defaultdict(list)
    for m in manifests:
        for d in m.documents:
            out[d.record].append(d.classification)
    return dict(out)


def restricted_records(records: Iterable[Record], manifests: Iterable[VolumeManifest], config: Config) -> set[str]:
    """Ids of the restricted documents among ``records`` and the documents the
    ``manifests`` bind (a bound record no longer in the catalogue included)."""
    levels = bound_levels(manifests)
    out = {r.id for r in records if record_restricted(r, config, levels.get(r.id, ()))}
    out |= {rid for rid, found in levels.items() if any(level_restricted(x, config) for x in found)}
    return out


def shown_files(records: Iterable[Record], manifests: Iterable[VolumeManifest], config: Config
                ) -> tuple[list[Record], list[VolumeManifest]]:
    """The records and volumes whose scan or PDF the site may show (a thumbnail, a copy):
    never restricted material."""
    records = list(records)
    manifests = list(manifests)
    bound = bound_levels(manifests)
    levels = {r.id: r.meta.classification for r in records}
    return ([r for r in records if not record_restricted(r, config, bound.get(r.id, ()))],
            [m for m in manifests if not volume_restricted(m, config, levels)])
