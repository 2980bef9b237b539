"""Fixtures for the catalogue tests: a small archive with records (filed through
``archiver ingest``), volumes (a manifest + a small PDF written here, as ``archiver
build`` would), a restricted document, a customer with a hostile name, and a customer
history — so every page type and every Art. 24 rule has something to show."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pikepdf
from conftest import run_cli, set_config
from fpdf import FPDF

from archiver.atomic import ensure_dir, sha256_file
from archiver.model import Record
from archiver.store import Archive
from archiver.volumes.manifest import VolumeDocument, VolumeManifest, write_manifest

FONDS = "档Q001"  # a Chinese fonds code: reference codes, page and PDF names carry Chinese
SECRET_TITLE = "绝密并购谈判底价备忘录"
SECRET_DOC_NO = "董秘〔二〇二六〕柒号"
SECRET_RESPONSIBLE = "董事会秘书处"
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_TITLE = '<img src=x onerror="alert(2)">恶意题名'


def cover_pdf(lines: list[str]) -> bytes:
    """A vector cover page with Chinese text (like the forms of `archiver build`)."""
    pdf = FPDF(format="A4")
    font = resources.files("archiver").joinpath("fonts/NotoSerifSC-Regular-GB2312.ttf")
    with resources.as_file(font) as path:
        pdf.add_font("song", fname=str(path))
    pdf.add_page()
    pdf.set_font("song", size=22)
    pdf.set_y(60)
    for line in lines:
        pdf.cell(0, 16, line, align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_volume(archive: Archive, records: list[Record], *, volume: int = 1, title: str = "",
                classification: str | None = None) -> VolumeManifest:
    """Write a volume of ``records`` (one customer, one year): PDF + manifest."""
    cfg = archive.config
    first = records[0]
    year, customer = first.meta.year, first.customer
    retention = first.retention
    reference = cfg.volumes.reference_format.format(fonds=cfg.fonds_code, customer=customer, year=year,
                                                    retention=cfg.retention[retention].letter, volume=volume)
    title = title or f"{customer} {year}年度 客户档案"
    folder = archive.volumes / customer / f"{year:04d}"
    ensure_dir(folder)  # 0750, as `archiver build` makes it
    out = pikepdf.open(io.BytesIO(cover_pdf([title, reference])))
    docs = []
    page_no = 0
    for r in records:
        src = pikepdf.open(r.path)
        pdf_first = len(out.pages) + 1
        out.pages.extend(src.pages)
        n = len(src.pages)
        docs.append(VolumeDocument(
            record=r.id, sha256=r.file.sha256, type=r.meta.type, title=r.meta.title, date=r.meta.date,
            doc_no=r.meta.doc_no, responsible=r.meta.responsible, classification=r.meta.classification,
            first_page=page_no + 1, last_page=page_no + n, pdf_first=pdf_first, pdf_last=pdf_first + n - 1,
        ))  # fmt: skip
        page_no += n
    pdf_path = folder / f"{reference}.pdf"
    out.save(pdf_path)
    pdf_path.chmod(0o440)  # as `archiver build` leaves a stored volume
    levels = ("ordinary", "confidential", "secret", "top-secret")
    highest = classification or max((r.meta.classification for r in records), key=levels.index)
    manifest = VolumeManifest(
        reference=reference, customer=customer, year=year, retention=retention, classification=highest,
        volume=volume, title=title, start_date=min(r.meta.date for r in records),
        end_date=max(r.meta.date for r in records), page_count=page_no, sheet_count=(page_no + 1) // 2,
        built_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        filer="李档案", checker="王检查", inputs="test", file_name=pdf_path.name,
        file_sha256=sha256_file(pdf_path), file_size=pdf_path.stat().st_size, pdf_page_count=len(out.pages),
        parts={"cover": (1, 1), "documents": (2, len(out.pages))}, documents=tuple(docs),
        remarks=("第3件为复印件。",), path=folder / f"{reference}.toml",
    )  # fmt: skip
    write_manifest(manifest)
    return manifest


@dataclass
class Populated:
    root: Path
    archive: Archive
    records: dict[str, Record]  # by a short name used in the tests
    volumes: dict[str, VolumeManifest]


def ingest_all(root: Path, drop: Callable[..., Path], specs: list[tuple[str, dict[str, object]]]) -> dict[str, Record]:
    """Drop one scan per spec (name, sidecar metadata), run `archiver ingest`, and return
    the filed records by name (matched on their titles)."""
    for i, (name, meta) in enumerate(specs):
        drop(f"{name}.pdf", pages=2, meta=meta, seed=10 + i)
    result = run_cli(root, "ingest")
    assert result.exit_code == 0, result.output
    by_title = {r.meta.title: r for r in Archive.open(root).iter_records()}
    return {name: by_title[str(meta["title"])] for name, meta in specs}


def populate(root: Path, drop: Callable[..., Path]) -> Populated:
    """The catalogue test archive (three customers of conftest + a hostile one)."""
    set_config(root, r'^code = "Q001"$', f'code = "{FONDS}"')
    r = run_cli(root, "customer", "add", "X0001", "--name", HOSTILE_NAME)
    assert r.exit_code == 0, r.output
    specs = [
        ("credit", {"customer": "C0001", "type": "credit-report", "date": "2025-03-15",
                    "title": "2025年3月客户信用评估报告", "doc_no": "财评〔2025〕3号", "responsible": "财务部"}),
        ("contract", {"customer": "C0001", "type": "contract", "date": "2025-06-02",
                      "title": "钢材购销合同(复印件)", "doc_no": "销合〔2025〕18号", "responsible": "销售部"}),
        ("rating", {"customer": "C0001", "type": "qualification-rating", "date": "2026-09-10",
                    "title": "资质评级表 2026年9月"}),
        ("stats", {"customer": "C0001", "type": "sales-statistics", "date": "2026-10-08",
                   "title": "2026年10月销售统计表"}),
        ("secret", {"customer": "C0002", "type": "analysis-report", "date": "2026-04-01",
                    "title": SECRET_TITLE, "doc_no": SECRET_DOC_NO, "responsible": SECRET_RESPONSIBLE,
                    "classification": "secret"}),
        ("beside", {"customer": "C0002", "type": "analysis-report", "date": "2026-04-02",
                    "title": "并购附件:市场概况(普通)"}),
        ("plain2", {"customer": "C0002", "type": "basic-data", "date": "2026-05-20",
                    "title": "客户基本资料表(北京华信)"}),
        ("hostile", {"customer": "X0001", "type": "basic-data", "date": "2026-07-01", "title": HOSTILE_TITLE}),
    ]
    recs = ingest_all(root, drop, specs)
    archive = Archive.open(root)
    volumes = {
        "c1": make_volume(archive, [recs["credit"], recs["contract"]], title="上海明远贸易有限公司 2025年度 长期卷"),
        "secret": make_volume(archive, [recs["secret"], recs["beside"]], title="北京华信 2026年度 专卷"),
    }
    history = root / "customers" / "C0001" / "history.jsonl"
    history.write_text(json.dumps({"at": "2026-08-01T09:30:00+08:00", "by": "张三", "event": "changed",
                                   "field": "address", "old": "上海市黄浦区南京东路1号",
                                   "new": "上海市浦东新区世纪大道100号", "reason": "客户搬迁"},
                                  ensure_ascii=False) + "\n", "utf-8")
    history.chmod(0o640)  # as the archive writes it (Art. 24)
    return Populated(root=root, archive=archive, records=recs, volumes=volumes)


def with_javascript(data: bytes, *, embedded: bool = False) -> bytes:
    """``data`` (a PDF) with a document-level JavaScript (and an embedded file)."""
    pdf = pikepdf.open(io.BytesIO(data))
    js = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')")))
    names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), js])))
    if embedded:
        spec = pikepdf.AttachedFileSpec(pdf, b"MZ payload", filename="run.exe")
        pdf.attachments["run.exe"] = spec
    pdf.Root.Names = names if "/Names" not in pdf.Root else pdf.Root.Names
    if "/JavaScript" not in pdf.Root.Names:
        pdf.Root.Names.JavaScript = names.JavaScript
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def replace_volume_pdf(manifest: VolumeManifest, data: bytes) -> VolumeManifest:
    """Put other bytes in a volume's PDF and record them in its manifest (as a build would)."""
    import dataclasses
    import os

    manifest.pdf_path.unlink()
    manifest.pdf_path.write_bytes(data)
    os.chmod(manifest.pdf_path, 0o440)
    new = dataclasses.replace(manifest, file_sha256=hashlib.sha256(data).hexdigest(), file_size=len(data))
    write_manifest(new)
    return new


def replace_record_pdf(record: Record, data: bytes) -> Record:
    """Other bytes in a record's PDF, recorded in its sidecar (as if filed so: a test of
    what the catalogue does with such a file, whatever filing lets in)."""
    import dataclasses
    import os

    from archiver.store import write_record

    record.path.unlink()
    record.path.write_bytes(data)
    os.chmod(record.path, 0o440)
    n = len(pikepdf.open(io.BytesIO(data)).pages)
    new = dataclasses.replace(record, file=dataclasses.replace(
        record.file, sha256=hashlib.sha256(data).hexdigest(), size=len(data), page_count=n))
    write_record(new)
    return new
