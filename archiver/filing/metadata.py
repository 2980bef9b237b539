"""How the archiver knows what a scan is (Art. 6 step 2): three sources, first match wins.

1. A sidecar ``NAME.toml`` next to ``NAME.pdf`` in the inbox.
2. Folders: ``inbox/<customer>/<type>/anything.pdf`` (a scanner profile per type); the
   date is a ``YYYYMMDD`` or ``YYYY-MM-DD`` found in the file name, else the day the
   scan was written.
3. The file name: ``<customer>_<type>_<YYYYMMDD>[_<title>].pdf`` (pattern configurable).

Everything here is pure: it takes the names and texts and gives a checked
:class:`~archiver.model.Metadata` or raises a :class:`~archiver.errors.Rejection` that
says what is wrong and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..config import CLASSIFICATION_LEVELS, Config
from ..customers import CUSTOMER_CODE_RE, clean_text
from ..errors import Rejection
from ..model import KINDS, ROLES, SIDES, Metadata

MAX_TITLE = 200
MAX_FIELD = 200
SIDECAR_FIELDS = {
    "customer", "type", "date", "title", "doc_no", "responsible", "classification",
    "retention", "sides", "pages", "copies", "group", "role", "kind", "period", "notes",
}  # fmt: skip
DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")


@dataclass(frozen=True)
class Found:
    """Metadata and where it came from (sidecar / folder / filename)."""

    meta: Metadata
    source: str


def parse_sidecar_text(text: str, name: str) -> dict[str, Any]:
    try:
        raw = tomllib.loads(text)
    except RecursionError:
        raise Rejection(
            "bad-sidecar",
            f"The metadata file {name} is nested too deeply to be read (tables or arrays inside each other "
            "hundreds of times): it is not a metadata file a scanner or script writes.",
            "Write a plain metadata file (see the README, 'Metadata'), then drop both files again.",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise Rejection(
            "bad-sidecar",
            f"The metadata file {name} is not valid TOML ({exc}).",
            "Correct the metadata file (see the README, 'Metadata'), then drop both files again.",
        ) from None
    unknown = sorted(set(raw) - SIDECAR_FIELDS)
    if unknown:
        raise Rejection(
            "bad-sidecar",
            f"The metadata file {name} has unknown field(s): {', '.join(unknown)}.",
            f"Allowed fields: {', '.join(sorted(SIDECAR_FIELDS))}. Correct the spelling and drop both files again.",
        )
    return raw


def from_sidecar(raw: Mapping[str, Any], config: Config, customers: Collection[str], today: dt.date) -> Found:
    missing = [k for k in ("customer", "type", "date") if k not in raw]
    if missing:
        raise Rejection(
            "incomplete-metadata",
            f"The metadata file lacks {', '.join(missing)}.",
            "Add the missing field(s) to the .toml file and drop both files again.",
        )
    return Found(check(raw, config, customers, today), "sidecar")


def from_folder(parts: tuple[str, ...], file_name: str, written: dt.date, config: Config,
                customers: Collection[str], today: dt.date) -> Found | None:
    """``parts`` are the folders between the inbox and the file."""
    if len(parts) != 2:
        return None
    customer, doc_type = parts
    if doc_type not in config.document_types:
        return None
    m = DATE_IN_NAME.search(file_name)
    date: Any = f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else written
    return Found(check({"customer": customer, "type": doc_type, "date": date}, config, customers, today), "folder")


def from_filename(file_name: str, config: Config, customers: Collection[str], today: dt.date) -> Found | None:
    stem = unicodedata.normalize("NFC", file_name.rsplit(".", 1)[0])
    m = re.match(config.filing.filename_pattern, stem)
    if not m:
        return None
    groups = m.groupdict()
    raw: dict[str, Any] = {"customer": groups["customer"], "type": groups["type"], "date": groups["date"]}
    if groups.get("title"):
        raw["title"] = groups["title"].replace("_", " ")
    return Found(check(raw, config, customers, today), "filename")


def not_recognised(file_name: str, config: Config) -> Rejection:
    return Rejection(
        "no-metadata",
        f"Cannot tell whose document {file_name} is or what it is: it has no metadata file "
        "(NAME.toml), is not in an inbox/<customer>/<type>/ folder, and its name does not "
        "follow <customer>_<type>_<YYYYMMDD>[_<title>].pdf.",
        "Rename it, e.g. C0001_credit-report_20261015.pdf, or put a metadata file next to it, "
        f"and drop it again. Document types: {', '.join(config.document_types)}.",
    )


# Checks ------------------------------------------------------------------------------
def check(raw: Mapping[str, Any], config: Config, customers: Collection[str], today: dt.date) -> Metadata:
    """Check raw metadata fields and return them as Metadata (or raise a Rejection)."""
    customer = raw.get("customer", "")
    customer = customer.strip() if isinstance(customer, str) else ""
    if not CUSTOMER_CODE_RE.fullmatch(customer):  # checked raw: a code is never "cleaned" into another
        raise Rejection(
            "bad-customer-code",
            f"{raw.get('customer')!r} is not a customer code.",
            "Customer codes have 1–32 letters, digits or '-' (e.g. C0001). Correct it and drop the file again.",
        )
    if customer not in customers:
        raise Rejection(
            "unknown-customer",
            f"Unknown customer {customer}.",
            f"Add it with `archiver customer add {customer} --name NAME` and drop the file again.",
        )
    doc_type = raw.get("type", "")
    doc_type = doc_type.strip() if isinstance(doc_type, str) else repr(doc_type)
    if doc_type not in config.document_types:
        raise Rejection(
            "unknown-type",
            f"Unknown document type '{doc_type}'.",
            f"Use one of: {', '.join(config.document_types)} (or add the type to archive.toml), "
            "then drop the file again.",
        )
    date = _date(raw.get("date"), "date")
    if date > today and not config.filing.allow_future_dates:
        raise Rejection(
            "future-date",
            f"The date {date.isoformat()} is later than today ({today.isoformat()}).",
            "Check the year; correct the date and drop the file again.",
        )
    dtype = config.document_types[doc_type]
    title = _text(raw, "title", limit=MAX_TITLE) or default_title(dtype.name, date)
    classification = _choice(raw, "classification", CLASSIFICATION_LEVELS, "ordinary")
    retention = _choice(raw, "retention", tuple(config.retention), "")
    sides = _choice(raw, "sides", SIDES, "duplex")
    role = _choice(raw, "role", ROLES, "")
    kind = _choice(raw, "kind", KINDS, "")
    group = _text(raw, "group", limit=64)
    if role and not group:
        raise Rejection(
            "bad-metadata",
            f"The role '{role}' needs a group: documents that belong together (Art. 12) share a group key.",
            "Add group = \"…\" (the same text on every related document) and drop the file again.",
        )
    period = _period(raw.get("period"))
    return Metadata(
        customer=customer,
        type=doc_type,
        date=date,
        title=title,
        doc_no=_text(raw, "doc_no"),
        responsible=_text(raw, "responsible"),
        classification=classification,
        retention=retention,
        sides=sides,
        pages=_count(raw, "pages"),
        copies=_count(raw, "copies"),
        group=group,
        role=role,
        kind=kind,
        period=period,
        notes=_text(raw, "notes", limit=2000, multiline=True),
    )


def default_title(type_name: str, date: dt.date) -> str:
    return f"{type_name}（{date.year}年{date.month}月{date.day}日）"


def _bad(field: str, value: object, allowed: str) -> Rejection:
    return Rejection(
        "bad-metadata",
        f"The field '{field}' has the value {value!r}, which is not allowed.",
        f"Use {allowed}; correct it and drop the file again.",
    )


def _text(raw: Mapping[str, Any], key: str, *, limit: int = MAX_FIELD, multiline: bool = False) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise _bad(key, value, "a text")
    if multiline:
        value = "\n".join(clean_text(line) for line in value.splitlines())
        value = value.strip()
    else:
        value = clean_text(value)
    if len(value) > limit:
        raise _bad(key, value[:40] + "…", f"at most {limit} characters")
    return value


def _choice(raw: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
    value = raw.get(key, default)
    if value != default and value not in allowed:
        raise _bad(key, value, "one of " + ", ".join(allowed))
    return str(value)


def _count(raw: Mapping[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
        raise _bad(key, value, "a whole number from 1")
    return value


def _date(value: object, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", value.strip())
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise Rejection(
                    "impossible-date",
                    f"The date {value} does not exist (month {m.group(2)} has no day {m.group(3)}, or no such month).",
                    "Correct the date (YYYY-MM-DD) and drop the file again.",
                ) from None
    raise _bad(key, value, "a date YYYY-MM-DD")


def _period(value: object) -> tuple[dt.date, dt.date] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise _bad("period", value, 'two dates: period = ["YYYY-MM-DD", "YYYY-MM-DD"]')
    start, end = _date(value[0], "period"), _date(value[1], "period")
    if end < start:
        raise _bad("period", value, "a start date before the end date")
    return (start, end)
