"""Benchmark of the catalogue's full-text search (issue 12, item 4), with its baseline in
the same run.

At 100,000 generated documents (2–4 pages each of generated Chinese text, ~250
characters a page: words drawn with Zipf frequencies from GB2312's 3,755 common
characters, people's names, company names, dates, numbers, a few Latin words), the
index is written directly through :func:`archiver.catalogue.fulltext.index_files` (no
OCR, no archive), beside the catalogue's real home page (``index.html`` from the
shipped templates, ``assets/fulltext.js``). Then, in headless Chromium (Playwright,
Debian's chromium), the page is opened from disk (``file://``) and each query is run
on a freshly opened page (nothing cached), and again on the same page (warm):

* bytes of index fetched per query (meta + the shards of its keys + the documents
  looked at: the sizes of the files the page requested) — target ≤ 1 MB;
* time from the query to its hits in the page, shards and documents loaded included —
  target ≤ 100 ms; and from opening the page to the hits shown;
* index size per document.

Baseline, same run, same page, same number of documents: the catalogue's metadata
search (``search-index.js``, one script with every document's title, number, type and
date, scanned in memory): bytes it loads, time from opening the page to its answer.
Ratios: full-text / metadata. The bytes a linear scan of the text would have to load
(every page's text) are reported too.

    python benchmarks/bench_search.py                 # 100,000 documents
    python benchmarks/bench_search.py --docs 10000    # quicker
    python benchmarks/bench_search.py --keep DIR      # keep what was generated, then:
    python benchmarks/bench_search.py --reuse DIR     # measure again (the same index, the current page and JS)
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archiver.catalogue import fulltext as ft  # noqa: E402
from archiver.catalogue.model import Totals  # noqa: E402
from archiver.catalogue.render import STATIC, Renderer  # noqa: E402
from archiver.catalogue.search import script_text  # noqa: E402

TYPES = {"basic-data": "客户基本资料表", "credit-report": "客户信用评估报告", "contract": "客户销售合同(复印件)",
         "qualification-rating": "客户资质评级表", "sales-statistics": "客户销售统计表",
         "analysis-report": "客户信息分析报告"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
CITIES = ["上海", "北京", "广州", "深圳", "杭州", "南京", "成都", "武汉", "天津", "苏州", "重庆", "西安"]
TRADES = ["贸易", "科技", "物流", "机械", "电子", "化工", "建材", "食品", "纺织", "医药", "能源", "传动"]
LATIN = ["iso9001", "gb/t", "erp", "vat", "pdf", "usb", "led", "ce", "rohs", "api"]
PUNCT = ",,,。、;:"
# Queries: (label, query, filters) — the names are planted in the text below
QUERIES = [
    ("a common word", "有限公司", {}),
    ("a two-character name", "王立", {}),
    ("a rare three-character name", "欧阳震华", {}),
    ("a product, 3 characters", "减速器", {}),
    ("a phrase, 6 characters", "减速器采购合同", {}),
    ("one character", "鲲", {}),
    ("a Latin word", "iso9001", {}),
    ("two terms", "减速器 王立", {}),
    ("a word, one customer", "有限公司", {"customer": "C0042"}),
    ("a word, one year and type", "减速器", {"year": "2024", "type": "contract"}),
    ("no hit", "不存在的词语组合", {}),
]


def common_characters() -> list[str]:
    """GB2312's level-1 characters (the 3,755 most common, in pinyin order)."""
    out = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return out


class Generator:
    def __init__(self, seed: int, chars_per_page: int) -> None:
        self.rng = random.Random(seed)
        chars = common_characters()
        self.rng.shuffle(chars)
        # 20,000 words of 1–4 characters, drawn with Zipf-like frequencies
        self.words = ["".join(self.rng.choices(chars[: 200 + 30 * i // 20], k=self.rng.choice((1, 2, 2, 2, 3, 4))))
                      for i in range(20_000)]
        weights = [1 / (i + 1) for i in range(len(self.words))]
        self.cum = list(itertools.accumulate(weights))
        self.chars = chars
        self.per_page = chars_per_page

    def word(self) -> str:
        return self.words[bisect.bisect(self.cum, self.rng.random() * self.cum[-1])]

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choices(self.chars[:800], k=self.rng.choice((1, 2))))

    def company(self) -> str:
        return self.rng.choice(CITIES) + self.word() + self.rng.choice(TRADES) + "有限公司"

    def page(self) -> str:
        rng, parts, n = self.rng, [], 0
        while n < self.per_page:
            r = rng.random()
            piece = (self.company() if r < 0.04 else self.name() if r < 0.08 else
                     f"{rng.randint(2015, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日" if r < 0.10 else
                     str(rng.randint(1, 99999)) if r < 0.13 else rng.choice(LATIN) if r < 0.14 else
                     "减速器" if r < 0.142 else "王立" + rng.choice("新明华") if r < 0.143 else self.word())
            if rng.random() < 0.12:
                piece += rng.choice(PUNCT)
            parts.append(piece)
            n += len(piece)
        if rng.random() < 0.01:
            parts.insert(rng.randrange(len(parts)), "减速器采购合同")
        if rng.random() < 0.0002:
            parts.insert(rng.randrange(len(parts)), "欧阳震华")
        if rng.random() < 0.001:
            parts.insert(rng.randrange(len(parts)), "鲲")
        return ft.normalize("".join(parts))


def documents(n: int, customers: int, gen: Generator) -> Iterator[ft.IndexDoc]:
    rng = gen.rng
    types = list(TYPES)
    for i in range(n):
        code = f"C{rng.randrange(customers):04d}"
        year = rng.randint(2015, 2026)
        pages = rng.randint(2, 4)
        bound = rng.random() < 0.7
        ref = f"Q001-{code}-{year}-C-{rng.randint(1, 3):03d}" if bound else ""
        rid = f"{year}0101-{i:06d}"
        first = rng.randint(1, 60)
        yield ft.IndexDoc(
            number=i, record=rid, customer=code, customer_name=gen.company(), year=year, type=rng.choice(types),
            title=f"{year}年{TYPES[types[i % len(types)]]}", reference=ref,
            page=f"customers/{code}/documents/{rid}.html",
            pdf=f"files/volumes/{code}/{year}/{ref}.pdf" if bound else f"files/records/{code}/{year}/{rid}.pdf",
            in_volume=bound,
            pages=tuple(ft.IndexPage(p, first + p if bound else p, first + p - 1 if bound else None, gen.page())
                        for p in range(1, pages + 1)))


def write_index(site: Path, docs: int, customers: int, seed: int, chars: int) -> dict[str, Any]:
    """The full-text index of generated documents, and the metadata index of the same
    documents (for the baseline) in a folder of its own; what was made (also kept in
    ``made.json`` beside them, for ``--reuse``)."""
    gen = Generator(seed, chars)
    meta_site = site.parent / "metadata-site"
    text_bytes = 0
    items: list[list[Any]] = []
    start = time.perf_counter()

    def tracked() -> Iterator[ft.IndexDoc]:
        nonlocal text_bytes
        for d in documents(docs, customers, gen):
            text_bytes += sum(len(p.text.encode()) for p in d.pages)
            items.append(["d", int(d.customer[1:]), list(TYPES).index(d.type), f"{d.year}-01-01", d.title, "",
                          d.reference, d.page])
            yield d

    n_files = 0
    for rel, data in ft.index_files(tracked(), docs, TYPES):
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        n_files += 1
    seconds = time.perf_counter() - start
    meta_site.mkdir(parents=True, exist_ok=True)
    (meta_site / "search-index.js").write_text(script_text(
        {"version": 1, "types": list(TYPES.values()), "items": items,
         "customers": [[f"C{i:04d}", gen.company(), f"customers/C{i:04d}/index.html"] for i in range(customers)]}),
        "utf-8")
    (site / "search-index.js").write_text(script_text({"version": 1, "customers": [], "types": [], "items": []}),
                                          "utf-8")
    index_bytes = sum(p.stat().st_size for p in (site / ft.FOLDER).rglob("*") if p.is_file())
    made = {"docs": docs, "seconds": seconds, "files": n_files, "index_bytes": index_bytes, "text_bytes": text_bytes,
            "metadata_bytes": (meta_site / "search-index.js").stat().st_size}
    (site.parent / "made.json").write_text(json.dumps(made), "utf-8")
    return made


def write_pages(folders: Iterable[Path], customers: int, docs: int) -> None:
    """The catalogue's home page (shipped templates) and its assets, in each folder."""
    renderer = Renderer()
    info = {"fonds_code": "Q001", "fonds_name": "某某有限公司客户服务部", "restricted_from": "机密"}
    for folder in folders:
        html = renderer.render("index.html", "index.html", {
            "site": info, "totals": Totals(customers=customers, volumes=0, documents=docs, pages=0),
            "last_filing": None, "last_audit": None, "nav": "home"})
        (folder / "index.html").write_bytes(html)
        (folder / "assets").mkdir(exist_ok=True)
        for name in STATIC:
            (folder / "assets" / name).write_bytes(renderer.static(name))


ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def fetched(urls: list[str]) -> int:
    """Bytes of the index files among the URLs a page requested (files on disk)."""
    total = 0
    for u in urls:
        path = Path(unquote(urlparse(u).path))
        if "/fulltext/" in u or path.name == "search-index.js":
            total += path.stat().st_size
    return total


def measure(site: Path, meta_site: Path, runs: int) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for label, query, filters in QUERIES:
            cold, first, opened, bytes_, hits, warm, candidates = [], [], [], 0, 0, [], 0
            for _ in range(runs):
                context = browser.new_context()
                page = context.new_page()
                urls: list[str] = []
                page.on("request", lambda r, urls=urls: urls.append(r.url))
                t0 = time.perf_counter()
                page.goto((site / "index.html").as_uri())
                page.wait_for_selector("#ft-status[data-ready='1']", state="attached")
                before = len(urls)
                r = page.evaluate("([q, f]) => window.archiverFulltext(q, f)", [query, filters])
                page.evaluate("document.body.offsetHeight")  # the hits laid out
                opened.append((time.perf_counter() - t0) * 1000)
                cold.append(float(r["ms"]))
                first.append(float(r["first_ms"]))
                bytes_ = fetched(urls[before:]) + fetched(urls[:before])
                hits, candidates = int(r["hits"]), int(r["candidates"])
                warm.append(float(page.evaluate("([q, f]) => window.archiverFulltext(q, f)", [query, filters])["ms"]))
                context.close()
            # baseline: the metadata search of the same documents, from opening the page
            base_open, base_query = [], []
            for _ in range(runs):
                context = browser.new_context()
                page = context.new_page()
                t0 = time.perf_counter()
                page.goto((meta_site / "index.html").as_uri())
                page.wait_for_selector("#search-status[data-ready='1']", state="attached")
                q0 = time.perf_counter()
                page.evaluate("q => window.archiverSearch(q)", query)
                page.evaluate("document.body.offsetHeight")
                base_query.append((time.perf_counter() - q0) * 1000)
                base_open.append((time.perf_counter() - t0) * 1000)
                context.close()
            out.append({"label": label, "query": query, "filters": filters, "hits": hits, "candidates": candidates,
                        "bytes": bytes_, "query_ms": min(cold), "first_ms": min(first), "query_ms_median": statistics.median(cold),
                        "warm_ms": min(warm), "open_to_hits_ms": min(opened),
                        "baseline_open_to_answer_ms": min(base_open), "baseline_query_ms": min(base_query)})
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--customers", type=int, default=2_000)
    ap.add_argument("--chars", type=int, default=250, help="Characters of text a page.")
    ap.add_argument("--runs", type=int, default=3, help="Runs of each timing; the best is reported.")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--keep", type=Path, default=None, help="Generate into this folder and keep it.")
    ap.add_argument("--reuse", type=Path, default=None,
                    help="Measure again in a folder an earlier --keep run generated (its index as it is).")
    args = ap.parse_args()
    work = args.reuse or args.keep or Path(tempfile.mkdtemp(prefix="bench-search-"))
    site, meta_site = work / "site", work / "metadata-site"
    if args.reuse:
        made = json.loads((work / "made.json").read_text("utf-8"))
        args.docs = made["docs"]
    else:
        for folder in (site, meta_site):
            if folder.exists():
                shutil.rmtree(folder)
        made = write_index(site, args.docs, args.customers, args.seed, args.chars)
    write_pages([site, meta_site], args.customers, args.docs)
    os.sync()
    print(f"index of {args.docs:,} documents ({args.chars} characters a page, 2–4 pages) written in "
          f"{made['seconds']:.0f} s: {made['files']:,} files, {made['index_bytes'] / 1e6:.1f} MB "
          f"= {made['index_bytes'] / args.docs:,.0f} bytes per document "
          f"({made['index_bytes'] / made['text_bytes']:.2f} x the text's {made['text_bytes'] / 1e6:.1f} MB); "
          f"{ft.shard_count(args.docs)} shards ({site})")
    print(f"baseline: the metadata index of the same documents, one script: {made['metadata_bytes'] / 1e6:.1f} MB")
    results = measure(site, meta_site, args.runs)
    print("\nper query, each on a page opened afresh (best of the runs): hits shown (pages), candidate documents "
          "(? = not counted: several keys, taken lazily), "
          "index bytes fetched, ms to the first hits shown, ms to a full page of hits, the same query again (warm), "
          "ms from opening the page to the hits; baseline: opening the same page with the metadata index → its answer")
    print(f"{'query':42} {'hits':>5} {'cand.':>6} {'fetched':>9} {'first':>8} {'page':>8} {'warm':>7} "
          f"{'open→hits':>10} {'baseline':>9}  ratio")
    worst_ms, worst_page, worst_bytes = 0.0, 0.0, 0
    for r in results:
        name = f"{r['label']}: {r['query']}" + (f" {r['filters']}" if r["filters"] else "")
        ratio = r["open_to_hits_ms"] / r["baseline_open_to_answer_ms"]
        cand = str(r["candidates"]) if r["candidates"] >= 0 else "?"
        print(f"{name[:42]:42} {r['hits']:>5} {cand:>6} {r['bytes'] / 1e3:>7.0f}kB {r['first_ms']:>6.1f}ms "
              f"{r['query_ms']:>6.1f}ms "
              f"{r['warm_ms']:>5.1f}ms {r['open_to_hits_ms']:>8.0f}ms {r['baseline_open_to_answer_ms']:>7.0f}ms  "
              f"{ratio:.2f}")
        worst_ms = max(worst_ms, r["first_ms"])
        worst_page = max(worst_page, r["query_ms"])
        worst_bytes = max(worst_bytes, r["bytes"])
    print(f"\nworst query: first hits in {worst_ms:.1f} ms (target <= 100 ms), a full page of hits in "
          f"{worst_page:.1f} ms; {worst_bytes / 1e6:.2f} MB fetched (target <= 1 MB)")
    print(f"bytes fetched / metadata index: {worst_bytes / made['metadata_bytes']:.3f} (worst query); "
          f"/ a linear scan of the text: {worst_bytes / made['text_bytes']:.4f}")
    opened = statistics.median(r["open_to_hits_ms"] for r in results)
    base = statistics.median(r["baseline_open_to_answer_ms"] for r in results)
    print(f"open page → hits, median over the queries: {opened:.0f} ms; metadata search, open → answer: "
          f"{base:.0f} ms; ratio {opened / base:.2f}")
    if args.keep is None and args.reuse is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
