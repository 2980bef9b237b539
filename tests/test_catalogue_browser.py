"""The catalogue in a real browser: headless Chromium (Debian's ``chromium``) driven by
Playwright for Python. Every page is opened both from disk (``file://``) and from a
local web server (the handler of ``python -m http.server``, on 127.0.0.1 and an
ephemeral port, started and stopped here).

Checked: the home page loads with no console error and no request leaving the site;
a Chinese search (part of a customer name, part of a title) finds and follows results;
customer → volume → PDF link resolves (Chinese file names included); a hostile
customer name shows as text and no dialog opens; restricted material is shown by
reference code only (Art. 24) and is not searchable; the table sorts; browsing works
without JavaScript.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from catalogue_helpers import HOSTILE_NAME, HOSTILE_TITLE, SECRET_TITLE, Populated, populate
from conftest import run_cli
from playwright import sync_api  # a test dependency (pyproject: test extra)

from archiver.catalogue import paths

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (see .ci/run)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 — the stdlib's name
        pass


@pytest.fixture
def site(archive_root: Path, drop: Callable[..., Path]) -> tuple[Populated, Path]:
    pop = populate(archive_root, drop)
    r = run_cli(archive_root, "site")
    assert r.exit_code == 0, r.output
    return pop, archive_root / "site"


@pytest.fixture
def server(site: tuple[Populated, Path]) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site[1])))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


class Watch:
    """A page that records console errors, page errors, dialogs and requests."""

    def __init__(self, browser: Any, base: str, *, javascript: bool = True) -> None:
        self.context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.base = base
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, rel: str) -> Any:
        self.page.goto(self.base + rel)
        return self.page

    def close(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        outside = [u for u in self.requests if not u.startswith(self.base)]
        assert outside == [], f"requests leaving the site: {outside}"
        self.context.close()


@pytest.fixture(params=["disk", "server"])
def base(request: pytest.FixtureRequest, site: tuple[Populated, Path]) -> str:
    if request.param == "disk":
        return site[1].as_uri() + "/"
    return str(request.getfixturevalue("server"))


def target_exists(url: str, site_dir: Path, watch: Watch) -> bool:
    """A link's target is there: on disk, or served with status 200."""
    if url.startswith("file://"):
        return Path(unquote(urlparse(url).path)).is_file()
    response = watch.context.request.get(url)
    return bool(response.status == 200 and len(response.body()) > 0)


def test_home_loads_from_disk_and_server(browser: Any, base: str) -> None:
    w = Watch(browser, base)
    page = w.open("index.html")
    assert page.locator("h1").inner_text() == "某某有限公司客户服务部"
    assert "档Q001" in page.locator(".lede").inner_text()
    assert page.locator(".card-num").all_inner_texts() == ["4", "2", "8", "16"]
    page.wait_for_selector("#search-status[data-ready='1']", state="attached")
    w.close()


def test_chinese_search_finds_and_follows(browser: Any, base: str, site: tuple[Populated, Path]) -> None:
    pop, _ = site
    w = Watch(browser, base)
    page = w.open("index.html")
    page.fill("#q", "明远贸易")  # part of a customer name
    results = page.locator("#results .result")
    assert results.first.locator(".result-kind").inner_text() == "客户"
    assert "上海明远贸易有限公司" in results.first.inner_text()
    assert "找到 6 条" in page.locator("#search-status").inner_text()  # the customer, its volume, 4 documents
    page.fill("#q", "信用评估")  # part of a title
    assert results.count() == 1
    results.first.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "2025年3月客户信用评估报告"
    assert page.url.endswith(quote_path(paths.document_page("C0001", pop.records["credit"].id)))
    # document number, date and two terms
    page = w.open("index.html?q=" + "销合〔2025〕18号")
    assert page.locator("#results .result-title").all_inner_texts() == ["钢材购销合同(复印件)"]
    page.fill("#q", "20250315")  # a date: the document and the volume that starts that day
    assert page.locator("#results .result-title").all_inner_texts() == ["上海明远贸易有限公司 2025年度 长期卷",
                                                                      "2025年3月客户信用评估报告"]
    page.fill("#q", "明远 2026")
    assert set(page.locator("#results .result-title").all_inner_texts()) == {"资质评级表 2026年9月",
                                                                            "2026年10月销售统计表"}
    w.close()


def quote_path(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def test_walk_customer_volume_pdf(browser: Any, base: str, site: tuple[Populated, Path]) -> None:
    pop, site_dir = site
    w = Watch(browser, base)
    page = w.open("customers.html")
    page.get_by_role("link", name="上海明远贸易有限公司").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "上海明远贸易有限公司"
    assert "客户搬迁" in page.locator(".history").inner_text()  # Art. 30 history
    vol = pop.volumes["c1"]
    page.get_by_role("link", name=vol.reference).click()
    page.wait_for_load_state()
    assert "档Q001" in unquote(page.url)  # a Chinese page name, from disk and from the server
    assert page.locator("h1").inner_text() == vol.title
    rows = page.locator(".index-table tbody tr")
    assert rows.count() == 2 and "财评〔2025〕3号" in rows.nth(0).inner_text()
    cover = page.locator("figure.cover img")
    assert cover.evaluate("img => img.complete && img.naturalWidth") == 260  # the thumbnail loaded
    pdf_link = page.get_by_role("link", name="打开案卷 PDF")
    href = pdf_link.evaluate("a => a.href")
    assert href.endswith(".pdf") and target_exists(href, site_dir, w)
    # … and on to a document of the volume, its thumbnail and PDF
    page.get_by_role("link", name="钢材购销合同(复印件)").click()
    page.wait_for_load_state()
    assert "页号 3–4" in page.locator(".facts").inner_text()
    assert page.locator("figure.thumb img").evaluate("img => img.complete && img.naturalWidth") == 260
    href = page.get_by_role("link", name="打开扫描件 PDF").evaluate("a => a.href")
    assert target_exists(href, site_dir, w)
    w.close()


def test_hostile_values_show_as_text_and_run_nothing(browser: Any, base: str) -> None:
    w = Watch(browser, base)
    page = w.open("customers.html")
    assert page.get_by_role("link", name=HOSTILE_NAME).count() == 1  # the name, as text
    page.get_by_role("link", name=HOSTILE_NAME).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == HOSTILE_NAME
    assert page.get_by_role("link", name=HOSTILE_TITLE).count() == 1
    page = w.open("index.html")
    page.fill("#q", "script")
    assert page.locator("#results .result-title").first.inner_text() == HOSTILE_NAME
    page.fill("#q", "恶意")
    assert page.locator("#results .result-title").first.inner_text() == HOSTILE_TITLE
    assert page.locator("#results img").count() == 0  # the title's <img> is text, not an element
    page.wait_for_timeout(200)
    assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0
    w.close()  # asserts: no dialog, no console error


def test_restricted_by_reference_only_and_not_searchable(browser: Any, base: str, site: tuple[Populated, Path]) -> None:
    pop, _ = site
    w = Watch(browser, base)
    page = w.open(paths.customer_page("C0002"))
    ref = pop.volumes["secret"].reference
    row = page.locator("tr.restricted")
    assert row.count() == 1 and ref in row.inner_text()
    assert row.locator("a").count() == 0  # no link
    assert SECRET_TITLE not in page.content()
    page = w.open("index.html")
    for query in (SECRET_TITLE[:4], "董秘", pop.records["secret"].id):
        page.fill("#q", query)
        assert page.locator("#results .result").count() == 0, query
    page.fill("#q", "并购附件")  # the ordinary document bound with it is found …
    assert page.locator("#results .result").count() == 1
    page.locator("#results a").click()
    page.wait_for_load_state()
    facts = page.locator(".facts").inner_text()
    assert ref in facts  # … and names its volume by reference code, without a link
    assert page.get_by_role("link", name=ref).count() == 0
    w.close()


def test_customer_table_sorts(browser: Any, base: str) -> None:
    w = Watch(browser, base)
    page = w.open("customers.html")
    codes = lambda: page.locator("#customers tbody tr td:first-child").all_inner_texts()  # noqa: E731
    assert codes() == ["C0001", "C0002", "C0003", "X0001"]
    page.get_by_role("button", name="文件").click()
    assert codes()[0] == "C0003"  # no documents
    page.get_by_role("button", name="文件").click()
    assert codes()[0] == "C0001"  # four documents
    page.get_by_role("button", name="客户名称").click()
    assert page.locator("#customers thead th[aria-sort]").count() == 1
    w.close()


def test_browsing_works_without_javascript(browser: Any, base: str) -> None:
    w = Watch(browser, base, javascript=False)
    page = w.open("index.html")
    assert "搜索需要启用 JavaScript" in page.locator("#search-status").inner_text()
    page.get_by_role("link", name="客户", exact=True).first.click()
    page.wait_for_load_state()
    assert page.locator("#customers tbody tr").count() == 4
    page.get_by_role("link", name="北京华信科技股份有限公司").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "北京华信科技股份有限公司"
    page = w.open("statistics.html")
    assert "客户信息分析报告" in page.locator("main").inner_text()
    w.close()


def test_header_search_of_any_page_leads_to_results(browser: Any, base: str) -> None:
    w = Watch(browser, base)
    page = w.open(paths.customer_page("C0003"))
    page.fill(".quick-search input", "华信")
    page.press(".quick-search input", "Enter")
    page.wait_for_load_state()
    assert page.url.split("?")[0].endswith("index.html")
    assert page.locator("#q").input_value() == "华信"
    assert page.locator("#results .result-title").first.inner_text() == "北京华信科技股份有限公司"
    w.close()
