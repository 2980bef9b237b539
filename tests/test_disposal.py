"""Disposal (Art. 29) end to end through the CLI: due → propose → appraise ×2 → approve →
hold → destroy, or cancel during the hold; every step out of order refused; the hold
cannot be cut short (the clock is set with the `clock` fixture, never slept on); moves survive a
crash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import run_cli, set_config
from custody_conftest import Expiring
from custody_helpers import flip_byte

from archiver.custody.disposal import lists, rules, steps
from archiver.custody.state import disposal_lists, held_names, list_state
from archiver.errors import EXIT_CONFIG, EXIT_INTEGRITY, EXIT_LOCKED, EXIT_NOT_FOUND, EXIT_WORKFLOW
from archiver.register import Register
from archiver.store import Archive


def dsp(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return run_cli(root, "disposal", *args)


def tree(root: Path) -> dict[str, str]:
    """Every file below records/, volumes/ and hold/ → its SHA-256."""
    out = {}
    for top in ("records", "volumes", "hold"):
        for p in sorted((root / top).rglob("*")) if (root / top).exists() else []:
            if p.is_file():
                out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def to_approved(root: Path, ref: str) -> str:
    r = dsp(root, "propose", ref, "--by", "档案员李明", "--json")
    assert r.exit_code == 0, r.output
    lid = json.loads(r.output)["id"]
    assert dsp(root, "appraise", lid, "--role", "cs-manager", "--by", "客服经理张").exit_code == 0
    assert dsp(root, "appraise", lid, "--role", "originating-dept", "--by", "销售部刘").exit_code == 0
    r = dsp(root, "approve", lid, "--by", "客户总监陈")
    assert r.exit_code == 0, r.output
    return lid


def test_due_lists_only_expired_volumes(expiring: Expiring) -> None:
    root, expired = expiring.root, expiring.expired
    rows = json.loads(dsp(root, "due", "--json").output)
    assert [r["reference"] for r in rows] == [expired.reference]
    assert rows[0]["expired_after"] == "2024-12-31"
    assert rules.expires_on(2014, 10).isoformat() == "2024-12-31"
    assert rules.expires_on(2010, 0) is None  # permanent
    assert not lists.due_volumes(Archive.open(root), day=rules.expires_on(2014, 10))  # the last day is still kept


def test_the_whole_workflow_and_every_step_out_of_order(expiring: Expiring, clock) -> None:  # type: ignore[no-untyped-def]
    root, expired, kept, permanent = expiring.root, expiring.expired, expiring.kept, expiring.permanent
    before = tree(root)
    assert dsp(root, "propose", kept.reference).exit_code == EXIT_WORKFLOW  # not expired
    r = dsp(root, "propose", permanent.reference)
    assert r.exit_code == EXIT_WORKFLOW and "permanent" in r.output
    assert dsp(root, "propose", "Q001-C0001-2099-D-001").exit_code == EXIT_NOT_FOUND
    r = dsp(root, "propose", expired.reference, "--by", "档案员李明", "--json")
    assert r.exit_code == 0
    lid = json.loads(r.output)["id"]
    assert lid == "DL-2026-001"
    listed = json.loads(r.output)["volumes"][0]
    assert [d["record"] for d in listed["documents"]] == [expiring.expired_records[0].id, expiring.expired_records[1].id]
    assert dsp(root, "propose", expired.reference).exit_code == EXIT_WORKFLOW  # on a list already
    assert json.loads(dsp(root, "due", "--json").output) == []

    r = dsp(root, "approve", lid, "--by", "客户总监陈")
    assert r.exit_code == EXIT_WORKFLOW and "not been appraised" in r.output
    assert dsp(root, "destroy", lid, "--supervisor", "s", "--place", "p").exit_code == EXIT_WORKFLOW
    assert dsp(root, "appraise", lid, "--role", "cs-manager", "--by", "客服经理张").exit_code == 0
    assert dsp(root, "appraise", lid, "--role", "cs-manager", "--by", "别人").exit_code == EXIT_WORKFLOW
    r = dsp(root, "appraise", lid, "--role", "originating-dept", "--by", "客服经理张")
    assert r.exit_code == EXIT_WORKFLOW and "two different people" in r.output
    assert dsp(root, "approve", lid, "--by", "客户总监陈").exit_code == EXIT_WORKFLOW  # one appraisal only
    assert dsp(root, "appraise", lid, "--role", "originating-dept", "--by", "销售部刘").exit_code == 0
    assert dsp(root, "approve", lid, "--by", "销售部刘").exit_code == EXIT_WORKFLOW  # an appraiser
    assert dsp(root, "approve", lid, "--by", "档案员李明").exit_code == EXIT_WORKFLOW  # the proposer
    assert tree(root) == before  # nothing moved yet

    # a volume out on loan cannot be held apart
    form = ["--requester", "孙丽", "--department", "财务部", "--purpose", "p", "--reason", "r", "--signer", "周经理"]
    r = run_cli(root, "loan", "request", *form, "--item", expired.reference, "--json")
    loan_id = json.loads(r.output)["id"]
    run_cli(root, "loan", "approve", loan_id, "--by", "李明")
    assert run_cli(root, "loan", "lend", loan_id, "--borrower", "孙丽").exit_code == 0
    r = dsp(root, "approve", lid, "--by", "客户总监陈")
    assert r.exit_code == EXIT_WORKFLOW and loan_id in r.output
    assert run_cli(root, "loan", "return", loan_id).exit_code == 0

    r = dsp(root, "approve", lid, "--by", "客户总监陈", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["hold_until"] == "2027-05-20"
    after = tree(root)
    moved = {k for k in before if k not in after}
    assert moved == {expired.path.relative_to(root).as_posix(), expired.pdf_path.relative_to(root).as_posix(),
                     *(p.relative_to(root).as_posix() for r_ in expiring.expired_records for p in (r_.path, r_.sidecar_path))}
    for k in moved:  # same bytes, same relative path, under hold/<list>/
        assert after[f"hold/{lid}/{k}"] == before[k]
    archive = Archive.open(root)
    assert expiring.expired_records[0].id not in {r_.id for r_ in archive.iter_records()}

    # held material is neither consulted nor lent; the audit still checks it
    r = run_cli(root, "consult", "request", *form, "--object", expired.reference)
    assert r.exit_code == EXIT_WORKFLOW and lid in r.output
    r = run_cli(root, "loan", "request", *form, "--item", expiring.expired_records[0].id)
    assert r.exit_code == EXIT_WORKFLOW and "held apart" in r.output
    r = run_cli(root, "audit", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["files"] == 10  # 2 records + 2 volumes left; 6 files held (3 PDFs, 3 TOML)

    # the hold cannot be cut short
    assert dsp(root, "approve", lid, "--by", "客户总监陈").exit_code == EXIT_WORKFLOW
    r = dsp(root, "destroy", lid, "--supervisor", "监销人吴", "--place", "公司碎纸室")
    assert r.exit_code == EXIT_WORKFLOW and "held until 2027-05-20" in r.output
    clock.set("2027-05-19T23:59:00+08:00")
    assert dsp(root, "destroy", lid, "--supervisor", "监销人吴", "--place", "公司碎纸室").exit_code == EXIT_WORKFLOW
    clock.set("2027-05-20T09:00:00+08:00")
    r = dsp(root, "destroy", lid, "--supervisor", "监销人吴", "--place", "公司碎纸室", "--by", "档案员李明")
    assert r.exit_code == 0, r.output
    assert not (root / "hold").exists()
    assert set(tree(root)) == set(before) - moved
    entries = Register(root / "registers" / "destruction.jsonl").entries()
    assert len(entries) == 1
    e = entries[0]
    assert e["supervisor"] == "监销人吴" and e["place"] == "公司碎纸室" and e["at"].startswith("2027-05-20")
    assert e["approved_by"] == "客户总监陈" and {a["role"] for a in e["appraisals"]} == set(rules.ROLES)
    v = e["volumes"][0]
    assert v["reference"] == expired.reference and v["sha256"] == expired.file_sha256
    assert [(d["record"], d["title"], d["sha256"]) for d in v["documents"]] == [
        (r_.id, r_.meta.title, r_.file.sha256) for r_ in expiring.expired_records]
    stats = json.loads(run_cli(root, "stats", "--json").output)
    assert stats["disposal"]["destroyed"] == {"lists": 1, "volumes": 1, "records": 2}
    assert dsp(root, "destroy", lid, "--supervisor", "x", "--place", "y").exit_code == EXIT_WORKFLOW
    assert dsp(root, "cancel", lid).exit_code == EXIT_WORKFLOW
    assert "destroyed" in dsp(root, "list").output


def test_cancel_during_the_hold_restores_everything_exactly(expiring: Expiring) -> None:
    root, expired = expiring.root, expiring.expired
    before = tree(root)
    lid = to_approved(root, expired.reference)
    assert tree(root) != before
    r = dsp(root, "cancel", lid, "--reason", "客户诉讼需要", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["restored"] == 6
    assert tree(root) == before  # same paths, same bytes
    assert not (root / "hold").exists()
    assert run_cli(root, "audit").exit_code == 0
    assert [r_["reference"] for r_ in json.loads(dsp(root, "due", "--json").output)] == [expired.reference]
    assert dsp(root, "cancel", lid).exit_code == EXIT_WORKFLOW  # cancelled already
    assert dsp(root, "approve", lid, "--by", "x").exit_code == EXIT_WORKFLOW


def test_cancel_before_approval_moves_nothing(expiring: Expiring) -> None:
    root, expired = expiring.root, expiring.expired
    before = tree(root)
    lid = json.loads(dsp(root, "propose", expired.reference, "--json").output)["id"]
    assert dsp(root, "cancel", lid).exit_code == 0
    assert tree(root) == before
    assert dsp(root, "appraise", lid, "--role", "cs-manager", "--by", "x").exit_code == EXIT_WORKFLOW
    assert json.loads(dsp(root, "propose", expired.reference, "--json").output)["id"] == "DL-2026-002"


def test_an_interrupted_move_is_completed_or_rolled_back(expiring: Expiring, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root, expired = expiring.root, expiring.expired
    before = tree(root)
    archive = Archive.open(root)
    lid = steps.propose(archive, [expired.reference], by="李明")["id"]
    steps.appraise(archive, lid, role="cs-manager", by="张")
    steps.appraise(archive, lid, role="originating-dept", by="刘")
    real = steps.move_verified
    calls = {"n": 0}

    def crash_after_two(source: Path, target: Path, sha256: str) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("power cut")
        real(source, target, sha256)

    monkeypatch.setattr(steps, "move_verified", crash_after_two)
    with pytest.raises(KeyboardInterrupt):
        steps.approve(archive, lid, by="陈")
    monkeypatch.setattr(steps, "move_verified", real)
    assert list_state(disposal_lists(archive)[lid]) == "moving"
    assert expiring.expired_records[0].id in held_names(archive)  # not lendable while half moved
    # rolled back by cancel …
    assert dsp(root, "cancel", lid).exit_code == 0
    assert tree(root) == before
    # … or completed by running approve again
    lid2 = steps.propose(archive, [expired.reference], by="李明")["id"]
    steps.appraise(archive, lid2, role="cs-manager", by="张")
    steps.appraise(archive, lid2, role="originating-dept", by="刘")
    calls["n"] = 0
    monkeypatch.setattr(steps, "move_verified", crash_after_two)
    with pytest.raises(KeyboardInterrupt):
        steps.approve(archive, lid2, by="陈")
    monkeypatch.setattr(steps, "move_verified", real)
    assert dsp(root, "approve", lid2, "--by", "陈").exit_code == 0
    assert list_state(disposal_lists(archive)[lid2]) == "held"
    held = tree(root)
    assert {k.split("/", 2)[2] for k in held if k.startswith("hold/")} == {k for k in before if k not in held}


def test_a_held_file_that_changed_is_found_and_not_restored(expiring: Expiring, clock) -> None:  # type: ignore[no-untyped-def]
    root, expired = expiring.root, expiring.expired
    lid = to_approved(root, expired.reference)
    held_pdf = root / "hold" / lid / expiring.expired_records[0].path.relative_to(root)
    flip_byte(held_pdf)
    r = run_cli(root, "audit", "--json")
    assert r.exit_code == EXIT_INTEGRITY
    assert {f["kind"] for f in json.loads(r.output)["finding_list"] if f["severity"] == "error"} == {"altered"}
    r = dsp(root, "cancel", lid)
    assert r.exit_code == EXIT_INTEGRITY and "changed since" in r.output
    assert list_state(disposal_lists(Archive.open(root))[lid]) == "held"  # nothing recorded
    # nor destroyed: what is destroyed must be what was appraised (Art. 29, 经验证…再行销毁)
    before = tree(root)
    clock.set("2027-06-01T09:00:00+08:00")
    r = dsp(root, "destroy", lid, "--supervisor", "吴", "--place", "碎纸室")
    assert r.exit_code == EXIT_INTEGRITY and "nothing was changed" in r.output
    assert tree(root) == before
    assert list_state(disposal_lists(Archive.open(root))[lid]) == "held"
    assert not (root / "registers" / "destruction.jsonl").exists()


def test_hold_shorter_than_six_months_is_refused(expiring: Expiring) -> None:
    root = expiring.root
    set_config(root, r"^disposal_hold_months = 6", "disposal_hold_months = 3")
    r = dsp(root, "due")
    assert r.exit_code == EXIT_CONFIG and "disposal_hold_months" in r.output


def test_longer_hold_from_the_configuration(expiring: Expiring, clock) -> None:  # type: ignore[no-untyped-def]
    root, expired = expiring.root, expiring.expired
    set_config(root, r"^disposal_hold_months = 6", "disposal_hold_months = 12")
    lid = to_approved(root, expired.reference)
    clock.set("2027-06-01T09:00:00+08:00")
    r = dsp(root, "destroy", lid, "--supervisor", "吴", "--place", "碎纸室")
    assert r.exit_code == EXIT_WORKFLOW and "2027-11-20" in r.output


def test_help_show_and_list(expiring: Expiring) -> None:
    root, expired = expiring.root, expiring.expired
    for sub in ("due", "propose", "appraise", "approve", "cancel", "destroy", "list", "show"):
        assert dsp(root, sub, "--help").exit_code == 0
    lid = to_approved(root, expired.reference)
    out = dsp(root, "show", lid).output
    assert "held" in out and "客户总监陈" in out and expired.reference in out
    assert "hold until 2027-05-20" in dsp(root, "list").output
    assert dsp(root, "show", "DL-2026-404").exit_code == EXIT_NOT_FOUND


def test_approval_refused_when_a_file_changed_before_it(expiring: Expiring) -> None:
    root, expired = expiring.root, expiring.expired
    lid = json.loads(dsp(root, "propose", expired.reference, "--json").output)["id"]
    dsp(root, "appraise", lid, "--role", "cs-manager", "--by", "张")
    dsp(root, "appraise", lid, "--role", "originating-dept", "--by", "刘")
    flip_byte(expiring.expired_records[1].path)
    before = tree(root)
    r = dsp(root, "approve", lid, "--by", "陈")
    assert r.exit_code == EXIT_INTEGRITY and expiring.expired_records[1].path.name in r.output
    assert tree(root) == before and list_state(disposal_lists(Archive.open(root))[lid]) == "appraised"


def test_approval_waits_for_no_build(expiring: Expiring) -> None:
    """A build running while volumes move into the hold could write one back into volumes/:
    approval refuses while a build holds the archive, and nothing moves."""
    root, expired = expiring.root, expiring.expired
    lid = json.loads(dsp(root, "propose", expired.reference, "--json").output)["id"]
    dsp(root, "appraise", lid, "--role", "cs-manager", "--by", "张")
    dsp(root, "appraise", lid, "--role", "originating-dept", "--by", "刘")
    before = tree(root)
    with Archive.open(root).lock("build", purpose="archiver build"):
        r = dsp(root, "approve", lid, "--by", "陈")
    assert r.exit_code == EXIT_LOCKED and "archiver build" in r.output
    assert tree(root) == before
    assert dsp(root, "approve", lid, "--by", "陈").exit_code == 0


def test_held_and_destroyed_material_leaves_the_catalogue(expiring: Expiring, clock) -> None:  # type: ignore[no-untyped-def]
    """Art. 29: held apart means out of the catalogue at once; destroyed means no copy is
    left in the catalogue nor in its thumbnail cache."""
    root, expired = expiring.root, expiring.expired
    assert run_cli(root, "site").exit_code == 0
    site = root / "site"

    def in_site(text: str) -> bool:
        return any(text in p.name or (p.suffix in (".html", ".js") and text in p.read_text("utf-8", "replace"))
                   for p in site.rglob("*") if p.is_file())

    assert in_site(expired.reference) and in_site(expiring.expired_records[0].id)
    thumbs = [root / ".archiver" / "thumbs" / f"{r.file.sha256}.jpg" for r in expiring.expired_records]
    assert all(t.exists() for t in thumbs)
    lid = to_approved(root, expired.reference)
    assert not in_site(expired.reference) and not in_site(expiring.expired_records[0].id) and not in_site(expiring.expired_records[1].id)
    clock.set("2027-06-01T09:00:00+08:00")
    r = dsp(root, "destroy", lid, "--supervisor", "监销人王", "--place", "碎纸室")
    assert r.exit_code == 0, r.output
    assert not any(t.exists() for t in thumbs)
