"""Cover sheets for batch scanning: what the QR code holds, and the printed A4 sheet.

A clerk puts one printed cover sheet on top of each paper document and scans the whole
stack as one PDF; filing splits the batch at each sheet and files every document as if
it had arrived with a metadata file (Art. 6: the sheet carries what step 2 needs).

The QR code holds the metadata fields of a sidecar (``filing.metadata.SIDECAR_FIELDS``)
as compact JSON after a version marker::

    ARCV1|{"customer":"C0001","type":"credit-report","date":"2026-10-15","title":"…"}

Field names are the sidecar's own, so a phone scanning the code shows readable text.
Each sheet also carries two small *marker* codes (``ARCV1|#``): when the large code is
damaged, the markers still say "this page is a cover sheet", so the document behind it
is set aside instead of being glued to the previous one.

Decoded fields are checked by :func:`archiver.filing.metadata.check` — the very checks a
sidecar gets; nothing is validated twice in two ways.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import segno

from ..config import Config
from ..errors import ArchiverError, NotFoundError, Rejection
from ..filing.metadata import SIDECAR_FIELDS, Found, from_sidecar
from ..forms.fonts import load_fonts
from ..model import Metadata, metadata_to_dict

VERSION = "ARCV1"
MARKER = VERSION + "|"  # every payload of ours starts with this
SHEET_MARK = MARKER + "#"  # the small codes that only say "this is a cover sheet"
SOURCE = "coversheet"  # metadata_source of records filed from a batch
ANY_VERSION = re.compile(r"^ARCV(\d{1,3})\|")  # a sheet of any version, ours or a later one

# The printed QR code: a square of QR_BOX_MM (quiet zone included). Modules smaller
# than MIN_MODULE_MM would not survive a 150 dpi bilevel scan (a 1 mm module is 6 px
# at 150 dpi, 4 px at the 100 dpi the splitter reads at).
QR_BOX_MM = 110.0
MIN_MODULE_MM = 1.0
QUIET_MODULES = 4
MARK_MODULE_MM = 1.6


# The payload ---------------------------------------------------------------------------
def sheet_fields(meta: Metadata) -> dict[str, Any]:
    """The fields a cover sheet carries for ``meta``: every sidecar field that is set,
    without the defaults (ordinary, duplex), dates as YYYY-MM-DD."""
    out: dict[str, Any] = {}
    for key, value in metadata_to_dict(meta).items():
        if key not in SIDECAR_FIELDS or (key, value) in (("classification", "ordinary"), ("sides", "duplex")):
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif key == "period":
            value = [d.isoformat() for d in value]
        out[key] = value
    return out


def encode_payload(fields: Mapping[str, Any]) -> str:
    """``ARCV1|`` + compact JSON of the sidecar fields."""
    unknown = sorted(set(fields) - SIDECAR_FIELDS)
    if unknown:
        raise ValueError(f"not sidecar fields: {', '.join(unknown)}")
    return MARKER + json.dumps(dict(fields), ensure_ascii=False, separators=(",", ":"))


def is_ours(text: str) -> bool:
    """Whether a decoded QR text was made by this program, in any version (a QR code
    printed on a document is not)."""
    return ANY_VERSION.match(text) is not None


def is_mark(text: str) -> bool:
    """Whether a decoded QR text is a marker code ("this page is a cover sheet")."""
    m = ANY_VERSION.match(text)
    return m is not None and text[m.end():] == "#"


def decode_payload(text: str) -> dict[str, Any]:
    """The raw sidecar fields in a cover sheet's QR text (or a Rejection saying why not)."""
    m = ANY_VERSION.match(text)
    if m is None or is_mark(text):
        raise Rejection("unreadable-coversheet", "The cover sheet's QR code holds no metadata.",
                        _REPRINT_FIX)
    if m.group(0) != MARKER:
        raise Rejection("bad-coversheet", f"The cover sheet was printed by a newer archiver (format {m.group(0)[:-1]}); "
                        f"this one reads {VERSION}.", "Update archiver, or print the sheet again with this version.")
    try:
        raw = json.loads(text[len(MARKER):])
    except json.JSONDecodeError:
        raw = None
    if not isinstance(raw, dict):
        raise Rejection("bad-coversheet", "The cover sheet's QR code does not hold metadata fields.", _REPRINT_FIX)
    unknown = sorted(set(raw) - SIDECAR_FIELDS)
    if unknown:
        raise Rejection("bad-coversheet", f"The cover sheet's QR code has unknown field(s): {', '.join(unknown)}.",
                        _REPRINT_FIX)
    return raw


_REPRINT_FIX = ("Print a new cover sheet with `archiver coversheet`, or put a metadata file NAME.toml "
                "next to this PDF, and drop it into the inbox again.")


def check_fields(raw: Mapping[str, Any], config: Config, customers: Collection[str], today: dt.date) -> Found:
    """Check a cover sheet's fields exactly as a sidecar's are checked (Art. 6 step 1)."""
    return Found(from_sidecar(raw, config, customers, today).meta, SOURCE)


def read_list(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV list for ``archiver coversheet --from``: one sheet a row.

    Columns are sidecar field names; UTF-8 with or without BOM; empty cells are left
    out; ``pages``/``copies`` are whole numbers; ``period`` is ``START/END``.
    """
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise ArchiverError(f"{path} is not UTF-8 text.",
                            hint="Save the list as 'CSV UTF-8' (Excel: Save As → CSV UTF-8) and run again.") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    unknown = [c for c in columns if c not in SIDECAR_FIELDS]
    if unknown or not columns:
        raise ArchiverError(
            f"{path}: unknown column(s) {', '.join(unknown) or '(none: the file is empty)'}.",
            hint=f"The first line names the columns, among: {', '.join(sorted(SIDECAR_FIELDS))}.")
    rows = []
    for number, row in enumerate(reader, 2):
        raw: dict[str, Any] = {}
        for key, value in row.items():
            if key is None or value is None or not value.strip():
                continue
            key, value = key.strip(), value.strip()
            if key in ("pages", "copies"):
                if not value.isdigit():
                    raise ArchiverError(f"{path}, line {number}: '{key}' is {value!r}, not a whole number.",
                                        hint="Correct the list and run again.")
                raw[key] = int(value)
            elif key == "period":
                raw[key] = [v.strip() for v in value.split("/")]
            else:
                raw[key] = value
        if raw:
            rows.append({"line": number, **raw})
    if not rows:
        raise ArchiverError(f"{path} lists no cover sheets.", hint="Put one document a line below the column names.")
    return rows


def check_for_printing(raw: Mapping[str, Any], config: Config, customers: Collection[str], today: dt.date,
                       where: str = "") -> Metadata:
    """Check fields before a sheet is printed: a sheet that would be rejected at filing
    is refused now, with what to do."""
    try:
        return check_fields(raw, config, customers, today).meta
    except Rejection as exc:
        prefix = f"{where}: " if where else ""
        if exc.code == "unknown-customer":
            code = raw.get("customer")
            raise NotFoundError(f"{prefix}Unknown customer {code}: no cover sheet was made.",
                                hint=f"Add it with `archiver customer add {code} --name NAME`, then run again.") from None
        raise ArchiverError(f"{prefix}{exc.reason} No cover sheet was made.",
                            hint="Correct the value and run the command again.") from None


# The QR codes --------------------------------------------------------------------------
def make_qr(meta: Metadata) -> segno.QRCode:
    """The large QR code of a sheet: error correction H (30 % of it may be damaged),
    Q if the metadata is too long for H at a module of at least MIN_MODULE_MM."""
    payload = encode_payload(sheet_fields(meta))
    for level in ("h", "q"):
        try:
            qr = segno.make_qr(payload, error=level, encoding="utf-8", eci=True, boost_error=False)
        except segno.DataOverflowError:
            break
        if module_mm(qr) >= MIN_MODULE_MM:
            return qr
    raise ArchiverError(
        f"The metadata of '{meta.title}' is too long for a cover sheet's QR code "
        f"({len(payload.encode('utf-8'))} bytes).",
        hint="Shorten the title or the notes (the notes can go on the remarks sheet later).")


def module_mm(qr: segno.QRCode) -> float:
    width, _ = qr.symbol_size(scale=1, border=0)
    return QR_BOX_MM / (width + 2 * QUIET_MODULES)


def mark_qr() -> segno.QRCode:
    return segno.make_qr(SHEET_MARK, error="h", version=1, boost_error=False)


def dark_runs(qr: segno.QRCode) -> Iterable[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules."""
    for y, row in enumerate(qr.matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


# The printed sheet ---------------------------------------------------------------------
LABELS = {  # printed field labels, in print order
    "customer": "客户编号", "customer_name": "客户名称", "type": "文件类型", "date": "日　　期",
    "title": "题　　名", "doc_no": "文　　号", "responsible": "责 任 者", "classification": "密　　级",
    "retention": "保管期限", "pages": "页　　数", "copies": "份　　数", "group": "关联组",
    "role": "组内角色", "kind": "类　　别", "period": "所涉期间", "notes": "备　　注",
}  # fmt: skip
SHEET_TEXT = "档案批量扫描封面页 archiver cover sheet · 本页不归档"
INSTRUCTION = (
    "请将本页放在该文件首页之前，整叠文件一并扫描（单面、双面均可）。"
    "双面扫描时本页背面须保持空白。本页不归档，扫描完成后可回收。"
    "二维码请勿折叠、涂写或遮挡。"
)


def render_sheets(items: list[tuple[Metadata, Mapping[str, str]]]) -> bytes:
    """One A4 cover sheet per item, in one PDF. Each item is the checked metadata and
    the printed names: ``customer_name``, ``type_name``, and the labels of
    ``classification`` and ``retention``."""
    import logging

    from fpdf import FPDF

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # font subsetting chatter
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_creator("archiver")
    text = "".join(value for meta, names in items for _, value, _ in _printed_rows(meta, names))
    load_fonts().attach(pdf, text + SHEET_TEXT + INSTRUCTION)  # the forms' Song face, fallbacks as needed
    for meta, names in items:
        _sheet(pdf, meta, names)
    return bytes(pdf.output())


def _sheet(pdf: Any, meta: Metadata, names: Mapping[str, str]) -> None:
    from fpdf.enums import TextMode

    pdf.add_page()
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("form", "", 24)
    pdf.set_xy(15, 16)
    with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.35):  # heavier, one font
        pdf.cell(180, 12, "档案批量扫描封面页", align="C")
    pdf.set_font("form", "", 10)
    pdf.set_xy(15, 28)
    pdf.cell(180, 6, f"archiver cover sheet · {VERSION} · 本页不归档", align="C")
    mark = mark_qr()
    _draw_qr(pdf, mark, 12, 12, MARK_MODULE_MM)
    _draw_qr(pdf, mark, 210 - 12 - MARK_MODULE_MM * 21, 297 - 12 - MARK_MODULE_MM * 21, MARK_MODULE_MM)
    qr = make_qr(meta)
    module = module_mm(qr)
    left = (210 - QR_BOX_MM) / 2 + QUIET_MODULES * module
    _draw_qr(pdf, qr, left, 40 + QUIET_MODULES * module, module)

    rows = _printed_rows(meta, names)
    y = 40 + QR_BOX_MM + 6
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    for label, value, size in rows:
        pdf.set_font("form", "", size)
        pdf.set_xy(25, y)
        with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.2):
            pdf.cell(30, 9, label)
        pdf.set_font("form", "", size)
        pdf.set_xy(57, y)
        height = 9 if pdf.get_string_width(value) <= 128 else 7
        pdf.multi_cell(128, height, value, align="L")
        y = max(y + 9, pdf.get_y())
        pdf.line(25, y, 185, y)
        y += 1.5
        if y > 255:
            break
    pdf.set_font("form", "", 11)
    pdf.set_xy(25, max(y + 4, 255))
    pdf.multi_cell(130, 6, INSTRUCTION)  # clear of the marker code at the bottom right


def _printed_rows(meta: Metadata, names: Mapping[str, str]) -> list[tuple[str, str, float]]:
    date = f"{meta.date.year}年{meta.date.month}月{meta.date.day}日"
    rows: list[tuple[str, str, float]] = [
        (LABELS["customer_name"], names.get("customer_name", ""), 15),
        (LABELS["customer"], meta.customer, 13),
        (LABELS["type"], f"{names.get('type_name', '')}（{meta.type}）", 15),
        (LABELS["date"], date, 15),
        (LABELS["title"], meta.title, 15),
    ]
    fields = sheet_fields(meta)
    for key in ("doc_no", "responsible", "classification", "retention", "pages", "copies", "group", "role",
                "kind", "period", "notes"):
        if key not in fields:
            continue
        value = fields[key]
        if key in ("classification", "retention"):
            value = names.get(key, value)
        elif key == "period":
            value = " 至 ".join(value)
        rows.append((LABELS[key], str(value), 12))
    return rows


def _draw_qr(pdf: Any, qr: segno.QRCode, x0: float, y0: float, module: float) -> None:
    """The QR as filled vector rectangles (one per run of dark modules): sharp at any
    printer resolution."""
    pdf.set_fill_color(0, 0, 0)
    for row, col, length in dark_runs(qr):
        # a hair of overlap so no white seam shows between rows on any renderer
        pdf.rect(x0 + col * module, y0 + row * module, length * module, module + 0.02, style="F")


def printed_names(config: Config, customer_name: str, meta: Metadata) -> dict[str, str]:
    """The Chinese names a sheet prints beside the codes."""
    names = {"customer_name": customer_name, "type_name": config.document_types[meta.type].name,
             "classification": config.classifications.get(meta.classification, meta.classification)}
    if meta.retention:
        names["retention"] = config.retention[meta.retention].name
    return names
