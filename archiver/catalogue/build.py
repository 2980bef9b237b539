"""``archiver site``: read the archive, make thumbnails, write the static catalogue.

One orchestrator over small stages: check the output folder (:mod:`.output`) → list
each customer's material (:mod:`.inputs`) → for each customer whose material changed
since the build that made the folder (:mod:`.known`): read it, make its thumbnails
(:mod:`.thumbs`, cached), its part of the site model (:mod:`.model`, pure), its pages
(:mod:`.render`), PDFs and thumbnails → the site-wide pages and the search index
(:mod:`.search`) from every customer's summary → remove what an earlier build wrote and
this one did not.

So a rebuild costs in proportion to what changed, and gives byte for byte the site a
build into an empty folder gives (the tests check this).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..config import CONFIG_NAME, Config
from ..customers import read_customer
from ..model import Record
from ..register import now, today
from ..store import Archive
from ..volumes.manifest import VolumeManifest
from . import fulltext, fulltext_index, inputs, known, sites, sources, thumbs, withheld
from .inputs import Folder, read_inputs
from .known import Known
from .model import (
    CustomerPart,
    SiteInfo,
    SiteModel,
    build_model,
    customer_part,
    overview,
    record_restricted,
    site_info,
    volume_restricted,
)
from .output import SiteOutput, check_output
from .render import STATIC, Renderer, customer_pages, site_pages
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
    fulltext_documents: int = 0  # documents in the full-text index
    fulltext_index_bytes: int = 0

    def as_dict(self) -> dict[str, object]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


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


def thumbnail_sources(config: Config, records: list[Record],
                      manifests: list[VolumeManifest]) -> list[tuple[str, Path, bool]]:
    """(sha256, pdf, is_cover) of everything the site may show with a thumbnail: never
    restricted material (Art. 24). Records and manifests of one customer, or of all."""
    bound: dict[str, list[str]] = {}
    for m in manifests:
        for d in m.documents:
            bound.setdefault(d.record, []).append(d.classification)
    levels = {r.id: r.meta.classification for r in records}
    todo = [(r.file.sha256, r.path, False) for r in records if not record_restricted(r, config, bound.get(r.id, ()))]
    todo += [(m.file_sha256, m.pdf_path, True) for m in manifests if not volume_restricted(m, config, levels)]
    return todo


def cached_thumbnails(archive: Archive) -> set[str]:
    cache = thumbs.cache_dir(archive.state)
    return {name[:-4] for name in os.listdir(cache) if name.endswith(".jpg")} if cache.is_dir() else set()


def make_thumbnails(inputs: Inputs, progress: Progress | None = None,
                    have: set[str] | None = None) -> tuple[set[str], int]:
    """Thumbnails for everything the site may show (never for restricted material).
    Returns the checksums that have one, and how many were made now."""
    todo = thumbnail_sources(inputs.archive.config, inputs.records, inputs.manifests)
    return _make_thumbnails(inputs.archive, todo, have, progress)


def _make_thumbnails(archive: Archive, todo: list[tuple[str, Path, bool]], have: set[str] | None,
                     progress: Progress | None) -> tuple[set[str], int]:
    cache = thumbs.cache_dir(archive.state)
    have = cached_thumbnails(archive) if have is None else have
    ok = {sha for sha, _pdf, _cover in todo if sha in have}
    made = 0
    jobs = [(pdf, sha, cache, cover) for sha, pdf, cover in todo if sha not in have]
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


def _base_fingerprint(archive: Archive, renderer: Renderer) -> str:
    """What every page depends on besides a customer's own material: the archiver (its
    version and the catalogue's own code, so a checkout updated without a new version
    number is not trusted with what an older one made), the configuration and the
    templates."""
    config = (archive.root / CONFIG_NAME).read_bytes()
    return (f"{__version__}|{_code()}|{withheld._checker_version()}|{hashlib.sha256(config).hexdigest()}|"
            f"{renderer.fingerprint}")


@functools.cache
def _code() -> str:
    """The catalogue's code and the statistics engine it uses (custody's stats and due)."""
    digest = hashlib.sha256()
    custody = Path(__file__).parent.parent / "custody"
    for path in [*sorted(Path(__file__).parent.glob("*.py")), custody / "stats.py", custody / "due.py"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class _Redo:
    """The customers made again in this build, and what came of it."""

    parts: dict[str, CustomerPart]
    known: dict[str, Known]
    thumbnails_made: int
    missing: list[str]
    fulltext: dict[str, list[fulltext.Source]] = field(default_factory=dict)  # its documents, for the index


def _build(archive: Archive, out: Path | None, progress: Progress | None) -> BuildResult:
    start = time.perf_counter()
    config = archive.config
    target = output_folder(archive, out)
    sites.remember(archive, target)  # listed before anything is written there (destruction reaches it)
    output = SiteOutput.open(archive, target, link_files=config.catalogue.pdf_files == "hardlink")
    renderer = Renderer(templates_override(archive), compiled=archive.state / "catalogue-templates")
    info = site_info(config)
    folders = inputs.scan(archive)
    hidden = sources.out_of_catalogue(archive)  # held apart or destroyed (custody state, Art. 29)
    base = _base_fingerprint(archive, renderer) + "|" + hashlib.sha256("\n".join(sorted(hidden)).encode()).hexdigest()
    fingerprints = {code: folder.fingerprint(base) for code, folder in folders.items()}
    have = cached_thumbnails(archive)
    full_text = fulltext_index.Index.load(archive.state, output.folder)

    # Customers whose files in this folder were made from the same material are kept.
    earlier = known.load(archive.state)
    made_from = output.previous_meta.get("customers")
    made_from = made_from if isinstance(made_from, dict) else {}
    now_known: dict[str, Known] = {}
    for code, fp in fingerprints.items():
        k = earlier.get(code)
        if (k is not None and k.fingerprint == fp and made_from.get(code) == fp and k.complete
                and all(sha in have for sha in k.thumbs) and full_text.knows(code) and output.keep(k.outputs)):
            now_known[code] = k
    redo = _redo(archive, output, renderer, info, [f for c, f in folders.items() if c not in now_known], have,
                 fingerprints, progress, hidden)
    remember = redo is not None
    if redo is None:  # material filed under another customer's folder: everything, from the data
        output.written.clear()
        now_known.clear()
        redo = _redo(archive, output, renderer, info, list(folders.values()), have, None, progress, hidden)
        assert redo is not None
    now_known.update(redo.known)

    # The site-wide pages, from every customer's summary.
    last_filing = sources.last_filing(archive)
    filed = None
    if last_filing is not None:
        part = redo.parts.get(last_filing.customer)
        folder = folders.get(last_filing.customer)
        if part is None and folder is not None:
            part = _part(archive, folder.code, folder, *_read(archive, folder, hidden), have)
        if part is not None:
            filed = next((d for d in part.documents if d.id == last_filing.record), None)
    view = overview(config, [k.summary for k in now_known.values()], last_filing, filed,
                    sources.last_audit(archive), today())
    for page in site_pages(info, view):
        output.page(page.path, renderer.render(page.template, page.path, page.context))
    for name in STATIC:
        output.page(f"assets/{name}", renderer.static(name))
    search_index = script_text(index_data(view)).encode("utf-8")
    output.page("search-index.js", search_index)
    ft = fulltext_index.update(output, full_text, redo.fulltext, now_known,
                               {code: t.name for code, t in config.document_types.items()})

    removed = output.finish({"built_at": now().isoformat(), "templates": renderer.fingerprint,
                             "customers": {c: k.fingerprint for c, k in now_known.items()} if remember else {}})
    known.save(archive.state, now_known if remember else None, earlier)
    inputs.forget(archive, inputs.cached_codes(archive) - set(folders))
    n_pages = 3 + sum(k.pages for k in now_known.values())
    return BuildResult(folder=output.folder, pages=n_pages, written=len(output.changed), removed=len(removed),
                       thumbnails_made=redo.thumbnails_made, documents=view.totals.documents,
                       restricted=sum(k.restricted for k in now_known.values()), missing=redo.missing,
                       seconds=time.perf_counter() - start, search_index_bytes=len(search_index),
                       fulltext_documents=ft.documents, fulltext_index_bytes=ft.bytes)


def _part(archive: Archive, code: str, folder: Folder | None, records: list[Record],
          manifests: list[VolumeManifest], thumbnails: set[str],
          active: dict[str, tuple[str, ...]] | None = None) -> CustomerPart:
    person = read_customer(archive.customers_dir, code) if folder is not None and folder.profile else None
    history = sources.customer_history(archive, code)
    return customer_part(archive.config, code, person, records, manifests, history, thumbnails, active)


def _read(archive: Archive, folder: Folder, hidden: frozenset[str]) -> tuple[list[Record], list[VolumeManifest]]:
    """A customer's records and volumes, without what custody holds apart or destroyed."""
    recs, mans = inputs.read_folder(archive, folder)
    if hidden:
        recs = [r for r in recs if r.id not in hidden]
        mans = [m for m in mans if m.reference not in hidden]
    return recs, mans


def _redo(archive: Archive, output: SiteOutput, renderer: Renderer, info: SiteInfo, folders: list[Folder],
          have: set[str], fingerprints: dict[str, str] | None, progress: Progress | None,
          hidden: frozenset[str] = frozenset()) -> _Redo | None:
    """Read, model and write these customers again. With ``fingerprints``, each folder
    must hold its own customer's material only (None is returned otherwise); without,
    material is grouped by the customer it names and nothing is remembered."""
    records: dict[str, list[Record]] = defaultdict(list)
    manifests: dict[str, list[VolumeManifest]] = defaultdict(list)
    for folder in folders:
        recs, mans = _read(archive, folder, hidden)
        if fingerprints is not None and not {r.customer for r in recs} | {m.customer for m in mans} <= {folder.code}:
            log.warning("a record or volume of another customer lies in the folder of %s (run `archiver audit`):"
                        " the catalogue is built in full", folder.code)
            return None
        for r in recs:
            records[r.customer].append(r)
        for m in mans:
            manifests[m.customer].append(m)
    by_code = {f.code: f for f in folders}
    codes = sorted({c for c, f in by_code.items() if f.profile} | set(records) | set(manifests))
    wanted = {code: thumbnail_sources(archive.config, records[code], manifests[code]) for code in codes}
    ready, made = _make_thumbnails(archive, [t for w in wanted.values() for t in w], have, progress)
    # PDFs with active content are listed without their link (never served)
    declared = {r.file.sha256: tuple(getattr(r, "active_content", ()) or ()) for rs in records.values() for r in rs}
    active = withheld.find(archive.state, [(sha, Path(pdf)) for w in wanted.values() for sha, pdf, _c in w], declared)
    cache = thumbs.cache_dir(archive.state)
    result = _Redo(parts={}, known={}, thumbnails_made=made, missing=[])
    for i, code in enumerate(codes, start=1):
        part = _part(archive, code, by_code.get(code), records[code], manifests[code], ready, active)
        result.parts[code] = part
        result.fulltext[code] = fulltext.describe(part, records[code], manifests[code])
        outputs: list[str] = []
        n_pages = 0
        for page in customer_pages(info, part):
            output.page(page.path, renderer.render(page.template, page.path, page.context))
            outputs.append(page.path)
            n_pages += 1
        missing: list[str] = []
        sources_of = {r.id: r for r in records[code]}
        for d in part.documents:
            r = sources_of[d.id]
            if d.pdf is not None:
                _put(output, d.pdf, r.path, r.file.sha256, missing, archive, outputs)
            if d.thumb is not None:
                _put(output, d.thumb, thumbs.cached(cache, r.file.sha256), r.file.sha256, missing, archive, outputs)
        volumes = {m.reference: m for m in manifests[code]}
        for v in part.volumes:
            m = volumes[v.reference]
            if v.pdf is not None:
                _put(output, v.pdf, m.pdf_path, m.file_sha256, missing, archive, outputs)
            if v.thumb is not None:
                _put(output, v.thumb, thumbs.cached(cache, m.file_sha256), m.file_sha256, missing, archive, outputs)
        result.missing += missing
        fp = fingerprints.get(code, "") if fingerprints is not None else ""
        result.known[code] = Known(
            fingerprint=fp, summary=part.summary, outputs=tuple(outputs), pages=n_pages,
            restricted=sum(1 for d in part.documents if d.restricted), thumbs=tuple(sha for sha, _p, _c in wanted[code]),
            complete=not missing and all(sha in ready for sha, _p, _c in wanted[code]))
        if progress is not None:
            progress("customers", i, len(codes))
    return result


def _put(output: SiteOutput, rel: str, source: Path | str, sha256: str, missing: list[str], archive: Archive,
         outputs: list[str]) -> None:
    try:
        output.file(rel, source, sha256)
        outputs.append(rel)
    except FileNotFoundError:
        path = Path(source)
        where = path.relative_to(archive.root).as_posix() if archive.root in path.parents else str(path)
        log.warning("not in the site: %s is missing (run `archiver audit`)", where)
        missing.append(where)
