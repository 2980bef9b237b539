"""Where each page and file lives in the site (:mod:`archiver.catalogue.paths`): names
safe on every file system, links relative and percent-encoded."""

from __future__ import annotations

import unicodedata

import pytest

from archiver.catalogue import paths


@pytest.mark.parametrize(("name", "safe"), [
    ("C0001", "C0001"),  # plain names stay as they are
    ("2026-C-001.pdf", "2026-C-001.pdf"),
    ("Q017·C0001·2026", "Q017·C0001·2026"),  # Chinese and punctuation are kept
    ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"),  # separators and reserved characters
    ("tab\there\x00nul", "tab_here_nul"),  # control characters
    ("..hidden", "hidden"),  # no hidden file, no way up
    ("..", "_"),
    ("   ", "_"),
])
def test_safe_name(name: str, safe: str) -> None:
    assert paths.safe_name(name) == safe


def test_safe_name_is_nfc_and_bounded_in_bytes() -> None:
    decomposed = unicodedata.normalize("NFD", "é档")
    assert paths.safe_name(decomposed) == "é档"
    long = "档" * 100  # 300 UTF-8 bytes
    out = paths.safe_name(long)
    assert len(out.encode("utf-8")) <= paths.MAX_NAME_BYTES and long.startswith(out) and len(out) == 66


def test_layout_mirrors_the_archive() -> None:
    assert paths.customer_page("C0001") == "customers/C0001/index.html"
    assert paths.volume_page("C0001", "Q017-C0001-2025-C-001") == "customers/C0001/volumes/Q017-C0001-2025-C-001.html"
    assert paths.document_page("C0001", "r1") == "customers/C0001/documents/r1.html"
    assert paths.document_pdf("C0001", 2025, "r1.pdf") == "files/records/C0001/2025/r1.pdf"
    assert paths.volume_pdf("C0001", 987, "v.pdf") == "files/volumes/C0001/0987/v.pdf"
    assert paths.thumbnail("ab" * 32) == f"thumbs/{'ab' * 32}.jpg"
    assert paths.customer_page("../../etc") == "customers/_.._etc/index.html"  # never out of the site


def test_links_are_relative_and_encoded() -> None:
    assert paths.root_prefix("index.html") == ""
    assert paths.root_prefix("customers/C0001/volumes/v.html") == "../../../"
    page = paths.document_page("C0001", "r1")
    assert paths.href("index.html", page) == "../../../index.html"
    assert paths.href("files/records/C 1/2025/档#1%.pdf", "index.html") == \
        "files/records/C%201/2025/%E6%A1%A3%231%25.pdf"
