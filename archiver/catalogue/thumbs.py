"""Thumbnails for the catalogue, made once and kept in a cache keyed by checksum.

A document's thumbnail comes from the scan's own embedded image of its first page,
reduced — never from rendering the PDF (the architecture's "never re-encode the scan"
habit, and fast), decoded by :mod:`archiver.scanimage` (bounded in pixels and memory,
every scanner encoding; a JPEG scan in *draft* mode, which lets the JPEG decoder itself
scale by 1/2, 1/4 or 1/8). Only a first page with no image we can decode (a born-digital
PDF, a rare encoding) is rendered, with pdfium, at thumbnail size — never one whose image
is over the decoding limits (no thumbnail then).

A volume's thumbnail shows its cover, which is a generated vector page: it is rendered
with pdfium at thumbnail size.

Cache: ``.archiver/thumbs/<sha256>.jpg`` where sha256 is the checksum recorded for the
source file (record sidecar or volume manifest), so a thumbnail is made once per file
version and never again. The cache is safe to delete; the next ``archiver site``
remakes what is missing.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pikepdf
from PIL import Image

from .. import scanimage
from ..atomic import ensure_dir, write_bytes_atomic

log = logging.getLogger("archiver.catalogue")

MAX_WORKERS = 8
PARALLEL_FROM = 64  # fewer thumbnails than this are made in the process itself
WIDTH = 260  # pixels; shown at about 130–160 CSS pixels, so sharp on high-density screens
QUALITY = 72


def cache_dir(state: Path) -> Path:
    return state / "thumbs"


def cached(cache: Path, sha256: str) -> Path:
    return cache / f"{sha256}.jpg"


def cached_set(cache: Path) -> set[str]:
    """The checksums with a thumbnail in the cache."""
    return {name[:-4] for name in os.listdir(cache) if name.endswith(".jpg")} if cache.is_dir() else set()


def make_all(cache: Path, todo: list[tuple[str, Path, bool]], have: set[str] | None = None,
             progress: Callable[[str, int, int], None] | None = None) -> tuple[set[str], int]:
    """Thumbnails for each (sha256, pdf, is_cover) of ``todo`` not yet in the cache
    (``have``: the checksums known to be there): every core is used when there are many
    to make (a first build). Returns the checksums of ``todo`` that have one, and how
    many were made now."""
    have = cached_set(cache) if have is None else have
    ok = {sha for sha, _pdf, _cover in todo if sha in have}
    made = 0
    jobs = [(pdf, sha, cache, cover) for sha, pdf, cover in todo if sha not in have]
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(jobs) < PARALLEL_FROM or workers < 2:
        results: Iterable[tuple[str, bool]] = map(_job, jobs)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
        results = pool.map(_job, jobs, chunksize=32)
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


def _job(job: tuple[Path, str, Path, bool]) -> tuple[str, bool]:
    pdf, sha, cache, cover = job
    maker = cover_thumbnail if cover else document_thumbnail
    return sha, maker(pdf, sha, cache) is not None


def _finish(img: Image.Image, rotate: int) -> bytes:
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGB" if img.mode in ("CMYK", "P", "RGBA", "LA", "YCbCr") else "L")
    if rotate:
        img = img.rotate(-rotate, expand=True)
    if img.width > WIDTH:
        img.thumbnail((WIDTH, max(1, round(img.height * WIDTH / img.width))), Image.Resampling.LANCZOS,
                      reducing_gap=3.0)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=QUALITY, optimize=True, progressive=False)
    return out.getvalue()


def _largest_image(page: pikepdf.Page) -> scanimage.ImageInfo | None:
    best: scanimage.ImageInfo | None = None
    for obj in page.get_images().values():
        info = scanimage.inspect(obj)  # None for an odd image object: try the others
        if info is not None and (best is None or info.pixels > best.pixels):
            best = info
    return best


def _from_image(info: scanimage.ImageInfo) -> Image.Image | None:
    """Decode the embedded image at reduced size (JPEG draft mode, bilevel averaging —
    :mod:`archiver.scanimage`, bounded); None when it cannot be decoded here."""
    colour = info.base not in ("gray", "mask")
    return scanimage.decode(info, factor=max(1, info.width // WIDTH), colour=colour)


def _render(pdf: Path, page_index: int = 0) -> Image.Image:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        page = doc[page_index]
        width = page.get_width() or 595.0
        bitmap = page.render(scale=WIDTH / width)
        img = bitmap.to_pil()
        page.close()
        return img.copy()
    finally:
        doc.close()


def document_thumbnail(pdf: Path, sha256: str, cache: Path) -> Path | None:
    """The cached thumbnail of a scan's first page; made now if missing. None (and a
    warning) when the PDF cannot be read — the audit reports such files."""
    target = cached(cache, sha256)
    if target.exists():
        return target
    try:
        with pikepdf.open(pdf) as doc:
            page = doc.pages[0]
            rotate = int(page.obj.get("/Rotate", 0)) % 360
            image = _largest_image(page)
            small = _from_image(image) if image is not None else None
            data = _finish(small, rotate) if small is not None else None
            if data is None and scanimage.over_limits(page):
                log.warning("no thumbnail for %s: its first page's image is too large to decode", pdf)
                return None
        if data is None:
            data = _finish(_render(pdf), 0)  # no scanned image we decode: a born-digital page
    except Exception as exc:  # noqa: BLE001 — one unreadable file must not stop the site
        log.warning("no thumbnail for %s: %s", pdf, exc)
        return None
    write_bytes_atomic(ensure_dir(cache) / target.name, data)
    return target


def cover_thumbnail(pdf: Path, sha256: str, cache: Path) -> Path | None:
    """The cached thumbnail of a volume PDF's first page (its cover), rendered once."""
    target = cached(cache, sha256)
    if target.exists():
        return target
    try:
        data = _finish(_render(pdf), 0)
    except Exception as exc:  # noqa: BLE001
        log.warning("no cover thumbnail for %s: %s", pdf, exc)
        return None
    write_bytes_atomic(ensure_dir(cache) / target.name, data)
    return target
