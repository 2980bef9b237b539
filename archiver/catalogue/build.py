"""``archiver site``: read the archive, make thumbnails, write the static catalogue.

One orchestrator (:func:`_build`) reading as the list of its steps (:mod:`.steps`, each
taking the build's context and giving plain data back): keep the customers whose
material is unchanged since the build that made the folder → read the others' material
(inputs) → their thumbnails and active-content findings → their part of the site model →
for each, render its pages and write them with its PDFs and thumbnails → the site-wide
data from every customer's summary → the search index → the site-wide pages → the
full-text index → remove what an earlier build wrote and this one did not.

So a rebuild costs in proportion to what changed, and gives byte for byte the site a
build into an empty folder gives (the tests check this).
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from pathlib import Path

from .. import clock
from ..model import Record
from ..store import Archive
from ..volumes.manifest import VolumeManifest
from . import known, sources, steps, thumbs
from .inputs import read_inputs
from .model import build_model
from .output import check_output
from .sites import output_folder
from .steps import SITE_PAGES, Progress, Stage, thumbnail_sources
from .views import SiteModel

__all__ = ["BuildResult", "Inputs", "build_site", "make_model", "make_thumbnails", "output_folder"]


@dataclass
class BuildResult:
    folder: Path
    pages: int  # pages in the site
    written: int  # files (re)written or copied this build
    removed: int  # files of an earlier build removed
    thumbnails_made: int
    documents: int
    restricted: int  # documents shown by reference code only (Art. 24)
    missing: list[str]  # archive files that should have been copied but were not found
    seconds: float
    search_index_bytes: int
    fulltext_documents: int = 0  # documents in the full-text index
    fulltext_index_bytes: int = 0

    def as_dict(self) -> dict[str, object]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


def build_site(archive: Archive, out: Path | None = None, *, progress: Progress | None = None) -> BuildResult:
    """Build (or bring up to date) the static catalogue; return what was done.

    The build makes many small objects that all live until it ends; Python's cyclic
    garbage collector would walk them over and over (half the time of a rebuild of
    10,000 documents), so it is paused meanwhile. Nothing here makes reference cycles
    worth collecting.
    """
    check_output(archive, output_folder(archive, out))  # refuse before touching anything
    collecting = gc.isenabled()
    gc.disable()
    try:
        with archive.lock("site", purpose="archiver site"):  # one build of the catalogue at a time
            start = time.perf_counter()
            return _build(steps.open_stage(archive, out, progress), start)
    finally:
        if collecting:
            gc.enable()


def _build(stage: Stage, start: float) -> BuildResult:
    earlier = known.load(stage.archive.state)
    kept = steps.kept_customers(stage, earlier)
    material = steps.read_material(stage, [f for c, f in stage.folders.items() if c not in kept], own=True)
    if material is None:  # material filed under another customer's folder: everything, from the data
        stage.output.written.clear()
        kept = {}
        material = steps.read_material(stage, list(stage.folders.values()), own=False)
        assert material is not None
    files = steps.make_files(stage, material)
    parts = steps.model_customers(stage, material, files)
    written = {}
    for i, (code, part) in enumerate(parts.items(), start=1):
        pages = steps.render_customer(stage, part)
        written[code] = steps.write_customer(stage, material, files, part, pages)
        if stage.progress is not None:
            stage.progress("customers", i, len(parts))
    now_known = {**kept, **{code: w.known for code, w in written.items()}}
    view = steps.site_overview(stage, now_known, parts)
    index = steps.index_files(stage, view)
    steps.write_site(stage, view, index)
    text = steps.full_text(stage, material, parts, now_known)
    removed = steps.finish(stage, now_known, earlier, material.remember)
    return BuildResult(folder=stage.output.folder, pages=SITE_PAGES + sum(k.pages for k in now_known.values()),
                       written=len(stage.output.changed), removed=len(removed), thumbnails_made=files.made,
                       documents=view.totals.documents, restricted=sum(k.restricted for k in now_known.values()),
                       missing=[m for w in written.values() for m in w.missing],
                       seconds=time.perf_counter() - start, search_index_bytes=len(index[steps.SEARCH_INDEX]),
                       fulltext_documents=text.documents, fulltext_index_bytes=text.bytes)


# The whole archive at once: the tests' and the benchmark's view ------------------------------
@dataclass
class Inputs:
    """The whole archive at once (for :func:`make_model`: the tests, the benchmark's
    baseline); a build reads customer by customer instead."""

    archive: Archive
    records: list[Record]
    manifests: list[VolumeManifest]

    @classmethod
    def read(cls, archive: Archive) -> Inputs:
        records, manifests = read_inputs(archive)
        return cls(archive, records, manifests)


def make_thumbnails(inputs: Inputs, progress: Progress | None = None,
                    have: set[str] | None = None) -> tuple[set[str], int]:
    """Thumbnails for everything the site may show (never for restricted material).
    Returns the checksums that have one, and how many were made now."""
    todo = thumbnail_sources(inputs.archive.config, inputs.records, inputs.manifests)
    return thumbs.make_all(thumbs.cache_dir(inputs.archive.state), todo, have, progress)


def make_model(inputs: Inputs, thumbnails: set[str]) -> SiteModel:
    archive = inputs.archive
    people = archive.customers()
    codes = {c.code for c in people} | {r.customer for r in inputs.records}
    return build_model(
        archive.config, people, inputs.records, inputs.manifests,
        histories={code: sources.customer_history(archive, code) for code in codes},
        dealings={code: sources.customer_dealings(archive, code) for code in codes},
        thumbs=thumbnails, last_filing=sources.last_filing(archive), last_audit=sources.last_audit(archive),
        today=clock.today(),
    )  # fmt: skip
