"""Where each page and file lives inside the site, and how links to it are written.

Every path here is relative to the site's root, with '/' separators, unencoded; pages
link to each other with relative URLs (so the site works from ``file://`` and from any
web server folder), percent-encoded by :func:`href` so that Chinese characters, spaces,
``#`` or ``%`` in a reference code or a file name stay part of the name.

Layout (mirrors the archive's own folders, so the IT person finds their way)::

    index.html  customers.html  statistics.html  search-index.js  assets/…
    customers/<code>/index.html                      customer
    customers/<code>/volumes/<reference>.html        volume
    customers/<code>/documents/<record id>.html      document
    files/records/<code>/<year>/<record file>.pdf    document PDFs
    files/volumes/<code>/<year>/<volume file>.pdf    volume PDFs
    thumbs/<sha256>.jpg                              thumbnails (named by checksum)
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

UNSAFE = set('/\\:*?"<>|')
PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")  # safe as it is (ids, codes, most file names)
MAX_NAME_BYTES = 200


@lru_cache(maxsize=65536)
def safe_name(name: str) -> str:
    """One path component that is safe on every file system (and still readable)."""
    if PLAIN.fullmatch(name):
        return name
    name = unicodedata.normalize("NFC", name)
    out = "".join("_" if ch in UNSAFE or unicodedata.category(ch)[0] == "C" else ch for ch in name).strip()
    out = out.lstrip(".") or "_"
    while len(out.encode("utf-8")) > MAX_NAME_BYTES:
        out = out[:-1]
    return out


def customer_page(code: str) -> str:
    return f"customers/{safe_name(code)}/index.html"


def volume_page(customer: str, reference: str) -> str:
    return f"customers/{safe_name(customer)}/volumes/{safe_name(reference)}.html"


def document_page(customer: str, record_id: str) -> str:
    return f"customers/{safe_name(customer)}/documents/{safe_name(record_id)}.html"


def document_pdf(customer: str, year: int, file_name: str) -> str:
    return f"files/records/{safe_name(customer)}/{year:04d}/{safe_name(file_name)}"


def volume_pdf(customer: str, year: int, file_name: str) -> str:
    return f"files/volumes/{safe_name(customer)}/{year:04d}/{safe_name(file_name)}"


def thumbnail(sha256: str) -> str:
    return f"thumbs/{sha256}.jpg"


def root_prefix(page: str) -> str:
    """The relative way from ``page`` back to the site root: "", "../", "../../" …"""
    return "../" * page.count("/")


def href(target: str, page: str) -> str:
    """A percent-encoded relative URL from ``page`` to ``target`` (both site paths)."""
    return quote(root_prefix(page) + target, safe="/")
