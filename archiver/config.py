"""archive.toml: every key declared once; the parser and the commented template made from
that declaration; one typed :class:`Config` handed out.

Every value the policy leaves open (due days, retention lengths, the hold period…) lives
here, never as a constant in code. Each key is one field of a settings dataclass below,
declared with :func:`~archiver.settings.setting` — its type (the annotation), default,
bounds or choices and the comment ``archiver init`` writes above it. :func:`parse_config`
reads every declared key and refuses a bad value with its key, the value and what is
allowed (:class:`~archiver.errors.ConfigError`); :func:`template_text` writes the
commented archive.toml from the same declaration. Adding a key is adding one field;
adding a section, one dataclass, one :data:`SECTIONS` entry and one :class:`Config` field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ArchiverError, ConfigError
from .settings import Reader, Section, keys, section_lines, setting

CONFIG_NAME = "archive.toml"
CLASSIFICATION_LEVELS = ("ordinary", "confidential", "secret", "top-secret")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# PDF standard fonts a legacy volumes.stamp_font may name (the numbers are always set in
# the shipped font, embedded).
STAMP_FONTS = ("Helvetica", "Helvetica-Bold", "Times-Roman", "Times-Bold", "Courier", "Courier-Bold")


def _regex_with_groups(value: str) -> str:
    try:
        pattern = re.compile(value)
    except re.error as exc:
        return f"a valid regular expression ({exc})"
    missing = {"customer", "type", "date"} - set(pattern.groupindex)
    if missing:
        return f"named groups customer, type and date (missing: {', '.join(sorted(missing))})"
    return ""


def _reference_format(value: str) -> str:
    try:
        value.format(fonds="F", customer="C", year=2000, retention="Y", volume=1)
    except (KeyError, ValueError, IndexError) as exc:
        return f"fields among fonds, customer, year, retention, volume ({exc})"
    return ""


def _code(value: str) -> str:
    return "" if CODE_RE.match(value) else "a code of lowercase letters, digits and '-'"


def _table_code(r: Reader, code: str, section: str) -> str:
    """The CODE of a ``[section.CODE]`` table, checked."""
    if _code(code):
        raise r.error(section, code, _code(code))
    return code


def _folder_name(value: str) -> str:
    return "" if value.strip() else 'a folder name, e.g. "site"'


# The settings, section by section (in the order of the template) --------------------------
@dataclass(frozen=True)
class Policy:
    policy_version: str = setting(
        "", "The policy version this archive implements (Art. 31–32: the policy is maintained by the "
        "customer-information supervisor and approved by the general manager).", example="客户档案管理制度 v1")


@dataclass(frozen=True)
class Fonds:
    code: str = setting(comment="The archive-holding organisation (全宗): its code starts every reference code (档号).",
                        example="Q001")
    name: str = setting(comment="Its name, printed on the forms.", example="某某有限公司客户服务部")


@dataclass(frozen=True)
class FilingOptions:
    filer: str = setting("", "The person recorded as filer when a command is not given --by (empty: the login name).")
    stable_seconds: float = setting(
        2.0, "A scan is taken from the inbox only after its size and modification time have not changed for "
        "this many seconds (a scanner may write slowly).", lo=0.0)
    rescan_seconds: float = setting(
        30.0, "The watcher rescans the whole inbox this often (seconds), as a safety net for events a file "
        "system does not deliver.", lo=0.5)
    filename_pattern: str = setting(
        r"^(?P<customer>[A-Za-z0-9-]+)_(?P<type>[a-z0-9-]+)_(?P<date>\d{8})(?:_(?P<title>.+))?$",
        "The third metadata source: the scan's file name. A Python regular expression with the named groups "
        "customer, type, date (YYYYMMDD) and optionally title.", check=_regex_with_groups)
    allow_future_dates: bool = setting(
        False, "Documents dated later than today are refused (a mistyped year), unless true.")
    max_file_mb: float = setting(
        1024.0, "Budget: an inbox file larger than this many megabytes is set aside with a reason instead of "
        "holding the archive for minutes (raise it if your scans are that large).", lo=0.001, hi=1_000_000.0)
    max_pages: int = setting(2000, "Budget: a PDF with more pages than this is set aside with a reason.",
                             lo=1, hi=10_000_000)
    accept_active_content: bool = setting(
        False, "A PDF carrying JavaScript, Launch actions, embedded files or form actions is not what a "
        "scanner writes: it is set aside, unless this is true. When true, it is filed byte for byte and its "
        "sidecar lists what it carries (file.active_content); volumes and the catalogue never pass active "
        "content on.")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * (1 << 20))


@dataclass(frozen=True)
class Department:
    code: str  # the table's name: [departments.CODE]
    name: str = setting(comment="the department's name")
    due_day: int = setting(comment="each month's documents are due to the archive by this day of the following "
                                   "month (Art. 5: the policy leaves it blank)", lo=1, hi=28)


@dataclass(frozen=True)
class RetentionClass:
    code: str  # the table's name: [retention.CODE] — permanent / long-term / short-term
    name: str = setting(comment="the class's name, printed on forms (永久 / 长期 / 短期)")
    letter: str = setting(comment="the letter used in reference codes", key="code")
    years: int = setting(comment="how long it is kept; 0 means forever", lo=0, hi=1000)


@dataclass(frozen=True)
class DocumentType:
    code: str = setting(comment="used in file names and folders", check=_code)
    name: str = setting(comment="printed on forms")
    department: str = setting(comment="who supplies it (Art. 5), one of the [departments]")
    retention: str = setting(comment="its default retention class, one of the [retention] classes")
    rank: int = setting(comment="its order among documents of the same date in a volume (Art. 15)", lo=0, hi=10_000)
    monthly: bool = setting(False, "whether one is expected every month from every active customer "
                                   "(Art. 5, `archiver due`)")


@dataclass(frozen=True)
class ClassificationLabels:
    ordinary: str = setting("普通")  # explained by the section's comment
    confidential: str = setting("秘密")
    secret: str = setting("机密")
    top_secret: str = setting("绝密", key="top-secret")


@dataclass(frozen=True)
class VolumeOptions:
    filer: str = setting("", "Filer (立卷人) printed on the remarks sheet (Art. 18) when `archiver build` is not "
                             "given --filer. Empty: the login name.")
    checker: str = setting("", "Checker (检查人) printed on the remarks sheet (Art. 18) when `archiver build` is not "
                               "given --checker. Empty: it must be given.")
    max_sheets: int = setting(200, "The thickest a volume may be, in sheets; more material starts volume 2, 3… "
                                   "(split only between groups, Art. 12).", lo=10, hi=10_000)
    reference_format: str = setting(
        "{fonds}-{customer}-{year}-{retention}-{volume:03d}",
        "Reference code (档号) of a volume. Fields: fonds, customer, year, retention (the class's code letter), "
        "volume (a number; format spec allowed).", check=_reference_format)
    binding_margin_mm: float = setting(
        25.0, "Page numbers (Art. 16): fronts top-right, backs top-left, clear of the binding edge by this many "
        "millimetres, on a small white ground, moved to blank paper in their corner when the scan has ink there. "
        "They are set in the Song-style font shipped with archiver (its digits, embedded in the volume), so "
        "every viewer and printer shows them alike.", lo=0.0, hi=80.0)
    stamp_offset_mm: float = setting(10.0, "How far the page number stands from the top edge, in millimetres.",
                                     lo=2.0, hi=60.0)
    stamp_font_size: float = setting(12.0, "The page number's size, in points.", lo=5.0, hi=40.0)
    font: str = setting("", "A TrueType/OpenType font for the forms (cover, index, remarks sheet). Empty: the "
                            "Song-style font shipped with archiver, with system CJK fonts as fallback.")
    stamp_font: str = setting("Helvetica", "Legacy: numbers are always set in the shipped font, embedded.",
                              choices=STAMP_FONTS, legacy=True)
    forms_style: str = setting(
        "", "Layout and wording of the forms (sizes, margins, column widths, labels): a TOML file, relative to "
        "the archive root, that overrides any part of archiver's templates/forms/forms.toml. Empty: the "
        "shipped layout.")
    box_sheets: int = setting(400, "Sheets a box (卷盒) holds: `archiver papers box-labels` places volumes into "
                                   "boxes in volume-number order (Art. 20), a new box when the next volume would "
                                   "not fit.", lo=10, hi=10_000)


@dataclass(frozen=True)
class CatalogueOptions:
    restricted_from: str = setting(
        "secret", "Documents classified at this level or above appear in the catalogue by reference code only "
        "(Art. 24).", choices=CLASSIFICATION_LEVELS)
    output: str = setting("site", "Where `archiver site` writes the catalogue when not given --out (relative to "
                                  "the archive root). Only files it wrote itself are ever replaced or removed "
                                  "there.", check=_folder_name)
    templates: str = setting(
        "", "A folder of your own jinja2 templates (relative to the archive root, or absolute). A file there "
        "(e.g. base.html, static/style.css) replaces the shipped one of the same name, so the catalogue can be "
        "restyled without touching Python. Empty: shipped only.")
    pdf_files: str = setting(
        "copy", 'How document and volume PDFs get into the site (so it is self-contained when copied to a '
        'share): "copy" gives the site files of its own — a reflink where the file system supports it (Btrfs, '
        'XFS: no extra space), else a plain copy — so nothing done to the site (chmod -R, chown -R, a write) '
        'reaches the stored records and volumes. "hardlink" shares the archive\'s own files (the same inode: '
        'no extra space on any file system) — but whoever owns the site can then change the stored files\' '
        'owner and mode (Art. 21, 24); choose it only when the site stays as private as the archive.',
        choices=("copy", "hardlink"))


@dataclass(frozen=True)
class CustodyOptions:
    disposal_hold_months: int = setting(
        6, "How long approved material is held apart before it may be destroyed (Art. 29: six months).",
        lo=6, hi=600)
    second_approver_from: str = setting(
        "secret", "Loans and consultations of material classified at this level or above need a second "
        "approver (Art. 24, 27–28).", choices=CLASSIFICATION_LEVELS)
    allow_self_approval: bool = setting(False, "Whether a person may approve a request they made themselves.")
    loan_days: int = setting(30, "Default loan period in days when a loan request gives no due date.",
                             lo=1, hi=3650)


@dataclass(frozen=True)
class BatchOptions:
    split: bool = setting(
        True, "Batch scanning: a stack of documents scanned as one PDF, each behind a cover sheet printed with "
        "`archiver coversheet`. When true, a scan that nothing else describes (no metadata file, not in a "
        "customer/type folder, a name not following the file-name pattern) is searched for cover sheets "
        "(about 10 ms a page) and split into its documents; a scan whose sidecar, folder or name says what it "
        "is is one document and is never searched. false: scans are never split.")


@dataclass(frozen=True)
class OcrOptions:
    workers: int = setting(
        1, "Recognising the text of filed scans (`archiver ocr`; Chinese and English, offline): how many "
        "records are recognised at once. Each takes about one CPU core and 0.5 GB of memory while it works; "
        "1 leaves the rest of the machine to filing and building.", lo=1, hi=64)
    after_filing: bool = setting(
        True, "Whether the watcher (`archiver watch`) runs OCR, in the background at a lower priority, after it "
        "has filed something. false: run `archiver ocr` yourself (e.g. at night from cron).")


SECTIONS = (
    Section("", Policy, "top"),
    Section("fonds", Fonds),
    Section("filing", FilingOptions),
    Section("departments", Department, "tables", "Departments that supply documents (Art. 5).", (
        ("sales", {"name": "销售部", "due_day": 10}),
        ("finance", {"name": "财务部", "due_day": 10}),
        ("customer-service", {"name": "客户服务部", "due_day": 15}),
    )),
    Section("retention", RetentionClass, "tables", "Retention classes (保管期限, Art. 17).", (
        ("permanent", {"name": "永久", "letter": "Y", "years": 0}),
        ("long-term", {"name": "长期", "letter": "C", "years": 30}),
        ("short-term", {"name": "短期", "letter": "D", "years": 10}),
    )),
    Section("document_types", DocumentType, "array", "Document types (Art. 4), one [[document_types]] each.", (
        ("", {"code": "basic-data", "name": "客户基本资料表", "department": "sales", "retention": "permanent",
              "rank": 1, "monthly": False}),
        ("", {"code": "credit-report", "name": "客户信用评估报告", "department": "finance", "retention": "long-term",
              "rank": 2, "monthly": True}),
        ("", {"code": "contract", "name": "客户销售合同(复印件)", "department": "sales", "retention": "long-term",
              "rank": 3, "monthly": False}),
        ("", {"code": "qualification-rating", "name": "客户资质评级表", "department": "customer-service",
              "retention": "long-term", "rank": 4, "monthly": True}),
        ("", {"code": "sales-statistics", "name": "客户销售统计表", "department": "sales", "retention": "short-term",
              "rank": 5, "monthly": True}),
        ("", {"code": "analysis-report", "name": "客户信息分析报告", "department": "customer-service",
              "retention": "short-term", "rank": 6, "monthly": True}),
    )),
    Section("classifications", ClassificationLabels, comment="Classification levels (密级), lowest first. The keys are "
            "fixed; the labels are what forms and the catalogue print. Top-secret documents form volumes of their "
            "own (Art. 13)."),
    Section("volumes", VolumeOptions),
    Section("catalogue", CatalogueOptions),
    Section("custody", CustodyOptions),
    Section("batch", BatchOptions),
    Section("ocr", OcrOptions),
)


OPTIONS = ("filing", "volumes", "catalogue", "custody", "batch", "ocr")  # optional tables, each a field of Config


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


# The template ------------------------------------------------------------------------------
TEMPLATE_HEADER = """\
# archive.toml — configuration of one customer archive (客户档案).
#
# Written by `archiver init`. Every value the policy (客户档案管理制度) leaves open is
# set here; the article it comes from is named beside it ("Art. 5"). Edit with any text
# editor; `archiver check-config` (or any command) reports a bad value with its key.
# Above each key: what it means and what it allows.
"""
def template_text() -> str:
    """The commented archive.toml that ``archiver init`` writes: every declared key, its
    comment and what it allows, at its default (or example) value."""
    lines = [line for section in SECTIONS for line in section_lines(section)]
    return TEMPLATE_HEADER + "\n".join(lines) + "\n"


# Reading -----------------------------------------------------------------------------------
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
    """The :class:`Config` of an archive.toml's table: every declared key read and
    checked; an unknown key (a typo) refused."""
    r = Reader(raw, str(path) if path else CONFIG_NAME)
    policy = r.read(Policy, raw, "")
    fonds = r.read(Fonds, r.table("fonds"), "fonds")
    departments = {code: r.read(Department, tbl, f"departments.{code}", code=_table_code(r, code, "departments"))
                   for code, tbl in r.tables("departments")}
    retention = {code: r.read(RetentionClass, tbl, f"retention.{code}", code=_table_code(r, code, "retention"))
                 for code, tbl in r.tables("retention")}
    type_list = raw.get("document_types")
    r.used(raw, "", "document_types")
    if not isinstance(type_list, list) or not type_list:
        raise r.error("document_types", type_list, "one or more [[document_types]] tables")
    types: dict[str, DocumentType] = {}
    for i, tbl in enumerate(type_list):
        where = f"document_types[{i}]"
        doc = r.read(DocumentType, tbl, where)
        if doc.department not in departments:
            raise r.error(f"{where}.department", doc.department, f"one of {sorted(departments)}")
        if doc.retention not in retention:
            raise r.error(f"{where}.retention", doc.retention, f"one of {sorted(retention)}")
        if doc.code in types:
            raise r.error(f"{where}.code", doc.code, "a code not used by another document type")
        types[doc.code] = doc
    labels = r.read(ClassificationLabels, r.table("classifications", optional=True), "classifications")
    options = {s.name: r.read(s.cls, r.table(s.name, optional=True), s.name) for s in SECTIONS if s.name in OPTIONS}
    r.refuse_unknown()
    return Config(
        policy_version=policy.policy_version,
        fonds_code=fonds.code,
        fonds_name=fonds.name,
        departments=departments,
        retention=retention,
        document_types=types,
        classifications={k.key: getattr(labels, k.name) for k in keys(ClassificationLabels)},
        path=path,
        **options,
    )
