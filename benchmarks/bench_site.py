"""Benchmark of ``archiver site`` (issue 4), each measure with its baseline in the same run.

1. Site build with thumbnails cached from a previous build, against rendering the same
   pages' templates alone (in memory, templates compiled beforehand). Target ≤ 1.5.
   Reported twice: a rebuild over the previous site (nothing changed), and a build into
   an empty output folder (every page, PDF link and thumbnail link created); for the
   latter, the file-system floor too: creating the same files alone, nothing read or
   rendered.
2. Incremental rebuild after one new document against the full build into an empty
   folder. Target ≤ 10 %.
3. The size of the search index.
4. Search response time in the browser (headless Chromium via Playwright, the site
   opened from disk): a query typed → results in the page, including layout. Target
   ≤ 100 ms per query.

The archive is generated directly, not ingested, to keep generation quick: customer
profiles, record PDFs and sidecars, a filing journal and volume manifests (with small
volume PDFs) are written as filing and ``archiver build`` would write them. Each record
PDF is a one-page scan-like PDF (one JPEG image, written by a tiny PDF writer here)
made unique by its /Info title, so every record has its own checksum and so its own
thumbnail. About 70 % of the documents are bound into volumes (one per customer, year
and retention class), the rest are loose.

    python benchmarks/bench_site.py               # 10,000 documents over 200 customers
    python benchmarks/bench_site.py --docs 2000   # quicker
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import tomli_w

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archiver.catalogue.build import Inputs, build_site, make_model, make_thumbnails  # noqa: E402
from archiver.catalogue.render import Renderer, pages  # noqa: E402
from archiver.config import template_text  # noqa: E402
from archiver.customers import Customer, write_customer  # noqa: E402
from archiver.model import FileInfo, FilingInfo, Metadata, Record  # noqa: E402
from archiver.store import SIDECAR_HEADER, Archive, record_to_dict  # noqa: E402
from archiver.synth import render_page, text_page  # noqa: E402
from archiver.volumes.manifest import VolumeDocument, VolumeManifest, manifest_to_dict  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=8))
CITIES = ["上海", "北京", "广州", "深圳", "杭州", "南京", "成都", "武汉", "天津", "苏州", "重庆", "西安",
          "长沙", "青岛", "宁波", "厦门", "郑州", "济南", "合肥", "福州"]
WORDS = ["明远", "华信", "南方", "东海", "恒通", "瑞丰", "长城", "新华", "金桥", "宏达", "天成", "永泰",
         "中联", "国泰", "百川", "鼎盛", "远景", "凯旋", "正和", "润泽"]
TRADES = ["贸易有限公司", "科技股份有限公司", "物流有限公司", "机械制造有限公司", "化工有限公司", "电子有限公司"]
DOC_NO = {"basic-data": "销基", "credit-report": "财评", "contract": "销合", "qualification-rating": "客评",
          "sales-statistics": "销统", "analysis-report": "客析"}


def tiny_pdf(jpeg: bytes, size: tuple[int, int], title: str) -> bytes:
    """A one-page PDF showing one JPEG over an A4 page (as a scanner writes it)."""
    w, h = size
    content = b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Resources << /XObject << /Im0 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8"
        b" /Filter /DCTDecode /Length %d >>\nstream\n" % (w, h, len(jpeg)) + jpeg + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Title (" + title.encode("ascii") + b") /Producer (bench_site) >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def generate(root: Path, n_docs: int, n_customers: int, seed: int = 1) -> None:
    """Write an archive of ``n_docs`` records over ``n_customers`` customers."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    (root / "archive.toml").write_text(template_text(), "utf-8")
    for sub in ("inbox", "records", "customers", "volumes", "registers"):
        (root / sub).mkdir()
    archive = Archive.open(root)
    cfg = archive.config
    codes = [f"C{i + 1:04d}" for i in range(n_customers)]
    for i, code in enumerate(codes):
        name = CITIES[i % len(CITIES)] + WORDS[(i // len(CITIES)) % len(WORDS)] + TRADES[i % len(TRADES)]
        write_customer(archive.customers_dir, Customer(code=code, name=name, legal_representative="张伟",
                                                       address=f"{CITIES[i % len(CITIES)]}市中山路{i + 1}号"))
    # A few scan images, shared; each PDF is still unique (its /Info title).
    jpegs = []
    for k in range(4):
        img = render_page(text_page("客户档案材料", n_lines=10, seed=k), dpi=100, seed=k)
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=60)
        jpegs.append((buf.getvalue(), img.size))
    types = list(cfg.document_types.values())
    journal = []
    records: list[Record] = []
    for i in range(n_docs):
        code = codes[i % n_customers]
        t = types[rng.randrange(len(types))]
        date = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365 - 60))
        jpeg, size = jpegs[i % len(jpegs)]
        data = tiny_pdf(jpeg, size, f"doc {i}")
        sha = hashlib.sha256(data).hexdigest()
        rid = f"{date:%Y%m%d}-{t.code}-{sha[:8]}"
        folder = archive.record_dir(code, date.year)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{rid}.pdf").write_bytes(data)
        meta = Metadata(customer=code, type=t.code, date=date, title=f"{date.year}年{date.month}月{t.name}",
                        doc_no=f"{DOC_NO[t.code]}〔{date.year}〕{i % 500 + 1}号", responsible=cfg.departments[t.department].name)
        filed = dt.datetime.combine(date + dt.timedelta(days=rng.randrange(3, 30)), dt.time(10), TZ)
        record = Record(id=rid, meta=meta, retention=t.retention,
                        file=FileInfo(name=f"{rid}.pdf", sha256=sha, size=len(data), page_count=1),
                        filing=FilingInfo(source=f"{rid}.pdf", source_size=len(data), source_mtime_ns=0,
                                          metadata_source="sidecar", filed_at=filed, filed_by="clerk"),
                        path=folder / f"{rid}.pdf")
        (folder / f"{rid}.toml").write_text(SIDECAR_HEADER + tomli_w.dumps(record_to_dict(record)), "utf-8")
        records.append(record)
        journal.append({"at": filed.isoformat(), "by": "clerk", "event": "filed", "record": rid, "customer": code,
                        "year": date.year, "type": t.code, "title": meta.title, "source": f"{rid}.pdf", "sha256": sha})
    journal.sort(key=lambda e: str(e["at"]))
    (root / "registers" / "journal.jsonl").write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in journal), "utf-8")
    # Volumes: one per customer, year and retention class, over 70 % of the documents.
    cover = tiny_pdf(*jpegs[0], "cover")
    groups: dict[tuple[str, int, str], list[Record]] = {}
    for r in records:
        if rng.random() < 0.7:
            groups.setdefault((r.customer, r.meta.year, r.retention), []).append(r)
    for n, ((code, year, retention), members) in enumerate(sorted(groups.items())):
        members.sort(key=lambda r: (r.meta.date, r.id))
        ref = cfg.volumes.reference_format.format(fonds=cfg.fonds_code, customer=code, year=year,
                                                  retention=cfg.retention[retention].letter, volume=1)
        folder = archive.volumes / code / f"{year:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        pdf = cover.replace(b"(cover)", b"(c%05d)" % n)
        (folder / f"{ref}.pdf").write_bytes(pdf)
        docs = tuple(VolumeDocument(record=r.id, sha256=r.file.sha256, type=r.meta.type, title=r.meta.title,
                                    date=r.meta.date, doc_no=r.meta.doc_no, first_page=k + 1, last_page=k + 1,
                                    pdf_first=k + 3, pdf_last=k + 3) for k, r in enumerate(members))
        m = VolumeManifest(reference=ref, customer=code, year=year, retention=retention, classification="ordinary",
                           volume=1, title=f"{code} {year}年度 {cfg.retention[retention].name}卷",
                           start_date=members[0].meta.date, end_date=members[-1].meta.date, page_count=len(members),
                           sheet_count=len(members), built_at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=TZ), filer="李档案",
                           checker="王检查", inputs="bench", file_name=f"{ref}.pdf",
                           file_sha256=hashlib.sha256(pdf).hexdigest(), file_size=len(pdf), pdf_page_count=1,
                           documents=docs, path=folder / f"{ref}.toml")
        (folder / f"{ref}.toml").write_text(tomli_w.dumps(manifest_to_dict(m)), "utf-8")


def add_one(root: Path, n: int = 0) -> None:
    """One new filed document, as ingest would leave it."""
    archive = Archive.open(root)
    jpeg_img = render_page(text_page(f"新文件{n}", n_lines=6, seed=99 + n), dpi=100, seed=99 + n)
    buf = io.BytesIO()
    jpeg_img.save(buf, format="JPEG", quality=60)
    data = tiny_pdf(buf.getvalue(), jpeg_img.size, f"new one {n}")
    sha = hashlib.sha256(data).hexdigest()
    date = dt.date(2026, 11, 2)
    rid = f"{date:%Y%m%d}-credit-report-{sha[:8]}"
    folder = archive.record_dir("C0001", 2026)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{rid}.pdf").write_bytes(data)
    record = Record(id=rid, meta=Metadata(customer="C0001", type="credit-report", date=date, title=f"2026年11月新增信用评估报告{n}"),
                    retention="long-term", file=FileInfo(name=f"{rid}.pdf", sha256=sha, size=len(data), page_count=1),
                    filing=FilingInfo(source="new.pdf", source_size=len(data), source_mtime_ns=0, metadata_source="sidecar",
                                      filed_at=dt.datetime(2026, 11, 3, 9, 0, tzinfo=TZ), filed_by="clerk"),
                    path=folder / f"{rid}.pdf")
    (folder / f"{rid}.toml").write_text(SIDECAR_HEADER + tomli_w.dumps(record_to_dict(record)), "utf-8")
    archive.journal.append("filed", by="clerk", record=rid, customer="C0001", year=2026, type="credit-report",
                           title=record.meta.title, source="new.pdf", sha256=sha)


def render_only(archive: Archive) -> tuple[float, int]:
    """Baseline: render every page's template in memory, nothing read or written."""
    inputs = Inputs.read(archive)
    thumbs, _ = make_thumbnails(inputs)
    model = make_model(inputs, thumbs)
    renderer = Renderer()
    all_pages = list(pages(model))
    for name in {p.template for p in all_pages}:
        renderer.env.get_template(name)  # compiled beforehand: only rendering is timed
    gc.disable()  # as the build does, so both run alike
    start = time.perf_counter()
    total = 0
    for p in all_pages:
        total += len(renderer.render(p.template, p.path, p.context))
    seconds = time.perf_counter() - start
    gc.enable()
    return seconds, len(all_pages)


def io_floor(site: Path, target: Path) -> float:
    """Baseline: create the files of a built site again (pages written from memory, PDFs
    and thumbnails hard-linked) in a new folder — what any build into an empty folder
    must pay to the file system, with no reading, no model and no rendering."""
    pages_data, links = [], []
    for path in site.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            rel = path.relative_to(site)
            if path.suffix in (".pdf", ".jpg"):
                links.append((path, target / rel))
            else:
                pages_data.append((target / rel, path.read_bytes()))
    start = time.perf_counter()
    for dest, data in pages_data:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    for src, dest in links:
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.link(src, dest)
    os.sync()
    seconds = time.perf_counter() - start
    shutil.rmtree(target)
    return seconds


def browser_search(site: Path, queries: list[str]) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
    out: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page()
        start = time.perf_counter()
        page.goto((site / "index.html").as_uri())
        page.wait_for_selector("#search-status[data-ready='1']", state="attached")
        out["load_ms"] = (time.perf_counter() - start) * 1000
        for q in queries:
            times = page.evaluate("""q => {
                const input = document.getElementById('q'), res = [];
                for (let i = 0; i < 5; i++) {
                    input.value = '';
                    input.dispatchEvent(new Event('input'));
                    const t0 = performance.now();
                    input.value = q;
                    input.dispatchEvent(new Event('input'));
                    document.body.offsetHeight;  // force layout of the results
                    res.push(performance.now() - t0);
                }
                return res;
            }""", q)
            out[q] = statistics.median(times)
            out[q + " (hits)"] = float(page.evaluate("q => window.archiverSearch(q)", q))
        browser.close()
    return out


def _runs(values: Iterable[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--customers", type=int, default=200)
    ap.add_argument("--keep", type=Path, default=None, help="Generate into this folder and keep it.")
    ap.add_argument("--no-browser", action="store_true", help="Skip the in-browser search timing.")
    ap.add_argument("--runs", type=int, default=3, help="Runs of each timing; the best is reported.")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-site-"))
    root = work / "archive"
    if root.exists():
        shutil.rmtree(root)
    t = time.perf_counter()
    generate(root, args.docs, args.customers)
    print(f"generated {args.docs} documents over {args.customers} customers in {time.perf_counter() - t:.1f} s ({root})")
    archive = Archive.open(root)

    cold = build_site(archive, root / "site-cold")
    print(f"first build (makes {cold.thumbnails_made} thumbnails): {cold.seconds:.2f} s, {cold.pages} pages")

    # Timings on a shared machine are noisy: each is the best of `--runs` runs, after
    # flushing what earlier steps wrote.
    renders = [render_only(archive) for _ in range(args.runs)]
    render_s, n_pages = min(renders)
    print(f"baseline: rendering the same {n_pages} pages' templates alone, in memory: {render_s:.2f} s "
          f"(runs: {_runs(r for r, _n in renders)})")

    again = []
    for _ in range(args.runs):
        os.sync()
        again.append(build_site(archive, root / "site-cold"))
    again_s = min(a.seconds for a in again)
    print(f"rebuild over the previous site, thumbnails cached, nothing changed: {again_s:.2f} s "
          f"(runs: {_runs(a.seconds for a in again)}; {again[-1].written} files written)")
    print(f"  ratio rebuild / render = {again_s / render_s:.2f}   (target <= 1.5)")

    fulls, floors = [], []
    for i in range(args.runs):
        folder = root / f"site-full-{i}"
        os.sync()
        full = build_site(archive, folder)  # thumbnails cached, empty output folder
        fulls.append(full.seconds)
        os.sync()
        floors.append(io_floor(folder, root / "io-floor"))
    full_s, io_s = min(fulls), min(floors)
    print(f"build into an empty folder, thumbnails cached: {full_s:.2f} s (runs: {_runs(fulls)}; "
          f"{full.written} files created: pages, PDF and thumbnail links)")
    print(f"  ratio empty-folder build / render = {full_s / render_s:.2f}   (target <= 1.5)")
    print(f"  file-system floor: creating the same files alone (same bytes, same links, nothing read or "
          f"rendered): {io_s:.2f} s (runs: {_runs(floors)}) = {io_s / render_s:.2f} x render; "
          f"(build - floor) / render = {(full_s - io_s) / render_s:.2f}")
    incs = []
    for i in range(args.runs):
        add_one(root, i)
        os.sync()
        inc = build_site(Archive.open(root), root / "site-full-0")
        incs.append(inc.seconds)
    inc_s = min(incs)
    print(f"incremental rebuild after one new document: {inc_s:.2f} s (runs: {_runs(incs)}; "
          f"{inc.written} files written, {inc.thumbnails_made} thumbnail made)")
    print(f"  ratio incremental / empty-folder build = {inc_s / full_s:.1%}   (target <= 10 %); "
          f"incremental / render = {inc_s / render_s:.2f} (steadier: the empty-folder build is mostly disk time)")
    print(f"search index: {inc.search_index_bytes / 1e6:.2f} MB "
          f"({inc.search_index_bytes / max(1, inc.documents):.0f} bytes per document)")

    if not args.no_browser:
        queries = ["明远", "华信科技", "信用评估", "销合〔2025〕", "2025-03", "C0123", "上海 合同", "不存在的词"]
        res = browser_search(root / "site-full-0", queries)
        print(f"browser: home page with the index loaded in {res.pop('load_ms'):.0f} ms")
        worst = 0.0
        for q in queries:
            worst = max(worst, res[q])
            print(f"  search {q!r}: {res[q]:.1f} ms, {res[q + ' (hits)']:.0f} hits")
        print(f"  slowest query {worst:.1f} ms   (target <= 100 ms)")
    if args.keep is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
