"""The printed forms of a volume (Art. 17, 18, 20): cover, volume index, remarks sheet, back cover.

Each form is a standalone A4 PDF (bytes) in the Song-style font (see :mod:`.fonts`),
embedded and subsetted. The assembler places them: cover → index → documents → remarks
sheet → back cover, each starting on a front; the forms never pad themselves.

* **Cover** (案卷封面): fonds name, volume title, customer, start and end dates, retention
  class, number of documents and of numbered pages, the reference code (档号) — in a box at
  the top right and among the fields — and the classification mark where not ordinary.
* **Volume index** (卷内文件目录, Art. 17): a ruled table 序号 文号 责任者 题名 日期 页号 备注,
  one row per document; 页号 is the first page number, the last row gives its range
  ("17–23"), as the convention asks. Long texts wrap inside their cell (never overflow);
  rows never split across pages; the heading and the table header repeat on every page.
* **Remarks sheet** (卷内备考表, Art. 18): 本卷情况说明 with the generated remarks, then the
  filer (立卷人), the checker (检查人) and the date (立卷时间) — always printed, also when there
  is nothing to remark.
* **Back cover** (封底).

Everything a user may want to restyle — sizes, margins, column widths, labels, texts — is
in ``archiver/templates/forms/forms.toml``; an archive may override any part of it
(``volumes.forms_style``).

Speed, and one font per volume: the four forms of a volume are laid out in one fpdf2
document (one font subset). The assembler takes that one PDF (:meth:`FormRenderer.document`:
its bytes and the pages of each form), so the subset is embedded once in the volume. The
four standalone PDFs (``cover()`` …) are split from it with pikepdf for other callers; the
first form asked for renders all four and the other three are served from that (the
sheet is immutable, so this is safe).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import string
import threading
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pikepdf

from ..config import read_toml
from ..errors import ConfigError
from .fonts import OUTPUT_LOCK, FontSet, load_fonts

if TYPE_CHECKING:  # fpdf2 is imported on the first render (start-up time; a cached volume needs none)
    from fpdf import FPDF

STYLE_KEY = "volumes.forms_style"
PARTS = ("cover", "index", "remarks", "back_cover")
PT_MM = 25.4 / 72.0
# Characters that must not start a line (Chinese line-breaking rules, 避头点).
NO_LINE_START = set("，。、；：？！）」』》〉】〕”’,.;:?!)]}%…—–·")
NO_LINE_END = set("（「『《〈【〔“‘([{")  # …and these must not end one (避尾点)


@dataclass(frozen=True)
class IndexRow:
    """One row of 卷内文件目录 (Art. 17)."""

    number: int  # 序号
    doc_no: str  # 文号 ('' → empty cell)
    responsible: str  # 责任者
    title: str  # 题名 (long titles wrap, never overflow)
    date: dt.date  # printed YYYYMMDD
    first_page: int | None  # 页号 = the document's first page number; None if no numbered page
    last_page: int | None
    remark: str = ""  # 备注


@dataclass(frozen=True)
class VolumeSheet:
    """Everything the forms print."""

    fonds_code: str
    fonds_name: str
    reference_code: str  # 档号
    title: str  # volume title, e.g. "上海明远贸易有限公司 2026年 客户档案"
    customer_code: str
    customer_name: str
    year: int
    retention_name: str  # 永久/长期/短期
    volume_number: int
    classification_label: str  # '' for ordinary, else e.g. 绝密 (printed as a mark on the cover)
    start_date: dt.date
    end_date: dt.date
    document_count: int
    page_count: int  # numbered pages
    rows: tuple[IndexRow, ...]
    remarks: tuple[str, ...]  # generated lines of 本卷情况说明 (Art. 18, 19)
    filer: str
    checker: str
    date: dt.date  # 立卷人, 检查人, 立卷时间


# --- style ---------------------------------------------------------------------------


def shipped_style_text() -> str:
    return resources.files("archiver").joinpath("templates/forms/forms.toml").read_text("utf-8")


def load_style(path: str | Path = "") -> dict[str, Any]:
    """The forms' layout: the shipped forms.toml, with ``path`` (if given) merged over it."""
    style = tomllib.loads(shipped_style_text())
    if path:
        file = Path(path).expanduser()
        override = read_toml(file, what=f"The forms style {file} (key {STYLE_KEY})", missing=ConfigError(
            f"The forms style {file} (key {STYLE_KEY}) does not exist.",
            hint=f"Copy archiver/templates/forms/forms.toml there, or set {STYLE_KEY} = \"\".",
        ))
        style = _merge(style, override, file)
    _check_style(style, path or "the shipped forms.toml")
    return style


def _merge(base: dict[str, Any], over: Mapping[str, Any], file: Path, where: str = "") -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        name = f"{where}{key}"
        if key not in base:
            raise ConfigError(
                f"The forms style {file} has an unknown key '{name}'.",
                hint="Compare with archiver/templates/forms/forms.toml (the keys it lists are the only ones used).",
            )
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"The forms style {file}: '{name}' must be a table.", hint="See forms.toml.")
            out[key] = _merge(base[key], value, file, name + ".")
        else:
            if isinstance(base[key], (int, float)) and not isinstance(base[key], bool):
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            else:
                ok = isinstance(value, type(base[key]))
            if not ok:
                raise ConfigError(
                    f"The forms style {file}: '{name}' has the value {value!r}; allowed: "
                    f"a value like {base[key]!r}.",
                    hint="Fix the value and run again.",
                )
            out[key] = value
    return out


def _check_style(style: dict[str, Any], where: object) -> None:
    keys = {"number", "doc_no", "responsible", "title", "date", "pages", "remark"}
    for i, col in enumerate(style["index"]["columns"]):
        if not isinstance(col, dict) or col.get("key") not in keys or not isinstance(col.get("width"), (int, float)):
            raise ConfigError(
                f"Forms style ({where}): index.columns[{i}] must have key (one of {sorted(keys)}), "
                "label and width.",
                hint="See archiver/templates/forms/forms.toml.",
            )
    for i, field in enumerate(style["cover"]["fields"]):
        if not (isinstance(field, list) and len(field) == 3 and isinstance(field[2], int) and field[2] >= 1):
            raise ConfigError(
                f"Forms style ({where}): cover.fields[{i}] must be [label, text, lines ≥ 1].",
                hint="See archiver/templates/forms/forms.toml.",
            )


def _fill(template: str, values: Mapping[str, object]) -> str:
    """``template`` with {field}s replaced; an unknown field is a style error."""
    try:
        return string.Formatter().vformat(template, (), dict(values))
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"Forms style text {template!r} uses an unknown or malformed field ({exc}).",
            hint=f"Allowed fields: {', '.join(sorted(values))}.",
        ) from None


def _ymd(d: dt.date) -> str:
    return d.strftime("%Y%m%d")


def sheet_fields(sheet: VolumeSheet) -> dict[str, object]:
    """The {fields} a style text may use."""
    values: dict[str, object] = {
        f.name: getattr(sheet, f.name) for f in fields(sheet) if f.name not in ("rows", "remarks")
    }
    values.update(start=_ymd(sheet.start_date), end=_ymd(sheet.end_date))
    return values


def _strings(style: Any) -> Iterator[str]:
    if isinstance(style, str):
        yield style
    elif isinstance(style, dict):
        for v in style.values():
            yield from _strings(v)
    elif isinstance(style, list):
        for v in style:
            yield from _strings(v)


# --- the PDF -------------------------------------------------------------------------


def _form_pdf(width: float, height: float) -> FPDF:
    """An fpdf2 document in millimetres whose pages the layout breaks itself."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(width, height))
    pdf.set_auto_page_break(False)
    return pdf


class FormRenderer:
    """Renders the four forms of a volume; fonts and style are read once per process.

    ``font`` (``volumes.font``) and ``style`` (``volumes.forms_style``): '' for the shipped
    ones; a relative path is taken relative to ``base`` (the archive root) when given.
    ``binding_margin_mm`` (``volumes.binding_margin_mm``) widens the side margins if the
    style's are narrower. Safe to share between threads.
    """

    def __init__(self, font: str = "", *, style: str | Path = "", binding_margin_mm: float | None = None,
                 base: Path | None = None) -> None:
        if base is not None:
            font = str(base / Path(font).expanduser()) if font else ""
            style = base / Path(style).expanduser() if style else ""
        self.font = font
        if font and not Path(font).expanduser().is_file():
            load_fonts(font)  # raises the ConfigError naming volumes.font
        self._fonts: FontSet | None = None  # read on first render (a cached volume needs none)
        self.style = load_style(style)
        page = self.style["page"]
        self.side = max(float(page["side"]), binding_margin_mm or 0.0)
        self._lock = threading.Lock()
        self._last: tuple[VolumeSheet, dict[str, bytes]] | None = None
        self._last_doc: tuple[VolumeSheet, FormsDocument] | None = None

    @property
    def fonts(self) -> FontSet:
        if self._fonts is None:
            self._fonts = load_fonts(self.font)
        return self._fonts

    def cache_key(self, sheet: VolumeSheet) -> str:
        """A key for the rendered forms of ``sheet``: the sheet, the style, the font file
        and the versions of archiver and fpdf2 — the same key, the same PDF."""
        from importlib.metadata import version

        from .. import __version__
        from .fonts import shipped

        font = Path(self.font).expanduser() if self.font else shipped()
        font_id = [str(font), font.stat().st_size, font.stat().st_mtime_ns]
        text = json.dumps([repr(sheet), self.style, self.side, font_id, __version__, version("fpdf2")],
                          sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    # The four forms; each a complete PDF.
    def cover(self, sheet: VolumeSheet) -> bytes:
        return self.forms(sheet)["cover"]

    def index(self, sheet: VolumeSheet) -> bytes:
        return self.forms(sheet)["index"]

    def remarks(self, sheet: VolumeSheet) -> bytes:
        return self.forms(sheet)["remarks"]

    def back_cover(self, sheet: VolumeSheet) -> bytes:
        return self.forms(sheet)["back_cover"]

    def forms(self, sheet: VolumeSheet) -> dict[str, bytes]:
        """All four forms of ``sheet`` (cover, index, remarks, back_cover), rendered together."""
        with self._lock:
            if self._last is not None and self._last[0] == sheet:
                return self._last[1]
        doc = self.document(sheet)
        result = _split(doc.data, doc.spans, sheet)
        with self._lock:
            self._last = (sheet, result)
        return result

    def document(self, sheet: VolumeSheet) -> FormsDocument:
        """The four forms of ``sheet`` as ONE PDF (one font subset) and the pages of each."""
        with self._lock:
            if self._last_doc is not None and self._last_doc[0] == sheet:
                return self._last_doc[1]
        data, spans = self._render(sheet)
        with pikepdf.open(io.BytesIO(data)) as src:
            _tag_subsets(src)
            src.docinfo["/Title"] = f"卷内表格 {sheet.reference_code}"
            src.docinfo["/Producer"] = "archiver"
            buf = io.BytesIO()
            src.save(buf, deterministic_id=True)
        doc = FormsDocument(buf.getvalue(), spans)
        with self._lock:
            self._last_doc = (sheet, doc)
        return doc

    def _render(self, sheet: VolumeSheet) -> tuple[bytes, dict[str, tuple[int, int]]]:
        page = self.style["page"]
        pdf = _form_pdf(float(page["width"]), float(page["height"]))
        values = sheet_fields(sheet)
        texts = [*_strings(self.style), *(str(v) for v in values.values())]
        texts += [f"{r.doc_no}{r.responsible}{r.title}{r.remark}" for r in sheet.rows]
        texts += list(sheet.remarks)
        self.fonts.attach(pdf, unicodedata.normalize("NFC", "".join(texts)) + "0123456789–")
        pdf.set_margins(self.side, float(page["top"]), self.side)
        pdf.set_creation_date(dt.datetime.combine(sheet.date, dt.time(), tzinfo=dt.UTC))
        pdf.set_producer("archiver")
        layout = _Layout(pdf, self.style, values)
        spans: dict[str, tuple[int, int]] = {}
        for part, draw in (("cover", layout.cover), ("index", layout.index), ("remarks", layout.remarks),
                           ("back_cover", layout.back_cover)):
            first = pdf.page + 1
            draw(sheet)
            spans[part] = (first, pdf.page)
        with OUTPUT_LOCK:
            data = bytes(pdf.output())
        return data, spans


@dataclass(frozen=True)
class FormsDocument:
    """The four forms of a volume in one PDF: ``spans[part]`` = (first, last) page, 1-based."""

    data: bytes
    spans: dict[str, tuple[int, int]]


def _split(data: bytes, spans: dict[str, tuple[int, int]], sheet: VolumeSheet) -> dict[str, bytes]:
    titles = {"cover": "案卷封面", "index": "卷内文件目录", "remarks": "卷内备考表", "back_cover": "封底"}
    out: dict[str, bytes] = {}
    with pikepdf.open(io.BytesIO(data)) as src:
        for part, (first, last) in spans.items():
            with pikepdf.new() as dst:
                dst.pages.extend(src.pages[first - 1:last])
                dst.docinfo["/Title"] = f"{titles[part]} {sheet.reference_code}"
                dst.docinfo["/Producer"] = "archiver"
                buf = io.BytesIO()
                dst.save(buf, deterministic_id=True, compress_streams=True)
                out[part] = buf.getvalue()
    return out


def _tag_subsets(pdf: pikepdf.Pdf) -> None:
    """Name each embedded subset after its content (fpdf2 tags every subset "MPDFAA+").

    PDF 32000 §9.6.4: different subsets in one file must have different tags. The forms
    are merged into a volume with other PDFs, so the tag is derived from the font program:
    the four forms of a volume share one subset and so one name; other subsets differ.
    """
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
        if not isinstance(fonts, pikepdf.Dictionary):
            continue
        for font in fonts.values():
            for cid_font in font.get("/DescendantFonts", pikepdf.Array()):
                descriptor = cid_font.get("/FontDescriptor")
                if not isinstance(descriptor, pikepdf.Dictionary):
                    continue
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                base = str(font.get("/BaseFont", ""))
                if not isinstance(program, pikepdf.Stream) or not base.startswith("/MPDFAA+"):
                    continue
                digest = hashlib.sha256(program.read_raw_bytes()).digest()
                tag = "".join(chr(ord("A") + b % 26) for b in digest[:6])
                name = pikepdf.Name("/" + tag + base[len("/MPDFAA"):])
                font.BaseFont = name
                cid_font.BaseFont = name
                descriptor.FontName = name


class _Layout:
    """Draws the forms into one fpdf2 document."""

    def __init__(self, pdf: FPDF, style: dict[str, Any], values: dict[str, object]) -> None:
        from fpdf.fonts import TTFFont

        self.pdf = pdf
        self.style = style
        self.values = values
        page = style["page"]
        self.page_w = float(page["width"])
        self.page_h = float(page["height"])
        self.top = float(page["top"])
        self.bottom = self.page_h - float(page["bottom"])
        self.left = pdf.l_margin
        self.right = self.page_w - pdf.r_margin
        self.size = float(page["font_size"])
        self.lh = float(page["line_height"])
        self.rule = float(page["rule"])
        self.frame = float(page["frame"])
        main = pdf.fonts["form"]
        assert isinstance(main, TTFFont)
        self.cw: Mapping[int, float] = main.cw
        self.cmap: Mapping[int, object] = main.cmap

    # -- primitives --

    def text(self, s: str) -> str:
        return _fill(s, self.values)

    def font(self, size: float) -> None:
        if self.pdf.font_family != "form" or self.pdf.font_size_pt != size:
            self.pdf.set_font("form", "", size)

    def width(self, s: str, size: float) -> float:
        """Width in mm of ``s`` at ``size`` pt (the main font's metrics; fpdf2's for fallback text)."""
        cw, cmap = self.cw, self.cmap
        units = 0.0
        for c in map(ord, s):
            if c not in cmap:  # printed by a fallback font: let fpdf2 measure it
                self.font(size)
                return float(self.pdf.get_string_width(s))
            units += cw[c]
        return units * size / 1000 * PT_MM

    def line_height(self, size: float) -> float:
        return size * PT_MM * self.lh

    def put(self, x: float, top: float, box_h: float, s: str, size: float, *, align: str = "L",
            width: float = 0.0, heavy: float = 0.0, spacing: float = 0.0) -> None:
        """One line of text, vertically centred in the band [top, top + box_h].

        Through fpdf2's cell(), which applies the fallback fonts (text() does not).
        """
        s = unicodedata.normalize("NFC", s)
        pdf = self.pdf
        self.font(size)
        if spacing:
            pdf.set_char_spacing(spacing)
        w = self.width(s, size) + max(0, len(s) - 1) * spacing * PT_MM
        if align == "C":
            x = x + (width - w) / 2
        elif align == "R":
            x = x + width - w
        pdf.set_xy(x, top)
        if heavy:  # fill and stroke the glyphs: a heavier face without a second font
            from fpdf.enums import TextMode

            with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=heavy):
                pdf.cell(w + spacing * PT_MM, box_h, s)
        else:
            pdf.cell(w + spacing * PT_MM, box_h, s)
        if spacing:
            pdf.set_char_spacing(0)

    def wrap(self, s: str, width: float, size: float) -> list[str]:
        """``s`` broken into lines no wider than ``width``.

        Breaks between CJK characters and at spaces, keeps Latin words and numbers whole
        when they fit, and follows the Chinese rules: no closing punctuation at the start
        of a line (避头), no opening bracket at its end (避尾).
        """
        lines: list[str] = []
        for paragraph in unicodedata.normalize("NFC", s).split("\n"):
            line: list[str] = []
            used = 0.0
            for token in _tokens(paragraph):
                if not line and token.isspace():
                    continue
                w = self.width(token, size)
                if used + w <= width:
                    line.append(token)
                    used += w
                    continue
                carry: list[str] = []
                if token[0] in NO_LINE_START and len(line) > 1:
                    carry.append(line.pop())
                while len(line) > 1 and line[-1][-1] in NO_LINE_END:
                    carry.insert(0, line.pop())
                opened = max((i for i, t in enumerate(line) if t == "（"), default=0)
                if opened and self.width("".join(line[opened:] + carry) + token, size) <= width:
                    carry = line[opened:] + carry  # keep a bracketed phrase （长期·第1卷） on one line
                    del line[opened:]
                if line:
                    lines.append("".join(line).rstrip())
                line = [t for t in carry if not t.isspace()]
                used = self.width("".join(line), size)
                if token.isspace():
                    continue
                if used + w <= width:
                    line.append(token)
                    used += w
                    continue
                for ch in token:  # longer than a whole line: break it anywhere
                    cw = self.width(ch, size)
                    if line and used + cw > width:
                        lines.append("".join(line))
                        line, used = [], 0.0
                    line.append(ch)
                    used += cw
            lines.append("".join(line).rstrip())
        return lines or [""]

    def hline(self, x0: float, x1: float, y: float, width: float | None = None) -> None:
        self.pdf.set_line_width(width or self.rule)
        self.pdf.line(x0, y, x1, y)

    def box(self, x: float, y: float, w: float, h: float, width: float | None = None) -> None:
        self.pdf.set_line_width(width or self.rule)
        self.pdf.rect(x, y, w, h)

    def heading(self, s: str, y: float, size: float | None = None, spacing: float | None = None) -> float:
        page = self.style["page"]
        size = size or float(page["heading_size"])
        spacing = float(page["heading_spacing"]) if spacing is None else spacing
        h = size * PT_MM * 1.6
        self.put(self.left, y, h, s, size, align="C", width=self.right - self.left,
                 heavy=float(page["heading_weight"]), spacing=spacing)
        return y + h

    # -- cover --

    def cover(self, sheet: VolumeSheet) -> None:
        st = self.style["cover"]
        pdf = self.pdf
        pdf.add_page()
        y = self.top
        band = 10.0
        if sheet.classification_label:
            mark = self.text(st["classification_format"])
            w = self.width(mark, 15) + 8
            self.box(self.left, y, w, band, self.frame)
            self.put(self.left, y, band, mark, 15, align="C", width=w, heavy=0.25)
        label = self.text(st["reference_label"])
        label_w = self.width(label, 12) + 6
        code_w = max(self.width(sheet.reference_code, 12) + 8, 55.0)
        x = self.right - label_w - code_w
        self.box(x, y, label_w, band)
        self.box(x + label_w, y, code_w, band)
        self.box(x, y, label_w + code_w, band, self.frame)
        self.put(x, y, band, label, 12, align="C", width=label_w)
        self.put(x + label_w, y, band, sheet.reference_code, 12, align="C", width=code_w)

        y = self.heading(self.text(st["heading"]), self.top + float(st["heading_top"]), float(st["heading_size"]),
                         float(st["heading_spacing"]))
        y += float(st["fields_gap"])
        size, line_h = float(st["field_size"]), float(st["field_line"])
        x_label = self.left + 6
        x_value = x_label + float(st["label_width"])
        x_end = self.right - 6
        for label_text, value_text, n_lines in st["fields"]:
            lines = self.wrap(self.text(value_text), x_end - x_value - 2, size)
            rows = max(int(n_lines), len(lines))
            self.put(x_label, y, line_h, self.text(label_text), size, heavy=0.15, spacing=1.0)
            for i in range(rows):
                top = y + i * line_h
                if i < len(lines):
                    align = "C" if len(lines) == 1 else "L"
                    self.put(x_value + 1, top, line_h, lines[i], size, align=align, width=x_end - x_value - 2)
                self.hline(x_value, x_end, top + line_h - 1.0)
            y += rows * line_h + 3
        footer = self.text(st["footer"])
        if footer:
            self.put(self.left, self.bottom - 10, 10, footer, float(st["footer_size"]), align="C",
                     width=self.right - self.left, spacing=1.0)

    # -- volume index --

    def index(self, sheet: VolumeSheet) -> None:
        st = self.style["index"]
        pdf = self.pdf
        size = float(st["font_size"])
        pad = float(st["cell_padding"])
        line = self.line_height(size)
        cols = st["columns"]
        total = sum(float(c["width"]) for c in cols)
        table_w = self.right - self.left
        widths = [float(c["width"]) / total * table_w for c in cols]
        xs = [self.left + sum(widths[:i]) for i in range(len(widths))]
        header_h = float(st["header_height"])
        min_h = float(st["min_row_height"])

        # Lay out first (row heights, pagination), so every page can say "第 n 页 共 N 页".
        table_top = self.top + float(self.style["page"]["heading_size"]) * PT_MM * 1.6 + 9 + header_h
        most = max(1, int((self.bottom - table_top - 2 * pad) // line))  # lines in a page-high row
        cells = []
        for i, row in enumerate(sheet.rows):
            last = i == len(sheet.rows) - 1
            content = [self.wrap(_cell_text(c["key"], row, last, st), w - 2 * pad, size) for c, w in
                       zip(cols, widths, strict=True)]
            # A row never splits across pages — unless it is taller than a page by itself.
            for k in range(0, max(len(c) for c in content), most):
                chunk = [c[k:k + most] or [""] for c in content]
                cells.append((chunk, max(min_h, max(len(c) for c in chunk) * line + 2 * pad)))
        pages: list[list[int]] = [[]]
        y = table_top
        for i, (_, height) in enumerate(cells):
            if pages[-1] and y + height > self.bottom:
                pages.append([])
                y = table_top
            pages[-1].append(i)
            y += height

        for n, page_rows in enumerate(pages, start=1):
            pdf.add_page()
            y = self.heading(self.text(st["heading"]), self.top)
            self.put(self.left, y + 1, 7, self.text(st["subheading"]), size + 0.5)
            self.put(self.left, y + 1, 7, _fill(st["page_format"], {"page": n, "pages": len(pages)}), size,
                     align="R", width=table_w)
            y += 9
            top = y
            for x, w, c in zip(xs, widths, cols, strict=True):
                self.box(x, y, w, header_h)
                self.put(x, y, header_h, str(c["label"]), size + 0.5, align="C", width=w, heavy=0.12, spacing=1.0)
            y += header_h
            for i in page_rows:
                content, height = cells[i]
                self._row(xs, widths, cols, y, height, content, size, line)
                y += height
            if n == len(pages) and st["fill_page"]:
                while y + min_h <= self.bottom + 0.01:
                    self._row(xs, widths, cols, y, min_h, [[""]] * len(cols), size, line)
                    y += min_h
            self.box(self.left, top, table_w, y - top, self.frame)

    def _row(self, xs: list[float], widths: list[float], cols: list[dict[str, Any]], y: float, height: float,
             content: list[list[str]], size: float, line: float) -> None:
        pad = float(self.style["index"]["cell_padding"])
        for x, w, c, lines in zip(xs, widths, cols, content, strict=True):
            self.box(x, y, w, height)
            block = len(lines) * line
            top = y + (height - block) / 2
            align = str(c.get("align", "L"))
            if len(lines) > 1 and align == "C":
                align = "L"  # wrapped text reads better flush left
            for k, text in enumerate(lines):
                if text:
                    self.put(x + pad, top + k * line, line, text, size, align=align, width=w - 2 * pad)

    # -- remarks sheet --

    def remarks(self, sheet: VolumeSheet) -> None:
        st = self.style["remarks"]
        pdf = self.pdf
        size = float(st["font_size"])
        line = self.line_height(size)
        inner_x = self.left + 6
        inner_w = self.right - self.left - 12
        items = list(sheet.remarks) or [self.text(st["empty"])]
        paragraphs: list[list[str]] = []
        for k, item in enumerate(items, start=1):
            prefix = f"{k}. " if st["numbered"] and sheet.remarks else ""
            indent = self.width(prefix, size)
            wrapped = self.wrap(item, inner_w - indent, size)
            paragraphs.append([prefix + wrapped[0], *wrapped[1:]] if prefix else wrapped)
        sign_size = size + 0.5
        sign_h = 3 * self.line_height(sign_size) * 1.35 + 12
        signature = [
            (self.text(st["filer_label"]), sheet.filer),
            (self.text(st["checker_label"]), sheet.checker),
            (self.text(st["date_label"]),
             _fill(st["date_format"], {"y": sheet.date.year, "m": sheet.date.month, "d": sheet.date.day})),
        ]

        def new_page(cont: bool) -> float:
            pdf.add_page()
            y = self.heading(self.text(st["heading"]), self.top)
            self.put(self.left, y + 1, 7, self.text(st["subheading"]), size)
            y += 10
            self.box(self.left, y, self.right - self.left, self.bottom - y, self.frame)
            label = self.text(st["box_heading"]) + ("（续）" if cont else "")
            self.put(inner_x, y + 4, 10, label, size + 2, heavy=0.2, spacing=1.0)
            return y + 18

        y = new_page(False)
        for k, para in enumerate(paragraphs):
            for j, text in enumerate(para):
                room = self.bottom - (sign_h if k == len(paragraphs) - 1 and j == len(para) - 1 else 6)
                if y + line > room:
                    y = new_page(True)
                indent = 0.0
                if j and st["numbered"] and sheet.remarks:
                    indent = self.width(f"{k + 1}. ", size)
                self.put(inner_x + 4 + indent, y, line, text, size)
                y += line
            y += line * 0.3
        if y > self.bottom - sign_h:
            y = new_page(True)
        sign_w = float(st["signature_width"])
        x = self.right - 6 - sign_w
        row_h = self.line_height(sign_size) * 1.35
        y = self.bottom - sign_h + 6
        label_w = max(self.width(lab, sign_size) for lab, _ in signature) + 2
        for lab, value in signature:
            self.put(x, y, row_h, lab, sign_size)
            self.put(x + label_w, y, row_h, value, sign_size)
            self.hline(x + label_w, self.right - 8, y + row_h - 1.2)
            y += row_h

    # -- back cover --

    def back_cover(self, sheet: VolumeSheet) -> None:
        st = self.style["back_cover"]
        self.pdf.add_page()
        size = float(st["font_size"])
        lines = [self.text(s) for s in st["lines"]]
        h = self.line_height(size) * 1.3
        y = self.bottom - 10 - h * len(lines)
        for text in lines:
            self.put(self.left, y, h, text, size, align="C", width=self.right - self.left)
            y += h


def _cell_text(key: str, row: IndexRow, last: bool, st: Mapping[str, Any]) -> str:
    if key == "number":
        return str(row.number)
    if key == "date":
        return _ymd(row.date)
    if key == "pages":
        if row.first_page is None:
            return ""
        if last and row.last_page is not None:
            return _fill(st["page_range"], {"first": row.first_page, "last": row.last_page})
        return str(row.first_page)
    return str(getattr(row, key))


def _tokens(text: str) -> Iterator[str]:
    """Break opportunities: each CJK character alone; Latin words and numbers kept whole."""
    word = ""
    for ch in text:
        if ch.isspace():
            if word:
                yield word
            word = ""
            yield ch
        elif ord(ch) < 0x2E80 and ch not in NO_LINE_START and ch not in NO_LINE_END:
            word += ch
        else:
            if word:
                yield word
                word = ""
            yield ch
    if word:
        yield word
