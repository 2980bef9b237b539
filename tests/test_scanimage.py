"""Bounded decoding of scan images (archiver.scanimage): every encoding scanners write is
decoded as a PDF viewer shows it (pdfium is the referee), or reported "cannot judge" —
never an exception, never past the size limits."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from PIL import Image, ImageChops, ImageStat

from archiver import scanimage
from archiver.synth import PageSpec, render_page
from archiver.synth_formats import DECODE_INVERTIBLE, ENCODINGS, page_pdf

CORPUS = Path(__file__).parent / "fixtures" / "corpus"


def _image(pdf: pikepdf.Pdf) -> pikepdf.Object:
    return next(iter(pdf.pages[0].obj.Resources.XObject.values()))


def _viewer(data: bytes, size: tuple[int, int]) -> Image.Image:
    """The page as pdfium renders it, in grey at ``size``."""
    doc = pypdfium2.PdfDocument(data)
    page = doc[0]
    try:
        return page.render(scale=size[0] / page.get_width(), grayscale=True).to_pil().convert("L").resize(size)
    finally:
        page.close()
        doc.close()


def _difference(a: Image.Image, b: Image.Image) -> float:
    return float(ImageStat.Stat(ImageChops.difference(a, b.resize(a.size))).mean[0])


@pytest.fixture(scope="module")
def written_page() -> Image.Image:
    return render_page(PageSpec(handwriting=True, stamp=True, lines=["客户档案 材料"]), dpi=100, seed=3)


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_every_encoding_decodes_as_a_viewer_shows_it(encoding: str, written_page: Image.Image) -> None:
    data = page_pdf(written_page, encoding, 100)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        grey = scanimage.decode(_image(pdf), factor=2)
    assert grey is not None and grey.mode == "L"
    assert abs(grey.width - written_page.width / 2) <= 1 and abs(grey.height - written_page.height / 2) <= 1
    # The same pixels as pdfium shows (paper white, ink dark — never inverted) ...
    assert _difference(grey, _viewer(data, grey.size)) < (8 if "cmyk" in encoding else 4)  # CMYK: colour management
    # ... and the ink is there: the darkest part of the page is dark.
    assert grey.getextrema()[0] < 100 and ImageStat.Stat(grey).median[0] > 200


@pytest.mark.parametrize("encoding", DECODE_INVERTIBLE)
def test_inverted_samples_with_decode_1_0_decode_as_a_viewer_shows_them(encoding: str,
                                                                        written_page: Image.Image) -> None:
    data = page_pdf(written_page, encoding, 100, inverted=True)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        grey = scanimage.decode(_image(pdf), factor=2)
    assert grey is not None
    assert _difference(grey, _viewer(data, grey.size)) < 4
    assert ImageStat.Stat(grey).median[0] > 200  # white paper: /Decode applied exactly once


def test_flate_1bit_with_decode_1_0_is_white_paper() -> None:
    """The known bug: pikepdf already applies /Decode; inverting again showed a black page."""
    data = page_pdf(render_page(PageSpec(noise=0.0), dpi=100), "flate-1bit-decode", 100)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        image = _image(pdf)
        assert [float(v) for v in image.Decode] == [1.0, 0.0]
        raw = zlib.decompress(image.read_raw_bytes())
        assert raw.count(0) > 0.9 * len(raw)  # stored: zero bits ...
        grey = scanimage.decode(image, factor=8)
    assert grey is not None and grey.getextrema() == (255, 255)  # ... shown white


@pytest.mark.parametrize("factor", [1, 3, 8, 16])
@pytest.mark.parametrize("encoding", ["flate-1bit", "flate-1bit-decode", "g4", "g3-2d", "palette-1bit"])
def test_bilevel_reductions_and_boxes_agree(encoding: str, factor: int, written_page: Image.Image) -> None:
    """The fast packed-bits averaging and the exact unpacking give the same picture."""
    data = page_pdf(written_page, encoding, 100)
    box = (40, 56, written_page.width - 24, written_page.height - 80)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        grey = scanimage.decode(_image(pdf), factor=factor, box=box)
    assert grey is not None
    expected = written_page.convert("L").point(lambda v: 255 if v > 150 else 0).crop(box)
    expected = expected.reduce(factor) if factor > 1 else expected
    assert abs(grey.width - expected.width) <= 1 and abs(grey.height - expected.height) <= 1
    assert _difference(grey, expected) < 12


def test_colour_output_for_thumbnails(written_page: Image.Image) -> None:
    for encoding in ("jpeg-rgb", "jpeg-cmyk-adobe", "palette-4bit", "g4"):
        with pikepdf.open(io.BytesIO(page_pdf(written_page, encoding, 100))) as pdf:
            im = scanimage.decode(_image(pdf), factor=4, colour=True)
        assert im is not None and im.mode == "RGB", encoding


def test_adobe_cmyk_jpeg_without_decode_shows_inverted_as_viewers_do(written_page: Image.Image) -> None:
    data = page_pdf(written_page, "jpeg-cmyk-adobe", 100)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        del _image(pdf)["/Decode"]
        out = io.BytesIO()
        pdf.save(out)
    with pikepdf.open(io.BytesIO(out.getvalue())) as pdf:
        grey = scanimage.decode(_image(pdf), factor=4)
    assert grey is not None
    assert _difference(grey, _viewer(out.getvalue(), grey.size)) < 8
    assert ImageStat.Stat(grey).median[0] < 30  # the viewers show it black, so do we


# --- the corpus: real files from other tools -----------------------------------------------

CORPUS_IMAGES = {  # file: what decoding must give (True: pixels like pdfium's; None: cannot judge)
    "ccitt-endofline-true.pdf": True, "congress.pdf": True, "congress-gray.pdf": True,
    "jbig2.pdf": True, "jbig2global.pdf": True, "sandwich.pdf": True, "pal.pdf": True,
    "pal-1bit-rgb.pdf": True, "pal-1bit-trivial.pdf": True, "rle.pdf": True, "cmyk-jpeg.pdf": True,
    "1biticc.pdf": None,  # its data is 50 bytes short of what /Width and /Height say
    "pike-jp2.pdf": None, "pike-flate-jp2.pdf": None,  # 16-bit JPEG 2000 colour: Pillow wraps the samples
}


@pytest.mark.parametrize("name", sorted(CORPUS_IMAGES))
def test_corpus_images(name: str) -> None:
    data = (CORPUS / name).read_bytes()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        image = next(iter(pdf.pages[0].get_images().values()))
        info = scanimage.inspect(image)
        assert info is not None
        factor = max(1, info.width // 300)
        grey = scanimage.decode(info, factor=factor)
    if CORPUS_IMAGES[name] is None:
        assert grey is None
        return
    assert grey is not None
    page_only_image = name not in ("sandwich.pdf", "jbig2global.pdf")
    if page_only_image:
        assert _difference(grey, _viewer(data, grey.size)) < (40 if name == "cmyk-jpeg.pdf" else 10)
    else:
        assert ImageStat.Stat(grey).median[0] > 200 and grey.getextrema()[0] < 80  # a text scan


def test_jbig2_is_decoded_by_jbig2dec_with_and_without_globals() -> None:
    for name, parms in (("jbig2.pdf", False), ("jbig2global.pdf", True)):
        with pikepdf.open(CORPUS / name) as pdf:
            image = next(iter(pdf.pages[0].get_images().values()))
            info = scanimage.inspect(image)
            assert info is not None and info.terminal == "/JBIG2Decode"
            assert ("/JBIG2Globals" in info.parms[-1]) is parms
            assert scanimage.decode(info, factor=8) is not None


# --- bounded: limits are checked before decoding, and nothing raises --------------------------


def test_image_over_the_pixel_limit_is_not_decoded(written_page: Image.Image,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(pikepdf.PdfImage, "as_pil_image", lambda *a, **k: calls.append(a))
    data = page_pdf(written_page, "runlength-grey", 100)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        image = _image(pdf)
        small = scanimage.Limits(max_pixels=written_page.width * written_page.height - 1)
        assert scanimage.decode(image, limits=small) is None
        assert scanimage.decode(image, limits=scanimage.Limits(max_bytes=1000)) is None
    assert calls == []


@pytest.mark.parametrize("encoding", ["jpeg-grey", "g4", "flate-1bit", "jpx", "runlength-grey"])
def test_pillows_bomb_limit_never_raises_out(encoding: str, written_page: Image.Image,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow's own decompression-bomb limit is not ours: it neither raises nor warns here."""
    data = page_pdf(written_page, encoding, 100)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pikepdf.open(io.BytesIO(data)) as pdf, _no_warnings():
        grey = scanimage.decode(_image(pdf), factor=4)
    assert grey is not None
    assert Image.MAX_IMAGE_PIXELS == 1000  # put back


class _no_warnings:  # noqa: N801 — a tiny context manager: fail on any warning
    def __enter__(self) -> None:
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


def _bomb_pdf(width: int, height: int, data: bytes, **extra: object) -> bytes:
    pdf = pikepdf.new()
    image = pdf.make_stream(data)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = width, height, extra.pop("bpc", 8)
    image.ColorSpace = pikepdf.Name.DeviceGray
    for key, value in extra.items():
        image[f"/{key}"] = value
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842],
                              Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
                              Contents=pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q"))
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("case", "pdf_bytes"), [
    ("flate bomb", lambda: _bomb_pdf(100, 100, zlib.compress(b"\0" * 50_000_000, 9), Filter=pikepdf.Name.FlateDecode)),
    ("huge declared size", lambda: _bomb_pdf(200_000, 200_000, b"\0" * 100)),
    ("truncated samples", lambda: _bomb_pdf(1000, 1000, b"\xff" * 1000)),
    ("garbage jpeg", lambda: _bomb_pdf(1000, 1000, b"\xff\xd8not a jpeg", Filter=pikepdf.Name.DCTDecode)),
    ("jpeg of another size", lambda: _bomb_pdf(10, 10, _jpeg_bytes((640, 480)), Filter=pikepdf.Name.DCTDecode)),
    ("garbage ccitt", lambda: _bomb_pdf(1000, 1000, b"\x00\x01garbage" * 50, bpc=1, Filter=pikepdf.Name.CCITTFaxDecode,
                                        DecodeParms=pikepdf.Dictionary(K=-1, Columns=1000))),
    ("garbage jbig2", lambda: _bomb_pdf(1000, 1000, b"\x00" * 40, bpc=1, Filter=pikepdf.Name.JBIG2Decode)),
    ("garbage jpx", lambda: _bomb_pdf(100, 100, b"\x00\x00\x00\x0cjP  garbage", Filter=pikepdf.Name.JPXDecode)),
    ("unknown filter", lambda: _bomb_pdf(100, 100, b"\x00" * 10_000, Filter=pikepdf.Name("/FooDecode"))),
    ("zero width", lambda: _bomb_pdf(0, 100, b"")),
])
def test_hostile_images_cannot_be_judged_and_never_raise(case: str, pdf_bytes) -> None:  # type: ignore[no-untyped-def]
    with pikepdf.open(io.BytesIO(pdf_bytes())) as pdf:
        assert scanimage.decode(_image(pdf), factor=8) is None, case


def _jpeg_bytes(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("L", size, 255).save(out, "JPEG")
    return out.getvalue()


def test_jbig2_without_jbig2dec_cannot_be_judged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pikepdf.open(CORPUS / "jbig2.pdf") as pdf:
        assert scanimage.decode(next(iter(pdf.pages[0].get_images().values())), factor=8) is None


def test_jbig2_page_larger_than_the_image_is_refused() -> None:
    """The JBIG2 stream's own page size is checked before jbig2dec allocates it."""
    with pikepdf.open(CORPUS / "jbig2.pdf") as pdf:
        image = next(iter(pdf.pages[0].get_images().values()))
        image.Height = int(image.Height) - 1
        assert scanimage.decode(image, factor=8) is None


# --- the users: catalogue thumbnails and the cover-sheet search --------------------------------


@pytest.mark.parametrize("encoding", ["flate-1bit-decode", "g4-decode", "jpeg-cmyk-adobe", "palette-1bit", "jpx"])
def test_thumbnails_show_paper_white(encoding: str, written_page: Image.Image, tmp_path: Path) -> None:
    from archiver.catalogue import thumbs

    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(page_pdf(written_page, encoding, 100))
    made = thumbs.document_thumbnail(pdf, "ab" * 32, tmp_path / "thumbs")
    assert made is not None
    with Image.open(made) as im:
        assert im.width == thumbs.WIDTH
        assert ImageStat.Stat(im.convert("L")).median[0] > 200  # white paper, not a black page


def test_no_thumbnail_and_no_rendering_for_an_image_over_the_limits(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from archiver.catalogue import thumbs

    pdf = tmp_path / "bomb.pdf"
    pdf.write_bytes(_bomb_pdf(200_000, 200_000, b"\0" * 100))
    monkeypatch.setattr(thumbs, "_render", lambda *a: pytest.fail("rendered an image over the limits"))
    assert thumbs.document_thumbnail(pdf, "cd" * 32, tmp_path / "thumbs") is None


def test_cover_sheet_search_reads_every_encoding_and_never_raises(written_page: Image.Image) -> None:
    from archiver.batch import split

    for encoding in sorted(ENCODINGS):
        with pikepdf.open(io.BytesIO(page_pdf(written_page, encoding, 100))) as pdf:
            im = split.scan_image(pdf.pages[0])
            assert im is not None and ImageStat.Stat(im).median[0] > 200, encoding
    with pikepdf.open(io.BytesIO(_bomb_pdf(200_000, 200_000, b"\0" * 100))) as pdf:
        reader = split.PageReader(pdf, b"")
        assert split.read_sheet(reader, 0) is None  # too large to look at: not a cover sheet


# --- damaged data: decoders that guess silently are caught -----------------------------------


def test_cut_off_jbig2_cannot_be_judged() -> None:
    """jbig2dec makes a white page out of a cut-off stream, and says nothing."""
    with pikepdf.open(CORPUS / "jbig2.pdf") as pdf:
        image = next(iter(pdf.pages[0].get_images().values()))
        raw = image.read_raw_bytes()
        assert scanimage.decode(image, factor=8) is not None
        for share in (0.3, 0.6, 0.99):
            image.write(raw[:int(len(raw) * share)], filter=pikepdf.Name.JBIG2Decode)
            assert scanimage.decode(image, factor=8) is None, share


@pytest.mark.parametrize("encoding", ["g4", "g3-1d", "g3-2d"])
def test_damaged_fax_data_cannot_be_judged_and_libtiff_stays_quiet(encoding: str, written_page: Image.Image,
                                                                   capfd: pytest.CaptureFixture[str]) -> None:
    with pikepdf.open(io.BytesIO(page_pdf(written_page, encoding, 100))) as pdf:
        image = _image(pdf)
        raw = image.read_raw_bytes()
        cut = len(raw) // 2
        image.write(raw[:cut] + bytes(b ^ 0x5A for b in raw[cut:cut + 64]), filter=image.Filter,
                    decode_parms=image.DecodeParms)
        assert scanimage.decode(image, factor=4) is None
    out, err = capfd.readouterr()
    assert "Bad code word" not in err + out  # libtiff's complaints never reach the terminal


def test_16_bit_grey_and_lab() -> None:
    """Deeper samples from flatbed scanners: 16-bit grey (with /Decode too) and Lab."""
    import struct

    width, height = 200, 300
    stripes = b"".join(struct.pack(">H", 20000 if (x // 20) % 2 else 65535) for _ in range(height) for x in range(width))
    data = _bomb_pdf(width, height, zlib.compress(stripes), bpc=16, Filter=pikepdf.Name.FlateDecode)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        image = _image(pdf)
        grey = scanimage.decode(image)
        assert grey is not None and grey.getextrema() == (78, 255)  # 20000 / 65535 of white
        image.Decode = pikepdf.Array([1, 0])
        grey = scanimage.decode(image)
        assert grey is not None and grey.getextrema() == (0, 177)
        lab = pdf.make_stream(zlib.compress(bytes([200, 128, 128]) * (width * height)))
        lab.Type, lab.Subtype, lab.Width, lab.Height = pikepdf.Name.XObject, pikepdf.Name.Image, width, height
        lab.BitsPerComponent, lab.Filter = 8, pikepdf.Name.FlateDecode
        lab.ColorSpace = pikepdf.Array([pikepdf.Name.Lab, pikepdf.Dictionary(WhitePoint=[0.9505, 1, 1.089])])
        grey = scanimage.decode(lab, factor=2)
        assert grey is not None and grey.getextrema() == (200, 200)  # its lightness


def test_lzw_scans_are_decoded() -> None:
    """Generic filters other than Flate are decoded by qpdf when their output is bounded
    (a 1-bit LZW scan, as old TIFF-minded scanners write)."""
    bits = Image.new("1", (1240, 1754), 1)
    for x in range(300, 900):
        bits.putpixel((x, 800), 0)
    lzw = io.BytesIO()
    bits.save(lzw, "TIFF", compression="tiff_lzw", strip_size=2**30)
    tif = Image.open(io.BytesIO(lzw.getvalue()))
    (offset,), (length,) = tif.tag_v2[273], tif.tag_v2[279]  # type: ignore[attr-defined]
    data = _bomb_pdf(1240, 1754, lzw.getvalue()[offset:offset + length], bpc=1, Filter=pikepdf.Name.LZWDecode,
                     DecodeParms=pikepdf.Dictionary(EarlyChange=1))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        grey = scanimage.decode(_image(pdf), factor=4)
    assert grey is not None
    assert _difference(grey, _viewer(data, grey.size)) < 4


def test_configured_limits_apply_to_every_later_decode(written_page: Image.Image,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from archiver.volumes.blank import page_is_blank

    monkeypatch.setattr(scanimage, "_current", scanimage.DEFAULT_LIMITS)
    data = page_pdf(render_page(PageSpec(noise=0.0), dpi=100), "g4", 100)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert scanimage.decode(_image(pdf), factor=4) is not None and page_is_blank(pdf.pages[0])
        scanimage.configure(scanimage.Limits(max_pixels=1000))
        assert scanimage.limits().max_pixels == 1000
        assert scanimage.decode(_image(pdf), factor=4) is None
        assert not page_is_blank(pdf.pages[0])  # too large to judge now: not blank


# --- the top of a JPEG alone (issue 10 item 7) ---------------------------------------------


def _text_scan(mode: str, subsampling: int = 0, progressive: bool = False) -> bytes:
    from archiver.synth import text_page

    img = render_page(text_page("标题", 14, seed=3), dpi=150, seed=3).convert(mode)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80, subsampling=subsampling, progressive=progressive)
    return buf.getvalue()


@pytest.mark.parametrize(("mode", "subsampling"), [("L", 0), ("RGB", 0), ("RGB", 2)])
def test_jpeg_top_decodes_the_same_rows_as_the_whole_jpeg(mode: str, subsampling: int) -> None:
    """A baseline JPEG told it is only 160 rows high gives exactly those rows of the whole
    image, at full size and at 1/8 scale."""
    raw = _text_scan(mode, subsampling)
    top = scanimage.jpeg_top(raw, 160)
    assert top is not None
    whole, part = Image.open(io.BytesIO(raw)), Image.open(io.BytesIO(top))
    assert part.size == (whole.width, 160)
    assert part.tobytes() == whole.crop((0, 0, whole.width, 160)).tobytes()
    whole, part = Image.open(io.BytesIO(raw)), Image.open(io.BytesIO(top))
    whole.draft(mode, (whole.width // 8, whole.height // 8))
    part.draft(mode, (part.width // 8, 160 // 8))
    assert part.width == whole.width
    assert part.tobytes() == whole.crop((0, 0, whole.width, part.height)).tobytes()


def test_jpeg_top_refuses_what_it_cannot_cut_exactly() -> None:
    """Progressive JPEGs (every scan covers the whole image), rows past the image, and
    anything that is not a JPEG are decoded whole."""
    assert scanimage.jpeg_top(_text_scan("L", progressive=True), 160) is None
    raw = _text_scan("L")
    assert scanimage.jpeg_top(raw, Image.open(io.BytesIO(raw)).height) is None
    assert scanimage.jpeg_top(b"not a jpeg", 16) is None
    assert scanimage.jpeg_top(raw[:40], 16) is None  # cut off inside its headers


def test_a_box_at_the_top_of_a_jpeg_scan_is_the_whole_decodes_crop() -> None:
    """decode() of a box at the top of a JPEG decodes only the top (top_is_cheap) and
    gives the same pixels as the same box of the whole image."""
    pdf = pikepdf.new()
    raw = _text_scan("L")
    w, h = Image.open(io.BytesIO(raw)).size
    image = pdf.make_stream(raw, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=w, Height=h,
                            ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8, Filter=pikepdf.Name.DCTDecode)
    assert scanimage.top_is_cheap(image)
    box = (40, 40, w - 40, 200)
    top = scanimage.decode(image, factor=8, box=box)
    info = scanimage.inspect(image)
    assert info is not None and top is not None
    whole = scanimage._decode(info, 8, (0, 0, w, h), False, scanimage.limits())
    expected = whole.crop((40 // 8, 40 // 8, (w - 40) // 8, 200 // 8))  # (w: 1240 at 150 dpi)
    assert top.size == expected.size and top.tobytes() == expected.tobytes()
