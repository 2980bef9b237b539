"""The steps of a catalogue build (:func:`.build.build_site` calls them in order), each
a function taking the build's context (:class:`Stage`) and giving plain data back.

    open_stage → kept_customers → read_material → make_files → model_customers
      → (render_customer → write_customer, customer by customer) → site_overview
      → index_files → write_site → full_text → finish

A customer whose material is unchanged since the build that made the folder is kept as
it is (:func:`kept_customers`, from :mod:`.known`); the others are read (:mod:`.inputs`),
get their thumbnails and active-content findings (:mod:`.thumbs`, :mod:`.withheld`),
their part of the site model (:mod:`.model`, pure), their pages (:mod:`.render`) and
files (:mod:`.output`). The site-wide pages come from every customer's small summary.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, clock
from ..config import CONFIG_NAME, Config
from ..customers import read_customer
from ..model import Record
from ..store import Archive
from ..volumes.manifest import VolumeManifest
from . import fulltext, fulltext_index, inputs, known, sites, sources, thumbs, withheld
from .access import shown_files
from .inputs import Folder
from .known import Known
from .model import customer_part, overview, site_info
from .output import SiteOutput
from .render import STATIC, Page, Renderer, customer_pages, site_pages
from .search import index_data, script_text
from .sites import output_folder
from .views import CustomerPart, Overview, SiteInfo

log = logging.getLogger("archiver.catalogue")

Progress = Callable[[str, int, int], None]  # (stage, done, total)
SEARCH_INDEX = "search-index.js"
SITE_PAGES = 3  # home, customers, statistics
OLD_TEMPLATE_CACHE = "catalogue-templates"  # compiled templates (code) kept by earlier versions


@dataclass
class Stage:
    """What every step of one build shares: the archive, the output folder being
    written, the templates, and what was found before anything was read."""

    archive: Archive
    output: SiteOutput
    renderer: Renderer
    info: SiteInfo
    folders: dict[str, Folder]  # every customer with material on disk, listed, not read
    hidden: frozenset[str]  # held apart or destroyed (custody state, Art. 29): never shown
    fingerprints: dict[str, str]  # of each customer's material (and of all it depends on)
    have: set[str]  # checksums with a cached thumbnail when the build began
    fulltext: fulltext_index.Index  # what the folder's full-text index holds
    progress: Progress | None = None

    @property
    def config(self) -> Config:
        return self.archive.config


@dataclass
class Material:
    """The customers read in this build: their records and volume manifests."""

    codes: list[str]  # in order
    folders: dict[str, Folder]
    records: dict[str, list[Record]]
    manifests: dict[str, list[VolumeManifest]]
    remember: bool  # each folder held its own customer's material only (else nothing is remembered)


@dataclass
class Files:
    """What may be shown of the material read: thumbnails ready, PDFs withheld."""

    wanted: dict[str, list[tuple[str, Path, bool]]]  # by customer: (sha256, pdf, is_cover) it may show
    ready: set[str]  # checksums with a thumbnail
    made: int  # thumbnails made in this build
    active: dict[str, tuple[str, ...]]  # checksum → the active content its PDF carries (withheld)


@dataclass
class Written:
    """One customer's files written in this build."""

    known: Known
    missing: list[str] = field(default_factory=list)  # archive files not found


# Open -------------------------------------------------------------------------------------
def templates_override(archive: Archive) -> Path | None:
    value = archive.config.catalogue.templates.strip()
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else archive.root / path


def open_stage(archive: Archive, out: Path | None, progress: Progress | None) -> Stage:
    """List the folder (before anything is written there) in the archive's catalogues,
    open it for writing, list every customer's material and fingerprint it."""
    target = output_folder(archive, out)
    sites.remember(archive, target)  # listed before anything is written there (destruction reaches it)
    output = SiteOutput.open(archive, target, link_files=archive.config.catalogue.pdf_files == "hardlink")
    renderer = Renderer(templates_override(archive))
    shutil.rmtree(archive.state / OLD_TEMPLATE_CACHE, ignore_errors=True)  # compiled code: never read
    folders = inputs.scan(archive)
    hidden = sources.out_of_catalogue(archive)
    base = _base_fingerprint(archive, renderer) + "|" + hashlib.sha256("\n".join(sorted(hidden)).encode()).hexdigest()
    return Stage(archive=archive, output=output, renderer=renderer, info=site_info(archive.config), folders=folders,
                 hidden=hidden, fingerprints={code: f.fingerprint(base) for code, f in folders.items()},
                 have=thumbs.cached_set(thumbs.cache_dir(archive.state)),
                 fulltext=fulltext_index.Index.load(archive.state, output.folder), progress=progress)


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


# Plan -------------------------------------------------------------------------------------
def kept_customers(stage: Stage, earlier: dict[str, Known]) -> dict[str, Known]:
    """The customers whose files in this folder were made from the same material (and
    are all still there, their thumbnails too): kept as they are."""
    made_from = stage.output.previous_meta.get("customers")
    made_from = made_from if isinstance(made_from, dict) else {}
    kept = {}
    for code, fp in stage.fingerprints.items():
        k = earlier.get(code)
        if (k is not None and k.fingerprint == fp and made_from.get(code) == fp and k.complete
                and all(sha in stage.have for sha in k.thumbs) and stage.fulltext.knows(code)
                and stage.output.keep(k.outputs)):
            kept[code] = k
    return kept


# Inputs -----------------------------------------------------------------------------------
def _read(stage: Stage, folder: Folder) -> tuple[list[Record], list[VolumeManifest]]:
    """A customer's records and volumes, without what custody holds apart or destroyed."""
    recs, mans = inputs.read_folder(stage.archive, folder)
    if stage.hidden:
        recs = [r for r in recs if r.id not in stage.hidden]
        mans = [m for m in mans if m.reference not in stage.hidden]
    return recs, mans


def read_material(stage: Stage, folders: list[Folder], *, own: bool) -> Material | None:
    """Read these customers' material. With ``own``, each folder must hold its own
    customer's material only (None is returned otherwise: the build is then made in full,
    ``own=False``, material grouped by the customer it names, and nothing remembered)."""
    records: dict[str, list[Record]] = defaultdict(list)
    manifests: dict[str, list[VolumeManifest]] = defaultdict(list)
    for folder in folders:
        recs, mans = _read(stage, folder)
        if own and not {r.customer for r in recs} | {m.customer for m in mans} <= {folder.code}:
            log.warning("a record or volume of another customer lies in the folder of %s (run `archiver audit`):"
                        " the catalogue is built in full", folder.code)
            return None
        for r in recs:
            records[r.customer].append(r)
        for m in mans:
            manifests[m.customer].append(m)
    by_code = {f.code: f for f in folders}
    codes = sorted({c for c, f in by_code.items() if f.profile} | set(records) | set(manifests))
    return Material(codes=codes, folders=by_code, records=records, manifests=manifests, remember=own)


def thumbnail_sources(config: Config, records: list[Record],
                      manifests: list[VolumeManifest]) -> list[tuple[str, Path, bool]]:
    """(sha256, pdf, is_cover) of everything the site may show with a thumbnail: never
    restricted material (Art. 24). Records and manifests of one customer, or of all."""
    shown_records, shown_volumes = shown_files(records, manifests, config)
    todo = [(r.file.sha256, r.path, False) for r in shown_records]
    todo += [(m.file_sha256, m.pdf_path, True) for m in shown_volumes]
    return todo


def make_files(stage: Stage, material: Material) -> Files:
    """Thumbnails for what the material may show (cached, made where missing), and which
    of its PDFs carry active content (listed without their link, never served)."""
    wanted = {code: thumbnail_sources(stage.config, material.records[code], material.manifests[code])
              for code in material.codes}
    todo = [t for w in wanted.values() for t in w]
    ready, made = thumbs.make_all(thumbs.cache_dir(stage.archive.state), todo, stage.have, stage.progress)
    declared = {r.file.sha256: tuple(r.file.active_content) for rs in material.records.values() for r in rs}
    active = withheld.find(stage.archive.state, [(sha, Path(pdf)) for sha, pdf, _cover in todo], declared)
    return Files(wanted=wanted, ready=ready, made=made, active=active)


# Model ------------------------------------------------------------------------------------
def _part(stage: Stage, code: str, folder: Folder | None, records: list[Record], manifests: list[VolumeManifest],
          thumbnails: set[str], active: dict[str, tuple[str, ...]] | None = None) -> CustomerPart:
    archive = stage.archive
    person = read_customer(archive.customers_dir, code) if folder is not None and folder.profile else None
    history = sources.customer_history(archive, code)
    return customer_part(archive.config, code, person, records, manifests, history, thumbnails, active,
                         dealings=sources.customer_dealings(archive, code))


def model_customers(stage: Stage, material: Material, files: Files) -> dict[str, CustomerPart]:
    """Each customer's part of the site model (Art. 24 applied), in order."""
    return {code: _part(stage, code, material.folders.get(code), material.records[code], material.manifests[code],
                        files.ready, files.active) for code in material.codes}


def site_overview(stage: Stage, summaries: dict[str, Known], parts: dict[str, CustomerPart]) -> Overview:
    """The site-wide pages' data, from every customer's summary; the last filed document
    looked up in its customer's part (read again when that customer was kept)."""
    last_filing = sources.last_filing(stage.archive)
    filed = None
    if last_filing is not None:
        part = parts.get(last_filing.customer)
        folder = stage.folders.get(last_filing.customer)
        if part is None and folder is not None:
            part = _part(stage, folder.code, folder, *_read(stage, folder), stage.have)
        if part is not None:
            filed = next((d for d in part.documents if d.id == last_filing.record), None)
    return overview(stage.config, [k.summary for k in summaries.values()], last_filing, filed,
                    sources.last_audit(stage.archive), clock.today())


# Render -----------------------------------------------------------------------------------
def render_customer(stage: Stage, part: CustomerPart) -> list[tuple[str, bytes]]:
    """One customer's pages, as (site path, bytes)."""
    return [_render(stage, page) for page in customer_pages(stage.info, part)]


def _render(stage: Stage, page: Page) -> tuple[str, bytes]:
    return page.path, stage.renderer.render(page.template, page.path, page.context)


def index_files(stage: Stage, view: Overview) -> dict[str, bytes]:
    """The generated files of the site-wide search: site path → bytes (the place where a
    further index is added)."""
    return {SEARCH_INDEX: script_text(index_data(view)).encode("utf-8")}


# Write ------------------------------------------------------------------------------------
def write_customer(stage: Stage, material: Material, files: Files, part: CustomerPart,
                   pages: list[tuple[str, bytes]]) -> Written:
    """Write one customer's pages and put its PDFs and thumbnails into the site; what
    was written is remembered for the next build."""
    output = stage.output
    code = part.entry.code
    cache = thumbs.cache_dir(stage.archive.state)
    outputs: list[str] = []
    for rel, data in pages:
        output.page(rel, data)
        outputs.append(rel)
    missing: list[str] = []
    records = {r.id: r for r in material.records[code]}
    for d in part.documents:
        r = records[d.id]
        if d.pdf is not None:
            _put(stage, d.pdf, r.path, r.file.sha256, missing, outputs)
        if d.thumb is not None:
            _put(stage, d.thumb, thumbs.cached(cache, r.file.sha256), r.file.sha256, missing, outputs)
    volumes = {m.reference: m for m in material.manifests[code]}
    for v in part.volumes:
        m = volumes[v.reference]
        if v.pdf is not None:
            _put(stage, v.pdf, m.pdf_path, m.file_sha256, missing, outputs)
        if v.thumb is not None:
            _put(stage, v.thumb, thumbs.cached(cache, m.file_sha256), m.file_sha256, missing, outputs)
    wanted = files.wanted[code]
    fp = stage.fingerprints.get(code, "") if material.remember else ""
    return Written(known=Known(
        fingerprint=fp, summary=part.summary, outputs=tuple(outputs), pages=len(pages),
        restricted=sum(1 for d in part.documents if d.restricted), thumbs=tuple(sha for sha, _p, _c in wanted),
        complete=not missing and all(sha in files.ready for sha, _p, _c in wanted)), missing=missing)


def _put(stage: Stage, rel: str, source: Path | str, sha256: str, missing: list[str], outputs: list[str]) -> None:
    try:
        stage.output.file(rel, source, sha256)
        outputs.append(rel)
    except FileNotFoundError:
        root = stage.archive.root
        path = Path(source)
        where = path.relative_to(root).as_posix() if root in path.parents else str(path)
        log.warning("not in the site: %s is missing (run `archiver audit`)", where)
        missing.append(where)


def write_site(stage: Stage, view: Overview, index: dict[str, bytes]) -> None:
    """The site-wide pages, the static assets and the search index."""
    for page in site_pages(stage.info, view):
        stage.output.page(*_render(stage, page))
    for name in STATIC:
        stage.output.page(f"assets/{name}", stage.renderer.static(name))
    for rel, data in index.items():
        stage.output.page(rel, data)


def full_text(stage: Stage, material: Material, parts: dict[str, CustomerPart],
              codes: Iterable[str]) -> fulltext_index.Update:
    """The full-text index (:mod:`.fulltext_index`): the documents of the customers made
    again, from their parts (Art. 24 applied), and those of every customer kept, as the
    folder's index remembers them; only the index files that change are written."""
    fresh = {code: fulltext.describe(part, material.records[code], material.manifests[code])
             for code, part in parts.items()}
    types = {code: t.name for code, t in stage.config.document_types.items()}
    return fulltext_index.update(stage.output, stage.fulltext, fresh, codes, types)


def finish(stage: Stage, now_known: dict[str, Known], earlier: dict[str, Known], remember: bool) -> list[str]:
    """Remove what an earlier build wrote and this one did not, mark the folder complete
    (with the fingerprint each customer's files were made from), remember each
    customer's summary for the next build and drop the caches of customers gone.
    Returns the site paths removed."""
    archive, output = stage.archive, stage.output
    removed = output.finish({"built_at": clock.now().isoformat(), "templates": stage.renderer.fingerprint,
                             "customers": {c: k.fingerprint for c, k in now_known.items()} if remember else {}})
    known.save(archive.state, now_known if remember else None, earlier)
    inputs.forget(archive, inputs.cached_codes(archive) - set(stage.folders))
    return removed
