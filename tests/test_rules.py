"""The rules of Art. 12–15, on the policy's own cases."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from pathlib import Path

import pytest

from archiver.config import Config, parse_config, template_text
from archiver.model import FileInfo, FilingInfo, Metadata, Record
from archiver.volumes import rules

D = dt.date


@pytest.fixture(scope="module")
def config() -> Config:
    return parse_config(tomllib.loads(template_text()))


def rec(rid: str, date: D, *, type: str = "contract", customer: str = "C0001", pages: int = 2,
        retention: str = "long-term", **meta: object) -> Record:
    m = Metadata(customer=customer, type=type, date=date, title=rid, **meta)  # type: ignore[arg-type]
    return Record(id=rid, meta=m, retention=retention,
                  file=FileInfo(f"{rid}.pdf", "0" * 64, 1, pages),
                  filing=FilingInfo(rid, 1, 0, "sidecar", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "t"),
                  path=Path(f"{rid}.pdf"))


def rank(code: str) -> int:
    return {"basic-data": 1, "credit-report": 2, "contract": 3, "sales-statistics": 5}.get(code, 99)


def ids(unit: tuple[Record, ...]) -> list[str]:
    return [r.id for r in unit]


# Art. 14 -------------------------------------------------------------------------------------
def test_art14_1_request_and_reply_in_different_years_go_to_the_reply_year() -> None:
    """第14条第1项: 跨年度的请示与批复，放在复文年立卷."""
    request = rec("req", D(2025, 12, 20), group="g", role="request")
    reply = rec("rep", D(2026, 1, 8), group="g", role="reply")
    [unit] = rules.group_units([request, reply], rank)
    assert rules.unit_year(unit) == 2026


def test_art14_2_request_without_reply_goes_to_the_request_year() -> None:
    """第14条第2项: 没有复文的，放在请示年立卷 (its attachment follows it)."""
    request = rec("req", D(2025, 12, 20), group="g", role="request")
    attachment = rec("att", D(2026, 1, 3), group="g", role="attachment")
    [unit] = rules.group_units([attachment, request], rank)
    assert rules.unit_year(unit) == 2025


def test_art14_2_cross_year_plan_goes_to_the_first_year_of_its_period() -> None:
    """第14条第2项: 跨年度的规划在针对的第一年立卷 — not the year it was written."""
    plan = Metadata("C0001", "analysis-report", D(2025, 12, 1), "规划", kind="plan",
                    period=(D(2026, 1, 1), D(2028, 12, 31)))
    assert rules.document_year(plan) == 2026


def test_art14_3_cross_year_summary_goes_to_the_last_year() -> None:
    """第14条第3项: 跨年度的总结放在针对的最后一年立卷."""
    summary = Metadata("C0001", "analysis-report", D(2027, 1, 15), "总结", kind="summary",
                       period=(D(2025, 7, 1), D(2026, 6, 30)))
    assert rules.document_year(summary) == 2026


def test_art14_4_cross_year_meeting_papers_go_to_the_year_the_meeting_opened() -> None:
    """第14条第4项: 跨年度的会议文件放在会议开幕年."""
    meeting = Metadata("C0001", "analysis-report", D(2026, 1, 2), "年会纪要", kind="meeting",
                       period=(D(2025, 12, 30), D(2026, 1, 2)))
    assert rules.document_year(meeting) == 2025


def test_art14_5_anything_else_goes_to_the_year_of_its_date() -> None:
    """第14条第5项 and the general rule: not cross-year → the year of its date."""
    plain = Metadata("C0001", "contract", D(2026, 5, 1), "合同")
    one_year_plan = Metadata("C0001", "analysis-report", D(2025, 12, 1), "规划", kind="plan",
                             period=(D(2026, 1, 1), D(2026, 12, 31)))
    no_period = Metadata("C0001", "analysis-report", D(2025, 12, 1), "总结", kind="summary")
    assert rules.document_year(plain) == 2026
    assert rules.document_year(one_year_plan) == 2025
    assert rules.document_year(no_period) == 2025


# Art. 15: order inside a group ------------------------------------------------------------------
@pytest.mark.parametrize(("first", "second"), [
    ("reply", "request"),  # 批复在前，请示在后
    ("main", "attachment"),  # 正件在前，附件在后
    ("printed", "final-draft"),  # 印件在前，定稿在后
    ("original", "duplicate"),  # Art. 12 正本与副本
    ("forwarding", "forwarded"),  # Art. 12 转发文件与原件
    ("original-language", "translation"),  # Art. 12 多种文字形成的同一文件
])
def test_art15_order_inside_a_group_whatever_the_dates(first: str, second: str) -> None:
    late = rec("a-late", D(2026, 6, 1), group="g", role=first)
    early = rec("b-early", D(2026, 1, 1), group="g", role=second)
    assert ids(rules.order_group([early, late], rank)) == ["a-late", "b-early"]


def test_art15_documents_of_a_group_without_a_role_follow_those_with_one() -> None:
    loose = rec("loose", D(2026, 1, 1), group="g")
    main = rec("main", D(2026, 3, 1), group="g", role="main")
    att = rec("att", D(2026, 2, 1), group="g", role="attachment")
    assert ids(rules.order_group([loose, att, main], rank)) == ["main", "att", "loose"]


def test_art15_groups_and_singles_by_date_then_type_rank_then_id() -> None:
    """其他材料应依其形成规律或特点进行系统的排列: date, then the type's rank, then id."""
    stats = rec("s", D(2026, 3, 1), type="sales-statistics")
    contract_b = rec("b", D(2026, 3, 1), type="contract")
    contract_a = rec("a", D(2026, 3, 1), type="contract")
    basic = rec("z", D(2026, 3, 1), type="basic-data")
    earlier = rec("y", D(2026, 2, 1), type="sales-statistics")
    units = rules.group_units([stats, contract_b, contract_a, basic, earlier], rank)
    assert [u[0].id for u in units] == ["y", "z", "a", "b", "s"]


def test_art12_a_group_stays_together_and_sorts_by_its_first_document() -> None:
    """Art. 12: documents that belong together are never separated by others."""
    request = rec("req", D(2026, 1, 10), group="g", role="request")
    reply = rec("rep", D(2026, 4, 1), group="g", role="reply")
    between = rec("mid", D(2026, 2, 1))
    units = rules.group_units([request, between, reply], rank)
    assert [ids(u) for u in units] == [["mid"], ["rep", "req"]]


def test_order_is_stable_whatever_the_input_order() -> None:
    records = [rec(f"r{i}", D(2026, 1 + i % 3, 1), group="g" if i in (2, 5) else "",
                   role={2: "main", 5: "attachment"}.get(i, "")) for i in range(8)]
    first = rules.group_units(records, rank)
    assert rules.group_units(list(reversed(records)), rank) == first


# Art. 12: group checks ---------------------------------------------------------------------------
def test_two_documents_claiming_the_same_role_are_a_problem() -> None:
    a = rec("a", D(2026, 1, 1), group="g", role="reply")
    b = rec("b", D(2026, 1, 2), group="g", role="reply")
    [problem] = rules.check_groups([a, b])
    assert set(problem.records) == {"a", "b"} and "'reply'" in problem.what


def test_a_reply_whose_request_is_in_another_customers_file_is_a_problem() -> None:
    reply = rec("rep", D(2026, 1, 8), group="g", role="reply", customer="C0001")
    request = rec("req", D(2026, 1, 1), group="g", role="request", customer="C0002")
    [problem] = rules.check_groups([reply, request])
    assert "reply rep" in problem.what and "C0002" in problem.what


def test_sound_groups_have_no_problem() -> None:
    assert rules.check_groups([rec("a", D(2026, 1, 1), group="g", role="reply"),
                               rec("b", D(2026, 1, 1), group="g", role="request"),
                               rec("c", D(2026, 1, 1), group="h", role="reply")]) == []


# Art. 13, 17: series ---------------------------------------------------------------------------
def test_art13_an_ordinary_document_in_a_top_secret_group_follows_it() -> None:
    secret = rec("s", D(2026, 1, 1), group="g", role="main", classification="top-secret")
    ordinary = rec("o", D(2026, 1, 1), group="g", role="attachment")
    alone = rec("x", D(2026, 1, 1))
    units = rules.group_units([secret, ordinary, alone], rank)
    assert {tuple(ids(u)): rules.is_top_secret(u) for u in units} == {("s", "o"): True, ("x",): False}


def test_a_group_is_kept_as_long_as_its_most_durable_document(config: Config) -> None:
    unit = (rec("a", D(2026, 1, 1), retention="short-term"), rec("b", D(2026, 1, 1), retention="permanent"),
            rec("c", D(2026, 1, 1), retention="long-term"))
    assert rules.unit_retention(unit, config) == "permanent"
    assert rules.unit_retention(unit[::2], config) == "long-term"


def test_highest_classification() -> None:
    assert rules.highest_classification([rec("a", D(2026, 1, 1)), rec("b", D(2026, 1, 1), classification="secret")]) == "secret"
    assert rules.highest_classification([rec("a", D(2026, 1, 1))]) == "ordinary"


# Thickness and splitting -----------------------------------------------------------------------
def test_sheets_of_duplex_and_simplex_scans() -> None:
    """Art. 16: a simplex scan's pages each take a sheet; duplex pages fill both sides."""
    assert rules.document_sheets(5, "duplex") == 3
    assert rules.document_sheets(4, "duplex") == 2
    assert rules.document_sheets(5, "simplex") == 5


def test_split_only_between_units_and_an_oversize_group_alone() -> None:
    """Art. 12: a group is never split across volumes, even when thicker than the maximum."""
    units = [(rec("a", D(2026, 1, 1)),), (rec("b", D(2026, 1, 2)),), (rec("c", D(2026, 1, 3)),),
             (rec("d", D(2026, 1, 4)), rec("e", D(2026, 1, 4))), (rec("f", D(2026, 1, 5)),)]
    size = {"a": 4, "b": 5, "c": 2, "d": 20, "e": 5, "f": 3}

    splits = rules.split_volumes(units, lambda u: sum(size[r.id] for r in u), max_sheets=10)
    assert [[ids(u) for u in s.units] for s in splits] == [[["a"], ["b"]], [["c"]], [["d", "e"]], [["f"]]]
    assert [s.sheets for s in splits] == [9, 2, 25, 3]
    assert [s.oversize for s in splits] == [False, False, True, False]


def test_split_fills_a_volume_up_to_the_maximum_exactly() -> None:
    units = [(rec(c, D(2026, 1, 1)),) for c in "abc"]
    splits = rules.split_volumes(units, lambda u: 5, max_sheets=10)
    assert [len(s.units) for s in splits] == [2, 1]


# Art. 20: reference code ---------------------------------------------------------------------
def test_reference_code_default_and_configured(config: Config) -> None:
    assert rules.reference_code(config, "C0001", 2026, "permanent", 3) == "Q001-C0001-2026-Y-003"
    other = dataclasses.replace(config, volumes=dataclasses.replace(
        config.volumes, reference_format="{fonds}·{year}·{customer}·{retention}{volume:02d}"))
    assert rules.reference_code(other, "C0001", 2026, "short-term", 12) == "Q001·2026·C0001·D12"
