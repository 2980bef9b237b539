"""``archiver site``: read the archive, make thumbnails, write the static catalogue.

One orchestrator over small stages: check the output folder (:mod:`.output`) → read the
archive (records, volume manifests, customers, custody registers via :mod:`.sources`)
→ thumbnails (:mod:`.thumbs`, cached) → the site model (:mod:`.model`, pure) → pages
(:mod:`.render`), search index (:mod:`.search`), PDFs and thumbnails into the site →
remove what an earlier build wrote and this one did not.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..model import Record
from ..register import now, today
from ..store import Archive
from ..volumes.manifest import VolumeManifest
from . import sources, thumbs
from .inputs import read_inputs
from .model import SiteModel, build_model, record_restricted, volume_restricted
from .output import SiteOutput, check_output
from .render import STATIC, Renderer, pages
from .search import index_data, script_text

log = logging.getLogger("archiver.catalogue")

Progress = Callable[[str, int, int], None]  # (stage, done, total)


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

    def as_dict(self) -> dict[str, object]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


@dataclass
class Inputs:
    archive: Archive
    records: list[Record]
    manifests: list[VolumeManifest]

    @classmethod
    def read(cls, archive: Archive) -> Inputs:
        records, manifests = read_inputs(archive)
        return cls(archive, records, manifests)


def output_folder(archive: Archive, out: Path | None) -> Path:
    if out is not None:
        return out
    configured = Path(archive.config.catalogue.output).expanduser()
    return configured if configured.is_absolute() else archive.root / configured


def templates_override(archive: Archive) -> Path | None:
    value = archive.config.catalogue.templates.strip()
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else archive.root / path


def make_thumbnails(inputs: Inputs, progress: Progress | None = None) -> tuple[set[str], int]:
    """Thumbnails for everything the site may show (never for restricted material).
    Returns the checksums that have one, and how many were made now."""
    archive, config = inputs.archive, inputs.archive.config
    cache = thumbs.cache_dir(archive.state)
    have = {name[:-4] for name in os.listdir(cache)} if cache.is_dir() else set()
    bound: dict[str, list[str]] = {}
    for m in inputs.manifests:
        for d in m.documents:
            bound.setdefault(d.record, []).append(d.classification)
    levels = {r.id: r.meta.classification for r in inputs.records}
    todo: list[tuple[str, Path, bool]] = []  # (sha, pdf, is_cover)
    for r in inputs.records:
        if not record_restricted(r, config, bound.get(r.id, ())):
            todo.append((r.file.sha256, r.path, False))
    for m in inputs.manifests:
        if not volume_restricted(m, config, levels):
            todo.append((m.file_sha256, m.pdf_path, True))
    ok: set[str] = set()
    made = 0
    missing = [t for t in todo if t[0] not in have]
    for sha, _pdf, _cover in todo:
        if sha in have:
            ok.add(sha)
    jobs = [(pdf, sha, cache, cover) for sha, pdf, cover in missing]
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(jobs) < PARALLEL_FROM or workers < 2:
        results: Iterable[tuple[str, bool]] = map(_thumbnail_job, jobs)
        pool = None
    else:  # many to make (a first build): use every core
        pool = ProcessPoolExecutor(max_workers=workers)
        results = pool.map(_thumbnail_job, jobs, chunksize=32)
    try:
        for i, (sha, done) in enumerate(results, start=1):
            if done:
                ok.add(sha)
                made += 1
            if progress is not None:
                progress("thumbnails", i, len(jobs))
    finally:
        if pool is not None:
            pool.shutdown()
    return ok, made


MAX_WORKERS = 8
PARALLEL_FROM = 64  # fewer thumbnails than this are made in the process itself


def _thumbnail_job(job: tuple[Path, str, Path, bool]) -> tuple[str, bool]:
    pdf, sha, cache, cover = job
    maker = thumbs.cover_thumbnail if cover else thumbs.document_thumbnail
    return sha, maker(pdf, sha, cache) is not None


def make_model(inputs: Inputs, thumbnails: set[str]) -> SiteModel:
    archive = inputs.archive
    people = archive.customers()
    codes = {c.code for c in people} | {r.customer for r in inputs.records}
    return build_model(
        archive.config, people, inputs.records, inputs.manifests,
        histories={code: sources.customer_history(archive, code) for code in codes},
        thumbs=thumbnails, last_filing=sources.last_filing(archive), last_audit=sources.last_audit(archive),
        today=today(),
    )  # fmt: skip


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
            return _build(archive, out, progress)
    finally:
        if collecting:
            gc.enable()


def _build(archive: Archive, out: Path | None, progress: Progress | None) -> BuildResult:
    start = time.perf_counter()
    config = archive.config
    output = SiteOutput.open(archive, output_folder(archive, out), link_files=config.catalogue.pdf_files == "hardlink")
    renderer = Renderer(templates_override(archive))
    inputs = Inputs.read(archive)
    thumbnails, made = make_thumbnails(inputs, progress)
    model = make_model(inputs, thumbnails)

    # Pages: made again only when what they show (or the templates) changed.
    all_pages = list(pages(model))
    for i, page in enumerate(all_pages, start=1):
        key = page.key(renderer.fingerprint)
        if not output.unchanged(page.path, key):
            output.page(page.path, key, renderer.render(page.template, page.path, page.context))
        if progress is not None and i % 200 == 0:
            progress("pages", i, len(all_pages))
    for name in STATIC:
        output.page(f"assets/{name}", renderer.fingerprint, renderer.static(name))
    index = script_text(index_data(model)).encode("utf-8")
    output.page("search-index.js", hashlib.sha256(index).hexdigest(), index)

    # Files: PDFs of what is shown, and thumbnails (never anything restricted).
    cache = thumbs.cache_dir(archive.state)
    missing: list[str] = []
    records = {r.id: r for r in inputs.records}
    for d in model.documents:
        if d.pdf is not None:
            r = records[d.id]
            _put(output, d.pdf, r.path, r.file.sha256, missing, archive)
        if d.thumb is not None:
            sha = records[d.id].file.sha256
            _put(output, d.thumb, f"{cache}/{sha}.jpg", sha, missing, archive)
    manifests = {(m.customer, m.reference): m for m in inputs.manifests}
    for v in model.volumes:
        m = manifests[(v.customer, v.reference)]
        if v.pdf is not None:
            _put(output, v.pdf, m.pdf_path, m.file_sha256, missing, archive)
        if v.thumb is not None:
            _put(output, v.thumb, f"{cache}/{m.file_sha256}.jpg", m.file_sha256, missing, archive)

    removed = output.finish({"built_at": now().isoformat(), "templates": renderer.fingerprint})
    restricted = sum(1 for d in model.documents if d.restricted)
    return BuildResult(folder=output.folder, pages=len(all_pages), written=len(output.changed), removed=len(removed),
                       thumbnails_made=made, documents=len(model.documents), restricted=restricted, missing=missing,
                       seconds=time.perf_counter() - start, search_index_bytes=len(index))


def _put(output: SiteOutput, rel: str, source: Path | str, sha256: str, missing: list[str], archive: Archive) -> None:
    try:
        output.file(rel, source, sha256)
    except FileNotFoundError:
        path = Path(source)
        where = path.relative_to(archive.root).as_posix() if archive.root in path.parents else str(path)
        log.warning("not in the site: %s is missing (run `archiver audit`)", where)
        missing.append(where)
