"""PDF/A-2b for volume PDFs: what a volume needs to conform, and the check.

Every volume is declared PDF/A-2b (ISO 19005-2, level B: the pages look the same on any
conforming viewer, for ever). :func:`make_pdfa` adds, to a volume whose pages are already
in place:

* an sRGB output intent (the ICC profile pikepdf ships for PDF/A; Pillow's littleCMS
  sRGB if pikepdf's data file is missing) — so DeviceRGB and DeviceGray scans are
  allowed as they are;
* a default CMYK colour space (``/DefaultCMYK``, an ICC-based CMYK space, PDF/A-2
  6.2.4.3) on every page and form XObject that draws in DeviceCMYK: CMYK scans keep their
  bytes and render as a viewer without colour management renders them (the profile,
  :func:`cmyk_profile`, is made here and describes exactly that naive conversion);
* XMP metadata: 案卷题名 as ``dc:title``, 档号 as ``dc:identifier``, the build time as
  ``xmp:CreateDate``/``ModifyDate``/``MetadataDate``, archiver as ``xmp:CreatorTool``,
  ``pdfaid:part`` 2 and ``conformance`` B — and the document information dictionary
  set to the same values (the two must agree);

and :func:`convert_forbidden_filters` replaces the one stream encoding PDF/A forbids, LZW,
by Flate — lossless, the decoded bytes are the same — and says which streams it changed
(recorded in the volume manifest).

:func:`check` validates a saved file with pikepdf's own PDF/A validator
(``pikepdf.pdfa.validate_written``, an allowlist validator: a construct it does not
know is reported, so ``not_checked`` counts as a failure here). ``archiver build`` records
the result in the manifest (``[pdfa]``); ``archiver audit`` can call :func:`check` again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from .. import __version__

log = logging.getLogger(__name__)

FLAVOUR = "2b"
PART, CONFORMANCE = "2", "B"
SRGB_ID = "sRGB IEC61966-2.1"
MAX_FINDINGS = 20  # findings kept in a result (and the manifest)


# --- colour -----------------------------------------------------------------------------


@functools.cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (v2): pikepdf's PDF/A data file, else Pillow's built-in sRGB."""
    try:  # (found beside pikepdf, not imported: pikepdf.pdfa loads the whole validator)
        return (Path(pikepdf.__file__).parent / "pdfa" / "data" / "sRGB.icc").read_bytes()
    except OSError:  # pikepdf without its [pdfa] data
        from PIL import ImageCms

        return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _tag_text(text: str) -> bytes:
    return b"text\0\0\0\0" + text.encode("ascii") + b"\0"


def _tag_desc(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    return (b"desc\0\0\0\0" + struct.pack(">I", len(ascii_)) + ascii_
            + b"\0" * 8  # no Unicode description
            + b"\0\0\0" + b"\0" * 67)  # no ScriptCode description


def _tag_xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(x) + _s15(y) + _s15(z)


_D50 = (0.9642, 1.0, 0.8249)


def _lab16(c: float, m: float, y: float, k: float) -> bytes:
    """CMYK (0–1) → the naive RGB a viewer without colour management shows → sRGB →
    XYZ (D50, Bradford-adapted matrix) → CIE Lab, as 16-bit v2 (lut16) Lab."""
    rgb = [(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)]
    lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
    x = 0.4360747 * lin[0] + 0.3850649 * lin[1] + 0.1430804 * lin[2]
    yy = 0.2225045 * lin[0] + 0.7168786 * lin[1] + 0.0606169 * lin[2]
    z = 0.0139322 * lin[0] + 0.0971045 * lin[1] + 0.7141733 * lin[2]

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x / _D50[0]), f(yy / _D50[1]), f(z / _D50[2])
    lab_l, lab_a, lab_b = 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)
    enc = (lab_l / 100 * 65280, (lab_a + 128) * 256, (lab_b + 128) * 256)  # lut16 (v2) Lab encoding
    return struct.pack(">3H", *(min(65535, max(0, round(v))) for v in enc))


def _lut16(inputs: int, outputs: int, grid: int, table: bytes) -> bytes:
    identity = struct.pack(">2H", 0, 65535)  # 2-entry linear curves
    head = b"mft2\0\0\0\0" + bytes([inputs, outputs, grid, 0])
    matrix = b"".join(_s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    counts = struct.pack(">2H", 2, 2)
    return head + matrix + counts + identity * inputs + table + identity * outputs


@functools.cache
def cmyk_profile() -> bytes:
    """A CMYK output-class ICC profile (v2.1, Lab PCS) describing the naive conversion
    ``R = (1−C)(1−K)`` … that viewers without colour management use, so a CMYK scan
    looks the same whether or not the viewer applies the profile.

    Made here because no CMYK profile ships with a Python package the project uses nor
    with Debian's free profile packages. A2B0 is a 9⁴ lookup table; B2A0 (Lab → CMYK,
    required of an output profile) maps to K-only grey: a volume never converts to
    CMYK, it only needs the profile to *read* CMYK.
    """
    grid = 9
    steps = [i / (grid - 1) for i in range(grid)]
    a2b = b"".join(_lab16(c, m, y, k) for c in steps for m in steps for y in steps for k in steps)
    rgrid = 2
    b2a = b"".join(struct.pack(">4H", 0, 0, 0, round((1 - li) * 65535))
                   for li in (0.0, 1.0) for _a in range(rgrid) for _b in range(rgrid))
    tags = [
        (b"desc", _tag_desc("archiver naive CMYK")),
        (b"cprt", _tag_text("No copyright, use freely")),
        (b"wtpt", _tag_xyz(*_D50)),
        (b"A2B0", _lut16(4, 3, grid, a2b)),
        (b"B2A0", _lut16(3, 4, rgrid, b2a)),
        (b"gamt", _lut16(3, 1, 2, b"\0\0" * 8)),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        while (offset + len(body)) % 4:
            body += b"\0"
        table += sig + struct.pack(">2I", offset + len(body), len(data))
        body += data
    while len(body) % 4:
        body += b"\0"
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"\0\0\0\0" + bytes([2, 0x10, 0, 0]) + b"prtrCMYKLab "
              + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 4 + b"\0" * 4 + b"\0" * 4
              + b"\0" * 4 + b"\0" * 8 + struct.pack(">I", 0) + _s15(_D50[0]) + _s15(_D50[1]) + _s15(_D50[2])
              + b"\0" * 4 + b"\0" * 16 + b"\0" * 28)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def add_output_intent(pdf: pikepdf.Pdf) -> None:
    """The sRGB PDF/A output intent (replacing any other)."""
    profile = pdf.make_stream(zlib.compress(srgb_profile()), Filter=Name.FlateDecode, N=3)
    intent = Dictionary(Type=Name.OutputIntent, S=Name.GTS_PDFA1, OutputConditionIdentifier=String(SRGB_ID),
                        Info=String(SRGB_ID), RegistryName=String("http://www.color.org"),
                        DestOutputProfile=profile)
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])


def default_cmyk(pdf: pikepdf.Pdf) -> pikepdf.Object:
    profile = pdf.make_stream(zlib.compress(cmyk_profile()), Filter=Name.FlateDecode, N=4,
                              Alternate=Name.DeviceCMYK)
    return pdf.make_indirect(Array([Name.ICCBased, profile]))


_CMYK_MARKERS = (b"/DeviceCMYK", b" k", b" K", b"\nk", b"\nK", b"/CMYK")


def _uses_cmyk(obj: pikepdf.Object, seen: set[tuple[int, int]]) -> bool:
    """Whether a resource dictionary's colour spaces or images name DeviceCMYK."""
    if not isinstance(obj, pikepdf.Object):
        return False
    if obj.is_indirect:
        if obj.objgen in seen:
            return False
        seen.add(obj.objgen)
    if isinstance(obj, pikepdf.Name):
        return obj == Name.DeviceCMYK
    if isinstance(obj, pikepdf.Array):
        return any(_uses_cmyk(v, seen) for v in obj)
    if isinstance(obj, pikepdf.Stream):
        d = obj.stream_dict
        if d.get("/Subtype") == Name.Image:
            return _uses_cmyk(d.get("/ColorSpace", Name.DeviceGray), seen)
        if d.get("/Subtype") == Name.Form:
            return _form_uses_cmyk(obj, seen)
        return "/ColorSpace" in d and _uses_cmyk(d.ColorSpace, seen)  # a shading stream
    if isinstance(obj, pikepdf.Dictionary):
        for key in ("/ColorSpace", "/XObject", "/Pattern", "/Shading"):  # name → resource
            sub = obj.get(key)
            if isinstance(sub, pikepdf.Dictionary) and any(_uses_cmyk(v, seen) for v in sub.values()):
                return True
        if "/ColorSpace" in obj and not isinstance(obj.get("/ColorSpace"), pikepdf.Dictionary):
            return _uses_cmyk(obj.ColorSpace, seen)  # a shading's or pattern's own space
        return False
    return False


def _form_uses_cmyk(form: pikepdf.Stream, seen: set[tuple[int, int]]) -> bool:
    res = form.stream_dict.get("/Resources")
    if isinstance(res, pikepdf.Dictionary) and _uses_cmyk(res, seen):
        return True
    try:
        data = form.read_bytes()
    except pikepdf.PdfError:
        return False
    return any(m in data for m in _CMYK_MARKERS)


def _content_uses_cmyk(page: pikepdf.Page) -> bool:
    contents = page.obj.get("/Contents")
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
    for s in streams:
        try:
            data = s.read_bytes()
        except pikepdf.PdfError:
            continue
        if any(m in data for m in _CMYK_MARKERS):
            return True
    return False


def set_default_cmyk(pdf: pikepdf.Pdf, pages: list[pikepdf.Page] | None = None) -> int:
    """Give every page that draws in DeviceCMYK (images, inline images, ``k``/``K``
    operators, nested forms) a ``/DefaultCMYK``; returns how many pages got one.

    Only the dictionaries are touched: the images' bytes stay as they are. A page's
    content is only read when its resources name nothing CMYK (a scan page has one image
    and a short content stream)."""
    space = None
    n = 0
    for page in pages if pages is not None else pdf.pages:
        res = page.obj.get("/Resources")
        if not isinstance(res, pikepdf.Dictionary):
            continue
        if not (_uses_cmyk(res, set()) or _content_uses_cmyk(page)):
            continue
        if space is None:
            space = default_cmyk(pdf)
        for resources_dict in _resource_dicts(res, set()):
            cs = resources_dict.get("/ColorSpace")
            if not isinstance(cs, pikepdf.Dictionary):
                resources_dict.ColorSpace = cs = Dictionary()
            if "/DefaultCMYK" not in cs:
                cs.DefaultCMYK = space
        n += 1
    return n


def _resource_dicts(res: pikepdf.Dictionary, seen: set[tuple[int, int]]) -> Iterator[pikepdf.Dictionary]:
    """``res`` and the resource dictionaries of the form XObjects it uses (and theirs)."""
    yield res
    xobjects = res.get("/XObject")
    if not isinstance(xobjects, pikepdf.Dictionary):
        return
    for xobj in xobjects.values():
        if not isinstance(xobj, pikepdf.Stream) or xobj.stream_dict.get("/Subtype") != Name.Form:
            continue
        if xobj.objgen in seen:
            continue
        seen.add(xobj.objgen)
        inner = xobj.stream_dict.get("/Resources")
        if not isinstance(inner, pikepdf.Dictionary):
            xobj.stream_dict.Resources = inner = Dictionary()
        yield from _resource_dicts(inner, seen)


# --- forbidden filters ------------------------------------------------------------------

_GENERAL = {"/FlateDecode", "/LZWDecode", "/ASCII85Decode", "/ASCIIHexDecode", "/RunLengthDecode",
            "/Fl", "/LZW", "/A85", "/AHx", "/RL"}


def _filters(stream: pikepdf.Stream) -> list[str]:
    f = stream.stream_dict.get("/Filter")
    if isinstance(f, pikepdf.Name):
        return [str(f)]
    if isinstance(f, pikepdf.Array):
        return [str(x) for x in f]
    return []


def convert_forbidden_filters(streams: Iterator[tuple[pikepdf.Stream, str]]) -> list[dict[str, str]]:
    """Re-encode the LZW streams among ``streams`` (stream, where) as Flate, losslessly.

    Returns what was changed (``where``, the filters before and after). A stream whose
    LZW sits in a chain with an image codec (DCT, JPX, CCITT, JBIG2) is left alone and
    reported with ``to = ""``: it cannot be converted without decoding the image (the
    validator will name it)."""
    changed = []
    done: set[tuple[int, int]] = set()
    for stream, where in streams:
        if stream.objgen in done:
            continue
        done.add(stream.objgen)
        filters = _filters(stream)
        if not any(f in ("/LZWDecode", "/LZW") for f in filters):
            continue
        before = " ".join(f.lstrip("/") for f in filters)
        if all(f in _GENERAL for f in filters):
            data = stream.read_bytes(pikepdf.StreamDecodeLevel.generalized)
            stream.write(zlib.compress(data, 6), filter=Name.FlateDecode)  # decode parameters dropped
            changed.append({"where": where, "from": before, "to": "FlateDecode"})
        else:
            changed.append({"where": where, "from": before, "to": ""})
    return changed


# --- metadata ---------------------------------------------------------------------------


def _pdf_date(when: dt.datetime) -> str:
    off = when.utcoffset() or dt.timedelta(0)
    sign = "-" if off < dt.timedelta(0) else "+"
    minutes = abs(int(off.total_seconds())) // 60
    return f"D:{when:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


@dataclass(frozen=True)
class VolumeInfo:
    """What the volume's metadata says."""

    title: str  # 案卷题名
    identifier: str  # 档号
    created: dt.datetime  # timezone-aware
    subject: str = ""
    tool: str = f"archiver {__version__}"


def set_metadata(pdf: pikepdf.Pdf, info: VolumeInfo) -> None:
    """XMP metadata and the document information dictionary, in agreement (PDF/A 6.6)."""
    when = info.created if info.created.tzinfo else info.created.astimezone()
    when = when.replace(microsecond=0)
    producer = f"{info.tool} / pikepdf {pikepdf.__version__}"
    pdf.docinfo = pdf.make_indirect(Dictionary(
        Title=String(info.title), Creator=String(info.tool), Producer=String(producer),
        CreationDate=String(_pdf_date(when)), ModDate=String(_pdf_date(when)),
    ))  # fmt: skip
    if "/Metadata" in pdf.Root:
        del pdf.Root.Metadata
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:title"] = info.title
        meta["dc:identifier"] = info.identifier
        if info.subject:
            meta["dc:description"] = info.subject
        meta["xmp:CreatorTool"] = info.tool
        meta["pdf:Producer"] = producer
        stamp = when.isoformat()
        meta["xmp:CreateDate"] = stamp
        meta["xmp:ModifyDate"] = stamp
        meta["xmp:MetadataDate"] = stamp
        meta["pdfaid:part"] = PART
        meta["pdfaid:conformance"] = CONFORMANCE
    if info.subject:
        pdf.docinfo.Subject = String(info.subject)


# Page entries of on-screen presentations (slide shows): nothing a bound volume needs, and
# not in what PDF/A's validator checks.
PRESENTATION_KEYS = ("/Trans", "/Dur", "/PresSteps", "/Thumb")
_DEVICE = (Name.DeviceGray, Name.DeviceRGB, Name.DeviceCMYK)


def simplify_colour_spaces(pages: list[pikepdf.Page]) -> None:
    """``[/DeviceGray]`` (a one-element array some encoders write) → ``/DeviceGray``: the
    same colour space, in the form PDF/A's validator checks. Images' dictionaries only."""
    seen: set[tuple[int, int]] = set()
    for page in pages:
        res = page.obj.get("/Resources")
        if not isinstance(res, Dictionary):
            continue
        for r in _resource_dicts(res, set()):
            xobjects = r.get("/XObject")
            for x in xobjects.values() if isinstance(xobjects, Dictionary) else ():
                if not isinstance(x, pikepdf.Stream) or x.objgen in seen:
                    continue
                seen.add(x.objgen)
                cs = x.stream_dict.get("/ColorSpace")
                if isinstance(cs, Array) and len(cs) == 1 and cs[0] in _DEVICE:
                    x.stream_dict.ColorSpace = cs[0]
            spaces = r.get("/ColorSpace")
            if not isinstance(spaces, Dictionary):
                continue
            for key, cs in list(spaces.items()):
                if isinstance(cs, Array) and len(cs) == 1 and cs[0] in _DEVICE:
                    spaces[key] = cs[0]


def make_pdfa(pdf: pikepdf.Pdf, info: VolumeInfo) -> None:
    """Output intent, default CMYK space where needed, annotations printable, metadata
    (see the module doc)."""
    add_output_intent(pdf)
    set_default_cmyk(pdf)
    simplify_colour_spaces(list(pdf.pages))
    for page in pdf.pages:
        for key in PRESENTATION_KEYS:
            if key in page.obj:
                del page.obj[key]
    printable_annotations(pdf)
    set_metadata(pdf, info)


# Annotation flags (ISO 32000-1, 12.5.3) and what PDF/A-2 6.3.2 asks of them.
_INVISIBLE, _HIDDEN, _PRINT, _NOVIEW, _TOGGLE_NOVIEW = 1, 2, 4, 32, 256


def printable_annotations(pdf: pikepdf.Pdf) -> int:
    """Every annotation printed (the Print flag set); those never shown (Hidden,
    Invisible, NoView — nothing of them is on the paper either) removed. Popups are left
    as they are (PDF/A exempts them). Returns how many annotations were changed."""
    changed = 0
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, Array):
            continue
        keep = []
        for annot in annots:
            if not isinstance(annot, Dictionary) or annot.get("/Subtype") == Name.Popup:
                keep.append(annot)
                continue
            try:
                flags = int(annot.get("/F", 0))
            except (TypeError, ValueError):
                flags = 0
            if flags & (_INVISIBLE | _HIDDEN | _NOVIEW):
                changed += 1
                continue
            new = (flags | _PRINT) & ~_TOGGLE_NOVIEW
            if new != flags or "/F" not in annot:
                annot.F = new
                changed += 1
            keep.append(annot)
        if len(keep) != len(annots):
            if keep:
                page.obj.Annots = Array(keep)
            else:
                del page.obj["/Annots"]
    return changed


# --- the check --------------------------------------------------------------------------


def validator_name() -> str:
    return f"pikepdf {pikepdf.__version__}"


@dataclass(frozen=True)
class PdfaResult:
    """The validator's verdict on one file."""

    valid: bool
    verdict: str  # pass / fail / not_checked / unavailable / error
    validator: str
    checked: dt.datetime
    flavour: str = FLAVOUR
    findings: tuple[str, ...] = field(default=())

    def to_manifest(self) -> dict[str, Any]:
        out: dict[str, Any] = {"valid": self.valid, "flavour": f"PDF/A-{self.flavour}", "verdict": self.verdict,
                               "validator": self.validator, "checked": self.checked}
        if self.findings:
            out["findings"] = list(self.findings)
        return out

    @classmethod
    def from_manifest(cls, data: dict[str, Any]) -> PdfaResult:
        return cls(valid=bool(data.get("valid")), verdict=str(data.get("verdict", "")),
                   validator=str(data.get("validator", "")), checked=data.get("checked"),  # type: ignore[arg-type]
                   flavour=str(data.get("flavour", "PDF/A-" + FLAVOUR)).removeprefix("PDF/A-"),
                   findings=tuple(data.get("findings", ())))

    def summary(self) -> str:
        if self.valid:
            return f"PDF/A-{self.flavour}: valid ({self.validator})"
        first = f": {self.findings[0]}" if self.findings else ""
        more = f" (+{len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
        return f"NOT PDF/A-{self.flavour} ({self.verdict}, {self.validator}){first}{more}"


_REF = re.compile(r"^[0-9]+ [0-9]+ R$")


def _shape(value: Any, key: str = "") -> Any:
    """A shallow JSON object (the validator's view of one PDF object) with what its role
    schemas cannot tell apart made the same: every reference ``"N G R"`` (the schemas
    check references against the pattern ``^[0-9]+ [0-9]+ R$`` only) and a stream's
    ``/Length`` (checked as an integer only)."""
    if isinstance(value, str):
        return "1 0 R" if _REF.match(value) else value
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: 0 if k == "/Length" and type(v) is int and v >= 0 else _shape(v, k) for k, v in value.items()}
    return value


@contextlib.contextmanager
def _schema_checks_once(flavour: str) -> Iterator[None]:
    """While validating: an object whose shape (:func:`_shape`) passed its role's schema
    already passes without the schema being evaluated again — a volume's 500 pages and
    images have a handful of shapes, and evaluating jsonschema is most of the
    validator's time. Exact: the schema check is a function of the role and the shape
    alone; an object that fails is always checked in full (its findings reported as
    the validator reports them); every other check of the validator (content streams,
    fonts, colour, limits, metadata) runs as it is. Without pikepdf's schema set (another
    pikepdf), the validator runs unchanged."""
    try:
        from pikepdf.pdfa._schemas import SchemaSet

        schemas = SchemaSet.for_flavour(flavour)
        plain = schemas.check
    except (ImportError, AttributeError, TypeError, ValueError):
        yield
        return
    passed: set[tuple[str, str]] = set()

    def check(role: str, shallow: Any, ctx: Any, where: str) -> bool:
        key = (role, json.dumps(_shape(shallow), sort_keys=True))
        if key in passed:
            return True
        ok = bool(plain(role, shallow, ctx, where))
        if ok:
            passed.add(key)
        return ok

    schemas.check = check  # type: ignore[method-assign]
    try:
        yield
    finally:
        del schemas.check


def check(path: Path, *, now: dt.datetime | None = None) -> PdfaResult:
    """Validate the saved file ``path`` as PDF/A-2b with pikepdf's validator.

    Never raises for a bad file: a file that cannot be read, or a validator that is not
    installed, gives a result with ``valid = False`` saying so. ``not_checked`` (the
    validator met something it does not check) is not valid.
    """
    when = (now or dt.datetime.now().astimezone()).replace(microsecond=0)
    try:
        import pikepdf.pdfa as pdfa
    except ImportError as exc:
        return PdfaResult(False, "unavailable", validator_name(), when,
                          findings=(f"pikepdf's PDF/A validator is not installed ({exc}): "
                                    "pip install 'pikepdf[pdfa]'",))
    try:
        with _schema_checks_once(FLAVOUR):
            report = pdfa.validate_written(Path(path), FLAVOUR)
    except Exception as exc:  # the validator promises not to raise; contain it if it does
        return PdfaResult(False, "error", validator_name(), when, findings=(f"{type(exc).__name__}: {exc}",))
    findings = tuple(str(f) for f in report.findings[:MAX_FINDINGS])
    if len(report.findings) > MAX_FINDINGS:
        findings += (f"… and {len(report.findings) - MAX_FINDINGS} more",)
    return PdfaResult(report.passed, str(report.verdict), validator_name(), when, findings=findings)
