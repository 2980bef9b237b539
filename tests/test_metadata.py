"""Metadata parsing and validation (Art. 6 step 1–2): the three sources and their checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import TODAY

from archiver.config import load_config, parse_config, template_text
from archiver.errors import Rejection
from archiver.filing.metadata import (
    check,
    default_title,
    from_filename,
    from_folder,
    from_sidecar,
    parse_sidecar_text,
)

CUSTOMERS = {"C0001", "C0002"}


@pytest.fixture(scope="module")
def cfg():
    import tomllib

    return parse_config(tomllib.loads(template_text()))


def rejected(code: str, fn, *args) -> Rejection:
    with pytest.raises(Rejection) as info:
        fn(*args)
    assert info.value.code == code, info.value
    return info.value


def test_sidecar_with_every_field(cfg):
    raw = parse_sidecar_text(
        """
customer = "C0001"
type = "credit-report"
date = 2026-10-15
title = "2026年第三季度信用评估报告"
doc_no = "恒信财字〔2026〕8号"
responsible = "财务部"
classification = "confidential"
retention = "permanent"
sides = "simplex"
pages = 3
copies = 2
group = "credit-2026"
role = "reply"
kind = "summary"
period = [2025-01-01, 2026-06-30]
notes = "原件字迹褪色，已附复印件"
""",
        "x.toml",
    )
    found = from_sidecar(raw, cfg, CUSTOMERS, TODAY)
    m = found.meta
    assert found.source == "sidecar"
    assert (m.customer, m.type, m.date, m.year) == ("C0001", "credit-report", dt.date(2026, 10, 15), 2026)
    assert m.doc_no == "恒信财字〔2026〕8号" and m.classification == "confidential"
    assert m.retention == "permanent" and m.sides == "simplex" and m.pages == 3 and m.copies == 2
    assert (m.group, m.role, m.kind) == ("credit-2026", "reply", "summary")
    assert m.period == (dt.date(2025, 1, 1), dt.date(2026, 6, 30))
    assert m.notes == "原件字迹褪色，已附复印件"


def test_sidecar_date_may_be_a_string(cfg):
    m = from_sidecar({"customer": "C0001", "type": "contract", "date": "2025-03-01"}, cfg, CUSTOMERS, TODAY).meta
    assert m.date == dt.date(2025, 3, 1)


def test_missing_title_gets_a_default_from_type_and_date(cfg):
    m = from_sidecar({"customer": "C0001", "type": "contract", "date": "2025-03-01"}, cfg, CUSTOMERS, TODAY).meta
    assert m.title == default_title("客户销售合同(复印件)", dt.date(2025, 3, 1)) == "客户销售合同(复印件)（2025年3月1日）"


def test_sidecar_unknown_field_is_refused_not_ignored(cfg):
    err = rejected("bad-sidecar", parse_sidecar_text, 'customer = "C0001"\ntitel = "typo"\n', "x.toml")
    assert "titel" in err.reason


def test_sidecar_invalid_toml(cfg):
    rejected("bad-sidecar", parse_sidecar_text, "customer = ", "x.toml")


def test_sidecar_missing_required_fields(cfg):
    err = rejected("incomplete-metadata", from_sidecar, {"customer": "C0001"}, cfg, CUSTOMERS, TODAY)
    assert "type" in err.reason and "date" in err.reason


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("customer", "C0999", "unknown-customer"),
        ("customer", "../C0001", "bad-customer-code"),
        ("customer", "/etc", "bad-customer-code"),
        ("customer", "C00\x0001", "bad-customer-code"),
        ("type", "invoice", "unknown-type"),
        ("date", "2026-02-30", "impossible-date"),
        ("date", "2026-13-01", "impossible-date"),
        ("date", "2062-10-15", "future-date"),
        ("date", "yesterday", "bad-metadata"),
        ("classification", "secret-ish", "bad-metadata"),
        ("retention", "forever", "bad-metadata"),
        ("sides", "triple", "bad-metadata"),
        ("pages", 0, "bad-metadata"),
        ("pages", "3", "bad-metadata"),
        ("kind", "memo", "bad-metadata"),
        ("role", "boss", "bad-metadata"),
        ("period", ["2026-05-01", "2026-01-01"], "bad-metadata"),
        ("title", "标" * 201, "bad-metadata"),
    ],
)
def test_invalid_values_are_rejected_with_a_reason(cfg, field, value, code):
    raw = {"customer": "C0001", "type": "contract", "date": "2026-01-05", field: value}
    err = rejected(code, check, raw, cfg, CUSTOMERS, TODAY)
    assert err.fix, "every rejection says what to do"


def test_unknown_customer_says_how_to_add_it(cfg):
    err = rejected("unknown-customer", check, {"customer": "C0999", "type": "contract", "date": "2026-01-05"},
                   cfg, CUSTOMERS, TODAY)
    assert "archiver customer add C0999" in err.fix


def test_role_needs_a_group(cfg):
    """Art. 12: a role only means something among linked documents."""
    rejected("bad-metadata", check, {"customer": "C0001", "type": "contract", "date": "2026-01-05", "role": "reply"},
             cfg, CUSTOMERS, TODAY)


def test_future_dates_allowed_when_configured(tmp_path: Path):
    text = template_text().replace("allow_future_dates = false", "allow_future_dates = true")
    (tmp_path / "archive.toml").write_text(text, "utf-8")
    cfg = load_config(tmp_path / "archive.toml")
    m = check({"customer": "C0001", "type": "contract", "date": "2027-01-05"}, cfg, CUSTOMERS, TODAY)
    assert m.date.year == 2027


def test_titles_are_nfc_and_free_of_control_characters(cfg):
    nfd = "Cafe\u0301 合同\n第二行\x00"
    m = check({"customer": "C0001", "type": "contract", "date": "2026-01-05", "title": nfd}, cfg, CUSTOMERS, TODAY)
    assert m.title == "Café 合同第二行"


def test_filename_source(cfg):
    found = from_filename("C0002_sales-statistics_20261031_十月销售统计.pdf", cfg, CUSTOMERS, TODAY)
    assert found is not None and found.source == "filename"
    assert (found.meta.customer, found.meta.type, found.meta.date) == ("C0002", "sales-statistics", dt.date(2026, 10, 31))
    assert found.meta.title == "十月销售统计"


def test_filename_title_underscores_become_spaces(cfg):
    found = from_filename("C0001_contract_20260105_供货_合同.pdf", cfg, CUSTOMERS, TODAY)
    assert found is not None and found.meta.title == "供货 合同"


def test_filename_that_does_not_match_gives_none(cfg):
    assert from_filename("scan_0001.pdf", cfg, CUSTOMERS, TODAY) is None


def test_filename_with_impossible_date_is_rejected(cfg):
    rejected("impossible-date", from_filename, "C0001_contract_20260230.pdf", cfg, CUSTOMERS, TODAY)


def test_filename_nfd_is_normalised(cfg):
    import unicodedata

    name = unicodedata.normalize("NFD", "C0001_contract_20260105_Café.pdf")
    found = from_filename(name, cfg, CUSTOMERS, TODAY)
    assert found is not None and found.meta.title == "Café"


def test_folder_source_takes_date_from_name_else_the_scan_day(cfg):
    found = from_folder(("C0001", "qualification-rating"), "scan_2026-09-30_001.pdf", dt.date(2026, 11, 1), cfg,
                        CUSTOMERS, TODAY)
    assert found is not None and found.source == "folder"
    assert found.meta.type == "qualification-rating" and found.meta.date == dt.date(2026, 9, 30)
    found = from_folder(("C0001", "contract"), "scan.pdf", dt.date(2026, 11, 1), cfg, CUSTOMERS, TODAY)
    assert found is not None and found.meta.date == dt.date(2026, 11, 1)


def test_folder_that_is_not_customer_and_type_gives_none(cfg):
    assert from_folder(("misc",), "x.pdf", TODAY, cfg, CUSTOMERS, TODAY) is None
    assert from_folder(("C0001", "not-a-type"), "x.pdf", TODAY, cfg, CUSTOMERS, TODAY) is None


def test_folder_with_unknown_customer_is_rejected(cfg):
    rejected("unknown-customer", from_folder, ("C0999", "contract"), "x.pdf", TODAY, cfg, CUSTOMERS, TODAY)
