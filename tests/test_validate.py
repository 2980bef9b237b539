"""archiver.filing.validate (Art. 6 step 1): what a PDF must be to be filed, checked on
the bytes as read once — and what is said when it is not."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from conftest import make_scan

from archiver.config import FilingOptions
from archiver.errors import Rejection
from archiver.filing.validate import PdfFacts, active_content, check_pdf, validate

CORPUS = Path(__file__).parent / "fixtures" / "corpus"


def code_of(data: bytes, **kw: object) -> str:
    with pytest.raises(Rejection) as info:
        check_pdf(data, "x.pdf", **kw)  # type: ignore[arg-type]
    assert "x.pdf" in info.value.reason and info.value.fix  # says which file, and what to do
    return info.value.code


def saved(pdf: pikepdf.Pdf, **kw: object) -> bytes:
    out = io.BytesIO()
    pdf.save(out, **kw)  # type: ignore[arg-type]
    return out.getvalue()


def test_a_scan_gives_its_page_count_and_no_active_content() -> None:
    assert check_pdf(make_scan(3, seed=1), "x.pdf") == PdfFacts(page_count=3, active=())


@pytest.mark.parametrize("data, code", [
    (b"", "empty-file"),
    (b"GIF89a not a pdf at all", "not-a-pdf"),
    (make_scan(1, seed=2)[:-40], "truncated-pdf"),
    (b"%PDF-1.7\n1 0 obj garbage\n%%EOF\n", "damaged-pdf"),
])
def test_what_is_not_a_complete_pdf_is_named(data: bytes, code: str) -> None:
    assert code_of(data) == code


def test_an_encrypted_pdf_is_refused() -> None:
    assert code_of((CORPUS / "graph-encrypted.pdf").read_bytes()) == "encrypted-pdf"
    with pikepdf.open(io.BytesIO(make_scan(1, seed=3))) as pdf:
        data = saved(pdf, encryption=pikepdf.Encryption(owner="o", user="", R=6))
    assert code_of(data) == "encrypted-pdf"


def test_a_pdf_without_pages_is_refused() -> None:
    assert code_of(saved(pikepdf.new())) == "no-pages"


def test_the_page_budget_is_checked_before_the_pages() -> None:
    data = make_scan(3, seed=5)
    assert code_of(data, max_pages=2) == "too-many-pages"
    assert check_pdf(data, "x.pdf", max_pages=3).page_count == 3


def active_scan() -> bytes:
    with pikepdf.open(io.BytesIO(make_scan(1, seed=6))) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        return saved(pdf)


def test_active_content_is_set_aside_unless_the_archive_accepts_it() -> None:
    data = active_scan()
    with pytest.raises(Rejection) as info:
        validate(data, "x.pdf", FilingOptions())
    assert info.value.code == "active-content" and "JavaScript" in info.value.reason
    assert "filing.accept_active_content = true" in info.value.fix
    facts = validate(data, "x.pdf", FilingOptions(accept_active_content=True))
    assert "JavaScript" in facts.active and facts.page_count == 1


def test_the_active_content_reason_names_what_it_carries() -> None:
    r = active_content("a.pdf", ("JavaScript", "embedded file"))
    assert r.code == "active-content" and "a.pdf carries JavaScript, embedded file" in r.reason
    assert r.details == {"active content": "JavaScript, embedded file"}


def test_a_plain_scan_passes_validation_with_the_defaults() -> None:
    assert validate(make_scan(2, seed=7), "x.pdf", FilingOptions()).page_count == 2
