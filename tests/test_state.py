"""One view of custody state (Art. 27–29) and one statistics engine (Art. 5, 25).

What is held, lent, out for consultation and destroyed is read from
``archiver.custody.state`` by loans, consultations, disposal, build and the catalogue
alike; the catalogue's statistics page shows the numbers ``archiver stats`` and
``archiver due`` give, on the sample archive and on a generated one."""

from __future__ import annotations

import ast
import datetime as dt
import json
import random
import re
import shutil
from pathlib import Path

import pytest
from conftest import Clock, run_cli
from custody_helpers import bind, doc, file_docs

from archiver.catalogue import sources
from archiver.config import load_config
from archiver.custody import state
from archiver.custody.disposal import steps as disposal
from archiver.errors import EXIT_WORKFLOW
from archiver.store import Archive
from archiver.volumes.build import disposal_holds

REPO = Path(__file__).resolve().parents[1]
FORM = ["--requester", "孙丽", "--department", "财务部", "--purpose", "审计", "--reason", "年度审计",
        "--signer", "周经理"]


def imports(module: str) -> set[str]:
    """What ``archiver/custody/<module>`` imports (a package: all its modules), each name as
    seen from ``archiver/custody`` (``..state`` inside the package is ``.state``)."""
    base = REPO / "archiver" / "custody"
    inside = (base / module).is_dir()  # a package: its imports are one level deeper
    files = sorted((base / module).glob("*.py")) if inside else [base / f"{module}.py"]
    out = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if inside and node.level == 1:  # one module of the package importing another
                    out.add(f".{module}.{node.module or ''}")
                    continue
                dots = "." * (node.level - inside if node.level else 0)
                out.add(dots + (node.module or ""))
                out |= {dots + a.name for a in node.names if not node.module}
            elif isinstance(node, ast.Import):
                out |= {a.name for a in node.names}
    return out


def test_disposal_and_loans_do_not_import_each_other() -> None:
    assert not {".loans", "archiver.custody.loans"} & imports("disposal")
    assert not {".disposal", "archiver.custody.disposal"} & imports("loans")
    assert not {".disposal", ".loans", ".consult"} & imports("state")  # the one view depends on no workflow
    for module in ("disposal", "loans", "consult"):
        assert ".state" in imports(module)


def test_every_stage_reads_the_same_state(archive_root: Path, drop, clock: Clock,  # type: ignore[no-untyped-def]
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    records = file_docs(archive_root, drop, [
        doc("C0001", "sales-statistics", "2014-03-09", title="2014年3月销售统计"),
        doc("C0001", "contract", "2020-03-09", title="销售合同"),
        doc("C0002", "credit-report", "2026-05-01", title="信用评估"),
        doc("C0002", "sales-statistics", "2014-04-09", title="2014年4月销售统计"),
    ])  # fmt: skip
    archive = Archive.open(archive_root)
    expired = bind(archive, records[:1])
    lendable = bind(archive, records[1:2])
    gone = bind(archive, records[3:4])
    assert run_cli(archive_root, "site").exit_code == 0

    r = run_cli(archive_root, "loan", "request", *FORM, "--item", lendable.reference, "--json")
    lid = json.loads(r.output)["id"]
    assert run_cli(archive_root, "loan", "approve", lid, "--by", "李明").exit_code == 0
    assert run_cli(archive_root, "loan", "lend", lid, "--borrower", "孙丽").exit_code == 0
    r = run_cli(archive_root, "consult", "request", *FORM, "--object", records[2].id, "--json")
    cid = json.loads(r.output)["id"]
    assert run_cli(archive_root, "consult", "approve", cid, "--by", "李明").exit_code == 0

    def to_list(ref: str) -> str:
        r = run_cli(archive_root, "disposal", "propose", ref, "--by", "档案员", "--json")
        dl = json.loads(r.output)["id"]
        for role, who in (("cs-manager", "张"), ("originating-dept", "刘")):
            assert run_cli(archive_root, "disposal", "appraise", dl, "--role", role, "--by", who).exit_code == 0
        return dl

    held_list, gone_list = to_list(expired.reference), to_list(gone.reference)
    assert run_cli(archive_root, "disposal", "approve", gone_list, "--by", "陈").exit_code == 0
    clock.set("2027-06-01T09:00:00+08:00")
    r = run_cli(archive_root, "disposal", "destroy", gone_list, "--supervisor", "吴", "--place", "碎纸室")
    assert r.exit_code == 0, r.output
    # the held list's approval is cut off after its entry, before any file moved ("moving")
    def cut(*args: object) -> None:
        raise OSError("cut")

    with monkeypatch.context() as mp:
        mp.setattr(disposal, "move_verified", cut)
        with pytest.raises(OSError):
            disposal.approve(Archive.open(archive_root), held_list, by="陈")
    assert (archive_root / expired.pdf_path.relative_to(archive.root)).is_file()  # still in volumes/

    now = state.read(Archive.open(archive_root))
    assert now.held == {expired.reference: held_list, records[0].id: held_list}
    assert now.destroyed == {gone.reference: gone_list, records[3].id: gone_list}
    assert now.lent == {f"volume:{lendable.reference}": lid}
    assert now.consulting == {records[2].id: cid}
    assert now.lists == {held_list: "moving", gone_list: "destroyed"} and now.loans == {lid: "lent"}
    assert now.disposed == {expired.reference, gone.reference}
    assert now.is_out(expired.reference) and now.is_out(records[3].id) and not now.is_out(lendable.reference)

    # … and each stage acts on it
    archive = Archive.open(archive_root)
    assert set(now.disposed) <= set(disposal_holds(archive).references)  # build: never given out again
    assert sources.out_of_catalogue(archive) >= {expired.reference, records[0].id, gone.reference}
    r = run_cli(archive_root, "loan", "request", *FORM, "--item", expired.reference)
    assert r.exit_code == EXIT_WORKFLOW and held_list in r.output  # loans
    r = run_cli(archive_root, "consult", "request", *FORM, "--object", records[0].id)
    assert r.exit_code == EXIT_WORKFLOW and held_list in r.output  # consultations
    assert run_cli(archive_root, "site").exit_code == 0  # the catalogue: out while its files still move
    site = archive_root / "site"
    pages = [p.read_text("utf-8") for p in site.rglob("*.html")] + [(site / "search-index.js").read_text("utf-8")]
    assert not any(expired.reference in t or records[0].id in t for t in pages)
    assert any(lendable.reference in t for t in pages)
    stats = json.loads(run_cli(archive_root, "stats", "--json").output)  # statistics
    assert (stats["disposal"]["held_lists"], stats["disposal"]["open_lists"]) == (1, 1)
    assert stats["loans"]["open"] == 1 and stats["consultations"]["approved"] == 1


# The catalogue's statistics page against `stats --json` and `due --json` ----------------------
def page_numbers(html: str) -> tuple[dict[str, dict[str, tuple[int, int]]], dict[str, int], dict[str, list[tuple[int, int, int]]], str]:
    """(panel title → label → (documents, pages)), volumes by year, collection month →
    [(collected, due, late)] per department, and the totals line."""
    def num(text: str) -> int:
        return int(text.replace(",", "").strip())

    panels: dict[str, dict[str, tuple[int, int]]] = {}
    volumes: dict[str, int] = {}
    for title, body in re.findall(r'<div class="panel">\s*<h3>(.*?)</h3>(.*?)</table>', html, re.S):
        if title == "案卷按年度":
            volumes = {y: num(n) for y, n in re.findall(r'<th scope="row">(.*?)</th><td class="num">([\d,]+)</td>', body)}
            continue
        panels[title] = {label: (num(d), num(p)) for label, d, p in re.findall(
            r'<th scope="row">(.*?)</th><td class="num">([\d,]+)</td><td class="num">([\d,]+)</td>', body)}
    collection: dict[str, list[tuple[int, int, int]]] = {}
    table = html[html.index('<table class="data collection">'):]
    for month, cells in re.findall(r'<th scope="row" class="nowrap">(\d{4}-\d{2}).*?</th>(.*?)</tr>', table, re.S):
        row = []
        for cell in re.findall(r'<td class="num">(.*?)</td>', cells, re.S):
            m = re.search(r'(\d+) / (\d+)</span>(?: · <span class="late">(\d+)</span>)?', cell)
            row.append((int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else (0, 0, 0))
        collection[month] = row
    lede = re.search(r'<p class="lede">(.*?)</p>', html, re.S)
    return panels, volumes, collection, lede.group(1) if lede else ""


def assert_page_matches_the_engine(root: Path) -> int:
    """Every number of statistics.html equals `stats --json` / `due --json`; returns the
    months compared."""
    r = run_cli(root, "site")
    assert r.exit_code == 0, r.output
    panels, volumes, collection, lede = page_numbers((root / "site" / "statistics.html").read_text("utf-8"))
    stats = json.loads(run_cli(root, "stats", "--json").output)
    cfg = load_config(root / "archive.toml")
    labels = {
        "按年度": ("year", {}),
        "按文件类型": ("type", {c: t.name for c, t in cfg.document_types.items()}),
        "按保管期限": ("retention", {c: t.name for c, t in cfg.retention.items()}),
        "按部门": ("department", {c: d.name for c, d in cfg.departments.items()}),
        "按密级": ("classification", dict(cfg.classifications)),
    }
    for title, (dim, names) in labels.items():
        expected = {names.get(k, k): (row["documents"], row["pages"]) for k, row in stats["documents"]["by"][dim].items()}
        assert panels[title] == expected, title
    assert volumes == {y: row["volumes"] for y, row in stats["volumes"]["by"]["year"].items()}
    d = stats["documents"]
    assert f"{stats['volumes']['volumes']} 卷 · {d['documents']} 件 · {d['pages']} 页" in lede
    assert collection, "no collection table"
    depts = list(cfg.departments)
    for month, cells in collection.items():
        due = json.loads(run_cli(root, "due", "--month", month, "--json").output)
        want = []
        for dept in depts:
            rows = due["departments"].get(dept, [])
            want.append((sum(e["status"] in ("arrived", "late") for e in rows), len(rows),
                         sum(e["status"] == "late" for e in rows)))
        assert cells == want, month
    last = stats["collection"]
    cells = collection[last["month"]]
    assert (sum(c[1] for c in cells), sum(c[0] for c in cells), sum(c[2] for c in cells)) == (
        last["expected"], last["arrived"] + last["late"], last["late"])
    return len(collection)


def test_the_sample_archives_statistics_page_equals_stats_and_due(tmp_path: Path, clock: Clock) -> None:
    root = tmp_path / "sample"
    shutil.copytree(REPO / "sample_archive", root, ignore=shutil.ignore_patterns("__pycache__", "generate.py"))
    clock.set("2026-11-26T10:00:00+08:00")
    assert run_cli(root, "ingest", "--stable-seconds", "0").exit_code == 0
    r = run_cli(root, "build")
    assert r.exit_code == 0, r.output
    for when in ("2026-11-26T10:00:00+08:00", "2026-12-12T10:00:00+08:00"):
        clock.set(when)
        assert assert_page_matches_the_engine(root) >= 10


def test_a_generated_archives_statistics_page_equals_stats_and_due(archive_root: Path, drop, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(20261120)
    types = ["basic-data", "credit-report", "contract", "qualification-rating", "sales-statistics", "analysis-report"]
    levels = ["ordinary", "ordinary", "ordinary", "confidential", "secret"]
    start = dt.datetime(2025, 10, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    files = []
    for batch in range(6):  # filed on six days over a year, each with documents of earlier months
        clock.set(start + dt.timedelta(days=batch * 61 + rng.randrange(0, 20)))
        rows = []
        for _ in range(rng.randrange(3, 7)):
            day = clock.today() - dt.timedelta(days=rng.randrange(1, 75))
            rows.append(doc(f"C000{rng.randrange(1, 4)}", rng.choice(types), day.isoformat(),
                            classification=rng.choice(levels), scan_pages=rng.randrange(1, 4)))
        files += file_docs(archive_root, drop, rows, prefix=f"b{batch}")
    # a customer that stopped: no longer expected (Art. 5)
    assert run_cli(archive_root, "customer", "update", "C0003", "--set", "active=false",
                   "--reason", "停止合作").exit_code == 0
    archive = Archive.open(archive_root)
    by_series: dict[tuple[str, int, str], list] = {}  # type: ignore[type-arg]
    for r in files:
        by_series.setdefault((r.customer, r.meta.year, r.retention), []).append(r)
    for n, series in enumerate(sorted(by_series)[:4], start=1):
        bind(archive, by_series[series], volume=n)
    clock.set("2026-11-03T10:00:00+08:00")
    assert assert_page_matches_the_engine(archive_root) >= 12
