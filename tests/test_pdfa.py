"""Volumes as archival PDFs: byte-for-byte copies, flattened forms, no active content,
PDF/A-2b (issue 10 items 3, 4, 6), on the real PDFs of tests/fixtures/corpus/.

The page-number stamp is the stamp stage's; where a test is about everything else, the
stamp draws a small filled box instead of digits (:class:`BoxStamper`), so the verdict
does not depend on which font the stamp uses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tomllib
import warnings
import zlib
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from conftest import NOW
from pikepdf import Array, Dictionary, Name, String
from PIL import Image, ImageCms
from volumes_helpers import KnownBlanks, make_record, words

import archiver.volumes.finish as finish_module
from archiver.active import find_active_content, strip_active_content
from archiver.config import Config, parse_config, template_text
from archiver.customers import Customer
from archiver.volumes import pdfa
from archiver.volumes.assemble import Context, assemble
from archiver.volumes.forms import FormRenderer
from archiver.volumes.manifest import read_manifest
from archiver.volumes.plan import plan_volumes

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
BUILT = dt.datetime.fromisoformat(NOW) + dt.timedelta(minutes=30)
# Fixtures whose volume is valid PDF/A-2b: everything but what the record itself breaks.
VALID = ["1biticc", "ccitt-endofline-true", "cmyk-jpeg", "congress-gray", "congress", "cyclic-toc", "jbig2",
         "jbig2global", "outlines", "pal-1bit-rgb", "pal-1bit-trivial", "pal", "rle", "sandwich"]
# …and why the others cannot be (their bytes are kept as they are):
INVALID = {
    "content-stream-errors": "content stream",  # a broken content stream, fonts not embedded
    "form": "not embedded",  # the form's own Helvetica (its appearances use it)
    "fourpages": "not embedded",
    "image-mono-inline": "not embedded",
    "pike-jp2": "JPEG 2000",  # the validator does not check JPEG 2000: not_checked
    "pike-flate-jp2": "JPEG 2000",
}


def corpus_files() -> list[Path]:
    out = []
    for path in sorted(CORPUS.glob("*.pdf")):
        try:
            with pikepdf.open(path):
                out.append(path)
        except (pikepdf.PdfError, pikepdf.PasswordError):
            continue  # the fuzz case and the encrypted file never reach records/
    return out


class BoxStamper:
    """Stands in for the page-number stamp: a small black box, no font."""

    def __init__(self, pdf: pikepdf.Pdf, style: Any, **_options: Any) -> None:
        self.pdf = pdf

    def stamp(self, page: pikepdf.Page, number: int, side: str, source: Any = None) -> None:
        page.contents_add(pikepdf.Stream(self.pdf, b"q 0 g 10 10 5 5 re f Q"), prepend=False)


@pytest.fixture(scope="module")
def config() -> Config:
    return parse_config(tomllib.loads(template_text()))


@pytest.fixture(scope="module")
def renderer() -> FormRenderer:
    return FormRenderer()


@pytest.fixture
def box_stamp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(finish_module, "Stamper", BoxStamper)


def build(tmp_path: Path, config: Config, renderer: Any, data: bytes, name: str = "doc") -> tuple[Path, Any]:
    src = tmp_path / "records"
    src.mkdir(parents=True, exist_ok=True)
    rec = make_record(src, name, data=data, title="测试文件")
    [plan] = plan_volumes([rec], config)
    ctx = Context(config=config, customer=Customer("C0001", "上海明远贸易有限公司"), renderer=renderer,
                  detect=KnownBlanks(), cache_dir=tmp_path / "cache", filer="王芳", checker="李强",
                  today=dt.date(2026, 11, 20), built_at=BUILT)
    target = tmp_path / "out" / f"{plan.reference}.pdf"
    m = assemble(plan, ctx, target, "sha256:test")
    return target, m


def raw_images(pdf: pikepdf.Pdf, pages: range | None = None) -> list[bytes]:
    """The raw (still encoded) bytes of every image the pages draw, nested forms included, in order."""
    out: list[bytes] = []
    seen: set[tuple[int, int]] = set()

    def walk(res: Any) -> None:
        xobjects = res.get("/XObject") if isinstance(res, Dictionary) else None
        for _, x in sorted(xobjects.items()) if isinstance(xobjects, Dictionary) else ():
            if not isinstance(x, pikepdf.Stream) or x.objgen in seen:
                continue
            seen.add(x.objgen)
            if x.get("/Subtype") == Name.Image:
                out.append(x.read_raw_bytes())
                if isinstance(x.get("/SMask"), pikepdf.Stream):
                    out.append(x.SMask.read_raw_bytes())
            else:
                walk(x.get("/Resources"))

    for i in pages if pages is not None else range(len(pdf.pages)):
        walk(pdf.pages[i].obj.get("/Resources"))
    return out


def contents(page: pikepdf.Page) -> list[pikepdf.Stream]:
    c = page.obj.get("/Contents")
    return list(c) if isinstance(c, Array) else [c] if isinstance(c, pikepdf.Stream) else []


# --- item 3: byte for byte --------------------------------------------------------------


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.stem)
def test_every_image_of_every_fixture_is_copied_byte_for_byte(path, tmp_path, config, renderer) -> None:
    target, m = build(tmp_path, config, renderer, path.read_bytes())
    [doc] = m.documents
    with pikepdf.open(path) as src, pikepdf.open(target) as vol:
        before = raw_images(src)
        after = raw_images(vol, range(doc.pdf_first - 1, doc.pdf_last))
        assert find_active_content(vol) == []
        # each page's own content streams are there too, raw bytes unchanged (the stamp
        # and flattened appearances are streams of their own beside them) — or, for a
        # content stream that does not parse to its end, moved by the stamp into a form
        # of its own (raw bytes; several streams joined: the same decoded content)
        for i, page in enumerate(src.pages):
            own = contents(page)
            out = vol.pages[doc.pdf_first - 1 + i]
            there = [s.read_raw_bytes() for s in contents(out)]
            forms = [x for x in out.obj.Resources.get("/XObject", {}).values() if x.get("/Subtype") == Name.Form]
            there += [f.read_raw_bytes() for f in forms]
            if not all(s.read_raw_bytes() in there for s in own):
                joined = b"\n".join(s.read_bytes() for s in own)
                assert any(f.read_bytes() == joined for f in forms), f"page {i + 1}: content changed"
    assert after == before
    assert m.reencoded == ()


def test_generated_scans_are_copied_byte_for_byte(tmp_path, config, renderer) -> None:
    from archiver.synth import scan, text_page

    for i, kw in enumerate([{"color": True}, {"bilevel": True}, {}]):
        data = scan([text_page(f"第{n}页", seed=n) for n in range(3)], dpi=50, seed=i, **kw)
        target, m = build(tmp_path / str(i), config, renderer, data)
        with pikepdf.open(io.BytesIO(data)) as src, pikepdf.open(target) as vol:
            d = m.documents[0]
            assert raw_images(vol, range(d.pdf_first - 1, d.pdf_last)) == raw_images(src)


def lzw_encode(data: bytes) -> bytes:
    """PDF LZWDecode encoding (EarlyChange 1): 9–12-bit codes, 256 = clear, 257 = end."""
    out, acc, nbits = bytearray(), 0, 0

    def put(code: int, width: int) -> None:
        nonlocal acc, nbits
        acc = (acc << width) | code
        nbits += width
        while nbits >= 8:
            nbits -= 8
            out.append((acc >> nbits) & 0xFF)

    table = {bytes([i]): i for i in range(256)}
    nxt, width = 258, 9
    put(256, width)
    w = b""
    for b in data:
        wc = w + bytes([b])
        if wc in table:
            w = wc
            continue
        put(table[w], width)
        table[wc] = nxt
        nxt += 1
        if nxt + 1 > (1 << width) and width < 12:
            width += 1
        if nxt >= 4094:
            put(256, width)
            table, nxt, width = {bytes([i]): i for i in range(256)}, 258, 9
        w = bytes([b])
    if w:
        put(table[w], width)
    put(257, width)
    if nbits:
        out.append((acc << (8 - nbits)) & 0xFF)
    return bytes(out)


def lzw_scan() -> tuple[bytes, bytes]:
    """A one-page PDF whose grey scan image is LZW-encoded (as old TIFF-based scanners
    wrote), and the image's pixels."""
    img = Image.radial_gradient("L").resize((120, 160))
    pixels = img.tobytes()
    pdf = pikepdf.new()
    image = pdf.make_stream(lzw_encode(pixels), Type=Name.XObject, Subtype=Name.Image, Width=120, Height=160,
                            ColorSpace=Name.DeviceGray, BitsPerComponent=8, Filter=Name.LZWDecode)
    page = pdf.add_blank_page(page_size=(300, 400))
    page.obj.Resources = Dictionary(XObject=Dictionary(Im0=image))
    page.obj.Contents = pdf.make_stream(b"q 300 0 0 400 0 0 cm /Im0 Do Q")
    buf = io.BytesIO()
    pdf.save(buf, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return buf.getvalue(), pixels


def test_lzw_is_the_one_encoding_converted_losslessly_and_recorded(tmp_path, config, renderer, box_stamp) -> None:
    data, pixels = lzw_scan()
    with pikepdf.open(io.BytesIO(data)) as src:
        assert src.pages[0].obj.Resources.XObject.Im0.Filter == Name.LZWDecode
    target, m = build(tmp_path, config, renderer, data)
    with pikepdf.open(target) as vol:
        d = m.documents[0]
        image = vol.pages[d.pdf_first - 1].obj.Resources.XObject.Im0
        assert image.Filter == Name.FlateDecode
        assert image.read_bytes() == pixels  # lossless
    assert m.reencoded == ({"where": "doc page 1 image Im0", "from": "LZWDecode", "to": "FlateDecode"},)
    manifest = tomllib.loads(target.with_suffix(".toml").read_text("utf-8"))
    assert manifest["reencoded"] == [dict(m.reencoded[0])]
    assert read_manifest(target.with_suffix(".toml")).reencoded == m.reencoded
    assert m.pdfa["valid"] is True


# --- item 4: flatten, then strip --------------------------------------------------------


def filled_form() -> bytes:
    with pikepdf.open(CORPUS / "form.pdf") as pdf:
        for field in pdf.acroform.fields:
            if field.field_type == Name.Tx:
                field.set_value("FILLED-42")
        buf = io.BytesIO()
        pdf.save(buf)
        return buf.getvalue()


def test_form_values_are_flattened_into_the_page_and_no_warning_escapes(tmp_path, config, renderer) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any library warning that reached the caller fails the test
        target, m = build(tmp_path, config, renderer, filled_form())
    d = m.documents[0]
    with pikepdf.open(target) as vol:
        assert "/AcroForm" not in vol.Root
        page = vol.pages[d.pdf_first - 1]
        assert not [a for a in page.obj.get("/Annots", []) if a.get("/Subtype") == Name.Widget]
    printed = " ".join(w.text for w in words(target)[d.pdf_first - 1])
    assert "FILLED-42" in printed  # what was filled in prints


def active_record() -> bytes:
    """A scan-like page carrying page-level JavaScript, a Launch link, a JavaScript link,
    a link to a web site, an internal link, an open action and an embedded .bat file."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(300, 400))
    page.obj.Contents = pdf.make_stream(b"q 0 g 50 50 100 20 re f Q")
    page2 = pdf.add_blank_page(page_size=(300, 400))

    def link(action: Dictionary) -> Dictionary:
        return pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[0, 0, 10, 10], F=4,
                                            Border=[0, 0, 0], A=action))

    page.obj.AA = Dictionary(O=Dictionary(S=Name.JavaScript, JS=String("app.alert('page')")))
    page.obj.Annots = Array([
        link(Dictionary(S=Name.Launch, F=String("cmd.exe"))),
        link(Dictionary(S=Name.JavaScript, JS=String("app.alert(1)"))),
        link(Dictionary(S=Name.URI, URI=String("http://example.com/"))),
        link(Dictionary(S=Name.GoTo, D=Array([page2.obj, Name.Fit]))),
    ])  # fmt: skip
    pdf.Root.OpenAction = Dictionary(S=Name.JavaScript, JS=String("app.alert('open')"))
    spec = pikepdf.AttachedFileSpec(pdf, b"@echo off\r\ndel /q *\r\n", filename="run.bat")
    pdf.attachments["run.bat"] = spec
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def test_strip_active_content_removes_what_runs_or_reaches_outside() -> None:
    with pikepdf.open(io.BytesIO(active_record())) as pdf:
        assert find_active_content(pdf)  # the record carries some
        removed = strip_active_content(pdf)
        assert find_active_content(pdf) == []
        assert "JavaScript" in removed and "embedded file" in removed and "link to outside the document" in removed
        kinds = [str(a.A.S) for a in pdf.pages[0].obj.Annots if "/A" in a]
        assert kinds == ["/GoTo"]  # the internal link stays
        assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.pages[0].obj
        assert strip_active_content(pdf) == []  # nothing left the second time


def test_volume_of_an_active_record_has_none_of_it(tmp_path, config, renderer, box_stamp) -> None:
    target, m = build(tmp_path, config, renderer, active_record())
    with pikepdf.open(target) as vol:
        assert find_active_content(vol) == []
        assert "/Names" not in vol.Root or "/EmbeddedFiles" not in vol.Root.Names
        actions = [str(o.get("/S")) for o in vol.objects if isinstance(o, Dictionary) and "/S" in o]
        assert not {"/URI", "/Launch", "/JavaScript"} & set(actions)
    data = target.read_bytes()
    assert b"cmd.exe" not in data and b"example.com" not in data and b"del /q" not in data
    assert m.pdfa["valid"] is True


# --- item 6: PDF/A-2b -------------------------------------------------------------------


@pytest.mark.parametrize("name", VALID)
def test_fixture_volumes_are_valid_pdfa_2b(name, tmp_path, config, renderer, box_stamp) -> None:
    target, m = build(tmp_path, config, renderer, (CORPUS / f"{name}.pdf").read_bytes())
    assert m.pdfa["valid"] is True, m.pdfa
    assert m.pdfa["verdict"] == "pass" and m.pdfa["validator"] == f"pikepdf {pikepdf.__version__}"
    assert pdfa.check(target).valid  # audit's re-check says the same


@pytest.mark.parametrize("name", sorted(INVALID))
def test_what_a_record_breaks_is_reported_not_hidden(name, tmp_path, config, renderer, box_stamp) -> None:
    target, m = build(tmp_path, config, renderer, (CORPUS / f"{name}.pdf").read_bytes())
    assert m.pdfa["valid"] is False
    assert m.pdfa["verdict"] in ("fail", "not_checked")
    assert any(INVALID[name] in f for f in m.pdfa["findings"]), m.pdfa["findings"]
    assert target.is_file()  # built and bound-ready, flagged in its manifest


def test_cmyk_scan_gets_an_icc_default_colour_space_and_keeps_its_bytes(tmp_path, config, renderer,
                                                                     box_stamp) -> None:
    target, m = build(tmp_path, config, renderer, (CORPUS / "cmyk-jpeg.pdf").read_bytes())
    with pikepdf.open(target) as vol:
        page = vol.pages[m.documents[0].pdf_first - 1]
        space = page.obj.Resources.ColorSpace.DefaultCMYK
        assert space[0] == Name.ICCBased and space[1].N == 4
        assert next(iter(page.obj.Resources.XObject.values())).ColorSpace == Name.DeviceCMYK
        cover = vol.pages[0]
        assert "/ColorSpace" not in cover.obj.Resources or "/DefaultCMYK" not in cover.obj.Resources.ColorSpace


def test_cmyk_profile_is_a_real_profile_of_the_naive_conversion() -> None:
    profile = ImageCms.ImageCmsProfile(io.BytesIO(pdfa.cmyk_profile()))
    to_rgb = ImageCms.buildTransform(profile, ImageCms.createProfile("sRGB"), "CMYK", "RGB")
    for cmyk in [(0, 0, 0, 0), (0, 0, 0, 255), (255, 0, 0, 0), (0, 255, 0, 0), (0, 0, 255, 0), (128, 64, 32, 16)]:
        pixel = Image.new("CMYK", (1, 1), cmyk)
        got = ImageCms.applyTransform(pixel, to_rgb).getpixel((0, 0))
        want = pixel.convert("RGB").getpixel((0, 0))
        assert all(abs(a - b) <= 2 for a, b in zip(got, want, strict=True)), (cmyk, got, want)


def test_metadata_names_the_volume(tmp_path, config, renderer, box_stamp) -> None:
    target, m = build(tmp_path, config, renderer, (CORPUS / "congress.pdf").read_bytes())
    with pikepdf.open(target) as vol:
        meta = vol.open_metadata()
        assert meta["dc:title"] == m.title  # 案卷题名
        assert m.title.startswith("上海明远贸易有限公司 2026年客户档案")
        assert meta["dc:identifier"] == m.reference  # 档号
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert meta["xmp:CreatorTool"].startswith("archiver ")
        assert dt.datetime.fromisoformat(meta["xmp:CreateDate"]) == BUILT
        assert str(vol.docinfo.Title) == m.title
        [intent] = vol.Root.OutputIntents
        assert intent.S == Name.GTS_PDFA1 and intent.DestOutputProfile.N == 3


def font_programs(pdf: pikepdf.Pdf) -> list[bytes]:
    out = []
    for obj in pdf.objects:
        if isinstance(obj, Dictionary) and obj.get("/Type") == Name.FontDescriptor:
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                if key in obj:
                    out.append(obj[key].read_raw_bytes())
    return out


def test_the_forms_font_is_embedded_once_per_volume(tmp_path, config, renderer, box_stamp) -> None:
    target, m = build(tmp_path, config, renderer, (CORPUS / "congress.pdf").read_bytes())
    with pikepdf.open(target) as vol:
        programs = font_programs(vol)
    assert len(programs) == 1  # cover, index, remarks and back cover share one subset


def test_every_font_of_a_real_volume_is_embedded_once(tmp_path, config, renderer) -> None:
    """With the real stamp: every font program once (the forms' subset, the stamp's)."""
    target, m = build(tmp_path, config, renderer, (CORPUS / "congress.pdf").read_bytes())
    with pikepdf.open(target) as vol:
        programs = font_programs(vol)
        fonts = [o for o in vol.objects if isinstance(o, Dictionary) and o.get("/Type") == Name.Font
                 and o.get("/Subtype") not in (Name.CIDFontType2, Name.Type0)]  # (a Type0's is its descendant's)
    assert len(programs) == len(set(programs))
    if any("/FontDescriptor" not in f for f in fonts):
        pytest.skip("the page-number stamp is still a standard (not embedded) font: the stamp stage's issue 10 item 5")
    assert m.pdfa["valid"] is True, m.pdfa


def test_save_keeps_scan_bytes_where_pdfa_save_would_recompress(tmp_path, config, renderer) -> None:
    """congress.pdf's JPEG has a one-element /Filter array; a Flate image too (pal.pdf):
    the volume keeps both streams' raw bytes (compress_streams off)."""
    for name in ("congress", "pal", "rle"):
        target, m = build(tmp_path / name, config, renderer, (CORPUS / f"{name}.pdf").read_bytes())
        with pikepdf.open(CORPUS / f"{name}.pdf") as src, pikepdf.open(target) as vol:
            src_img = raw_images(src)[0]
            vol_img = raw_images(vol, range(m.documents[0].pdf_first - 1, m.documents[0].pdf_last))[0]
            assert vol_img == src_img
            assert zlib.crc32(vol_img) == zlib.crc32(src_img)


def test_check_never_raises_and_not_checked_is_not_valid(tmp_path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n garbage")
    r = pdfa.check(broken)
    assert not r.valid and r.findings
    plain = tmp_path / "plain.pdf"  # a PDF with a standard font and no PDF/A declaration
    plain.write_bytes((CORPUS / "fourpages.pdf").read_bytes())
    r = pdfa.check(plain)
    assert not r.valid and r.verdict in ("fail", "not_checked")
    assert pdfa.PdfaResult.from_manifest(r.to_manifest()).summary().startswith("NOT PDF/A-2b")


def test_manifest_records_the_verdict(tmp_path, config, renderer, box_stamp) -> None:
    target, m = build(tmp_path, config, renderer, (CORPUS / "congress.pdf").read_bytes())
    data = tomllib.loads(target.with_suffix(".toml").read_text("utf-8"))
    assert data["pdfa"]["valid"] is True
    assert data["pdfa"]["flavour"] == "PDF/A-2b" and data["pdfa"]["verdict"] == "pass"
    assert data["pdfa"]["checked"] == BUILT
    assert read_manifest(target.with_suffix(".toml")).pdfa == data["pdfa"]
    assert data["file"]["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()  # hashed as written


def test_same_inputs_give_the_same_file(tmp_path, config, renderer) -> None:
    a, _ = build(tmp_path / "a", config, renderer, (CORPUS / "cmyk-jpeg.pdf").read_bytes())
    b, _ = build(tmp_path / "b", config, renderer, (CORPUS / "cmyk-jpeg.pdf").read_bytes())
    assert a.read_bytes() == b.read_bytes()


def test_a_rebuild_of_the_same_inputs_reuses_forms_and_verdict(tmp_path, config, renderer, box_stamp,
                                                               monkeypatch) -> None:
    data = (CORPUS / "congress.pdf").read_bytes()
    _, first = build(tmp_path, config, renderer, data)
    calls: list[Path] = []
    real_check = pdfa.check
    monkeypatch.setattr(pdfa, "check", lambda path, **kw: calls.append(path) or real_check(path, **kw))
    monkeypatch.setattr(renderer, "document", lambda sheet: pytest.fail("forms rendered again"))
    (tmp_path / "out" / f"{first.reference}.pdf").unlink()
    _, again = build(tmp_path, config, renderer, data)
    assert calls == [] and again.pdfa == first.pdfa and again.file_sha256 == first.file_sha256
    # other inputs: validated again
    monkeypatch.undo()
    monkeypatch.setattr(finish_module, "Stamper", BoxStamper)
    monkeypatch.setattr(pdfa, "check", lambda path, **kw: calls.append(path) or real_check(path, **kw))
    (tmp_path / "out" / f"{first.reference}.pdf").unlink()
    _, other = build(tmp_path, config, renderer, (CORPUS / "congress-gray.pdf").read_bytes())
    assert len(calls) == 1 and other.pdfa["valid"] is True


def test_annotations_are_made_printable_and_hidden_ones_removed() -> None:
    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    shown = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Text, Rect=[0, 0, 9, 9]))
    hidden = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Text, Rect=[0, 0, 9, 9], F=2))
    popup = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Popup, Rect=[0, 0, 9, 9]))
    page.obj.Annots = Array([shown, hidden, popup])
    assert pdfa.printable_annotations(pdf) == 2
    assert [a.get("/Subtype") for a in page.obj.Annots] == [Name.Text, Name.Popup]
    assert page.obj.Annots[0].F == 4 and "/F" not in page.obj.Annots[1]


def test_building_a_volume_from_cached_forms_and_verdict_needs_no_validator_import(tmp_path, config) -> None:
    """A --force rebuild's start-up: neither fpdf2 nor pikepdf's validator (jsonschema)."""
    code = f"""
import sys, datetime as dt, tomllib
sys.path.insert(0, {str(Path(__file__).parent)!r})
from pathlib import Path
from volumes_helpers import KnownBlanks, make_record
from archiver.config import parse_config, template_text
from archiver.customers import Customer
from archiver.volumes.assemble import Context, assemble
from archiver.volumes.forms import FormRenderer
from archiver.volumes.plan import plan_volumes
tmp = Path({str(tmp_path)!r})
(tmp / "rec").mkdir(exist_ok=True)
rec = make_record(tmp / "rec", "doc", data=Path({str(CORPUS / "congress.pdf")!r}).read_bytes())
[plan] = plan_volumes([rec], parse_config(tomllib.loads(template_text())))
ctx = Context(config=parse_config(tomllib.loads(template_text())), customer=Customer("C0001", "客户"),
              renderer=FormRenderer(), detect=KnownBlanks(), cache_dir=tmp / "cache", filer="王芳", checker="李强",
              today=dt.date(2026, 11, 20), built_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC))
target = tmp / "out" / (plan.reference + ".pdf")
target.unlink(missing_ok=True)
assemble(plan, ctx, target, "sha256:x")
print("fpdf" in sys.modules, "jsonschema" in sys.modules)
"""
    import subprocess
    import sys

    first = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    again = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert first.split() == ["True", "True"]
    assert again.split() == ["False", "False"]


def test_build_of_a_form_prints_no_library_warning(archive_root: Path, drop: Any) -> None:
    """The whole command, as a user runs it (Python warnings shown): the filled-in form
    and a damaged-but-readable record (cyclic outline) give no raw warning on any output."""
    import subprocess
    import sys

    meta = {"customer": "C0001", "type": "contract", "date": dt.date(2026, 3, 1)}
    drop("form.pdf", meta=meta, data=filled_form())
    drop("toc.pdf", meta={**meta, "date": dt.date(2026, 3, 2)}, data=(CORPUS / "cyclic-toc.pdf").read_bytes())
    # every warning shown, ResourceWarning too: an unclosed file warning while the validator
    # runs was once recorded as a PDF/A violation of the volume
    cmd = [sys.executable, "-W", "always", "-m", "archiver", "--root",
           str(archive_root)]
    subprocess.run([*cmd, "ingest", "--stable-seconds", "0"], check=True, capture_output=True)
    r = subprocess.run([*cmd, "build", "--checker", "李强"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "built" in r.stdout
    for line in (r.stdout + r.stderr).splitlines():
        assert "Warning:" not in line and "WARNING" not in line and "qpdf" not in line.lower(), line
        assert not line.startswith("warning:") or "PDF/A-2b" in line, line


def test_forms_cache_keeps_one_entry_per_volume_and_forgets_it(tmp_path, config, renderer, box_stamp) -> None:
    from archiver.volumes.formscache import FORMS_CACHE, forget_volume

    _, m = build(tmp_path, config, renderer, (CORPUS / "congress.pdf").read_bytes())
    cache = tmp_path / "cache" / FORMS_CACHE
    assert sorted(p.name for p in cache.iterdir()) == [f"{m.reference}.json", f"{m.reference}.pdf"]
    forget_volume(tmp_path / "cache", m.reference)  # e.g. when the volume is destroyed (its index has the titles)
    assert list(cache.iterdir()) == []


def test_the_validator_run_once_per_shape_reports_what_the_plain_validator_reports(tmp_path: Path) -> None:
    """check() evaluates each role schema once per shape of object (references and
    stream lengths aside): on files with findings and on a valid volume, its verdict and
    findings are those of pikepdf's validator run plainly."""
    import pikepdf.pdfa as validator

    found = 0
    for name in ("fourpages", "content-stream-errors", "outlines"):
        path = CORPUS / f"{name}.pdf"
        plain = validator.validate_written(path, pdfa.FLAVOUR)
        ours = pdfa.check(path, now=BUILT)
        assert ours.verdict == str(plain.verdict), name
        assert list(ours.findings[:pdfa.MAX_FINDINGS]) == [str(f) for f in plain.findings[:pdfa.MAX_FINDINGS]], name
        found += len(plain.findings)
    assert found
    assert pdfa._shape({"/Length": 512, "/Parent": "12 0 R", "/Kids": ["3 0 R"], "/T": "u:5 0 R"}) == \
        {"/Length": 0, "/Parent": "1 0 R", "/Kids": ["1 0 R"], "/T": "u:5 0 R"}
