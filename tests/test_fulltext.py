"""Full-text search without a browser: the rules (normal form, keys, postings, where a
record's page lies in its volume), the index a catalogue build writes (Art. 24, links,
filters, exactness), its incremental update, and ``archiver search``. The browser tests
are in test_fulltext_browser.py."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from catalogue_helpers import Populated, populate
from conftest import Clock, run_cli
from fulltext_helpers import SECRET_TEXT, SECRET_WORD, TEXTS, write_text, write_texts

from archiver.catalogue import fulltext as ft
from archiver.catalogue import fulltext_index, paths
from archiver.catalogue.fulltext_index import SiteIndex
from archiver.ocr.store import text_path
from archiver.store import Archive
from archiver.volumes.manifest import VolumeDocument


# Rules --------------------------------------------------------------------------------------
def test_normal_form() -> None:
    assert ft.normalize("减速 器\n材") == "减速器材"  # no space between two Chinese characters
    assert ft.normalize("ＩＳＯ９００１  质量\t体系") == "iso9001 质量体系"
    assert ft.normalize("  A  b  ") == "a b"
    assert ft.page_text(["上海明远", "贸易有限公司", "ISO 9001"]) == "上海明远贸易有限公司 iso 9001"


def test_keys_of_text_and_terms() -> None:
    keys = ft.text_keys("采购减速器20台, iso9001")
    assert {"减速", "速器", "减", "速", "器", "20", "台", "iso9001", "采购"} <= keys
    assert "器20" not in keys and "购减速" not in keys
    assert ft.term_keys("减速器") == ["减速", "速器"]
    assert ft.term_keys("减") == ["减"]  # one character: its own key
    assert ft.term_keys("2025年") == ["2025", "年"]
    assert ft.query_terms("  王立  ISO9001 王立 ,, ") == ["王立", "iso9001"]


def test_a_term_stands_where_it_stands() -> None:
    assert ft.find_term("经办人王立新签字", "王立") == 3
    assert ft.find_term("王经理立即发货", "王立") == -1
    assert ft.find_term("符合 iso9001 要求", "iso9001") == 3
    assert ft.find_term("编号 xiso9001", "iso9001") == -1  # words match whole
    assert ft.snippet("本公司向其采购减速器二十台", ["减速器"]) == [("本公司向其采购", False), ("减速器", True),
                                                                  ("二十台", False)]
    long = "甲" * 100 + "减速器" + "乙" * 100
    parts = ft.snippet(long, ["减速器"])
    assert parts[0] == ("…", False) and parts[-1] == ("…", False) and ("减速器", True) in parts


@pytest.mark.parametrize("numbers", [[], [0], [5, 6, 7, 1000, 40000, 2**31], list(range(0, 3000, 2)),
                                     list(range(500)), [3, 64, 65, 2000]])
def test_postings_round_trip(numbers: list[int]) -> None:
    encoded = ft.encode_postings(numbers)
    assert ft.decode_postings(encoded) == numbers
    assert set(encoded) <= set(ft.ALPHABET) | {"~"}


def test_dense_postings_are_a_bitmap() -> None:
    dense = list(range(600))
    assert ft.encode_postings(dense).startswith("~") and len(ft.encode_postings(dense)) == 101
    assert not ft.encode_postings([1, 500]).startswith("~")


def test_shard_count_grows_with_documents_in_powers_of_two() -> None:
    assert ft.shard_count(0) == ft.MIN_SHARDS == 1 and ft.shard_count(ft.DOCS_PER_SHARD + 1) == 2
    assert ft.shard_count(100_000) == 4096 and ft.shard_count(10**7) == ft.MAX_SHARDS
    assert all(0 <= ft.shard_of(k, 64) < 64 for k in ("减速", "王", "iso9001", "#c:C0001"))


def test_record_pages_in_a_volume_skip_inserted_backs_and_blank_numbers() -> None:
    # A simplex scan of four pages bound from volume page 5: a blank back after each
    # page; its third page is blank (no number, Art. 16); numbering continues at 3.
    doc = VolumeDocument(record="r", sha256="0" * 64, type="contract", title="t", date=dt.date(2025, 1, 1),
                         first_page=3, last_page=5, pdf_first=5, pdf_last=12, blank_pages=(9,),
                         inserted_backs=(6, 8, 10, 12))
    assert ft.record_pages_in_volume(doc, 4) == [(5, 3), (7, 4), (9, None), (11, 5)]
    duplex = VolumeDocument(record="r", sha256="0" * 64, type="contract", title="t", date=dt.date(2025, 1, 1),
                            first_page=1, last_page=2, pdf_first=3, pdf_last=5)  # a pad page at the end
    assert ft.record_pages_in_volume(duplex, 2) == [(3, 1), (4, 2)]


def test_scripts_cannot_close_a_script_element() -> None:
    data = ft.script("doc", 1, {"t": "</script><b>&\u2028"})
    assert b"<" not in data and b">" not in data and b"&" not in data and "\u2028".encode() not in data
    assert ft.parse_script(data) == ("doc", [1, {"t": "</script><b>&\u2028"}])


# The index of a catalogue build ---------------------------------------------------------------
@pytest.fixture
def pop(archive_root: Path, drop: Callable[..., Path], clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Populated:
    clock.set("2026-11-26T10:00:00+08:00")
    monkeypatch.setattr(ft, "DOCS_PER_SHARD", 1)  # shards for a small archive: 8 for its 7 documents
    p = populate(archive_root, drop)
    write_texts(p)
    return p


def site_build(pop: Populated, *args: str) -> dict[str, Any]:
    r = run_cli(pop.root, "site", "--json", *args)
    assert r.exit_code == 0, r.output
    return dict(json.loads(r.output[r.output.index("{"):]))


def search(pop: Populated, *args: str) -> dict[str, Any]:
    r = run_cli(pop.root, "search", "--json", *args)
    assert r.exit_code == 0, r.output
    return dict(json.loads(r.output))


def where(result: dict[str, Any]) -> set[tuple[str, int]]:
    return {(h["title"], h["page"]) for h in result["hits"]}


def test_a_two_character_name_finds_the_pages_where_it_stands(pop: Populated) -> None:
    site_build(pop)
    found = search(pop, "王立")
    # credit p.2 "经办人王立新", beside p.2 "王立新 审核"; not contract p.2 "王经理立即" (scattered);
    # never the restricted document, which has 王立新 too
    assert where(found) == {("2025年3月客户信用评估报告", 2), ("并购附件:市场概况(普通)", 2)}
    assert all(h["marks"] == ["王立"] for h in found["hits"])


def test_longer_terms_are_confirmed_in_the_text(pop: Populated) -> None:
    site_build(pop)
    # contract p.1 has 减速 (减速装置) and 速器 (变速器), not 减速器: a candidate, not a hit
    found = search(pop, "减速器")
    assert ("钢材购销合同(复印件)", 1) not in where(found)
    assert where(found) == {("2025年3月客户信用评估报告", 2), ("资质评级表 2026年9月", 1), ("并购附件:市场概况(普通)", 1)}
    assert search(pop, "减")["hits"]  # one character
    assert where(search(pop, "ISO9001")) == {("钢材购销合同(复印件)", 2)}  # full-width or not, any case
    assert search(pop, "9001")["hits"] == []  # words match whole
    # two terms: the documents holding both, with their pages holding either
    assert where(search(pop, "减速器 王立")) == {("2025年3月客户信用评估报告", 2), ("并购附件:市场概况(普通)", 1),
                                             ("并购附件:市场概况(普通)", 2)}
    assert where(search(pop, "齿轮箱 王立")) == set()


def test_filters_customer_year_type(pop: Populated) -> None:
    site_build(pop)
    assert where(search(pop, "减速器", "--customer", "C0002")) == {("并购附件:市场概况(普通)", 1)}
    assert where(search(pop, "减速器", "--year", "2025")) == {("2025年3月客户信用评估报告", 2)}
    assert where(search(pop, "减速器", "--type", "qualification-rating")) == {("资质评级表 2026年9月", 1)}
    assert where(search(pop, "减速器", "--type", "客户资质评级表")) == {("资质评级表 2026年9月", 1)}  # by name
    assert search(pop, "减速器", "--customer", "C0003")["hits"] == []
    r = run_cli(pop.root, "search", "减速器", "--type", "nonsense")
    assert r.exit_code == 2 and "qualification-rating" in r.output


def test_a_hit_names_its_volume_page_number_and_opens_that_page(pop: Populated) -> None:
    site_build(pop)
    vol = pop.volumes["c1"]
    (credit,) = [h for h in search(pop, "王立")["hits"] if h["customer"] == "C0001"]
    # credit is the volume's first document: its page 2 is volume PDF page 3 (after the cover), 页号 2
    assert credit["reference"] == vol.reference and credit["stamped_page"] == 2
    assert credit["link"] == f"{paths.volume_pdf('C0001', 2025, vol.pdf_path.name)}#page=3"
    assert (pop.root / "site" / credit["pdf"]).is_file()
    # bound in a restricted volume: named by reference code, opened in its own PDF
    (beside,) = [h for h in search(pop, "王立")["hits"] if h["customer"] == "C0002"]
    rec = pop.records["beside"]
    assert beside["reference"] == pop.volumes["secret"].reference and beside["stamped_page"] == 4
    assert beside["link"] == f"{paths.document_pdf('C0002', 2026, rec.path.name)}#page=2"
    # not bound: the record and its page
    (rating,) = search(pop, "齿轮箱")["hits"]
    assert rating["reference"] == "" and rating["stamped_page"] is None and rating["link"].endswith(".pdf#page=1")


def site_texts(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_restricted_text_is_in_no_file_of_the_site(pop: Populated) -> None:
    site_build(pop)
    secret = pop.records["secret"]
    assert text_path(secret.path).is_file()
    files = site_texts(pop.root / "site")
    assert any(rel.startswith("fulltext/docs/") for rel in files)
    for needle in (SECRET_TEXT, SECRET_TEXT[:2], SECRET_WORD, secret.id):
        for form in {needle.encode(), json.dumps(needle).strip('"').encode()}:
            assert not [rel for rel, data in files.items() if form in data], needle
    assert search(pop, SECRET_WORD)["hits"] == [] and search(pop, "鲲鹏")["hits"] == []


def test_a_stale_or_missing_text_is_not_indexed(pop: Populated) -> None:
    write_text(pop.records["plain2"], [["过期文本甲乙"]], record_sha256="f" * 64)  # made from other bytes
    text_path(pop.records["hostile"].path).unlink()
    result = site_build(pop)
    assert result["fulltext_documents"] == len(TEXTS) - 3  # not the secret, plain2 or hostile
    assert search(pop, "过期")["hits"] == [] and search(pop, "恶意")["hits"] == []


def stamps(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def no_full_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object) -> None:
        raise AssertionError("the whole index was made again")

    monkeypatch.setattr(fulltext_index, "index_files", refuse)


def test_one_new_document_rewrites_only_its_own_shards(pop: Populated, drop: Callable[..., Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    site_build(pop)
    index = pop.root / "site" / "fulltext"
    before = stamps(index)
    drop("new.pdf", meta={"customer": "C0003", "type": "credit-report", "date": "2026-11-02",
                          "title": "2026年11月信用评估报告(广州南方)"}, seed=99)
    assert run_cli(pop.root, "ingest").exit_code == 0
    new = next(r for r in Archive.open(pop.root).iter_records() if r.customer == "C0003")
    write_text(new, [["广州南方物流", "鸿雁传书"]])
    with monkeypatch.context() as m:
        no_full_rebuild(m)
        site_build(pop)
    after = stamps(index)
    meta = SiteIndex(pop.root / "site").meta
    shards = int(meta["shards"])
    doc = ft.Source(record=new.id, customer="C0003", customer_name="", year=2026, type="credit-report", title="",
                    reference="", page="", pdf="", in_volume=False, record_pdf="", record_sha256="",
                    pages=((1, None),)).document(0, [(1, ft.page_text(["广州南方物流", "鸿雁传书"]))])
    own = {ft.shard_path(ft.shard_of(k, shards)).removeprefix("fulltext/") for k in doc.index_keys()}
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    new_files = set(after) - set(before)
    assert len(new_files) == 1 and new_files <= {r for r in changed if r.startswith("docs/")}
    assert changed - new_files <= own | {"meta.js"}
    assert len(changed & own) >= 1
    untouched = set(before) - changed
    assert shards == 8 and len(untouched) >= 8 - len(own)  # every other shard and document file: same bytes, mtime
    assert all(before[rel] == after[rel] for rel in untouched)
    assert where(search(pop, "鸿雁")) == {("2026年11月信用评估报告(广州南方)", 1)}
    # the same index as a build into an empty folder
    site_build(pop, "--out", str(pop.root.parent / "full"))
    full = stamps(pop.root.parent / "full" / "fulltext")
    assert {rel: data for rel, (_t, data) in full.items()} == {rel: data for rel, (_t, data) in after.items()}


def test_a_changed_text_or_a_restricted_document_updates_the_index(pop: Populated,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    site_build(pop)
    assert search(pop, "齿轮箱")["hits"]
    no_full_rebuild(monkeypatch)
    write_text(pop.records["rating"], [["蜂鸟型号"], ["评级结论"]])
    site_build(pop)
    assert search(pop, "齿轮箱")["hits"] == [] and where(search(pop, "蜂鸟")) == {("资质评级表 2026年9月", 1)}
    # the document becomes restricted (Art. 24): its text leaves every file of the site
    sidecar = pop.records["rating"].path.with_suffix(".toml")
    sidecar.chmod(0o640)
    sidecar.write_text(sidecar.read_text("utf-8").replace('classification = "ordinary"', 'classification = "secret"'),
                       "utf-8")
    site_build(pop)
    assert search(pop, "蜂鸟")["hits"] == []
    assert not [rel for rel, data in site_texts(pop.root / "site").items() if "蜂鸟".encode() in data]


def test_search_command_output_and_errors(pop: Populated) -> None:
    r = run_cli(pop.root, "search", "王立")
    assert r.exit_code == 4 and "no full-text index" in r.output and "archiver site" in r.output
    site_build(pop)
    r = run_cli(pop.root, "search", "王立")
    assert r.exit_code == 0
    lines = r.output.strip().splitlines()
    assert len(lines) == 2
    assert any(line.startswith("C0001 上海明远贸易有限公司 | 2025年3月客户信用评估报告 | "
                               f"{pop.volumes['c1'].reference} | 页号 2 | ") and "【王立】" in line for line in lines)
    r = run_cli(pop.root, "search", "无此词语")
    assert r.exit_code == 0 and "No page holds" in r.output
    r = run_cli(pop.root, "search", ",,,")
    assert r.exit_code == 2 and "Nothing to search for" in r.output
    assert run_cli(pop.root, "search", "王立", "--year", "25").exit_code == 2
    (pop.root / "site" / ft.shard_path(0)).write_text("garbage", "utf-8")
    (pop.root / "site" / ft.META_PATH).write_bytes(ft.script("meta", {"version": 1, "shards": 1}))
    r = run_cli(pop.root, "search", "王立")
    assert r.exit_code == 6 and "cannot be read" in r.output


def test_destroyed_texts_leave_the_index_and_its_caches(pop: Populated) -> None:
    """Art. 29: a purge (as `disposal destroy` runs it) removes the destroyed record's text
    from every index folder and from the index's caches, even with no rebuild."""
    from archiver.catalogue.purge import purge_destroyed

    site_build(pop)
    site_build(pop, "--out", str(pop.root.parent / "other"))
    rec = pop.records["credit"]
    unique = "采购减速器二十台".encode()
    holding = lambda folder: [p for p in folder.rglob("*") if p.is_file() and unique in p.read_bytes()]  # noqa: E731
    assert holding(pop.root / "site") and holding(pop.root / ".archiver")
    archive = Archive.open(pop.root)
    with archive.lock("site", purpose="archiver site"):  # a build running: no rebuild now
        report = purge_destroyed(archive, [rec.file.sha256], paths_in_archive=[rec.path.relative_to(pop.root).as_posix()])
    for folder in (pop.root / "site", pop.root.parent / "other", pop.root / ".archiver"):
        assert holding(folder) == [], folder
    assert any("catalogue-fulltext/texts/" in c for c in report.cache)
    site_build(pop)  # the next build writes the index again (the record itself is still filed here)
    assert where(search(pop, "王立"))
