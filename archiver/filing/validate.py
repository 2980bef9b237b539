"""Art. 6 step 1: is this a real, complete, readable, unencrypted PDF with pages?

Checks the bytes as read once from the inbox; the same bytes are then hashed and stored,
so what was checked is exactly what is filed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

from ..active import find_active_content
from ..config import FilingOptions
from ..errors import Rejection


@dataclass(frozen=True)
class PdfFacts:
    page_count: int
    active: tuple[str, ...] = ()  # the active content it carries (JavaScript, Launch …), if any


def validate(data: bytes, name: str, options: FilingOptions) -> PdfFacts:
    """Art. 6 step 1 for the bytes of one document: a PDF within the page budget, and
    without active content unless the archive accepts it."""
    facts = check_pdf(data, name, max_pages=options.max_pages)
    if facts.active and not options.accept_active_content:
        raise active_content(name, facts.active)
    return facts


def active_content(name: str, active: tuple[str, ...]) -> Rejection:
    """Why a PDF carrying ``active`` content is set aside, and how an archive accepts it."""
    return Rejection(
        "active-content",
        f"{name} carries {', '.join(active)}. A scanner never writes this; opened, such a "
        "file can run code or send data out.",
        "Scan the paper document again. If this very file must be kept as it is, set "
        "filing.accept_active_content = true in archive.toml and move it back into the inbox: it is "
        "then filed byte for byte and its sidecar lists what it carries.",
        {"active content": ", ".join(active)},
    )


def check_pdf(data: bytes, name: str, *, max_pages: int | None = None) -> PdfFacts:
    """Return the PDF's facts, or raise a Rejection saying what is wrong with it.

    ``max_pages`` is the page budget (``filing.max_pages``): a PDF with more pages is set
    aside before anything reads its pages."""
    if not data:
        raise Rejection(
            "empty-file",
            f"{name} is empty (0 bytes): the scan was not written.",
            "Scan the document again.",
        )
    if b"%PDF-" not in data[:1024]:
        raise Rejection(
            "not-a-pdf",
            f"{name} is not a PDF (it does not start with %PDF-).",
            "Save the scan as PDF in the scanner's settings and scan again.",
        )
    if b"%%EOF" not in data[-2048:]:
        raise Rejection(
            "truncated-pdf",
            f"{name} is cut off: the PDF has no end marker (%%EOF), so pages may be missing.",
            "The copy or the scan was interrupted. Scan or copy the document again.",
        )
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise Rejection(
                    "encrypted-pdf",
                    f"{name} is encrypted; an archive copy must open without a password or restrictions.",
                    "Turn off PDF security in the scanner's settings and scan again.",
                )
            count = len(pdf.pages)
            if count == 0:
                raise Rejection("no-pages", f"{name} has no pages.", "Scan the document again.")
            if max_pages is not None and count > max_pages:
                raise Rejection(
                    "too-many-pages",
                    f"{name} has {count} pages, more than the archive takes in one file "
                    f"(filing.max_pages = {max_pages}).",
                    "Split the scan into its documents and drop them again; or, if documents this long are "
                    "expected, raise filing.max_pages in archive.toml and move the file back into the inbox.",
                )
            for number, page in enumerate(pdf.pages, 1):
                box = page.obj.get("/MediaBox")
                if box is None or len(box) != 4:
                    raise Rejection(
                        "damaged-pdf",
                        f"{name}: page {number} has no valid page size (MediaBox); the PDF is damaged.",
                        "Scan the document again.",
                    )
            active = tuple(find_active_content(pdf))  # its structure only: images are never read
            return PdfFacts(page_count=count, active=active)
    except pikepdf.PasswordError:
        raise Rejection(
            "encrypted-pdf",
            f"{name} is protected by a password.",
            "Turn off PDF security in the scanner's settings and scan again.",
        ) from None
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, RuntimeError, RecursionError) as exc:
        raise Rejection(
            "damaged-pdf",
            f"{name} cannot be read as a PDF ({exc}).",
            "The file is damaged. Scan the document again.",
        ) from None
