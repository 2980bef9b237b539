"""The printed forms of a volume (Art. 17, 18, 20), read back from the PDFs.

Text and positions come from poppler (pdftotext -bbox), fonts from pdffonts: what a
printer and a reader would get, not what the code meant to draw.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pikepdf
import pytest
from volumes_helpers import words as read_words

from archiver.config import parse_config
from archiver.errors import ArchiverError, ConfigError
from archiver.forms import fonts
from archiver.volumes.forms import FormRenderer, IndexRow, VolumeSheet, load_style

MM = 72 / 25.4
TYPES = ["客户基本资料表", "客户信用评估报告", "客户销售合同(复印件)", "客户资质评级表", "客户销售统计表"]
LONG_TITLE = ("上海明远贸易有限公司二〇二六年度第三季度客户信用评估报告（含附件：营业执照副本、"
              "法定代表人身份证明、开户许可证、授权委托书及近三年经审计的财务报表）")


def make_rows(n: int) -> tuple[IndexRow, ...]:
    rows, page = [], 1
    for i in range(n):
        size = i % 4 + 1
        rows.append(IndexRow(
            number=i + 1,
            doc_no="" if i % 3 == 0 else f"明远〔2026〕{i + 3}号",
            responsible=["销售部", "财务部", "客户服务部"][i % 3],
            title=LONG_TITLE if i == 2 else f"上海明远贸易有限公司{TYPES[i % len(TYPES)]}",
            date=dt.date(2026, i % 12 + 1, i % 20 + 5),
            first_page=page,
            last_page=page + size - 1,
            remark="复印件" if i == 4 else "",
        ))
        page += size
    return tuple(rows)


def make_sheet(n: int = 6, **changes: object) -> VolumeSheet:
    rows = make_rows(n)
    sheet = VolumeSheet(
        fonds_code="Q001", fonds_name="某某有限公司客户服务部", reference_code="Q001-C0001-2026-Y-001",
        title="上海明远贸易有限公司 2026年 客户档案 永久 第1卷", customer_code="C0001",
        customer_name="上海明远贸易有限公司", year=2026, retention_name="永久", volume_number=1,
        classification_label="", start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 12, 20),
        document_count=n, page_count=rows[-1].last_page or 0, rows=rows,
        remarks=("本卷共 6 件，15 页。", "第 4、9 页为空白页，未编页号。", "第 5 件原件字迹褪色，已附复印件。"),
        filer="王小明", checker="李建国", date=dt.date(2026, 12, 31),
    )
    return replace(sheet, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def renderer() -> FormRenderer:
    return FormRenderer()


@dataclass(frozen=True)
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def words(pdf: bytes, tmp_path: Path) -> list[Word]:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return [Word(n, w.x0, w.y0, w.x1, w.y1, w.text) for n, page in enumerate(read_words(path), 1) for w in page]


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def columns() -> dict[str, tuple[float, float]]:
    """x ranges (pt) of the index columns, from the shipped style."""
    style = load_style()
    cols = style["index"]["columns"]
    left, width = style["page"]["side"] * MM, (210 - 2 * style["page"]["side"]) * MM
    total = sum(c["width"] for c in cols)
    out, x = {}, left
    for c in cols:
        w = c["width"] / total * width
        out[c["key"]] = (x, x + w)
        x += w
    return out


def in_column(word: Word, col: tuple[float, float]) -> bool:
    return col[0] - 0.5 <= word.x0 and word.x1 <= col[1] + 0.5


def test_every_form_is_a4_and_standalone(renderer: FormRenderer) -> None:
    sheet = make_sheet()
    for part in (renderer.cover, renderer.index, renderer.remarks, renderer.back_cover):
        with pikepdf.open(io.BytesIO(part(sheet))) as pdf:
            assert len(pdf.pages) >= 1
            for page in pdf.pages:
                assert [round(float(v)) for v in page.mediabox] == [0, 0, 595, 842]


def test_cover_prints_the_volume_fields(renderer: FormRenderer, tmp_path: Path) -> None:
    """Art. 20 / issue 3: fonds name, title, dates, retention, counts, reference code."""
    sheet = make_sheet()
    text = re.sub(r"\s+", "", text_of(renderer.cover(sheet), tmp_path))
    for expected in ("客户档案", "全宗名称", "某某有限公司客户服务部", "案卷题名",
                     "上海明远贸易有限公司2026年客户档案永久第1卷", "起止日期", "20260105至20261220",
                     "保管期限", "永久", "件数", "6件", "页数", f"{sheet.page_count}页", "Q001-C0001-2026-Y-001"):
        assert expected in text, expected
    assert "绝密" not in text and "★" not in text  # ordinary: no classification mark


def test_cover_shows_classification_mark_where_not_ordinary(renderer: FormRenderer, tmp_path: Path) -> None:
    found = words(renderer.cover(make_sheet(classification_label="绝密")), tmp_path)
    mark = [w for w in found if "绝密" in w.text]
    assert mark and mark[0].y1 < 40 * MM  # at the top of the cover
    code = [w for w in found if w.text == "Q001-C0001-2026-Y-001"]
    assert any(w.y1 < 40 * MM and w.x0 > 105 * MM for w in code)  # reference code boxed top right


def index_rows(pdf: bytes, tmp_path: Path) -> list[tuple[int, str, list[Word]]]:
    """(page, 序号 text, words in that row's band) per row, in order."""
    cols = columns()
    found = words(pdf, tmp_path)
    numbers = [w for w in found if in_column(w, cols["number"]) and w.text.isdigit()]
    rows = []
    for n in numbers:
        band = [w for w in found if w.page == n.page and abs(w.cy - n.cy) < 12 and w is not n]
        rows.append((n.page, n.text, band))
    return rows


def test_index_rows_and_page_numbers(renderer: FormRenderer, tmp_path: Path) -> None:
    """Art. 17: one row per document; 页号 = first page, the last row its first–last range."""
    sheet = make_sheet(6)
    rows = index_rows(renderer.index(sheet), tmp_path)
    cols = columns()
    assert [r[1] for r in rows] == [str(i) for i in range(1, 7)]
    for (_, _, band), row in zip(rows, sheet.rows, strict=True):
        pages = [w.text for w in band if in_column(w, cols["pages"])]
        expected = f"{row.first_page}–{row.last_page}" if row.number == 6 else str(row.first_page)
        assert pages == [expected]
        assert [w.text for w in band if in_column(w, cols["date"])] == [row.date.strftime("%Y%m%d")]
        assert "".join(w.text for w in band if in_column(w, cols["responsible"])) == row.responsible
    assert (sheet.rows[-1].first_page, sheet.rows[-1].last_page) == (12, 13)
    assert [w.text for w in rows[-1][2] if in_column(w, cols["pages"])] == ["12–13"]


def test_index_empty_doc_no_and_remark(renderer: FormRenderer, tmp_path: Path) -> None:
    sheet = make_sheet(6)
    rows = index_rows(renderer.index(sheet), tmp_path)
    cols = columns()
    for (_, _, band), row in zip(rows, sheet.rows, strict=True):
        doc_no = "".join(w.text for w in band if in_column(w, cols["doc_no"]))
        assert doc_no == row.doc_no  # '' → nothing printed in the cell
        assert "".join(w.text for w in band if in_column(w, cols["remark"])) == row.remark
    assert sheet.rows[0].doc_no == "" and sheet.rows[4].remark == "复印件"


def test_index_row_without_numbered_page(renderer: FormRenderer, tmp_path: Path) -> None:
    rows = list(make_rows(3))
    rows[1] = replace(rows[1], first_page=None, last_page=None)
    found = index_rows(renderer.index(make_sheet(3, rows=tuple(rows))), tmp_path)
    assert [w.text for w in found[1][2] if in_column(w, columns()["pages"])] == []


def test_long_title_wraps_inside_its_cell(renderer: FormRenderer, tmp_path: Path) -> None:
    pdf = renderer.index(make_sheet(6))
    found = words(pdf, tmp_path)
    col = columns()["title"]
    start = next(i for i, w in enumerate(found) if w.text.startswith("上海明远贸易有限公司二〇"))
    pieces, text = [], ""
    for w in found[start:]:
        if len(text) >= len(LONG_TITLE):
            break
        if in_column(w, col) or not pieces:
            pieces.append(w)
            text += w.text
    assert text == LONG_TITLE
    assert len({round(w.y0) for w in pieces}) >= 3  # wrapped over several lines
    assert all(in_column(w, col) for w in pieces)
    # …and the row grew to hold it: the next row's number sits below the title's last line
    next_number = [w for w in found if w.text == "4" and in_column(w, columns()["number"])][0]
    assert next_number.y0 > max(w.y1 for w in pieces)


def test_row_taller_than_a_page_continues_on_the_next(renderer: FormRenderer, tmp_path: Path) -> None:
    rows = list(make_rows(3))
    rows[1] = replace(rows[1], title="客户信用评估报告附件目录" * 150)
    found = words(renderer.index(make_sheet(3, rows=tuple(rows))), tmp_path)
    bottom = (297 - load_style()["page"]["bottom"]) * MM
    assert all(w.y1 <= bottom for w in found)  # nothing below the table's bottom edge
    column = sorted((w for w in found if in_column(w, columns()["title"]) and w.text not in ("题名", "卷内文件目录")),
                    key=lambda w: (w.page, w.y0))
    assert "".join(w.text for w in column) == "".join(r.title for r in rows)  # all of it, in order
    assert max(w.page for w in found) >= 2


def test_long_index_repeats_heading_and_header_on_every_page(renderer: FormRenderer, tmp_path: Path) -> None:
    """A 60-row index runs over several pages; each carries the title and the column header."""
    sheet = make_sheet(60)
    pdf = renderer.index(sheet)
    found = words(pdf, tmp_path)
    pages = max(w.page for w in found)
    assert pages >= 2
    for page in range(1, pages + 1):
        on_page = {w.text for w in found if w.page == page}
        assert {"卷内文件目录", "序号", "文号", "责任者", "题名", "日期", "页号", "备注"} <= on_page, page
        assert "档号：Q001-C0001-2026-Y-001" in on_page
    text = text_of(pdf, tmp_path)
    assert re.search(rf"第\s*2\s*页\s*共\s*{pages}\s*页", text)
    rows = index_rows(pdf, tmp_path)
    assert [r[1] for r in rows] == [str(i) for i in range(1, 61)]  # every row once, in order
    assert rows[-1][0] == pages
    assert any(r[0] == 2 for r in rows)


def test_remarks_sheet_contents(renderer: FormRenderer, tmp_path: Path) -> None:
    """Art. 18: the remarks, then filer, checker and date."""
    sheet = make_sheet()
    text = text_of(renderer.remarks(sheet), tmp_path)
    assert "卷内备考表" in text.replace(" ", "")
    assert "本卷情况说明" in text
    for k, remark in enumerate(sheet.remarks, start=1):
        assert f"{k}. {remark}" in text
    assert re.search(r"立卷人：\s*王小明", text)
    assert re.search(r"检查人：\s*李建国", text)
    assert re.search(r"立卷时间：\s*2026年12月31日", text)


def test_remarks_sheet_without_remarks_still_names_and_dates(renderer: FormRenderer, tmp_path: Path) -> None:
    """Art. 18: nothing to explain — the responsible people and the date are still filled in."""
    text = text_of(renderer.remarks(make_sheet(remarks=())), tmp_path)
    assert "（无）" in text
    assert re.search(r"立卷人：\s*王小明", text) and re.search(r"检查人：\s*李建国", text)
    assert re.search(r"立卷时间：\s*2026年12月31日", text)


def test_many_remarks_continue_on_a_second_page(renderer: FormRenderer, tmp_path: Path) -> None:
    remarks = tuple(f"第 {i} 件原件破损，已修裱；扫描件与原件核对无误，页数与登记相符。" for i in range(1, 41))
    pdf = renderer.remarks(make_sheet(remarks=remarks))
    found = words(pdf, tmp_path)
    assert max(w.page for w in found) == 2
    text = text_of(pdf, tmp_path)
    assert "本卷情况说明（续）" in text and "40. 第 40 件" in text
    assert re.search(r"立卷人：\s*王小明", text)
    signature = [w for w in found if w.text.startswith("立卷人")]
    assert [w.page for w in signature] == [2]  # the names close the sheet, after the last remark


def test_back_cover(renderer: FormRenderer, tmp_path: Path) -> None:
    text = text_of(renderer.back_cover(make_sheet()), tmp_path)
    assert "某某有限公司客户服务部" in text and "Q001-C0001-2026-Y-001" in text


def pdffonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def test_font_embedded_and_subsetted(renderer: FormRenderer, tmp_path: Path) -> None:
    sheet = make_sheet()
    for part in (renderer.cover, renderer.index, renderer.remarks, renderer.back_cover):
        rows = pdffonts(part(sheet), tmp_path)
        assert rows, "no font"
        for row in rows:
            name, emb, sub, uni = row[0], row[-5], row[-4], row[-3]
            assert "NotoSerif" in name and re.match(r"[A-Z]{6}\+", name)
            assert (emb, sub, uni) == ("yes", "yes", "yes")
        assert len(part(sheet)) < 120_000  # a subset, not the 2.7 MB font


def test_subset_tags_name_the_subset(renderer: FormRenderer, tmp_path: Path) -> None:
    """One volume's forms share one subset (one tag); another subset gets another tag."""
    sheet = make_sheet()
    tags = {pdffonts(part, tmp_path)[0][0] for part in renderer.forms(sheet).values()}
    other = pdffonts(renderer.cover(make_sheet(customer_name="广州南方物流有限公司")), tmp_path)[0][0]
    assert len(tags) == 1 and other not in tags
    assert not any(t.startswith("MPDFAA+") for t in (*tags, other))


def test_characters_outside_gb2312_print_through_the_fallback(renderer: FormRenderer, tmp_path: Path) -> None:
    """堃 (GBK only) and 㐀 (CJK extension A) are not in the shipped GB 2312 subset."""
    shipped = fonts.load_fonts().regular.codepoints
    assert ord("堃") not in shipped and ord("㐀") not in shipped
    sheet = make_sheet(filer="张堃", customer_name="㐀堃贸易有限公司")
    remarks = renderer.remarks(sheet)
    assert re.search(r"立卷人：\s*张堃", text_of(remarks, tmp_path))
    assert "㐀堃贸易有限公司" in text_of(renderer.cover(sheet), tmp_path)
    names = [row[0] for row in pdffonts(remarks, tmp_path)]
    assert len(names) == 2 and all(re.match(r"[A-Z]{6}\+", n) for n in names)  # main + fallback, both subsets


def test_text_is_printed_in_nfc(renderer: FormRenderer, tmp_path: Path) -> None:
    text = text_of(renderer.cover(make_sheet(customer_name="Cafe\u0301 明远")), tmp_path)
    assert "Café 明远" in text and "\u0301" not in text
    assert len(pdffonts(renderer.cover(make_sheet(customer_name="Cafe\u0301 明远")), tmp_path)) == 1  # no fallback


def test_character_no_font_has_is_refused_with_the_config_key(renderer: FormRenderer) -> None:
    with pytest.raises(ArchiverError) as err:
        renderer.cover(make_sheet(title="客户档案 \U00010000"))
    assert "U+10000" in str(err.value) and "volumes.font" in str(err.value)


def test_four_forms_rendered_once_per_sheet(renderer: FormRenderer, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = renderer._render

    def counting(sheet: VolumeSheet) -> dict[str, bytes]:
        calls.append(sheet)
        return real(sheet)

    monkeypatch.setattr(renderer, "_render", counting)
    sheet = make_sheet(3)
    parts = [renderer.cover(sheet), renderer.index(sheet), renderer.remarks(sheet), renderer.back_cover(sheet)]
    assert len(calls) == 1 and len(set(parts)) == 4
    renderer.cover(make_sheet(4))
    assert len(calls) == 2


def test_same_sheet_same_bytes() -> None:
    """Stable output: the same records give the same forms, byte for byte."""
    a, b = FormRenderer(), FormRenderer()
    sheet = make_sheet()
    assert a.index(sheet) == b.index(sheet) and a.cover(sheet) == b.cover(sheet)


def test_shared_font_survives_many_volumes() -> None:
    """The decoded font is shared by every PDF of the process: using it must not wear it out."""
    first = FormRenderer().index(make_sheet(6))
    other = FormRenderer()
    for n in range(3, 30, 3):
        other.forms(make_sheet(n, customer_name=f"广州南方物流有限公司{n}", title=f"第{n}卷 鑫淼犇骉"))
    assert FormRenderer().index(make_sheet(6)) == first


def test_style_override_restyles_without_python(tmp_path: Path) -> None:
    style = tmp_path / "forms.toml"
    style.write_text('[index]\nheading = "卷内目录"\nfont_size = 9.0\n[cover]\nheading = "客户档案（甲）"\n', "utf-8")
    r = FormRenderer(style=style)
    sheet = make_sheet()
    assert "卷内目录" in text_of(r.index(sheet), tmp_path).replace(" ", "")
    assert "客户档案（甲）" in text_of(r.cover(sheet), tmp_path).replace(" ", "")
    assert "题名" in text_of(r.index(sheet), tmp_path)  # the rest keeps the shipped values


@pytest.mark.parametrize(("content", "message"), [
    ("[index]\nheadline = 'x'\n", "unknown key 'index.headline'"),
    ("[page]\nfont_size = 'big'\n", "'page.font_size'"),
    ("[index\n", "not valid TOML"),
    ("[cover]\nheading = '{nonsense}'\n", "unknown or malformed field"),
])
def test_bad_style_is_a_config_error(tmp_path: Path, content: str, message: str) -> None:
    style = tmp_path / "forms.toml"
    style.write_text(content, "utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        FormRenderer(style=style).cover(make_sheet())


def test_relative_paths_are_taken_from_the_archive_root(tmp_path: Path) -> None:
    (tmp_path / "forms.toml").write_text('[back_cover]\nlines = ["封底 {reference_code}"]\n', "utf-8")
    r = FormRenderer(style="forms.toml", base=tmp_path)
    assert "封底 Q001-C0001-2026-Y-001" in text_of(r.back_cover(make_sheet()), tmp_path)
    with pytest.raises(ConfigError, match=re.escape(str(tmp_path / "nope.otf"))):
        FormRenderer(font="nope.otf", base=tmp_path)


def test_missing_style_or_font_file_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="volumes.forms_style"):
        FormRenderer(style=tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="volumes.font"):
        FormRenderer(font=str(tmp_path / "nope.otf"))


def test_configured_font_is_used(tmp_path: Path) -> None:
    """volumes.font replaces the shipped face (here: the shipped file by its own path)."""
    r = FormRenderer(font=str(fonts.shipped()))
    assert "某某有限公司客户服务部" in text_of(r.cover(make_sheet()), tmp_path)


def test_binding_margin_widens_the_side_margins(tmp_path: Path) -> None:
    r = FormRenderer(binding_margin_mm=35.0)
    found = words(r.index(make_sheet()), tmp_path)
    assert min(w.x0 for w in found) >= 35 * MM - 0.5


def test_config_key_forms_style() -> None:
    raw = {"fonds": {"code": "Q", "name": "N"}, "departments": {"sales": {"name": "销售部", "due_day": 10}},
           "retention": {"permanent": {"name": "永久", "code": "Y", "years": 0}},
           "document_types": [{"code": "contract", "name": "合同", "department": "sales",
                               "retention": "permanent", "rank": 1}],
           "volumes": {"forms_style": "forms.toml"}}
    assert parse_config(raw).volumes.forms_style == "forms.toml"
    del raw["volumes"]
    assert parse_config(raw).volumes.forms_style == ""


def test_a_bracketed_phrase_is_kept_on_one_line(renderer: FormRenderer, tmp_path: Path) -> None:
    """A title that must wrap breaks before （长期·第1卷）, not inside it."""
    title = "无锡锡能电力设备有限公司 2026年客户档案（长期·第1卷）"
    found = words(renderer.cover(make_sheet(title=title)), tmp_path)
    lines: dict[int, str] = {}
    for w in found:
        if w.text and any(ch in title for ch in w.text):
            lines[round(w.y0)] = lines.get(round(w.y0), "") + w.text
    wrapped = [text for text in lines.values() if "长期" in text or "第1卷" in text]
    assert wrapped == ["（长期·第1卷）"], lines


def test_the_four_forms_come_as_one_pdf_with_one_font_subset(tmp_path: Path) -> None:
    """The assembler takes one document (so the volume embeds the forms' font once)."""
    r = FormRenderer()
    sheet = make_sheet(40)
    doc = r.document(sheet)
    assert list(doc.spans) == ["cover", "index", "remarks", "back_cover"]
    assert doc.spans["cover"] == (1, 1) and doc.spans["index"][1] > doc.spans["index"][0]  # 40 rows: 2+ pages
    with pikepdf.open(io.BytesIO(doc.data)) as pdf:
        assert len(pdf.pages) == doc.spans["back_cover"][1]
        programs = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary)
                    and o.get("/Type") == pikepdf.Name.FontDescriptor]
        assert len(programs) == 1
        base = str(next(o for o in pdf.objects if isinstance(o, pikepdf.Dictionary)
                        and o.get("/Subtype") == pikepdf.Name.Type0).BaseFont)
        assert not base.startswith("/MPDFAA+")  # tagged after the subset's content
    first, last = doc.spans["index"]
    assert "卷内文件目录" in text_of(r.index(sheet), tmp_path)
    with pikepdf.open(io.BytesIO(r.index(sheet))) as alone:
        assert len(alone.pages) == last - first + 1  # the standalone forms are split from it


def test_cache_key_follows_the_sheet_and_the_style(tmp_path: Path) -> None:
    r = FormRenderer()
    sheet = make_sheet()
    assert r.cache_key(sheet) == FormRenderer().cache_key(make_sheet())
    assert r.cache_key(sheet) != r.cache_key(replace(sheet, checker="别人"))
    style = tmp_path / "forms.toml"
    style.write_text('[back_cover]\nlines = ["封底"]\n', "utf-8")
    assert FormRenderer(style=style).cache_key(sheet) != r.cache_key(sheet)


def test_fpdf2_is_not_imported_until_a_form_is_rendered() -> None:
    code = ("import sys, archiver.cli, archiver.volumes.forms, archiver.volumes.assemble, archiver.volumes.build; "
            "r = archiver.volumes.forms.FormRenderer(); print('fpdf' in sys.modules, 'fontTools' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.split() == ["False", "False"]


def test_the_forms_cache_key_names_the_installed_fpdf2() -> None:
    from importlib.metadata import version

    from archiver.volumes.forms.renderer import fpdf2_version

    assert fpdf2_version() == version("fpdf2")
