"""One scanned page in every encoding scanners write, for tests and benchmarks.

:func:`page_pdf` turns a page image (from :func:`archiver.synth.render_page`) into a
one-page PDF whose single image is stored the way a given scanner or tool stores it:
JPEG (grey, RGB, CMYK with Adobe's inversion), JPEG 2000, CCITT G4 / G3 1-D / G3 2-D /
byte-aligned 1-D (with BlackIs1 or ``/Decode [1 0]`` variants), 1-bit Flate with and
without ``/Decode [1 0]`` or a PNG predictor, palettes (1- and 8-bit), ICC-based grey,
RunLength, LZW-free grey Flate, and an inline image. Only Pillow and pikepdf are used.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

import pikepdf
from PIL import Image

Encoded = tuple[dict[str, object], bytes]


def _bilevel(im: Image.Image) -> Image.Image:
    return im.convert("L").point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.Dither.NONE)


def _tiff_strip(im: Image.Image, compression: str, tiffinfo: dict[int, int] | None = None) -> bytes:
    out = io.BytesIO()
    im.save(out, "TIFF", compression=compression, tiffinfo=tiffinfo or {}, strip_size=2**30)
    tif = Image.open(io.BytesIO(out.getvalue()))
    tags = tif.tag_v2  # type: ignore[attr-defined]  # a TIFF
    (offset,), (length,) = tags[273], tags[279]
    return out.getvalue()[offset:offset + length]


def _ccitt(k: int, tiff: str, tiffinfo: dict[int, int] | None = None, **parms: object) -> Callable[[Image.Image], Encoded]:
    def encode(im: Image.Image) -> Encoded:
        bits = _bilevel(im)
        # Pillow's TIFF writer stores white as 1 (BlackIsZero): the fax codes are for an
        # inverted image, which PDF describes with BlackIs1 (or with /Decode [1 0]).
        data = _tiff_strip(bits, tiff, tiffinfo)
        dp: dict[str, object] = {"/K": k, "/Columns": bits.width, "/Rows": bits.height, "/BlackIs1": True}
        dp.update({f"/{key}": value for key, value in parms.items()})
        d: dict[str, object] = {"/Filter": pikepdf.Name.CCITTFaxDecode, "/BitsPerComponent": 1,
                                "/ColorSpace": pikepdf.Name.DeviceGray, "/DecodeParms": pikepdf.Dictionary(dp)}
        return d, data
    return encode


def _ccitt_decode10(im: Image.Image) -> Encoded:
    """G4 stored for a photometric-inverted scanner: BlackIs1 false, /Decode [1 0]."""
    bits = _bilevel(im)
    data = _tiff_strip(bits, "group4")  # white = 1 bits in the fax's black/white sense
    dp = pikepdf.Dictionary({"/K": -1, "/Columns": bits.width, "/Rows": bits.height})
    return {"/Filter": pikepdf.Name.CCITTFaxDecode, "/BitsPerComponent": 1, "/ColorSpace": pikepdf.Name.DeviceGray,
            "/DecodeParms": dp, "/Decode": pikepdf.Array([1, 0])}, data


def _jpeg(mode: str) -> Callable[[Image.Image], Encoded]:
    def encode(im: Image.Image) -> Encoded:
        out = io.BytesIO()
        src = im.convert("RGB").convert("CMYK") if mode == "CMYK" else im.convert(mode)
        src.save(out, "JPEG", quality=70)
        cs = {"L": pikepdf.Name.DeviceGray, "RGB": pikepdf.Name.DeviceRGB, "CMYK": pikepdf.Name.DeviceCMYK}[mode]
        d: dict[str, object] = {"/Filter": pikepdf.Name.DCTDecode, "/BitsPerComponent": 8, "/ColorSpace": cs}
        if mode == "CMYK":  # Pillow writes Adobe (inverted) CMYK, which PDF readers undo with /Decode
            d["/Decode"] = pikepdf.Array([1, 0] * 4)
        return d, out.getvalue()
    return encode


def _jpx(im: Image.Image) -> Encoded:
    out = io.BytesIO()
    im.convert("L").save(out, "JPEG2000", quality_mode="rates", quality_layers=[40], irreversible=True)
    return {"/Filter": pikepdf.Name.JPXDecode}, out.getvalue()


def _flate1(*, invert: bool = False, predictor: bool = False) -> Callable[[Image.Image], Encoded]:
    def encode(im: Image.Image) -> Encoded:
        bits = _bilevel(im)
        raw = bits.tobytes()  # 1 = white
        d: dict[str, object] = {"/Filter": pikepdf.Name.FlateDecode, "/BitsPerComponent": 1,
                                "/ColorSpace": pikepdf.Name.DeviceGray}
        if invert:  # stored as 1 = black, shown right by /Decode [1 0]
            raw = bytes(b ^ 0xFF for b in raw)
            d["/Decode"] = pikepdf.Array([1, 0])
        if predictor:
            stride = (bits.width + 7) // 8
            raw = b"".join(b"\x00" + raw[i:i + stride] for i in range(0, len(raw), stride))
            d["/DecodeParms"] = pikepdf.Dictionary(Predictor=15, Colors=1, BitsPerComponent=1, Columns=bits.width)
        return d, zlib.compress(raw, 6)
    return encode


def _palette(bits_per: int) -> Callable[[Image.Image], Encoded]:
    def encode(im: Image.Image) -> Encoded:
        if bits_per == 1:
            bits = _bilevel(im)
            raw = bytes(b ^ 0xFF for b in bits.tobytes())  # index 0 = white paper, 1 = ink
            palette = bytes([250, 250, 245, 20, 20, 60])
        else:
            grey = im.convert("L").quantize(16, dither=Image.Dither.NONE)
            pal = grey.getpalette() or []
            idx = grey.tobytes()
            stride = (grey.width + 1) // 2
            rows = (idx[y * grey.width:(y + 1) * grey.width] + b"\x00" for y in range(grey.height))
            raw = b"".join(bytes((r[2 * i] << 4) | r[2 * i + 1] for i in range(stride)) for r in rows)
            palette = bytes(pal[:48])
        cs = pikepdf.Array([pikepdf.Name.Indexed, pikepdf.Name.DeviceRGB, len(palette) // 3 - 1,
                            pikepdf.String(palette)])
        return {"/Filter": pikepdf.Name.FlateDecode, "/BitsPerComponent": bits_per, "/ColorSpace": cs}, \
            zlib.compress(raw, 6)
    return encode


def _icc_grey(bits_per: int) -> Callable[[Image.Image], Encoded]:
    def encode(im: Image.Image) -> Encoded:
        raw = _bilevel(im).tobytes() if bits_per == 1 else im.convert("L").tobytes()
        return {"/Filter": pikepdf.Name.FlateDecode, "/BitsPerComponent": bits_per, "/ColorSpace": "icc-grey"}, \
            zlib.compress(raw, 6)
    return encode


def _runlength(im: Image.Image) -> Encoded:
    raw = im.convert("L").tobytes()
    out = bytearray()
    i = 0
    while i < len(raw):
        j = i
        while j < len(raw) and j - i < 128 and raw[j] == raw[i]:
            j += 1
        if j - i >= 2:
            out += bytes([257 - (j - i), raw[i]])
            i = j
        else:
            j = i
            while j < len(raw) and j - i < 128 and (j + 1 >= len(raw) or raw[j + 1] != raw[j]):
                j += 1
            j = max(j, i + 1)
            out += bytes([j - i - 1]) + raw[i:j]
            i = j
    out += b"\x80"
    return {"/Filter": pikepdf.Name.RunLengthDecode, "/BitsPerComponent": 8,
            "/ColorSpace": pikepdf.Name.DeviceGray}, bytes(out)


ENCODINGS: dict[str, Callable[[Image.Image], Encoded]] = {
    "jpeg-grey": _jpeg("L"),
    "jpeg-rgb": _jpeg("RGB"),
    "jpeg-cmyk-adobe": _jpeg("CMYK"),
    "jpx": _jpx,
    "g4": _ccitt(-1, "group4"),
    "g4-decode": _ccitt_decode10,
    "g3-1d": _ccitt(0, "group3"),
    "g3-2d": _ccitt(1, "group3", {292: 1}),
    "g3-1d-eol": _ccitt(0, "group3", EndOfLine=True),
    "g3-1d-byte-aligned": _ccitt(0, "tiff_ccitt", EncodedByteAlign=True),
    "g3-1d-eol-aligned": _ccitt(0, "group3", {292: 4}, EndOfLine=True, EncodedByteAlign=True),
    "g3-2d-eol-aligned": _ccitt(1, "group3", {292: 5}, EndOfLine=True, EncodedByteAlign=True),
    "flate-1bit": _flate1(),
    "flate-1bit-decode": _flate1(invert=True),
    "flate-1bit-predictor": _flate1(predictor=True),
    "palette-1bit": _palette(1),
    "palette-4bit": _palette(4),
    "icc-grey-8bit": _icc_grey(8),
    "icc-grey-1bit": _icc_grey(1),
    "runlength-grey": _runlength,
}
INLINE = "inline-1bit"  # the page's image as an inline image (BI … ID … EI)


# Encodings whose samples can be stored inverted and put right by /Decode [1 0] (per
# component): what some scanners and tools write for "white is 1" sensors.
DECODE_INVERTIBLE = ("jpeg-grey", "jpeg-rgb", "g4", "g3-1d", "g3-2d", "flate-1bit", "flate-1bit-predictor",
                     "palette-1bit", "icc-grey-8bit", "icc-grey-1bit", "runlength-grey")


def page_pdf(im: Image.Image, encoding: str, dpi: int, *, text_layer: str = "", inverted: bool = False) -> bytes:
    """A one-page PDF showing ``im`` (at ``dpi``) stored in ``encoding`` (a key of ENCODINGS,
    or INLINE). ``text_layer`` adds invisible OCR text (render mode 3) over it. ``inverted``
    (encodings in DECODE_INVERTIBLE) stores the samples inverted, with /Decode [1 0 …]."""
    pdf = pikepdf.new()
    w_pt, h_pt = im.width * 72 / dpi, im.height * 72 / dpi
    resources = pikepdf.Dictionary()
    if encoding == INLINE:
        bits = _bilevel(im)
        data = bits.tobytes()
        content = (f"q {w_pt:.3f} 0 0 {h_pt:.3f} 0 0 cm\nBI /W {bits.width} /H {bits.height} /BPC 1 /CS /G "
                   f"/F /Fl ID\n").encode() + zlib.compress(data, 6) + b"\nEI\nQ\n"
    else:
        if inverted:
            if encoding not in DECODE_INVERTIBLE:
                raise ValueError(f"{encoding} has no inverted variant")
            from PIL import ImageOps

            entries, data = ENCODINGS[encoding](ImageOps.invert(im.convert("RGB" if im.mode == "RGB" else "L")))
            entries["/Decode"] = pikepdf.Array([1, 0] * (3 if encoding == "jpeg-rgb" else 1))
        else:
            entries, data = ENCODINGS[encoding](im)
        if entries.get("/ColorSpace") == "icc-grey":
            entries["/ColorSpace"] = pikepdf.Array([pikepdf.Name.ICCBased, pdf.make_stream(_grey_icc(), N=1)])
        image = pdf.make_stream(data)
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height = im.width, im.height
        for key, value in entries.items():
            image[key] = value
        resources.XObject = pikepdf.Dictionary(Im0=image)
        content = f"q {w_pt:.3f} 0 0 {h_pt:.3f} 0 0 cm /Im0 Do Q\n".encode()
    if text_layer:
        resources.Font = pikepdf.Dictionary(F1=pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)))
        content += f"BT 3 Tr /F1 10 Tf 72 {h_pt - 100:.1f} Td ({text_layer}) Tj ET\n".encode()
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, w_pt, h_pt], Resources=resources,
                              Contents=pdf.make_stream(content))
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _grey_icc() -> bytes:
    """A small grey ICC profile (header, white point, one gamma-2.2 curve): readers need only /N."""
    import struct

    tags = [(b"wtpt", b"XYZ \x00\x00\x00\x00" + struct.pack(">iii", 63190, 65536, 54061)),
            (b"kTRC", b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, 563) + b"\x00\x00")]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data + b"\x00" * (-len(data) % 4)
    header = struct.pack(">I4sI4s4s4s", offset + len(body), b"lcms", 0x02100000, b"mntr", b"GRAY", b"XYZ ")
    header = (header + b"\x00" * 12 + b"acsp").ljust(68, b"\x00") + struct.pack(">iii", 63190, 65536, 54061)
    return header.ljust(128, b"\x00") + struct.pack(">I", len(tags)) + table + body


# --- a mixed stack of scans, for the blank-page benchmark and its test -----------------------

def _kinds() -> dict[str, Callable[[int], object]]:
    from .synth import PageSpec, text_page

    return {
        "blank": lambda i: PageSpec(noise=0.002),
        "specks": lambda i: PageSpec(noise=0.005 + 0.001 * (i % 6)),
        "punch holes": lambda i: PageSpec(noise=0.002, punch_holes=True, rotate=(i % 5) - 2),
        "show-through": lambda i: PageSpec(noise=0.003, show_through=True, rotate=((i % 3) - 1) * 1.5),
        "all defects": lambda i: PageSpec(noise=0.008, punch_holes=True, show_through=True, rotate=(i % 5) - 2),
        "handwritten line": lambda i: PageSpec(handwriting=True, noise=0.003, rotate=(i % 3) - 1),
        "stamp": lambda i: PageSpec(stamp=True, noise=0.003, punch_holes=i % 2 == 0),
        "printed page": lambda i: text_page(f"第{i}页", n_lines=4 + i % 14, seed=i),
    }


MIX_ENCODINGS = ("jpeg-grey", "g4", "jpeg-grey", "g4", "flate-1bit-decode", "jpeg-rgb", "g3-2d", "palette-1bit",
                 "g4-decode", "jpx")  # weighted as offices scan: mostly grey JPEG and G4


def mixed_scans(count: int, *, seed: int = 0, dpis: tuple[int, ...] = (300, 200)) -> list[tuple[str, str, int, bool, bytes]]:
    """``count`` one-page scans: (kind, encoding, dpi, blank?, PDF bytes), kinds and
    encodings interleaved so any prefix is a mix."""
    from .synth import render_page

    kinds = _kinds()
    out = []
    names = list(kinds)
    for i in range(count):
        kind = names[i % len(names)]
        encoding = MIX_ENCODINGS[(i // len(names)) % len(MIX_ENCODINGS)]
        dpi = dpis[(i // (len(names) * len(MIX_ENCODINGS))) % len(dpis)]
        spec = kinds[kind](i)
        image = render_page(spec, dpi=dpi, seed=seed * 100_000 + i, color=encoding == "jpeg-rgb")  # type: ignore[arg-type]
        out.append((kind, encoding, dpi, spec.blank, page_pdf(image, encoding, dpi)))  # type: ignore[attr-defined]
    return out
