"""Full-text search in a real browser: headless Chromium (Debian's ``chromium``, driven
by Playwright), the catalogue opened from disk (``file://``) and from a local web
server (127.0.0.1, an ephemeral port, started and stopped here), as in
test_catalogue_browser.py.

Checked: a two-character name finds the pages where it stands and not those where its
characters are scattered, with the words marked; filters (customer, year, type); a
hit's link opens the right PDF at the right page; restricted text is not found; the
index files a query loads are its own shards and the documents it shows; values show
as text (nothing from the archive runs).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from catalogue_helpers import Populated, populate
from conftest import Clock, run_cli
from fulltext_helpers import SECRET_TEXT, SECRET_WORD, write_texts
from test_catalogue_browser import Quiet, Watch, browser  # noqa: F401 — the browser fixture

from archiver.catalogue import fulltext as ft
from archiver.catalogue import paths


@pytest.fixture
def site(archive_root: Path, drop: Callable[..., Path], clock: Clock,
         monkeypatch: pytest.MonkeyPatch) -> tuple[Populated, Path]:
    clock.set("2026-11-26T10:00:00+08:00")
    monkeypatch.setattr(ft, "DOCS_PER_SHARD", 1)  # several shards for a small archive
    pop = populate(archive_root, drop)
    write_texts(pop)
    r = run_cli(archive_root, "site")
    assert r.exit_code == 0, r.output
    return pop, archive_root / "site"


@pytest.fixture(params=["disk", "server"])
def base(request: pytest.FixtureRequest, site: tuple[Populated, Path]) -> Iterator[str]:
    if request.param == "disk":
        yield site[1].as_uri() + "/"
        return
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site[1])))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def home(browser: Any, base: str) -> tuple[Watch, Any]:  # noqa: F811 — the fixture's value
    w = Watch(browser, base)
    page = w.open("index.html")
    page.wait_for_selector("#ft-status[data-ready='1']", state="attached")
    return w, page


def ask(page: Any, query: str, **filters: str) -> list[dict[str, Any]]:
    """Search (as typing does) and return each hit's title, meta line, marks and link."""
    page.evaluate("([q, f]) => window.archiverFulltext(q, f)", [query, filters])
    return page.locator("#ft-results li.ft-hit").evaluate_all("""items => items.map(li => ({
        title: li.querySelector('.result-title').textContent,
        meta: li.querySelector('.result-meta').textContent,
        marks: Array.from(li.querySelectorAll('.ft-snippet mark')).map(m => m.textContent),
        href: li.querySelector('a.ft-open').href}))""")


def test_two_characters_find_where_they_stand_with_marks(browser: Any, base: str) -> None:  # noqa: F811
    w, page = home(browser, base)
    hits = ask(page, "王立")
    assert sorted(h["title"] for h in hits) == ["2025年3月客户信用评估报告", "并购附件:市场概况(普通)"]
    assert all(h["marks"] == ["王立"] for h in hits)
    assert "正文中找到 2 份文件,2 页" in page.locator("#ft-status").inner_text()
    assert page.locator("#ft-more").is_hidden()  # every candidate looked at: no "more"
    # 减速器: confirmed in the text (the contract has 减速 and 速器 apart), three pages
    assert sorted(h["title"] for h in ask(page, "减速器")) == ["2025年3月客户信用评估报告", "并购附件:市场概况(普通)",
                                                            "资质评级表 2026年9月"]
    assert [h["title"] for h in ask(page, "ＩＳＯ9001")] == ["钢材购销合同(复印件)"]
    assert ask(page, "9001") == []
    # typing in the search box runs it too
    page.fill("#q", "齿轮箱")
    page.wait_for_selector("#ft-results li.ft-hit")
    assert page.locator("#ft-results .ft-snippet mark").all_inner_texts() == ["齿轮箱"]
    w.close()


def test_filters(browser: Any, base: str) -> None:  # noqa: F811
    w, page = home(browser, base)
    assert [h["title"] for h in ask(page, "减速器", customer="C0002")] == ["并购附件:市场概况(普通)"]
    assert [h["title"] for h in ask(page, "减速器", year="2025")] == ["2025年3月客户信用评估报告"]
    assert [h["title"] for h in ask(page, "减速器", type="qualification-rating")] == ["资质评级表 2026年9月"]
    # the page's own controls
    assert "2025" in page.locator("#ft-year option").all_inner_texts()
    page.select_option("#ft-type", "qualification-rating")
    page.fill("#q", "减速器")
    page.wait_for_function("document.querySelectorAll('#ft-results li').length === 1")
    assert page.locator("#ft-results .result-title").inner_text() == "资质评级表 2026年9月"
    w.close()


def test_a_hit_opens_the_volume_pdf_at_its_page(browser: Any, base: str, site: tuple[Populated, Path]) -> None:  # noqa: F811
    pop, site_dir = site
    w, page = home(browser, base)
    vol = pop.volumes["c1"]
    (credit,) = [h for h in ask(page, "王立") if h["title"] == "2025年3月客户信用评估报告"]
    assert vol.reference in credit["meta"] and "页号 2" in credit["meta"] and "上海明远贸易有限公司" in credit["meta"]
    url = urlparse(credit["href"])
    assert url.fragment == "page=3"  # after the cover: the record's page 2
    assert unquote(url.path).endswith(paths.volume_pdf("C0001", 2025, vol.pdf_path.name))
    target = credit["href"].split("#")[0]
    if target.startswith("file://"):
        assert Path(unquote(urlparse(target).path)).is_file()
    else:
        assert w.context.request.get(target).status == 200
    (unbound,) = ask(page, "齿轮箱")
    assert "第 1 页" in unbound["meta"] and unbound["href"].endswith(".pdf#page=1")
    page.locator("#ft-results a.ft-doc").first.click()  # the document's own page
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "资质评级表 2026年9月"
    w.close()


def test_restricted_text_is_not_found_and_values_are_text(browser: Any, base: str,  # noqa: F811
                                                         site: tuple[Populated, Path]) -> None:
    pop, site_dir = site
    w, page = home(browser, base)
    for query in (SECRET_TEXT, SECRET_TEXT[:2], SECRET_WORD):
        assert ask(page, query) == [], query
    (hostile,) = ask(page, "恶意正文")
    assert page.locator("#ft-results img").count() == 0  # the text's <img> stays text
    assert hostile["marks"] == ["恶意正文"]
    files = [p for p in site_dir.rglob("*") if p.is_file()]
    assert not [p for p in files if SECRET_TEXT.encode() in p.read_bytes() or SECRET_WORD.encode() in p.read_bytes()]
    w.close()


def test_a_query_loads_only_its_own_shards(browser: Any, base: str) -> None:  # noqa: F811
    w, page = home(browser, base)
    before = len(w.requests)
    ask(page, "减速器")
    loaded = [urlparse(u).path.rpartition("/fulltext/")[2] for u in w.requests[before:] if "/fulltext/" in u]
    shards = ft.shard_count(7)
    own = {ft.shard_path(ft.shard_of(k, shards)).removeprefix("fulltext/") for k in ("减速", "速器")}
    assert {x for x in loaded if x.startswith("keys/")} == own
    assert len([x for x in loaded if x.startswith("docs/")]) == 4  # the four candidates, no other document
    w.close()
