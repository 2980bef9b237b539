"""Blank-page detection (Art. 16): blank backs and noise-only sides get no page number.

Built from the policy's own cases: the blank back of a single-sided sheet with scanner
speckle, punch holes or faint show-through is blank; a side with a single short
handwritten line or a stamp has writing. Both scan encodings (JPEG, CCITT G4), three
resolutions, and sheets fed askew (±2°).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pikepdf
import pytest
from fpdf import FPDF
from PIL import Image

from archiver.errors import IntegrityError
from archiver.synth import PageSpec, render_page, scan, text_page
from archiver.synth_formats import DECODE_INVERTIBLE, ENCODINGS, INLINE, page_pdf
from archiver.volumes import blank
from archiver.volumes.blank import BlankParams, blank_pages, page_is_blank

BLANK_CASES = {
    "speckle": PageSpec(noise=0.005),
    "punch holes": PageSpec(punch_holes=True),
    "show-through": PageSpec(show_through=True),
    "all defects": PageSpec(noise=0.005, punch_holes=True, show_through=True),
    "all defects, skew +2": PageSpec(noise=0.005, punch_holes=True, show_through=True, rotate=2),
    "all defects, skew -2": PageSpec(noise=0.005, punch_holes=True, show_through=True, rotate=-2),
    "heavy speckle, skew": PageSpec(noise=0.01, punch_holes=True, show_through=True, rotate=2),
}
WRITTEN_CASES = {
    "handwritten line": PageSpec(handwriting=True),
    "handwritten line, skew +2": PageSpec(handwriting=True, rotate=2, punch_holes=True),
    "handwritten line, skew -2": PageSpec(handwriting=True, rotate=-2, show_through=True),
    "stamp": PageSpec(stamp=True),
    "stamp, skew +2": PageSpec(stamp=True, rotate=2, noise=0.005),
    "stamp, skew -2": PageSpec(stamp=True, rotate=-2, punch_holes=True),
    "printed text": text_page("说明", n_lines=3),
}
CASES = [(name, spec, True) for name, spec in BLANK_CASES.items()] + [
    (name, spec, False) for name, spec in WRITTEN_CASES.items()
]
SCANS = [(dpi, bilevel) for dpi in (150, 200, 300) for bilevel in (False, True)]


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, bool], Path]:
    """One scan PDF per (dpi, encoding), one page per case, in CASES order."""
    folder = tmp_path_factory.mktemp("blank-scans")
    out = {}
    for dpi, bilevel in SCANS:
        path = folder / f"cases-{dpi}-{'g4' if bilevel else 'jpeg'}.pdf"
        scan([spec for _, spec, _ in CASES], path, dpi=dpi, bilevel=bilevel, seed=dpi)
        out[dpi, bilevel] = path
    return out


@pytest.mark.parametrize(("dpi", "bilevel"), SCANS, ids=[f"{d}dpi-{'g4' if b else 'jpeg'}" for d, b in SCANS])
def test_policy_cases(scans: dict[tuple[int, bool], Path], dpi: int, bilevel: bool) -> None:
    with pikepdf.open(scans[dpi, bilevel]) as pdf:
        # the scans really are what the test claims: JPEG or CCITT G4 images
        first = next(iter(pdf.pages[0].obj.Resources.XObject.values()))
        filters = first.Filter if isinstance(first.Filter, pikepdf.Array) else [first.Filter]
        assert [str(f) for f in filters] == ["/CCITTFaxDecode" if bilevel else "/DCTDecode"]
        got = {name: page_is_blank(page) for (name, _, _), page in zip(CASES, pdf.pages, strict=True)}
    expected = {name: is_blank for name, _, is_blank in CASES}
    assert got == expected


FORMATS = sorted(ENCODINGS) + [INLINE]


@pytest.fixture(scope="module")
def white_and_written() -> tuple[Image.Image, Image.Image]:
    """A white back (with speckle and punch holes) and a page with one handwritten line, 150 dpi."""
    return (render_page(PageSpec(noise=0.002, punch_holes=True), dpi=150, seed=5),
            render_page(PageSpec(handwriting=True, noise=0.002), dpi=150, seed=6))


@pytest.mark.parametrize(("encoding", "inverted"), [(e, False) for e in FORMATS] + [(e, True) for e in DECODE_INVERTIBLE],
                         ids=[e for e in FORMATS] + [f"{e}+decode[1 0]" for e in DECODE_INVERTIBLE])
def test_every_scanner_encoding(encoding: str, inverted: bool,
                                white_and_written: tuple[Image.Image, Image.Image]) -> None:
    """Issue 9, item 5: each encoding gives the right answer — a white page is blank, one
    line of writing is not — also with its samples stored inverted and /Decode [1 0]
    putting them right (1-bit Flate so was seen as a black page)."""
    white, written = white_and_written
    for image, expected in ((white, True), (written, False)):
        with pikepdf.open(io.BytesIO(page_pdf(image, encoding, 150, inverted=inverted))) as pdf:
            if inverted:
                assert [float(v) for v in next(iter(pdf.pages[0].obj.Resources.XObject.values())).Decode][:2] == [1, 0]
            assert page_is_blank(pdf.pages[0]) is expected, (encoding, expected)


@pytest.mark.parametrize("encoding", ["flate-1bit-decode", "g4-decode"])
def test_white_page_with_decode_1_0_is_blank(encoding: str) -> None:
    """The known bug, at 300 dpi: the stored bits are inverted and /Decode [1 0] puts them right."""
    for spec, expected in ((PageSpec(noise=0.0), True), (PageSpec(noise=0.0, handwriting=True), False)):
        with pikepdf.open(io.BytesIO(page_pdf(render_page(spec, dpi=300), encoding, 300))) as pdf:
            assert [float(v) for v in next(iter(pdf.pages[0].obj.Resources.XObject.values())).Decode] == [1, 0]
            assert page_is_blank(pdf.pages[0]) is expected


def test_blank_scan_with_an_ocr_text_layer_is_not_blank(white_and_written: tuple[Image.Image, Image.Image]) -> None:
    """A sandwich page (scan + invisible OCR text): text that OCR found means writing."""
    with pikepdf.open(io.BytesIO(page_pdf(white_and_written[0], "g4", 150, text_layer="Received"))) as pdf:
        assert not page_is_blank(pdf.pages[0])


def test_an_image_over_the_size_limit_is_not_blank(white_and_written: tuple[Image.Image, Image.Image]) -> None:
    from archiver.scanimage import Limits

    white = white_and_written[0]
    with pikepdf.open(io.BytesIO(page_pdf(white, "flate-1bit", 150))) as pdf:
        assert page_is_blank(pdf.pages[0])
        assert not page_is_blank(pdf.pages[0], limits=Limits(max_pixels=white.width * white.height - 1))


def test_low_resolution_scans_of_the_test_fixtures() -> None:
    """The conftest scans (100 dpi, printed pages) are not blank; a 100 dpi blank back is."""
    data = scan([text_page("第1页", n_lines=4), PageSpec(noise=0.005, punch_holes=True)], dpi=100)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert [page_is_blank(p) for p in pdf.pages] == [False, True]


def test_colour_scan() -> None:
    data = scan([PageSpec(noise=0.004, show_through=True), PageSpec(stamp=True)], dpi=200, color=True)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert [page_is_blank(p) for p in pdf.pages] == [True, False]


def test_page_turned_by_rotate_and_landscape_image() -> None:
    """A scan stored landscape and shown with /Rotate still fills its page."""
    image = Image.new("L", (1754, 1240), 246)
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=150.0)
    with pikepdf.open(io.BytesIO(out.getvalue())) as pdf:
        pdf.pages[0].Rotate = 90
        assert page_is_blank(pdf.pages[0])


def _vector_pdf(draw: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    if draw == "text":
        pdf.set_font("helvetica", size=12)
        pdf.text(50, 50, "Received 2026-03-01")
    elif draw == "line":
        pdf.line(20, 30, 120, 30)
    return bytes(pdf.output())


@pytest.mark.parametrize(("draw", "expected"), [("text", False), ("line", False), ("nothing", True)])
def test_pages_without_images(draw: str, expected: bool) -> None:
    """Vector content (text, paths) is writing; a page that paints nothing is blank."""
    with pikepdf.open(io.BytesIO(_vector_pdf(draw))) as pdf:
        assert page_is_blank(pdf.pages[0]) is expected


def test_invisible_ocr_text_over_a_blank_scan_is_not_blank() -> None:
    """Conservative: any text in the content stream (even an OCR layer) means writing."""
    data = scan([PageSpec(noise=0.002)], dpi=150)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        assert page_is_blank(page)
        page.obj.Resources.Font = pikepdf.Dictionary(F1=pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)))
        page.contents_add(pdf.make_stream(b"BT 3 Tr /F1 10 Tf 100 100 Td (x) Tj ET"), prepend=False)
        assert not page_is_blank(page)


def test_small_image_on_a_page_is_not_judged_blank() -> None:
    """An image that does not fill the page is not a scan: not blank, whatever it shows."""
    small = Image.new("L", (300, 100), 250)
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.image(small, x=20, y=20, w=60)
    with pikepdf.open(io.BytesIO(bytes(pdf.output()))) as doc:
        assert not page_is_blank(doc.pages[0])


def test_undecodable_image_is_not_blank() -> None:
    data = scan([PageSpec(noise=0.0)], dpi=100)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        image = next(iter(pdf.pages[0].obj.Resources.XObject.values()))
        image.write(b"not a jpeg at all", filter=pikepdf.Name.DCTDecode)
        assert not page_is_blank(pdf.pages[0])


def test_margin_band_is_ignored_but_content_inside_is_not() -> None:
    """Art. 16 with Art. 19's binding holes: marks in the edge band do not count."""
    params = BlankParams()
    edge = PageSpec(punch_holes=True, noise=0.0)
    data = scan([edge], dpi=150)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert page_is_blank(pdf.pages[0], params)
        assert not page_is_blank(pdf.pages[0], BlankParams(margin_mm=5.0))  # the holes count once inside


# --- the cache -------------------------------------------------------------------------


@pytest.fixture
def mixed_scan(tmp_path: Path) -> Path:
    path = tmp_path / "doc.pdf"
    scan([text_page("合同", n_lines=5), PageSpec(noise=0.004), PageSpec(handwriting=True)], path, dpi=150)
    return path


def test_blank_pages_one_bool_per_page_and_cached(mixed_scan: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "state"
    assert blank_pages(mixed_scan, "ab" * 32, cache) == [False, True, False]
    stored = json.loads((cache / "blank" / f"{'ab' * 32}.json").read_text("utf-8"))
    assert stored["blank"] == [False, True, False]

    def fail(*_a: object, **_k: object) -> bool:
        raise AssertionError("analysed again although the document is unchanged")

    monkeypatch.setattr(blank, "page_is_blank", fail)
    assert blank_pages(mixed_scan, "ab" * 32, cache) == [False, True, False]
    with pytest.raises(AssertionError, match="analysed again"):  # another checksum is analysed
        blank_pages(mixed_scan, "cd" * 32, cache)


def test_cache_is_keyed_by_analyser_version_and_parameters(mixed_scan: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "state"
    blank_pages(mixed_scan, "ef" * 32, cache)
    calls: list[int] = []
    real = blank.page_is_blank

    def counting(page: pikepdf.Page, params: BlankParams = blank.DEFAULT_PARAMS) -> bool:
        calls.append(1)
        return real(page, params)

    monkeypatch.setattr(blank, "page_is_blank", counting)
    blank_pages(mixed_scan, "ef" * 32, cache, BlankParams(min_ink_mm2=5.0))
    assert len(calls) == 3
    monkeypatch.setattr(blank, "ANALYSER_VERSION", blank.ANALYSER_VERSION + 1)
    blank_pages(mixed_scan, "ef" * 32, cache)
    assert len(calls) == 6


def test_torn_cache_file_is_analysed_again(mixed_scan: Path, tmp_path: Path) -> None:
    cache = tmp_path / "state"
    target = cache / "blank" / f"{'01' * 32}.json"
    target.parent.mkdir(parents=True)
    target.write_text('{"version": 1, "blank": [tr', "utf-8")
    assert blank_pages(mixed_scan, "01" * 32, cache) == [False, True, False]
    assert json.loads(target.read_text("utf-8"))["blank"] == [False, True, False]
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".tmp")]


def test_unreadable_pdf_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\nthis is not a pdf")
    with pytest.raises(IntegrityError, match="broken.pdf"):
        blank_pages(bad, "00" * 32, tmp_path / "state")
    assert not (tmp_path / "state" / "blank" / f"{'00' * 32}.json").exists()


def test_no_wrong_answer_on_a_mixed_stack() -> None:
    """The benchmark's stack (benchmarks/bench_blank.py), smaller: every kind in every
    encoding of the mix gets the right answer (the benchmark times it; this checks it)."""
    from archiver.synth_formats import MIX_ENCODINGS, mixed_scans

    scans = mixed_scans(80, seed=3, dpis=(150,))
    assert {e for _, e, *_ in scans} == set(MIX_ENCODINGS)
    wrong = []
    for kind, encoding, _dpi, expected, data in scans:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if page_is_blank(pdf.pages[0]) is not expected:
                wrong.append((kind, encoding))
    assert wrong == []


@pytest.mark.parametrize(("encoding", "first_look"), [("jpeg-grey", True), ("jpeg-rgb", True), ("g4", False)])
def test_the_first_look_decides_written_from_the_top_alone(encoding: str, first_look: bool,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 10 item 7: a scan whose top (inside the margin band) has writing is judged
    from its top alone, where that decodes for a fraction of the page (a baseline JPEG);
    writing further down, and a blank page, are judged from the whole inner area. Other
    encodings (a fax image) are judged from the whole inner area at once."""
    from PIL import ImageDraw

    from archiver import scanimage

    boxes: list[tuple[int, int, int, int]] = []
    real = scanimage.decode

    def recording(image: object, **kw: object) -> object:
        boxes.append(kw["box"])  # type: ignore[arg-type]
        return real(image, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(scanimage, "decode", recording)
    dpi = 150
    for where, expected, looks in (("top", False, 1), ("bottom", False, 2), ("", True, 2)):
        img = Image.new("L", (1240, 1754), 245)
        if where:
            y = 160 if where == "top" else 1500
            ImageDraw.Draw(img).rectangle((300, y, 900, y + 12), fill=20)
        boxes.clear()
        with pikepdf.open(io.BytesIO(page_pdf(img, encoding, dpi))) as pdf:
            assert page_is_blank(pdf.pages[0]) is expected, where
        if not first_look:
            assert len(boxes) == 1 and boxes[0][3] > img.height * 3 // 4, where
            continue
        assert len(boxes) == looks, where
        assert boxes[0][3] < img.height // 4  # the first look: the top of the inner area
        if looks == 2:
            assert boxes[1][3] > img.height * 3 // 4  # then the whole inner area
