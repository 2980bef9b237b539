"""Customer history (Art. 26, 30): major changes of a customer are recorded, dated.

``archiver customer update C0001 --set address=… --reason …`` changes the Art. 8 profile
(``customers/<code>/customer.toml``) and records one entry per changed field in
``customers/<code>/history.jsonl`` (JSON Lines: at, by, event ``changed``, field, old,
new, reason) — the profile keeps its history, and the catalogue shows it. The same dated
register holds the customer's dealings (event ``dealing``, :mod:`.dealings`): Art. 30's
"major changes and dealings", one register per customer.

Order, for Art. 21: the history lines are written first, all in one append (one
``write``), then the profile is rewritten atomically. A crash in between leaves a history
that names a change the profile does not show yet; running the same update again records
it once more and completes the profile — a change is never made without a trace.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from ..atomic import append_line
from ..clock import login_name, now
from ..customers import PROFILE_FIELDS, Customer, clean_text, write_customer
from ..errors import ArchiverError
from ..register import Register
from ..store import Archive
from .workflow import custody_lock

HISTORY = "history.jsonl"
TRUE = {"true", "yes", "1", "是"}
FALSE = {"false", "no", "0", "否"}


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """``["address=…", "active=false"]`` → checked field values (Art. 8 fields only)."""
    kinds = {f.name: f.type for f in fields(Customer)}
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in PROFILE_FIELDS:
            raise ArchiverError(f"Cannot set {pair!r}.",
                                hint=f"Write FIELD=VALUE with FIELD one of: {', '.join(PROFILE_FIELDS)}.")
        if kinds[key] in ("bool", bool):
            low = value.strip().lower()
            if low not in TRUE | FALSE:
                raise ArchiverError(f"{key} is true or false, not {value!r}.", hint=f"Write {key}=true or {key}=false.")
            out[key] = low in TRUE
        else:
            text = clean_text(value)
            if key == "name" and not text:
                raise ArchiverError("A customer's name cannot be empty.", hint="Give the full name (客户名称).")
            out[key] = text
    if not out:
        raise ArchiverError("Nothing to change.", hint="Give one or more --set FIELD=VALUE.")
    return out


def changes(customer: Customer, values: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for each value that differs from the profile."""
    current = asdict(customer)
    return [(k, current[k], v) for k, v in values.items() if current[k] != v]


def update(archive: Archive, code: str, values: dict[str, Any], *, reason: str, by: str = "") -> list[dict[str, Any]]:
    reason = clean_text(reason)
    if not reason:
        raise ArchiverError("A reason is required for a change of a customer profile (Art. 30).",
                            hint="Give --reason, e.g. --reason '工商变更登记'.")
    customer = archive.customer(code)
    diff = changes(customer, values)
    if not diff:
        return []
    at, who = now().isoformat(), by or login_name()
    entries = [{"at": at, "by": who, "event": "changed", "field": k, "old": old, "new": new, "reason": reason}
               for k, old, new in diff]
    with custody_lock(archive, "archiver customer update"):
        append_line(history_path(archive, code), "\n".join(json.dumps(e, ensure_ascii=False) for e in entries))
        write_customer(archive.customers_dir, replace(customer, **{k: new for k, _old, new in diff}))
    return entries


def history_path(archive: Archive, code: str) -> Path:
    return archive.customers_dir / code / HISTORY


def history(archive: Archive, code: str) -> list[dict[str, Any]]:
    """The recorded profile changes of customer ``code``, oldest first (its dealings, in the
    same register, are read by :mod:`.dealings`)."""
    archive.customer(code)  # NotFoundError for an unknown customer
    return [e for e in Register(history_path(archive, code)) if e.get("event") == "changed"]
