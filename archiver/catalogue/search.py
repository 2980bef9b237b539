"""The search index: one static JavaScript file, ``search-index.js``, loaded once by the
home page with a ``<script src>`` tag (a page opened from ``file://`` may not fetch()
a JSON file, but it may load a script beside it). It sets one global,
``window.ARCHIVER_SEARCH``, that ``assets/search.js`` searches in the browser.

Only what the catalogue shows anyway goes in: customer codes and names, and for each
volume and document that is not restricted (Art. 24) its title, document number (文号),
type, date and reference code, with the site path of its page. Restricted material is
not in the index at all.

Format (compact: types are listed once and referred to by number)::

    {"version": 1,
     "customers": [[code, name, page], …],
     "types": [type name, …],
     "items": [[kind ("v"/"d"), customer#, type# (-1: none), date, title, doc_no, reference, page], …]}

Pages are percent-encoded site paths; the page that loads the index prefixes them with
its way back to the site root.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from .views import Overview

GLOBAL = "ARCHIVER_SEARCH"


def index_data(overview: Overview) -> dict[str, object]:
    types: dict[str, int] = {}
    items = []
    number = {c.code: i for i, c in enumerate(overview.customers)}
    for s in overview.search:
        t = types.setdefault(s.type, len(types)) if s.type else -1
        items.append(["v" if s.kind == "volume" else "d", number[s.customer], t, s.date, s.title, s.doc_no, s.reference,
                      _quoted(s.page)])
    return {
        "version": 1,
        "customers": [[c.code, c.name, _quoted(c.page)] for c in overview.customers],
        "types": list(types),
        "items": items,
    }


PLAIN = re.compile(r"[A-Za-z0-9/._-]*")  # nothing to percent-encode (most pages: ids and codes)


def _quoted(page: str) -> str:
    return page if PLAIN.fullmatch(page) else quote(page, safe="/")


def script_text(data: dict[str, object]) -> str:
    """The index as a script. ``<``, ``>``, ``&`` and the two JavaScript line separators
    are written as \\u escapes, so no value can close a script element or break a line."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        if ch in payload:
            payload = payload.replace(ch, esc)
    return f"/* archiver catalogue search index (generated; do not edit) */\nwindow.{GLOBAL} = {payload};\n"
