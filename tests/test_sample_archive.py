"""The bundled sample archive (issue 2, "sample_archive/").

A copy of the committed sample is ingested through the CLI: every scan must be filed,
and the filed records must show everything the sample promises — the six document types
of Art. 4, two years, each metadata source, a request and its reply in the next year
(Art. 14), a main document with its attachment (Art. 15), a top-secret group (Art. 13),
cross-year plan/summary/meeting papers (Art. 14), notes and declared page counts
(Art. 11, 18). Expected values come from the generator's own document list, so the test
follows the sample when it changes. The generator itself must be deterministic.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from conftest import NEXT_WEEK, Clock, run_cli, use_clock

from archiver.config import load_config
from archiver.customers import PROFILE_FIELDS
from archiver.model import Record
from archiver.store import Archive

SAMPLE = Path(__file__).resolve().parents[1] / "sample_archive"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sample_archive_generate", SAMPLE / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
DOCS = gen.DOCUMENTS


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.parts[len(root.parts)] in gen.GENERATED
    }


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    """A copy of the committed sample after one `archiver ingest --json`."""
    root = tmp_path_factory.mktemp("sample") / "archive"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    with use_clock(Clock().set(NEXT_WEEK)):
        result = run_cli(root, "ingest", "--stable-seconds", "0", "--json")
    assert result.exit_code == 0, result.output
    yield root, json.loads(result.stdout)


@pytest.fixture(scope="module")
def records(ingested: tuple[Path, dict]) -> dict[str, Record]:
    """The filed records by the inbox path they came from."""
    root, _ = ingested
    return {r.filing.source: r for r in Archive.open(root).iter_records()}


# Every scan files ------------------------------------------------------------------------
def test_every_scan_is_filed_and_nothing_is_rejected(ingested: tuple[Path, dict],
                                                     records: dict[str, Record]) -> None:
    root, report = ingested
    assert report["filed"] == len(DOCS) and report["rejected"] == 0 and report["waiting"] == []
    assert sorted(records) == sorted(d.path for d in DOCS)
    assert [p for p in (root / "inbox").rglob("*") if p.is_file()] == []


def test_each_record_carries_the_metadata_of_its_document(records: dict[str, Record]) -> None:
    for doc in DOCS:
        rec = records[doc.path]
        assert (rec.customer, rec.meta.type, rec.meta.date) == (doc.customer, doc.type, doc.date), doc.key
        assert rec.filing.metadata_source == doc.source, doc.key
        if doc.title:
            assert rec.meta.title == doc.title, doc.key
        assert rec.file.page_count == len(doc.pages), doc.key
        assert rec.meta.sides == doc.sides, doc.key
        for name in ("doc_no", "responsible", "classification", "group", "role", "kind", "notes", "pages"):
            if name in doc.fields:
                assert getattr(rec.meta, name) == doc.fields[name], (doc.key, name)
        assert rec.filing.filed_by == gen.FILER


# What the sample covers ------------------------------------------------------------------
def test_all_six_document_types_and_both_years(records: dict[str, Record]) -> None:
    config = load_config(SAMPLE / "archive.toml")
    assert len(config.document_types) == 6
    assert {r.meta.type for r in records.values()} == set(config.document_types)
    assert {r.meta.year for r in records.values()} == {d.date.year for d in DOCS} == {2025, 2026}
    for year in (2025, 2026):  # each year has material of several customers
        assert len({r.customer for r in records.values() if r.meta.year == year}) >= 4


def test_each_metadata_source_is_used(records: dict[str, Record]) -> None:
    filed = Counter(r.filing.metadata_source for r in records.values())
    assert filed == Counter(d.source for d in DOCS)
    assert set(filed) == {"sidecar", "folder", "filename"}
    assert min(filed.values()) >= 3


def _groups(records: dict[str, Record]) -> dict[tuple[str, str], dict[str, Record]]:
    out: dict[tuple[str, str], dict[str, Record]] = {}
    for r in records.values():
        if r.meta.group:
            out.setdefault((r.customer, r.meta.group), {})[r.meta.role] = r
    return out


def test_a_request_with_its_reply_in_the_next_year(records: dict[str, Record]) -> None:
    """Art. 14: the volume of the reply's year takes both."""
    pairs = [g for g in _groups(records).values() if {"request", "reply"} <= set(g)]
    assert pairs
    assert any(g["reply"].meta.year == g["request"].meta.year + 1 for g in pairs)


def test_linked_documents_of_art_15(records: dict[str, Record]) -> None:
    roles = {frozenset(g) for g in _groups(records).values()}
    for pair in (("main", "attachment"), ("printed", "final-draft"), ("forwarding", "forwarded"),
                 ("original-language", "translation")):
        assert frozenset(pair) in roles, pair
    expected = Counter((d.customer, d.fields["group"]) for d in DOCS if "group" in d.fields)
    assert Counter({k: len(v) for k, v in _groups(records).items()}) == expected


def test_a_top_secret_document_with_an_ordinary_one_in_its_group(records: dict[str, Record]) -> None:
    """Art. 13: the ordinary attachment follows the top-secret main document."""
    secret = [r for r in records.values() if r.meta.classification == "top-secret"]
    assert len(secret) == sum(d.fields.get("classification") == "top-secret" for d in DOCS) >= 1
    group = _groups(records)[(secret[0].customer, secret[0].meta.group)]
    assert any(r.meta.classification == "ordinary" for r in group.values())


def test_cross_year_plan_summary_and_meeting(records: dict[str, Record]) -> None:
    """Art. 14: plan → first year of its period, summary → last, meeting → the opening year."""
    kinds = {r.meta.kind: r for r in records.values() if r.meta.kind}
    assert set(kinds) == {"plan", "summary", "meeting"}
    for r in kinds.values():
        assert r.meta.period is not None and r.meta.period[0].year < r.meta.period[1].year
    assert kinds["meeting"].meta.period[0].year < kinds["meeting"].meta.year  # type: ignore[index]


def test_duplex_simplex_blank_backs_notes_and_declared_pages(records: dict[str, Record]) -> None:
    sides = Counter(r.meta.sides for r in records.values())
    assert sides["duplex"] >= 10 and sides["simplex"] >= 5
    duplex = [d for d in DOCS if d.sides == "duplex"]
    assert all(len(d.pages) % 2 == 0 for d in duplex)  # both sides of every sheet
    assert sum(d.pages[-1].blank for d in duplex) >= 10  # blank backs of single-sided sheets
    assert any(p.show_through for d in duplex for p in d.pages if p.blank)
    assert any(r.meta.notes for r in records.values())
    declared = [r for r in records.values() if r.meta.pages is not None]
    assert declared and all(r.file.page_count >= r.meta.pages for r in declared)  # type: ignore[operator]
    assert any(r.meta.doc_no and r.meta.responsible for r in records.values())


def test_customers_have_full_art_8_profiles(ingested: tuple[Path, dict]) -> None:
    root, _ = ingested
    customers = Archive.open(root).customers()
    assert [c.code for c in customers] == [c.code for c in gen.CUSTOMERS]
    assert 4 <= len(customers) <= 5
    for c in customers:
        for name in PROFILE_FIELDS:
            if name != "active":
                assert getattr(c, name), (c.code, name)


def test_archive_toml_names_fonds_filer_and_checker() -> None:
    config = load_config(SAMPLE / "archive.toml")
    assert (config.fonds_code, config.fonds_name) == (gen.FONDS_CODE, gen.FONDS_NAME)
    assert (config.volumes.filer, config.volumes.checker) == (gen.FILER, gen.CHECKER)


def test_sample_is_small_and_raster() -> None:
    size = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert size < 5 * 1024 * 1024
    for pdf in (SAMPLE / "inbox").rglob("*.pdf"):
        data = pdf.read_bytes()
        assert b"/Subtype /Image" in data and b"/Font" not in data, pdf.name


# The generator ---------------------------------------------------------------------------
def test_generator_is_deterministic_and_matches_the_committed_sample(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    gen.generate(first)
    gen.generate(second)
    made = _hashes(first)
    assert made == _hashes(second)
    committed = _hashes(SAMPLE)
    assert sorted(made) == sorted(committed)
    # Text files must match exactly; the scans' bytes depend on the JPEG library's build,
    # so the committed ones are compared by what they contain.
    for name, digest in made.items():
        if not name.endswith(".pdf"):
            assert committed[name] == digest, f"{name} is stale: run python sample_archive/generate.py"


def test_generate_again_replaces_the_sample_in_place(tmp_path: Path) -> None:
    out = tmp_path / "sample"
    gen.generate(out)
    (out / "inbox" / "stray.pdf").write_bytes(b"left over")
    gen.generate(out)
    assert not (out / "inbox" / "stray.pdf").exists()
    assert len(list((out / "inbox").rglob("*.pdf"))) == len(DOCS)


def test_generator_refuses_an_archive_in_use(tmp_path: Path) -> None:
    root = tmp_path / "real"
    (root / "records").mkdir(parents=True)
    (root / "inbox").mkdir()
    (root / "inbox" / "waiting.pdf").write_bytes(b"%PDF-")
    with pytest.raises(SystemExit, match="archive in use"):
        gen.generate(root)
    assert (root / "inbox" / "waiting.pdf").exists()


def test_every_sample_volume_is_pdfa_2b_and_the_audit_passes(ingested: tuple[Path, dict], tmp_path: Path) -> None:
    """Issue 10 and 11 on the sample archive: each volume `archiver build` makes is PDF/A-2b
    by pikepdf's validator (recorded in its manifest), and a full audit finds nothing
    wrong under any of the four properties (the validation done again included)."""
    import tomllib

    src, _ = ingested
    root = tmp_path / "archive"
    shutil.copytree(src, root, symlinks=True)
    for path in [root, *root.rglob("*")]:  # the modes archiver gives its files (a copy keeps git's)
        if not path.is_symlink():
            path.chmod(0o750 if path.is_dir() else (path.stat().st_mode & 0o777) & ~0o027)
    with use_clock(Clock().set(NEXT_WEEK)):
        built = run_cli(root, "build", "--checker", "李强", "--json")
        assert built.exit_code == 0, built.output
        manifests = sorted((root / "volumes").glob("*/[0-9][0-9][0-9][0-9]/*.toml"))
        assert len(manifests) >= 20
        verdicts = {m.stem: tomllib.loads(m.read_text("utf-8"))["pdfa"] for m in manifests}
        assert all(v["valid"] for v in verdicts.values()), {k: v for k, v in verdicts.items() if not v["valid"]}
        audit = run_cli(root, "audit", "--json")
    assert audit.exit_code == 0, audit.output
    report = json.loads(audit.stdout)
    assert set(report["properties"]) == {"authenticity", "integrity", "usability", "security"}
    assert all(not p["finding_list"] or all(f["severity"] == "warning" for f in p["finding_list"])
               for p in report["properties"].values())
