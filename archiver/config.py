"""archive.toml: load it, check every value, and hand out one typed :class:`Config`.

Every value the policy leaves open (due days, retention lengths, the hold period…) lives
here, never as a constant in code. A bad value is refused at start with its key, the
value and what is allowed (:class:`~archiver.errors.ConfigError`).
"""

from __future__ import annotations

import builtins
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ArchiverError, ConfigError

CONFIG_NAME = "archive.toml"
CLASSIFICATION_LEVELS = ("ordinary", "confidential", "secret", "top-secret")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# PDF standard fonts for page numbers (every viewer and printer has them; nothing embedded).
STAMP_FONTS = ("Helvetica", "Helvetica-Bold", "Times-Roman", "Times-Bold", "Courier", "Courier-Bold")


def template_text() -> str:
    """The commented archive.toml that ``archiver init`` writes."""
    return resources.files("archiver").joinpath("config_template.toml").read_text("utf-8")


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    due_day: int  # Art. 5: "下月 日前" — the day of the following month


@dataclass(frozen=True)
class RetentionClass:
    code: str  # permanent / long-term / short-term
    name: str  # 永久 / 长期 / 短期
    letter: str  # used in reference codes
    years: int  # 0 = forever


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str
    department: str
    retention: str
    rank: int
    monthly: bool


@dataclass(frozen=True)
class FilingOptions:
    filer: str = ""
    stable_seconds: float = 2.0
    rescan_seconds: float = 30.0
    filename_pattern: str = (
        r"^(?P<customer>[A-Za-z0-9-]+)_(?P<type>[a-z0-9-]+)_(?P<date>\d{8})(?:_(?P<title>.+))?$"
    )
    allow_future_dates: bool = False
    max_file_mb: float = 1024.0  # a larger inbox file is set aside (a budget, not a policy value)
    max_pages: int = 2000  # a PDF with more pages is set aside
    accept_active_content: bool = False  # file PDFs with JavaScript, Launch actions, embedded files…

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * (1 << 20))


@dataclass(frozen=True)
class VolumeOptions:
    filer: str = ""
    checker: str = ""
    max_sheets: int = 200
    reference_format: str = "{fonds}-{customer}-{year}-{retention}-{volume:03d}"
    binding_margin_mm: float = 25.0
    stamp_offset_mm: float = 10.0
    stamp_font_size: float = 12.0
    font: str = ""
    stamp_font: str = "Helvetica"  # legacy key, still accepted: numbers are always set in the shipped font, embedded
    forms_style: str = ""  # a forms.toml overriding the shipped one, relative to the archive root


@dataclass(frozen=True)
class CatalogueOptions:
    restricted_from: str = "secret"
    output: str = "site"  # default output folder of `archiver site`, relative to the archive root
    templates: str = ""  # a folder of templates overriding the shipped ones (relative to the root)
    pdf_files: str = "copy"  # how PDFs get into the site: copy (a reflink where possible) or hardlink


@dataclass(frozen=True)
class CustodyOptions:
    disposal_hold_months: int = 6
    second_approver_from: str = "secret"
    allow_self_approval: bool = False
    loan_days: int = 30


@dataclass(frozen=True)
class BatchOptions:
    split: bool = True  # look for cover sheets in every scan (archiver coversheet)


@dataclass(frozen=True)
class OcrOptions:
    workers: int = 1  # records recognised at once (archiver ocr)
    after_filing: bool = True  # the watcher runs the OCR stage after it has filed something


@dataclass(frozen=True)
class Config:
    policy_version: str
    fonds_code: str
    fonds_name: str
    departments: dict[str, Department]
    retention: dict[str, RetentionClass]
    document_types: dict[str, DocumentType]  # in configured order
    classifications: dict[str, str]  # level → label, lowest first
    filing: FilingOptions = field(default_factory=FilingOptions)
    volumes: VolumeOptions = field(default_factory=VolumeOptions)
    catalogue: CatalogueOptions = field(default_factory=CatalogueOptions)
    custody: CustodyOptions = field(default_factory=CustodyOptions)
    path: Path | None = None
    batch: BatchOptions = field(default_factory=BatchOptions)
    ocr: OcrOptions = field(default_factory=OcrOptions)

    def type(self, code: str) -> DocumentType:
        return self.document_types[code]

    def classification_rank(self, level: str) -> int:
        return CLASSIFICATION_LEVELS.index(level)

    def is_restricted(self, level: str) -> bool:
        """Art. 24: shown by reference code only in the catalogue."""
        return self.classification_rank(level) >= self.classification_rank(
            self.catalogue.restricted_from
        )

    def needs_second_approver(self, level: str) -> bool:
        return self.classification_rank(level) >= self.classification_rank(
            self.custody.second_approver_from
        )


def read_toml(path: Path, *, what: str = "", missing: ArchiverError | None = None) -> dict[str, Any]:
    """Read a settings file; a missing or broken one raises an error that names it.

    ``what`` describes the file in messages (default: its path); ``missing`` is raised
    when it does not exist (default: a ConfigError).
    """
    name = what or str(path)
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise missing or ConfigError(f"{name} does not exist.", hint="Check the path and run again.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name} is not valid TOML: {exc}.", hint="Fix the line it names and run again.") from None


def load_config(path: Path) -> Config:
    """Read and check ``archive.toml``; raise ConfigError naming the bad key."""
    missing = ConfigError(f"{path} does not exist.", hint="Create an archive with `archiver init DIR`.")
    return parse_config(read_toml(path, missing=missing), path)


def parse_config(raw: dict[str, Any], path: Path | None = None) -> Config:
    r = _Reader(raw, path)
    fonds = r.table("fonds")
    departments = {
        code: Department(
            code=r.code(code, "departments"),
            name=r.str(tbl, "name", f"departments.{code}"),
            due_day=r.int(tbl, "due_day", f"departments.{code}", lo=1, hi=28),
        )
        for code, tbl in r.table("departments").items()
    }
    if not departments:
        raise r.error("departments", "{}", "at least one [departments.CODE] table")
    retention = {
        code: RetentionClass(
            code=r.code(code, "retention"),
            name=r.str(tbl, "name", f"retention.{code}"),
            letter=r.str(tbl, "code", f"retention.{code}"),
            years=r.int(tbl, "years", f"retention.{code}", lo=0, hi=1000),
        )
        for code, tbl in r.table("retention").items()
    }
    if not retention:
        raise r.error("retention", "{}", "at least one [retention.CODE] table")
    types: dict[str, DocumentType] = {}
    type_list = raw.get("document_types")
    if not isinstance(type_list, list) or not type_list:
        raise r.error("document_types", type_list, "one or more [[document_types]] tables")
    for i, tbl in enumerate(type_list):
        where = f"document_types[{i}]"
        if not isinstance(tbl, dict):
            raise r.error(where, tbl, "a table")
        code = r.code(r.str(tbl, "code", where), where + ".code")
        dept = r.str(tbl, "department", where)
        if dept not in departments:
            raise r.error(f"{where}.department", dept, f"one of {sorted(departments)}")
        ret = r.str(tbl, "retention", where)
        if ret not in retention:
            raise r.error(f"{where}.retention", ret, f"one of {sorted(retention)}")
        if code in types:
            raise r.error(f"{where}.code", code, "a code not used by another document type")
        types[code] = DocumentType(
            code=code,
            name=r.str(tbl, "name", where),
            department=dept,
            retention=ret,
            rank=r.int(tbl, "rank", where, lo=0, hi=10_000),
            monthly=r.bool(tbl, "monthly", where, default=False),
        )
    classes_raw = raw.get("classifications", {})
    if not isinstance(classes_raw, dict):
        raise r.error("classifications", classes_raw, "a table")
    default_labels = {"ordinary": "普通", "confidential": "秘密", "secret": "机密", "top-secret": "绝密"}
    for key in classes_raw:
        if key not in CLASSIFICATION_LEVELS:
            raise r.error(f"classifications.{key}", key, f"one of {list(CLASSIFICATION_LEVELS)}")
    classifications = {
        lvl: str(classes_raw.get(lvl, default_labels[lvl])) for lvl in CLASSIFICATION_LEVELS
    }

    f = r.table("filing", optional=True)
    filing = FilingOptions(
        filer=r.str(f, "filer", "filing", default=""),
        stable_seconds=r.float(f, "stable_seconds", "filing", 2.0, lo=0.0),
        rescan_seconds=r.float(f, "rescan_seconds", "filing", 30.0, lo=0.5),
        filename_pattern=r.str(f, "filename_pattern", "filing", default=FilingOptions.filename_pattern),
        allow_future_dates=r.bool(f, "allow_future_dates", "filing", default=False),
        max_file_mb=r.float(f, "max_file_mb", "filing", 1024.0, lo=0.001, hi=1_000_000.0),
        max_pages=r.int(f, "max_pages", "filing", lo=1, hi=10_000_000, default=2000),
        accept_active_content=r.bool(f, "accept_active_content", "filing", default=False),
    )
    try:
        pattern = re.compile(filing.filename_pattern)
    except re.error as exc:
        raise r.error("filing.filename_pattern", filing.filename_pattern, f"a valid regular expression ({exc})") from None
    missing = {"customer", "type", "date"} - set(pattern.groupindex)
    if missing:
        raise r.error("filing.filename_pattern", filing.filename_pattern, f"named groups customer, type and date (missing: {', '.join(sorted(missing))})")

    v = r.table("volumes", optional=True)
    volumes = VolumeOptions(
        filer=r.str(v, "filer", "volumes", default=""),
        checker=r.str(v, "checker", "volumes", default=""),
        max_sheets=r.int(v, "max_sheets", "volumes", lo=10, hi=10_000, default=200),
        reference_format=r.str(v, "reference_format", "volumes", default=VolumeOptions.reference_format),
        binding_margin_mm=r.float(v, "binding_margin_mm", "volumes", 25.0, lo=0.0, hi=80.0),
        stamp_offset_mm=r.float(v, "stamp_offset_mm", "volumes", 10.0, lo=2.0, hi=60.0),
        stamp_font_size=r.float(v, "stamp_font_size", "volumes", 12.0, lo=5.0, hi=40.0),
        font=r.str(v, "font", "volumes", default=""),
        stamp_font=r.str(v, "stamp_font", "volumes", default="Helvetica"),
        forms_style=r.str(v, "forms_style", "volumes", default=""),
    )
    if volumes.stamp_font not in STAMP_FONTS:
        raise r.error("volumes.stamp_font", volumes.stamp_font, "one of " + ", ".join(STAMP_FONTS))
    try:
        volumes.reference_format.format(fonds="F", customer="C", year=2000, retention="Y", volume=1)
    except (KeyError, ValueError, IndexError) as exc:
        raise r.error("volumes.reference_format", volumes.reference_format, f"fields among fonds, customer, year, retention, volume ({exc})") from None

    c = r.table("catalogue", optional=True)
    catalogue = CatalogueOptions(
        restricted_from=r.level(c, "restricted_from", "catalogue", "secret"),
        output=r.str(c, "output", "catalogue", default="site"),
        templates=r.str(c, "templates", "catalogue", default=""),
        pdf_files=r.str(c, "pdf_files", "catalogue", default="copy"),
    )
    if not catalogue.output.strip():
        raise r.error("catalogue.output", catalogue.output, "a folder name, e.g. \"site\"")
    if catalogue.pdf_files not in ("hardlink", "copy"):
        raise r.error("catalogue.pdf_files", catalogue.pdf_files, "\"copy\" or \"hardlink\"")
    k = r.table("custody", optional=True)
    custody = CustodyOptions(
        disposal_hold_months=r.int(k, "disposal_hold_months", "custody", lo=6, hi=600, default=6),
        second_approver_from=r.level(k, "second_approver_from", "custody", "secret"),
        allow_self_approval=r.bool(k, "allow_self_approval", "custody", default=False),
        loan_days=r.int(k, "loan_days", "custody", lo=1, hi=3650, default=30),
    )
    b = r.table("batch", optional=True)
    batch = BatchOptions(split=r.bool(b, "split", "batch", default=True))
    o = r.table("ocr", optional=True)
    ocr = OcrOptions(workers=r.int(o, "workers", "ocr", lo=1, hi=64, default=1),
                     after_filing=r.bool(o, "after_filing", "ocr", default=True))
    r.used(raw, "", "policy_version", "document_types", "classifications")
    r.used(classes_raw, "classifications", *CLASSIFICATION_LEVELS)
    r.refuse_unknown()
    return Config(
        policy_version=r.str(raw, "policy_version", "", default=""),
        fonds_code=r.str(fonds, "code", "fonds"),
        fonds_name=r.str(fonds, "name", "fonds"),
        departments=departments,
        retention=retention,
        document_types=types,
        classifications=classifications,
        filing=filing,
        volumes=volumes,
        catalogue=catalogue,
        custody=custody,
        path=path,
        batch=batch,
        ocr=ocr,
    )


_MISSING = object()


class _Reader:
    """Typed getters that raise ConfigError with the key, the value and what is allowed."""

    def __init__(self, raw: dict[builtins.str, Any], path: Path | None) -> None:
        self.raw = raw
        self.where = str(path) if path else CONFIG_NAME
        # every table read, by identity: (its name, the table, the keys read from it)
        self.tables: dict[builtins.int, tuple[builtins.str, dict[builtins.str, Any], set[builtins.str]]] = {}

    def used(self, tbl: dict[builtins.str, Any], section: builtins.str, *keys: builtins.str) -> None:
        """Note that ``keys`` of ``tbl`` (named ``section``) are known settings."""
        self.tables.setdefault(id(tbl), (section, tbl, set()))[2].update(keys)

    def refuse_unknown(self) -> None:
        """A key nobody reads is a typo: refuse it rather than silently use the default."""
        for section, tbl, known in self.tables.values():
            for key in tbl:
                if key not in known:
                    allowed = ", ".join(sorted(known))
                    raise ConfigError(
                        f"{self.where}: unknown key '{self._key(section, key)}'; allowed here: {allowed}.",
                        hint=f"Correct the spelling in {self.where} (or remove the key) and run the command again.",
                    )

    def error(self, key: builtins.str, value: object, allowed: builtins.str) -> ConfigError:
        return ConfigError(
            f"{self.where}: key '{key}' has the value {value!r}; allowed: {allowed}.",
            hint=f"Edit {self.where} and run the command again.",
        )

    @staticmethod
    def _key(section: builtins.str, key: builtins.str) -> builtins.str:
        return f"{section}.{key}" if section else key

    def table(self, key: builtins.str, optional: builtins.bool = False) -> dict[builtins.str, Any]:
        self.used(self.raw, "", key)
        value = self.raw.get(key, {} if optional else _MISSING)
        if value is _MISSING:
            raise self.error(key, None, f"a [{key}] table (see `archiver init` for an example)")
        if not isinstance(value, dict):
            raise self.error(key, value, "a table")
        return value

    def code(self, code: builtins.str, section: builtins.str) -> builtins.str:
        if not CODE_RE.match(code):
            raise self.error(section, code, "a code of lowercase letters, digits and '-'")
        return code

    def str(self, tbl: dict[builtins.str, Any], key: builtins.str, section: builtins.str, default: Any = _MISSING) -> builtins.str:
        self.used(tbl, section, key)
        value = tbl.get(key, default)
        if value is _MISSING or not isinstance(value, str):
            raise self.error(self._key(section, key), None if value is _MISSING else value, "a text in quotes")
        return value

    def int(self, tbl: dict[builtins.str, Any], key: builtins.str, section: builtins.str, *, lo: builtins.int, hi: builtins.int, default: Any = _MISSING) -> builtins.int:
        self.used(tbl, section, key)
        value = tbl.get(key, default)
        if value is _MISSING or isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.error(self._key(section, key), None if value is _MISSING else value, f"a whole number from {lo} to {hi}")
        return value

    def float(self, tbl: dict[builtins.str, Any], key: builtins.str, section: builtins.str, default: builtins.float, *, lo: builtins.float, hi: builtins.float = 1e9) -> builtins.float:
        self.used(tbl, section, key)
        value = tbl.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            raise self.error(self._key(section, key), value, f"a number from {lo:g} to {hi:g}")
        return float(value)

    def bool(self, tbl: dict[builtins.str, Any], key: builtins.str, section: builtins.str, default: builtins.bool) -> builtins.bool:
        self.used(tbl, section, key)
        value = tbl.get(key, default)
        if not isinstance(value, bool):
            raise self.error(self._key(section, key), value, "true or false")
        return value

    def level(self, tbl: dict[builtins.str, Any], key: builtins.str, section: builtins.str, default: builtins.str) -> builtins.str:
        self.used(tbl, section, key)
        value = tbl.get(key, default)
        if value not in CLASSIFICATION_LEVELS:
            raise self.error(self._key(section, key), value, f"one of {list(CLASSIFICATION_LEVELS)}")
        return str(value)
