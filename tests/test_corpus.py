"""Real PDFs from other tools (tests/fixtures/corpus, see its SOURCES.md), end to end.

Each file is dropped into the inbox of a fresh archive with a metadata file and
``archiver ingest`` runs as a user runs it: every good file is filed, the broken ones
(a fuzzer's input, an encrypted file) are set aside with a reason file — never exit 1,
never a traceback. Then blank-page detection and the cover-sheet search look at every
page of every file and give a decision without raising.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pikepdf
import pytest
import tomli_w
from conftest import run_cli, set_config

from archiver.batch import split
from archiver.errors import EXIT_OK, EXIT_REJECTED
from archiver.volumes.blank import blank_pages, page_is_blank

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
FILES = sorted(p.name for p in CORPUS.glob("*.pdf"))
SET_ASIDE = {"fuzz-378014596.pdf", "graph-encrypted.pdf"}  # not readable as a PDF without help
READABLE = [name for name in FILES if name not in SET_ASIDE]


def test_the_corpus_is_all_here() -> None:
    assert len(FILES) >= 20 and set(FILES) >= SET_ASIDE


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """One archive; every corpus file dropped with a sidecar; one `archiver ingest --json`."""
    from click.testing import CliRunner

    from archiver.cli import main

    root = tmp_path_factory.mktemp("corpus") / "archive"
    assert CliRunner().invoke(main, ["init", str(root)], catch_exceptions=False).exit_code == 0
    set_config(root, r"^stable_seconds = .*$", "stable_seconds = 0.0")
    assert run_cli(root, "customer", "add", "C0001", "--name", "上海明远贸易有限公司").exit_code == 0
    for i, name in enumerate(FILES):
        target = root / "inbox" / name
        target.write_bytes((CORPUS / name).read_bytes())
        meta = {"customer": "C0001", "type": "contract", "date": f"2026-01-{i + 1:02d}", "title": f"样本文件{name}"}
        target.with_suffix(".toml").write_text(tomli_w.dumps(meta), "utf-8")
    result = run_cli(root, "ingest", "--json")  # catch_exceptions=False: a traceback fails the test
    assert result.exit_code in (EXIT_OK, EXIT_REJECTED), result.output
    return root, json.loads(result.stdout)


def test_ingest_sets_aside_only_the_broken_files(ingested: tuple[Path, dict[str, object]]) -> None:
    root, report = ingested
    assert report["rejected"] == len(SET_ASIDE), report
    rejected = root / "inbox" / "rejected"
    for name in SET_ASIDE:
        assert (rejected / name).read_bytes() == (CORPUS / name).read_bytes()
        reason = (rejected / f"{name}.reason.txt").read_text("utf-8")
        assert reason.strip() and "Traceback" not in reason


@pytest.mark.parametrize("name", READABLE)
def test_each_good_file_is_filed_byte_for_byte(name: str, ingested: tuple[Path, dict[str, object]]) -> None:
    root, _report = ingested
    records = {}
    for sidecar in (root / "records").rglob("*.toml"):
        meta = tomllib.loads(sidecar.read_text("utf-8"))
        records[meta["filing"]["source"]] = (sidecar.with_name(meta["file"]["name"]), meta)
    assert name in records, f"{name} was not filed"
    pdf, meta = records[name]
    assert pdf.read_bytes() == (CORPUS / name).read_bytes()
    # Blank detection of the filed record (the volumes' entry point) decides every page.
    flags = blank_pages(pdf, meta["file"]["sha256"], root / ".archiver")
    assert len(flags) == meta["file"]["page_count"] and all(isinstance(f, bool) for f in flags)


# What the pages of each file are: True blank, False written (None: any decision will do).
EXPECTED_BLANK: dict[str, list[bool | None]] = {
    "jbig2.pdf": [False], "jbig2global.pdf": [False], "ccitt-endofline-true.pdf": [False],
    "congress.pdf": [False], "congress-gray.pdf": [False], "sandwich.pdf": [False],
    "cmyk-jpeg.pdf": [False], "pal.pdf": [False], "pal-1bit-rgb.pdf": [False], "pal-1bit-trivial.pdf": [False],
    "rle.pdf": [False], "pike-jp2.pdf": [False], "pike-flate-jp2.pdf": [False], "1biticc.pdf": [False],
    "image-mono-inline.pdf": [False], "fourpages.pdf": [False] * 4, "form.pdf": [None],
    "cyclic-toc.pdf": [None], "outlines.pdf": [None, None], "content-stream-errors.pdf": [None] * 4,
}


@pytest.mark.parametrize("name", READABLE)
def test_blank_detection_and_cover_sheet_search_decide_every_page(name: str) -> None:
    with pikepdf.open(CORPUS / name) as pdf:
        blank = [page_is_blank(page) for page in pdf.pages]
        reader = split.PageReader(pdf, (CORPUS / name).read_bytes())
        sheets = [split.read_sheet(reader, i) for i in range(len(pdf.pages))]
    assert all(isinstance(b, bool) for b in blank)
    assert sheets == [None] * len(blank)  # none of them is a cover sheet of ours
    expected = EXPECTED_BLANK[name]
    assert len(expected) == len(blank)
    for got, want in zip(blank, expected, strict=True):
        assert want is None or got is want, (name, blank)


def test_every_corpus_file_has_an_expectation() -> None:
    assert set(EXPECTED_BLANK) == set(READABLE)


# --- files made by a real tool: img2pdf (Debian package, scripts/install.sh) ----------------

TOOL_FILES = ["img2pdf-g4", "img2pdf-mono-png", "img2pdf-grey-jpeg", "img2pdf-cmyk-jpeg", "img2pdf-jp2",
              "img2pdf-palette"]


def _tool_pdfs(folder: Path, spec: object, tag: str) -> dict[str, Path]:
    """The page ``spec`` scanned at 200 dpi, made into PDFs by img2pdf (CCITT G4 from a TIFF,
    1-bit Flate and palettes from PNGs, JPEG, CMYK JPEG and JPEG 2000 passed through)."""
    import subprocess

    from PIL import Image

    from archiver.synth import render_page

    im = render_page(spec, dpi=200, seed=7)  # type: ignore[arg-type]
    bits = im.point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.Dither.NONE)
    sources = {"img2pdf-g4": ("g4.tif", lambda p: bits.save(p, compression="group4", dpi=(200, 200))),
               "img2pdf-mono-png": ("mono.png", lambda p: bits.save(p, dpi=(200, 200))),
               "img2pdf-grey-jpeg": ("grey.jpg", lambda p: im.save(p, quality=70, dpi=(200, 200))),
               "img2pdf-cmyk-jpeg": ("cmyk.jpg", lambda p: im.convert("RGB").convert("CMYK").save(p, quality=70,
                                                                                                 dpi=(200, 200))),
               "img2pdf-jp2": ("grey.jp2", lambda p: im.save(p)),
               "img2pdf-palette": ("pal.png", lambda p: im.quantize(16).save(p, dpi=(200, 200)))}
    out = {}
    for name, (source, save) in sources.items():
        src = folder / f"{tag}-{source}"
        save(src)
        out[name] = folder / f"{tag}-{name}.pdf"
        size = ["--pagesize", "A4"] if source.endswith(".jp2") else []  # Pillow writes no resolution into JP2
        subprocess.run(["img2pdf", *size, str(src), "-o", str(out[name])], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def tool_files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool], Path]:
    import shutil

    from archiver.synth import PageSpec

    if shutil.which("img2pdf") is None:
        pytest.skip("img2pdf is not installed (bash scripts/install.sh installs it)")
    folder = tmp_path_factory.mktemp("tools")
    blank = _tool_pdfs(folder, PageSpec(noise=0.002, punch_holes=True), "blank")
    written = _tool_pdfs(folder, PageSpec(handwriting=True, noise=0.002), "written")
    return {**{(k, True): v for k, v in blank.items()}, **{(k, False): v for k, v in written.items()}}


@pytest.mark.parametrize("name", TOOL_FILES)
def test_real_tools_files_are_judged_right(name: str, tool_files: dict[tuple[str, bool], Path]) -> None:
    for is_blank in (True, False):
        with pikepdf.open(tool_files[name, is_blank]) as pdf:
            assert len(pdf.pages) == 1
            assert page_is_blank(pdf.pages[0]) is is_blank, (name, is_blank)
            assert split.scan_image(pdf.pages[0]) is not None  # the cover-sheet search can read it


def test_real_tools_files_are_filed(tool_files: dict[tuple[str, bool], Path], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archiver.cli import main

    root = tmp_path / "archive"
    assert CliRunner().invoke(main, ["init", str(root)], catch_exceptions=False).exit_code == 0
    set_config(root, r"^stable_seconds = .*$", "stable_seconds = 0.0")
    assert run_cli(root, "customer", "add", "C0001", "--name", "上海明远贸易有限公司").exit_code == 0
    for i, path in enumerate(sorted(tool_files.values())):
        (root / "inbox" / path.name).write_bytes(path.read_bytes())
        meta = {"customer": "C0001", "type": "contract", "date": f"2026-02-{i + 1:02d}", "title": path.stem}
        (root / "inbox" / path.name).with_suffix(".toml").write_text(tomli_w.dumps(meta), "utf-8")
    result = run_cli(root, "ingest", "--json")
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)["filed"] == len(tool_files)
