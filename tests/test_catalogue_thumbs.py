"""Thumbnails of the catalogue (:mod:`archiver.catalogue.thumbs`): made once per file
version into a cache named by checksum, from the scan's own image (real PDFs of other
tools, tests/fixtures/corpus), rendered only for covers and born-digital pages; many are
made at once, one bad file costs only its own thumbnail."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from archiver.catalogue import thumbs

CORPUS = Path(__file__).parent / "fixtures" / "corpus"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["congress.pdf", "congress-gray.pdf", "cmyk-jpeg.pdf", "pal-1bit-rgb.pdf",
                                  "ccitt-endofline-true.pdf", "jbig2.pdf", "pike-jp2.pdf"])
def test_a_corpus_scan_gets_a_small_jpeg(name: str, tmp_path: Path) -> None:
    pdf = CORPUS / name
    made = thumbs.document_thumbnail(pdf, sha(pdf), tmp_path / "cache")
    assert made == thumbs.cached(tmp_path / "cache", sha(pdf))
    with Image.open(made) as im:
        assert im.format == "JPEG" and im.mode in ("L", "RGB")
        assert im.width <= thumbs.WIDTH


def test_made_once_then_taken_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = CORPUS / "congress.pdf"
    cache = tmp_path / "cache"
    first = thumbs.document_thumbnail(pdf, "a" * 64, cache)
    assert first is not None
    data = first.read_bytes()
    monkeypatch.setattr(thumbs.pikepdf, "open", lambda *_a, **_k: pytest.fail("opened again"))
    assert thumbs.document_thumbnail(pdf, "a" * 64, cache) == first
    assert first.read_bytes() == data
    assert thumbs.cached_set(cache) == {"a" * 64}
    assert thumbs.cached_set(tmp_path / "none") == set()


def test_make_all_counts_what_it_made_and_skips_what_fails(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good, other = CORPUS / "congress.pdf", CORPUS / "fourpages.pdf"
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    thumbs.document_thumbnail(good, sha(good), cache)  # already cached
    seen: list[tuple[str, int, int]] = []
    todo = [(sha(good), good, False), (sha(other), other, True), ("b" * 64, broken, False)]
    ready, made = thumbs.make_all(cache, todo, None, lambda *a: seen.append(a))
    assert ready == {sha(good), sha(other)}  # the broken one has none, the rest goes on
    assert made == 1
    assert seen == [("thumbnails", 1, 2), ("thumbnails", 2, 2)]  # only those to make
    assert thumbs.cached_set(cache) == {sha(good), sha(other)}
    again, made_again = thumbs.make_all(cache, todo, thumbs.cached_set(cache))
    assert (again, made_again) == ({sha(good), sha(other)}, 0)


def test_a_cover_is_rendered(tmp_path: Path) -> None:
    pdf = CORPUS / "outlines.pdf"  # a born-digital page: no scanned image
    made = thumbs.cover_thumbnail(pdf, "c" * 64, tmp_path / "cache")
    assert made is not None
    with Image.open(made) as im:
        assert im.width == thumbs.WIDTH


@pytest.mark.parametrize("name", ["graph-encrypted.pdf", "fuzz-378014596.pdf"])
def test_an_unreadable_corpus_file_gives_no_thumbnail_and_no_error(name: str, tmp_path: Path) -> None:
    pdf = CORPUS / name  # encrypted; a fuzzer's broken page tree
    for maker in (thumbs.document_thumbnail, thumbs.cover_thumbnail):
        assert maker(pdf, "d" * 64, tmp_path / "cache") is None
    assert thumbs.cached_set(tmp_path / "cache") == set()


@pytest.mark.parametrize("name", ["content-stream-errors.pdf", "cyclic-toc.pdf"])
def test_a_damaged_but_readable_file_still_gets_one(name: str, tmp_path: Path) -> None:
    assert thumbs.document_thumbnail(CORPUS / name, "e" * 64, tmp_path / "cache") is not None
