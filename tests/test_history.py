"""Customer history (Art. 26, 30): `customer update` changes the profile and records each
change, dated, in customers/<code>/history.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from archiver.custody.history import changes, parse_assignments
from archiver.customers import read_customer
from archiver.errors import ArchiverError


def test_update_records_each_change_and_rewrites_the_profile(archive_root: Path, clock) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(archive_root, "customer", "update", "C0001", "--set", "address=上海市黄浦区中山东一路1号",
                "--set", "phone=021-12345678", "--set", "postcode=200120", "--reason", "迁址",
                "--by", "档案员李明", "--json")
    assert r.exit_code == 0, r.output
    entries = json.loads(r.output)
    assert [e["field"] for e in entries] == ["address", "phone"]  # the postcode did not change
    profile = read_customer(archive_root / "customers", "C0001")
    assert profile.address == "上海市黄浦区中山东一路1号" and profile.phone == "021-12345678"
    assert profile.name == "上海明远贸易有限公司"  # untouched fields stay
    lines = (archive_root / "customers" / "C0001" / "history.jsonl").read_text("utf-8").splitlines()
    first = json.loads(lines[0])
    assert first == {"at": clock.iso, "by": "档案员李明", "event": "changed", "field": "address",
                     "old": "上海市浦东新区世纪大道100号", "new": "上海市黄浦区中山东一路1号", "reason": "迁址"}
    out = run_cli(archive_root, "customer", "history", "C0001").output
    assert "地址" in out and "迁址" in out and "021-12345678" in out
    hist = json.loads(run_cli(archive_root, "customer", "history", "C0001", "--json").output)
    assert len(hist) == 2


def test_deactivating_and_no_change(archive_root: Path) -> None:
    r = run_cli(archive_root, "customer", "update", "C0003", "--set", "active=false", "--reason", "停止合作")
    assert r.exit_code == 0, r.output
    assert read_customer(archive_root / "customers", "C0003").active is False
    r = run_cli(archive_root, "customer", "update", "C0003", "--set", "active=no", "--reason", "again")
    assert r.exit_code == 0 and "nothing changed" in r.output
    hist = json.loads(run_cli(archive_root, "customer", "history", "C0003", "--json").output)
    assert [(h["field"], h["old"], h["new"]) for h in hist] == [("active", True, False)]


def test_bad_updates_are_refused_and_change_nothing(archive_root: Path) -> None:
    before = (archive_root / "customers" / "C0001" / "customer.toml").read_bytes()
    for args in (["--set", "colour=red"], ["--set", "address"], ["--set", "active=maybe"], ["--set", "name= "]):
        r = run_cli(archive_root, "customer", "update", "C0001", *args, "--reason", "x")
        assert r.exit_code == 2 and "Error:" in r.output
    assert run_cli(archive_root, "customer", "update", "C0001", "--set", "fax=1", "--reason", " ").exit_code == 2
    assert run_cli(archive_root, "customer", "update", "C0001", "--set", "fax=1").exit_code == 2  # --reason required
    assert run_cli(archive_root, "customer", "update", "C9999", "--set", "fax=1", "--reason", "x").exit_code == 4
    assert run_cli(archive_root, "customer", "history", "C9999").exit_code == 4
    assert (archive_root / "customers" / "C0001" / "customer.toml").read_bytes() == before
    assert not (archive_root / "customers" / "C0001" / "history.jsonl").exists()
    assert "no recorded changes" in run_cli(archive_root, "customer", "history", "C0001").output


def test_rules() -> None:
    assert parse_assignments(["legal-representative=李四", "active=是"]) == {"legal_representative": "李四", "active": True}
    with pytest.raises(ArchiverError):
        parse_assignments(["code=C2"])  # the code is the folder name: never changed
    from archiver.customers import Customer

    c = Customer("C1", "甲", fax="1")
    assert changes(c, {"fax": "1", "phone": "2"}) == [("phone", "", "2")]
