"""The catalogue without a browser (``archiver site``): the site model, Art. 24
(restricted material), escaping, the output folder's safety, incremental rebuilds,
thumbnails and template overrides. The browser tests are in test_catalogue_browser.py."""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pikepdf
import pytest
from catalogue_helpers import (
    HOSTILE_NAME,
    HOSTILE_TITLE,
    SECRET_DOC_NO,
    SECRET_RESPONSIBLE,
    SECRET_TITLE,
    Populated,
    cover_pdf,
    populate,
)
from conftest import Clock, run_cli, set_config
from markupsafe import escape
from PIL import Image

from archiver import register
from archiver.catalogue import known, paths, thumbs
from archiver.catalogue.build import Inputs, build_site, make_model
from archiver.catalogue.output import MANIFEST
from archiver.catalogue.render import Renderer
from archiver.config import parse_config
from archiver.errors import ConfigError, WorkflowError
from archiver.register import Register
from archiver.store import Archive


@pytest.fixture
def pop(archive_root: Path, drop: Callable[..., Path], clock: Clock) -> Populated:
    clock.set("2026-11-26T10:00:00+08:00")
    return populate(archive_root, drop)


def site_files(site: Path) -> Iterator[Path]:
    for path in sorted(site.rglob("*")):
        if path.is_file():
            yield path


def build(pop: Populated, *args: str) -> dict[str, object]:
    r = run_cli(pop.root, "site", "--json", *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.output[r.output.index("{"):])


# The model -----------------------------------------------------------------------------------
def test_model_customer_file_by_year_volumes_and_loose_documents(pop: Populated) -> None:
    archive = Archive.open(pop.root)
    model = make_model(Inputs.read(archive), set())
    c1 = next(c for c in model.customers if c.code == "C0001")
    assert [g.year for g in c1.years] == [2026, 2025]
    y2026, y2025 = c1.years
    assert {d.title for d in y2026.documents} == {"资质评级表 2026年9月", "2026年10月销售统计表"}
    assert y2026.volumes == ()
    assert [v.reference for v in y2025.volumes] == [pop.volumes["c1"].reference]
    assert y2025.documents == ()  # both 2025 documents are bound in the volume
    assert (c1.volume_count, c1.document_count, c1.years_text) == (1, 4, "2025–2026")
    assert dict((p.label, p.value) for p in c1.profile)["法定代表人"] == "张伟"  # Art. 8 labels
    assert [(h.field, h.new, h.reason) for h in c1.history] == [("地址", "上海市浦东新区世纪大道100号", "客户搬迁")]
    vol = next(v for v in model.volumes if v.reference == pop.volumes["c1"].reference)
    assert [(r.item, r.doc_no, r.pages) for r in vol.rows] == [(1, "财评〔2025〕3号", "1–2"), (2, "销合〔2025〕18号", "3–4")]
    credit = next(d for d in model.documents if d.id == pop.records["credit"].id)
    assert credit.binding is not None and (credit.binding.volume, credit.binding.item) == (vol.reference, 1)
    assert credit.binding.page == vol.page
    assert model.totals.documents == 8 and model.totals.volumes == 2 and model.totals.customers == 4
    assert model.totals.pages == 16


def test_model_restricted_document_and_its_volume_by_reference_only(pop: Populated) -> None:
    """Art. 24: no title, number, thumbnail, page or PDF for the secret document; its
    volume contains it, so the volume is listed by reference code only as well."""
    model = make_model(Inputs.read(Archive.open(pop.root)), {r.file.sha256 for r in pop.records.values()})
    secret = next(d for d in model.documents if d.id == pop.records["secret"].id)
    assert secret.restricted and secret.classification == "机密"
    assert (secret.title, secret.doc_no, secret.responsible, secret.page, secret.pdf, secret.thumb) == \
        ("", "", "", None, None, None)
    assert secret.binding is not None and secret.binding.page is None
    vol = next(v for v in model.volumes if v.reference == pop.volumes["secret"].reference)
    assert vol.restricted and (vol.title, vol.page, vol.pdf, vol.thumb, vol.rows) == ("", None, None, None, ())
    beside = next(d for d in model.documents if d.id == pop.records["beside"].id)
    assert not beside.restricted and beside.page is not None  # an ordinary document keeps its page …
    assert beside.binding is not None and beside.binding.page is None  # … but no link to the secret volume
    assert all(s.title != SECRET_TITLE and s.page != vol.page for s in model.search)
    assert not any(s.kind == "volume" and s.reference == vol.reference for s in model.search)


def test_restriction_level_is_configuration(pop: Populated) -> None:
    set_config(pop.root, r'^restricted_from = "secret"$', 'restricted_from = "top-secret"')
    model = make_model(Inputs.read(Archive.open(pop.root)), set())
    secret = next(d for d in model.documents if d.id == pop.records["secret"].id)
    assert not secret.restricted and secret.title == SECRET_TITLE


def test_statistics_counts_and_collection(pop: Populated) -> None:
    """Art. 25 counts, and Art. 5 collection: due = active customers × monthly types."""
    model = make_model(Inputs.read(Archive.open(pop.root)), set())
    st = model.statistics
    assert {r.label: r.documents for r in st.by_year} == {"2025": 2, "2026": 6}
    assert {r.label: r.documents for r in st.by_type}["客户信息分析报告"] == 2
    assert [(r.label, r.documents) for r in st.by_retention] == [("永久", 2), ("长期", 3), ("短期", 3)]
    assert {r.label: r.documents for r in st.by_classification} == {"普通": 7, "机密": 1}
    assert [(r.label, r.documents) for r in st.by_department] == [("销售部", 4), ("财务部", 1), ("客户服务部", 3)]
    assert [r.label for r in st.by_type] == ["客户基本资料表", "客户信用评估报告", "客户销售合同(复印件)", "客户资质评级表",
                                             "客户销售统计表", "客户信息分析报告"]  # configured order
    assert st.departments == ("销售部", "财务部", "客户服务部")
    rows = {r.month: r for r in st.collection}
    assert list(rows)[0] == "2026-10" and list(rows)[-1] == "2025-11"  # the last 12 months
    sales, finance, cs = rows["2026-10"].cells
    # 4 active customers; sales has one monthly type, finance one, customer service two.
    assert (sales.due, sales.collected, sales.late) == (4, 1, 1)  # filed 11-26, after the 10th
    assert (finance.due, finance.collected) == (4, 0)
    assert (cs.due, cs.collected) == (8, 0)
    assert rows["2026-09"].cells[2].collected == 1
    assert rows["2026-04"].cells[2].collected == 1  # the secret report counts (a number, not its title)
    assert rows["2026-10"].open is False and all(not r.open for r in st.collection)


# Art. 24 over every file of the site ---------------------------------------------------------
def _forms(text: str) -> list[bytes]:
    """The ways a text can be written in a site file: UTF-8, JSON \\u escapes, percent-
    encoding, HTML character references."""
    return [text.encode("utf-8"), json.dumps(text).strip('"').encode(), quote(text).encode(),
            "".join(f"&#{ord(ch)};" for ch in text).encode(), "".join(f"&#x{ord(ch):x};" for ch in text).encode()]


def test_no_part_of_a_restricted_document_is_in_any_site_file(pop: Populated) -> None:
    build(pop)
    site = pop.root / "site"
    secret = pop.records["secret"]
    volume = pop.volumes["secret"]
    needles: list[bytes] = []
    for text in (SECRET_TITLE, SECRET_DOC_NO, SECRET_RESPONSIBLE):
        for i in range(len(text) - 2):  # every 3-character piece
            needles += _forms(text[i:i + 3])
    needles += [secret.file.sha256.encode(), volume.file_sha256.encode()]
    with pikepdf.open(secret.path) as pdf:  # a piece of the scan's own image data
        raw = next(iter(pdf.pages[0].get_images().values())).read_raw_bytes()
    needles.append(raw[len(raw) // 2:len(raw) // 2 + 48])
    forbidden_hashes = {secret.file.sha256, volume.file_sha256}
    files = list(site_files(site))
    assert len(files) > 20
    for path in files:
        data = path.read_bytes()
        rel = path.relative_to(site).as_posix().encode()
        for needle in needles:
            assert needle not in data, f"{needle!r} found in {path}"
            assert needle not in rel, f"{needle!r} in the file name {path}"
        assert hashlib.sha256(data).hexdigest() not in forbidden_hashes, path
    # and no thumbnail of it was ever made, not even in the cache
    assert not thumbs.cached(thumbs.cache_dir(pop.archive.state), secret.file.sha256).exists()
    listing = "\n".join(p.name for p in (site / "thumbs").iterdir())
    assert secret.file.sha256 not in listing
    # the reference codes are shown
    c2 = (site / paths.customer_page("C0002")).read_text("utf-8")
    assert volume.reference in c2 and "机密" in c2


def test_every_value_is_escaped(pop: Populated) -> None:
    build(pop)
    site = pop.root / "site"
    for path in site_files(site):
        if path.suffix in (".html", ".js"):
            text = path.read_text("utf-8")
            assert HOSTILE_NAME not in text, path
            assert "<img src=x" not in text, path
    customers = (site / "customers.html").read_text("utf-8")
    assert html.escape(HOSTILE_NAME, quote=False) in customers
    doc = (site / paths.document_page("X0001", pop.records["hostile"].id)).read_text("utf-8")
    assert str(escape(HOSTILE_TITLE)) in doc
    index = (site / "search-index.js").read_text("utf-8")
    payload = json.loads(index[index.index("=") + 1:].strip().rstrip(";"))
    assert [HOSTILE_NAME in c[1] for c in payload["customers"]].count(True) == 1  # same value after JSON
    assert "<" not in index.split("\n", 1)[1]


# Pages, links and files --------------------------------------------------------------------
def test_pages_links_and_files_exist(pop: Populated) -> None:
    result = build(pop)
    site = pop.root / "site"
    assert result["documents"] == 8 and result["restricted"] == 1
    vol = pop.volumes["c1"]
    vpage = site / paths.volume_page("C0001", vol.reference)
    assert vpage.is_file() and "档Q001" in vpage.name  # a Chinese file name
    vhtml = vpage.read_text("utf-8")
    pdf_href = paths.href(paths.volume_pdf("C0001", vol.year, vol.file_name), paths.volume_page("C0001", vol.reference))
    assert f'href="{pdf_href}"' in vhtml and "%E6%A1%A3" in pdf_href  # 档, percent-encoded
    assert (site / paths.volume_pdf("C0001", vol.year, vol.file_name)).read_bytes() == vol.pdf_path.read_bytes()
    for name, r in pop.records.items():
        target = site / paths.document_pdf(r.customer, r.meta.year, r.file.name)
        assert target.is_file() == (name != "secret")
    # every relative link in every page points at a file of the site
    import re
    from urllib.parse import unquote
    for page in site.rglob("*.html"):
        for link in re.findall(r'(?:href|src)="([^"#?]+)"', page.read_text("utf-8")):
            assert (page.parent / unquote(link)).resolve().is_file(), f"{page}: {link}"


def test_home_shows_last_filing_and_last_audit(pop: Populated) -> None:
    pop.archive.register("audit").append("audit", by="审计员", scope="full", result="problems", findings=3)
    build(pop)
    home = (pop.root / "site" / "index.html").read_text("utf-8")
    assert "发现问题" in home and "3 项发现" in home and "审计员" in home
    last = [e for e in pop.archive.journal if e["event"] == "filed"][-1]
    assert str(escape(Archive.open(pop.root).find_record(last["record"]).meta.title)) in home


def test_last_filing_of_a_restricted_document_shows_its_reference_only(
        archive_root: Path, drop: Callable[..., Path]) -> None:
    drop("s.pdf", meta={"customer": "C0001", "type": "credit-report", "date": "2026-01-05", "title": SECRET_TITLE,
                        "classification": "top-secret"})
    assert run_cli(archive_root, "ingest").exit_code == 0
    assert SECRET_TITLE in (archive_root / "registers" / "journal.jsonl").read_text("utf-8")
    assert run_cli(archive_root, "site").exit_code == 0
    home = (archive_root / "site" / "index.html").read_text("utf-8")
    record = next(Archive.open(archive_root).iter_records())
    assert record.id in home and SECRET_TITLE[:3] not in home


def test_copy_by_default_hardlink_only_when_chosen(pop: Populated) -> None:
    """Issue 11 item 3: the site's PDFs are files of their own by default (a reflink or a
    copy); hard links only with catalogue.pdf_files = "hardlink" (was the default)."""
    build(pop)
    r = pop.records["credit"]
    site_pdf = pop.root / "site" / paths.document_pdf("C0001", 2025, r.file.name)
    assert site_pdf.read_bytes() == r.path.read_bytes() and not os.path.samefile(site_pdf, r.path)
    set_config(pop.root, r'^pdf_files = "copy"$', 'pdf_files = "hardlink"')
    out = pop.root.parent / "linked-site"
    build(pop, "--out", str(out))
    linked = out / paths.document_pdf("C0001", 2025, r.file.name)
    assert os.path.samefile(linked, r.path)  # the explicit option: the archive's own inode
    set_config(pop.root, r'^pdf_files = "hardlink"$', 'pdf_files = "copy"')
    build(pop, "--out", str(out))  # a site built with links is converted on its next build
    assert linked.read_bytes() == r.path.read_bytes() and not os.path.samefile(linked, r.path)
    assert_no_shared_inode(pop.root, out)


def archive_inodes(root: Path) -> dict[tuple[int, int], Path]:
    out = {}
    for top in ("records", "volumes"):
        for p in (root / top).rglob("*"):
            st = os.stat(p, follow_symlinks=False)
            if not p.is_dir():
                out[(st.st_dev, st.st_ino)] = p
    return out


def assert_no_shared_inode(root: Path, site: Path) -> None:
    """No file under the site shares an inode with a file under records/ or volumes/."""
    stored = archive_inodes(root)
    assert stored
    n = 0
    for p in site.rglob("*"):
        st = os.stat(p, follow_symlinks=False)
        if p.is_dir():
            continue
        assert not p.is_symlink(), p
        assert (st.st_dev, st.st_ino) not in stored, f"{p} is {stored[(st.st_dev, st.st_ino)]}"
        n += 1
    assert n > 10


def test_no_site_file_shares_an_inode_with_the_archive(pop: Populated) -> None:
    build(pop)
    site = pop.root / "site"
    assert_no_shared_inode(pop.root, site)
    pdfs = [p for p in site.rglob("*.pdf")]
    assert len(pdfs) >= 6  # documents and volumes are there, as copies
    for p in pdfs:
        os.chmod(p, 0o666)  # what `chmod -R` on the site would do …
        with p.open("ab") as fh:  # … and a write by the site's new owner
            fh.write(b"%tampered")
    r = run_cli(pop.root, "audit", "--json")
    assert r.exit_code == 0, r.output  # the archive did not change
    for r in pop.records.values():
        assert r.path.stat().st_mode & 0o777 == 0o440


# Safety of the output folder --------------------------------------------------------------------
@pytest.mark.parametrize("where", [".", "..", "records", "records/C0001/x", "volumes", "inbox/site", "customers",
                                   "registers", ".archiver/site"])
def test_refuses_dangerous_output_folders(pop: Populated, where: str) -> None:
    out = (pop.root / where)
    before = sorted(p.relative_to(pop.root.parent).as_posix() for p in pop.root.parent.rglob("*"))
    r = run_cli(pop.root, "site", "--out", str(out))
    assert r.exit_code == WorkflowError.exit_code, r.output
    assert "Refused" in r.output
    after = sorted(p.relative_to(pop.root.parent).as_posix() for p in pop.root.parent.rglob("*"))
    assert after == before


def test_refuses_a_non_empty_folder_it_did_not_write(pop: Populated, tmp_path: Path) -> None:
    other = tmp_path / "documents"
    other.mkdir()
    (other / "mine.txt").write_text("keep me", "utf-8")
    r = run_cli(pop.root, "site", "--out", str(other))
    assert r.exit_code == WorkflowError.exit_code and MANIFEST in r.output
    assert [p.name for p in other.iterdir()] == ["mine.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("x", "utf-8")
    assert run_cli(pop.root, "site", "--out", str(a_file)).exit_code != 0  # click refuses a file
    assert a_file.read_text("utf-8") == "x"


def test_rebuild_removes_only_files_it_wrote(pop: Populated, tmp_path: Path) -> None:
    build(pop)
    site = pop.root / "site"
    (site / "notes-of-the-it-person.txt").write_text("keep", "utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep", "utf-8")
    manifest = json.loads((site / MANIFEST).read_text("utf-8"))
    manifest["files"].append(["../../outside.txt", "x", ""])  # a tampered manifest
    manifest["files"].append([str(outside), "x", ""])
    (site / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    # A record goes into the disposal hold (Art. 29): out of the catalogue.
    rec = pop.records["rating"]
    hold = pop.root / "hold" / "records" / "C0001" / "2026"
    hold.mkdir(parents=True)
    for p in (rec.path, rec.sidecar_path):
        p.rename(hold / p.name)
    result = build(pop)
    assert result["removed"] == 3  # its page, its PDF and its thumbnail
    assert not (site / paths.document_page("C0001", rec.id)).exists()
    assert not (site / paths.document_pdf("C0001", 2026, rec.file.name)).exists()
    assert (site / "notes-of-the-it-person.txt").read_text("utf-8") == "keep"
    assert outside.read_text("utf-8") == "keep"
    assert (hold / rec.path.name).exists()
    assert rec.id not in (site / "search-index.js").read_text("utf-8")


# Incremental ---------------------------------------------------------------------------------
def test_incremental_rebuild_rewrites_only_what_changed(pop: Populated, drop: Callable[..., Path]) -> None:
    first = build(pop)
    assert first["thumbnails_made"] == 8  # 7 documents + 1 volume cover (not the secret ones)
    site = pop.root / "site"
    other = site / paths.document_page("C0001", pop.records["credit"].id)
    stamp = other.stat().st_mtime_ns
    again = build(pop)
    assert (again["written"], again["removed"], again["thumbnails_made"]) == (0, 0, 0)
    drop("new.pdf", meta={"customer": "C0003", "type": "credit-report", "date": "2026-11-02",
                          "title": "2026年11月信用评估报告(广州南方)"}, seed=99)
    assert run_cli(pop.root, "ingest").exit_code == 0
    archive = Archive.open(pop.root)
    new = next(r for r in archive.iter_records() if r.customer == "C0003")
    result = build_site(archive)
    assert result.thumbnails_made == 1
    assert (site / paths.document_page("C0003", new.id)).is_file()
    assert other.stat().st_mtime_ns == stamp  # an unrelated page is not rewritten
    manifest = json.loads((site / MANIFEST).read_text("utf-8"))
    assert paths.document_page("C0003", new.id) in [f[0] for f in manifest["files"]]
    # the new page, its PDF and thumbnail, its customer, the lists, the home page, the index
    assert 6 <= result.written <= 9, result


def stamps(site: Path, *prefixes: str) -> dict[str, tuple[int, int]]:
    """(mtime, inode) of every site file under these site paths."""
    return {p.relative_to(site).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino) for p in site_files(site)
            if p.relative_to(site).as_posix().startswith(prefixes)}


def same_site(one: Path, other: Path) -> None:
    """Both folders hold the same files, byte for byte (the manifest too, but its date)."""
    names = [p.relative_to(one).as_posix() for p in site_files(one)]
    assert names == [p.relative_to(other).as_posix() for p in site_files(other)]
    for name in names:
        a, b = (one / name).read_bytes(), (other / name).read_bytes()
        if name == MANIFEST:
            a, b = (json.loads(x) for x in (a, b))
            for m in (a, b):
                m.pop("built_at")
        assert a == b, name


def full_build(pop: Populated, name: str = "full") -> Path:
    """A build into a new, empty folder."""
    out = pop.root.parent / name
    build(pop, "--out", str(out))
    return out


def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The site paths of the pages rendered from now on."""
    done: list[str] = []
    real = Renderer.render

    def spy(self: Renderer, template: str, page_path: str, context: dict[str, Any]) -> bytes:
        done.append(page_path)
        return real(self, template, page_path, context)

    monkeypatch.setattr(Renderer, "render", spy)
    return done


B_FILES = ("customers/C0001/", "files/records/C0001/", "files/volumes/C0001/")


def test_incremental_build_redoes_one_customer_and_matches_a_full_build(
        pop: Populated, drop: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    build(pop)
    site = pop.root / "site"
    b_thumbs = tuple(paths.thumbnail(r.file.sha256) for r in pop.records.values() if r.customer == "C0001")
    b_before = stamps(site, *B_FILES, *b_thumbs)
    assert len(b_before) > 12  # customer B (C0001): its pages, PDFs, thumbnails
    a_page = site / paths.customer_page("C0003")
    a_before = a_page.read_bytes()
    home_before = (site / "index.html").read_bytes()
    # Customer A (C0003) gets a new document.
    drop("new.pdf", meta={"customer": "C0003", "type": "credit-report", "date": "2026-11-02",
                          "title": "2026年11月信用评估报告(广州南方)"}, seed=99)
    assert run_cli(pop.root, "ingest").exit_code == 0
    done = rendered(monkeypatch)
    result = build(pop)
    # A's pages and the site-wide pages were made again; B's not even rendered.
    assert set(done) == {"index.html", "customers.html", "statistics.html", paths.customer_page("C0003"),
                         *(paths.document_page("C0003", r.id) for r in Archive.open(pop.root).iter_records()
                           if r.customer == "C0003")}
    assert a_page.read_bytes() != a_before and "2026年11月信用评估报告(广州南方)" in a_page.read_text("utf-8")
    assert (site / "index.html").read_bytes() != home_before
    assert stamps(site, *B_FILES, *b_thumbs) == b_before  # B: not one file touched
    assert result["pages"] == len([p for p in site_files(site) if p.suffix == ".html"])
    # The same site as a build into an empty folder, byte for byte.
    same_site(site, full_build(pop))


def test_profile_change_redoes_that_customer_only(pop: Populated, monkeypatch: pytest.MonkeyPatch) -> None:
    build(pop)
    site = pop.root / "site"
    b_before = stamps(site, *B_FILES)
    r = run_cli(pop.root, "customer", "update", "C0003", "--set", "name=广州南方新材料有限公司",
                "--reason", "工商变更登记")
    assert r.exit_code == 0, r.output
    done = rendered(monkeypatch)
    build(pop)
    assert {p for p in done if p.startswith("customers/")} == {paths.customer_page("C0003")}
    assert "广州南方新材料有限公司" in (site / "customers.html").read_text("utf-8")
    assert "广州南方新材料有限公司" in (site / "search-index.js").read_text("utf-8")
    assert "工商变更登记" in (site / paths.customer_page("C0003")).read_text("utf-8")  # its history (Art. 30)
    assert stamps(site, *B_FILES) == b_before
    same_site(site, full_build(pop))


def test_configuration_or_deleted_files_redo_what_they_touch(pop: Populated, monkeypatch: pytest.MonkeyPatch) -> None:
    build(pop)
    site = pop.root / "site"
    # A page deleted by hand is made again (with its customer's other pages).
    page = site / paths.document_page("C0001", pop.records["credit"].id)
    page.unlink()
    result = build(pop)
    assert page.is_file() and result["written"] == 1
    # A cached thumbnail deleted: made again, the site unchanged.
    sha = pop.records["contract"].file.sha256
    thumbs.cached(thumbs.cache_dir(pop.root / ".archiver"), sha).unlink()
    assert build(pop)["thumbnails_made"] == 1
    # A change of configuration redoes every customer (Art. 24: what is restricted).
    set_config(pop.root, r'^restricted_from = "secret"$', 'restricted_from = "top-secret"')
    done = rendered(monkeypatch)
    build(pop)
    assert paths.customer_page("C0001") in done and paths.customer_page("X0001") in done
    same_site(site, full_build(pop))


def test_a_site_built_from_an_older_state_is_brought_up_to_date(pop: Populated) -> None:
    other = full_build(pop, "other")  # made now …
    build(pop)
    r = run_cli(pop.root, "customer", "update", "C0003", "--set", "name=广州南方新材料有限公司", "--reason", "更名")
    assert r.exit_code == 0, r.output
    build(pop)  # … the archive's state is remembered from this build, not from `other`
    build(pop, "--out", str(other))  # the same files, but made from the older profile
    assert "广州南方新材料有限公司" in (other / paths.customer_page("C0003")).read_text("utf-8")
    same_site(other, full_build(pop))


def test_material_in_another_customers_folder_builds_in_full(pop: Populated) -> None:
    build(pop)
    rec = pop.records["rating"]  # of C0001, moved (wrongly) into C0003's folder
    folder = pop.root / "records" / "C0003" / "2026"
    folder.mkdir(parents=True, exist_ok=True)
    for p in (rec.path, rec.sidecar_path):
        p.rename(folder / p.name)
    build(pop)
    site = pop.root / "site"
    assert (site / paths.document_page("C0001", rec.id)).is_file()  # shown under the customer it names
    same_site(site, full_build(pop))
    assert known.load(pop.root / ".archiver") == {}  # nothing remembered from such a build


def test_last_entry_reads_a_register_backwards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register, "BLOCK", 64)  # lines cross block boundaries
    path = tmp_path / "journal.jsonl"
    lines = [json.dumps({"event": "filed", "record": f"r{i}", "note": "档" * (i % 7)}, ensure_ascii=False)
             for i in range(40)]
    lines += [json.dumps({"event": "audit", "at": "x"}), "{torn", ""]
    path.write_text("\n".join(lines), "utf-8")
    assert Register(path).last("filed") == json.loads(lines[39])
    assert Register(path).last("audit") == {"event": "audit", "at": "x"}
    assert Register(path).last("disposed") is None
    assert Register(tmp_path / "none.jsonl").last("filed") is None


def test_template_change_rebuilds_pages(pop: Populated) -> None:
    build(pop)
    own = pop.root / "mytemplates"
    (own / "static").mkdir(parents=True)
    (own / "static" / "style.css").write_text("body { color: #123456; }\n", "utf-8")
    shipped = (Path(__file__).parents[1] / "archiver" / "templates" / "catalogue" / "document.html").read_text("utf-8")
    (own / "document.html").write_text(shipped.replace("<h2>文件信息</h2>", "<h2>文件信息(本单位样式)</h2>"), "utf-8")
    set_config(pop.root, r'^templates = ""$', 'templates = "mytemplates"')
    result = build(pop)
    site = pop.root / "site"
    assert (site / "assets" / "style.css").read_text("utf-8") == "body { color: #123456; }\n"
    doc = (site / paths.document_page("C0001", pop.records["credit"].id)).read_text("utf-8")
    assert "文件信息(本单位样式)" in doc
    assert int(str(result["written"])) >= 8


def test_missing_template_folder_is_a_config_error(pop: Populated) -> None:
    set_config(pop.root, r'^templates = ""$', 'templates = "nowhere"')
    r = run_cli(pop.root, "site")
    assert r.exit_code == ConfigError.exit_code and "nowhere" in r.output


def test_config_keys_are_checked() -> None:
    import tomllib

    from archiver.config import template_text
    raw = tomllib.loads(template_text())
    cfg = parse_config(raw)
    assert (cfg.catalogue.output, cfg.catalogue.templates, cfg.catalogue.pdf_files) == ("site", "", "copy")
    raw["catalogue"]["pdf_files"] = "symlink"
    with pytest.raises(ConfigError, match="pdf_files"):
        parse_config(raw)


# Thumbnails ----------------------------------------------------------------------------------
def test_thumbnails_come_from_the_scan_image_not_a_rendering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import make_scan

    def no_render(*_a: object, **_k: object) -> None:
        raise AssertionError("a scan must not be rendered")

    monkeypatch.setattr(thumbs, "_render", no_render)
    for bilevel in (False, True):
        pdf = tmp_path / f"scan-{bilevel}.pdf"
        pdf.write_bytes(make_scan(2, seed=3, dpi=200, bilevel=bilevel))
        out = thumbs.document_thumbnail(pdf, f"sha-{bilevel}", tmp_path / "cache")
        assert out is not None
        with Image.open(out) as img:
            assert img.width == thumbs.WIDTH and 1.35 < img.height / img.width < 1.48  # A4 portrait
            assert img.getextrema()[0] < 100  # there is ink on it
        stamp = out.stat().st_mtime_ns
        assert thumbs.document_thumbnail(pdf, f"sha-{bilevel}", tmp_path / "cache") == out
        assert out.stat().st_mtime_ns == stamp  # made once


def test_cover_and_born_digital_pages_are_rendered(tmp_path: Path) -> None:
    pdf = tmp_path / "cover.pdf"
    pdf.write_bytes(cover_pdf(["案卷封面"]))
    for maker in (thumbs.cover_thumbnail, thumbs.document_thumbnail):
        out = maker(pdf, f"c-{maker.__name__}", tmp_path / "cache")
        assert out is not None
        with Image.open(out) as img:
            assert img.width == thumbs.WIDTH and img.getextrema()[0] < 128 if img.mode == "L" else True


def test_unreadable_pdf_gives_no_thumbnail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    assert thumbs.document_thumbnail(bad, "bad", tmp_path / "cache") is None
    assert not (tmp_path / "cache" / "bad.jpg").exists()


# Paths -----------------------------------------------------------------------------------------
def test_paths_are_safe_and_encoded() -> None:
    assert paths.safe_name("a/b\\c:d*e?f") == "a_b_c_d_e_f"
    assert paths.safe_name("..hidden") == "hidden"
    assert paths.safe_name("x\u0000y") == "x_y"
    assert paths.href("files/volumes/C1/2025/档 #1%.pdf", "customers/C1/volumes/v.html") == \
        "../../../files/volumes/C1/2025/%E6%A1%A3%20%231%25.pdf"
    assert paths.href("index.html", "index.html") == "index.html"
    assert len(paths.safe_name("档" * 200).encode()) <= paths.MAX_NAME_BYTES


def test_site_command_help_and_default_folder(pop: Populated) -> None:
    r = run_cli(pop.root, "site", "--help")
    assert r.exit_code == 0 and "--out" in r.output and "Art. 24" in r.output
    r = run_cli(pop.root, "site")
    assert r.exit_code == 0 and "http.server" in r.output
    assert (pop.root / "site" / "index.html").is_file() and (pop.root / "site" / MANIFEST).is_file()


def test_one_build_at_a_time(pop: Populated) -> None:
    from archiver.errors import LockedError

    with pop.archive.lock("site", purpose="another archiver site"):
        r = run_cli(pop.root, "site")
    assert r.exit_code == LockedError.exit_code and "another archiver site" in r.output
    assert not (pop.root / "site").exists()


def test_volume_page_shows_the_roles_the_printed_index_shows(archive_root: Path, drop) -> None:  # type: ignore[no-untyped-def]
    """The volume page repeats the printed index: 备注 carries 批复 / 请示 (Art. 15)."""
    from conftest import run_cli

    drop("req.pdf", meta={"customer": "C0001", "type": "credit-report", "date": "2025-12-15",
                          "title": "关于提高信用额度的请示", "group": "g1", "role": "request"}, seed=1)
    drop("rep.pdf", meta={"customer": "C0001", "type": "credit-report", "date": "2026-01-08",
                          "title": "关于同意信用额度的批复", "group": "g1", "role": "reply"}, seed=2)
    assert run_cli(archive_root, "ingest").exit_code == 0
    assert run_cli(archive_root, "build", "--checker", "李强").exit_code == 0
    assert run_cli(archive_root, "site").exit_code == 0
    [page] = (archive_root / "site").rglob("Q001-C0001-2026-C-001.html")
    html = page.read_text("utf-8")
    assert html.index("批复") < html.index("请示") and "<td>批复</td>" in html and "<td>请示</td>" in html


def test_a_pdf_with_active_content_is_listed_without_its_link(pop: Populated) -> None:
    """Issue 11 item 3: the catalogue never serves a PDF carrying JavaScript, a Launch
    action or an embedded file; the record or volume is listed, with a note."""
    from catalogue_helpers import replace_record_pdf, replace_volume_pdf, with_javascript

    rec = pop.records["rating"]
    rec = replace_record_pdf(rec, with_javascript(rec.path.read_bytes(), embedded=True))
    vol = replace_volume_pdf(pop.volumes["c1"], with_javascript(pop.volumes["c1"].pdf_path.read_bytes()))
    build(pop)
    site = pop.root / "site"
    page = (site / paths.document_page("C0001", rec.id)).read_text("utf-8")
    assert rec.meta.title in page and "活动内容" in page and "JavaScript" in page and "embedded file" in page
    assert not (site / paths.document_pdf("C0001", 2026, rec.file.name)).exists()
    assert rec.file.name not in page
    vpage = (site / paths.volume_page("C0001", vol.reference)).read_text("utf-8")
    assert "活动内容" in vpage and vol.file_name not in vpage
    assert not (site / paths.volume_pdf("C0001", vol.year, vol.file_name)).exists()
    # the other PDFs are served, and none that is served carries active content
    from archiver.active import find_active_content
    served = list(site.rglob("*.pdf"))
    assert len(served) >= 6
    for p in served:
        with pikepdf.open(p) as pdf:
            assert find_active_content(pdf) == [], p
    page = (site / paths.document_page("C0001", pop.records["credit"].id)).read_text("utf-8")
    assert "打开扫描件 PDF" in page
