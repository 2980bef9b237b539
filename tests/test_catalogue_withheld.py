"""PDFs the catalogue never serves (:mod:`archiver.catalogue.withheld`): active content
found once per file version, the findings cached by checksum (JSON), thrown away when the
checker changes; a finding filing already recorded is taken without opening the PDF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from catalogue_helpers import with_javascript
from conftest import make_scan

from archiver.catalogue import withheld

CORPUS = Path(__file__).parent / "fixtures" / "corpus"


@pytest.fixture
def pdfs(tmp_path: Path) -> dict[str, Path]:
    scan = make_scan(1, seed=1)
    out = {"plain": tmp_path / "plain.pdf", "js": tmp_path / "js.pdf", "embedded": tmp_path / "embedded.pdf"}
    out["plain"].write_bytes(scan)
    out["js"].write_bytes(with_javascript(scan))
    out["embedded"].write_bytes(with_javascript(scan, embedded=True))
    return out


def test_scan_names_what_a_pdf_carries(pdfs: dict[str, Path]) -> None:
    assert withheld.scan(pdfs["plain"]) == []
    assert withheld.scan(pdfs["js"]) != []
    assert len(withheld.scan(pdfs["embedded"])) > len(withheld.scan(pdfs["js"]))
    assert withheld.scan(CORPUS / "graph-encrypted.pdf") == []  # does not open: the audit reports it
    assert withheld.scan(pdfs["plain"].with_name("missing.pdf")) == []


def test_find_keeps_only_those_that_carry_any_and_caches_by_checksum(
        tmp_path: Path, pdfs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    state.mkdir()
    todo = [("p" * 64, pdfs["plain"]), ("j" * 64, pdfs["js"]), ("m" * 64, tmp_path / "gone.pdf")]
    found = withheld.find(state, todo)
    assert set(found) == {"j" * 64} and found["j" * 64] == tuple(withheld.scan(pdfs["js"]))
    cache = json.loads((state / withheld.CACHE).read_text("utf-8"))
    assert cache["checker"] == withheld._checker_version()
    assert set(cache["results"]) == {"p" * 64, "j" * 64}  # a missing file is not judged
    monkeypatch.setattr(withheld, "scan", lambda pdf: pytest.fail(f"{pdf} opened again"))
    assert withheld.find(state, todo) == found


def test_a_finding_filing_recorded_is_taken_as_it_is(tmp_path: Path, pdfs: dict[str, Path],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(withheld, "scan", lambda pdf: pytest.fail(f"{pdf} opened"))
    found = withheld.find(tmp_path, [("j" * 64, pdfs["js"])], {"j" * 64: ["JavaScript"]})
    assert found == {"j" * 64: ("JavaScript",)}
    assert not (tmp_path / withheld.CACHE).exists()


@pytest.mark.parametrize("content", ['{"checker": "older", "results": {"%s": []}}' % ("j" * 64),
                                     "not json", '["a list"]', '{"checker": null, "results": 3}'])
def test_a_cache_of_another_checker_or_broken_is_not_trusted(tmp_path: Path, pdfs: dict[str, Path],
                                                             content: str) -> None:
    (tmp_path / withheld.CACHE).write_text(content, "utf-8")
    assert withheld.load(tmp_path) == {}
    assert set(withheld.find(tmp_path, [("j" * 64, pdfs["js"])])) == {"j" * 64}
