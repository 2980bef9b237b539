"""Consultation register (Art. 27) end to end through the CLI, every refused step included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli, set_config
from custody_conftest import Lending

from archiver.errors import EXIT_NOT_FOUND, EXIT_WORKFLOW
from archiver.store import Archive

FORM = ["--requester", "赵敏", "--department", "销售部", "--purpose", "核对合同条款", "--reason", "续签谈判",
        "--signer", "钱部长"]


def cli(root: Path, *args: str):  # type: ignore[no-untyped-def]
    return run_cli(root, "consult", *args)


def request(root: Path, obj: str, by: str = "赵敏") -> str:
    r = cli(root, "request", *FORM, "--object", obj, "--by", by, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)["id"]


def states(root: Path) -> dict[str, str]:
    r = cli(root, "list", "--json")
    return {row["id"]: row["state"] for row in json.loads(r.output)}


def test_request_approve_and_the_refused_steps(lending: Lending) -> None:
    root, volume = lending.root, lending.volume
    cid = request(root, volume.reference)
    assert cid == "CQ-2026-0001"
    entry = json.loads((root / "registers" / "consultations.jsonl").read_text("utf-8").splitlines()[0])
    assert entry["purpose"] == "核对合同条款" and entry["signer"] == "钱部长" and entry["by"] == "赵敏"
    assert entry["object"] == {"kind": "volume", "ref": volume.reference, "label": volume.title,
                               "customer": "C0001", "classification": "ordinary"}
    # the requester cannot approve her own request (allow_self_approval = false)
    r = cli(root, "approve", cid, "--by", "赵敏")
    assert r.exit_code == EXIT_WORKFLOW and "allow_self_approval" in r.output
    assert states(root)[cid] == "requested"
    r = cli(root, "approve", cid, "--by", "档案员李明")
    assert r.exit_code == 0, r.output
    assert states(root)[cid] == "approved"
    assert cli(root, "approve", cid, "--by", "王芳").exit_code == EXIT_WORKFLOW  # approved already
    r = cli(root, "refuse", cid, "--reason", "晚了", "--by", "王芳")
    assert r.exit_code == EXIT_WORKFLOW and "approved already" in r.output
    lines = (root / "registers" / "consultations.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(x)["event"] for x in lines] == ["requested", "approved"]  # refused steps left no trace


def test_refusal_and_what_follows_it(lending: Lending) -> None:
    root = lending.root
    cid = request(root, "C0001")
    r = cli(root, "refuse", cid, "--reason", "理由不充分", "--by", "档案员李明", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["reason"] == "理由不充分"
    assert cli(root, "approve", cid, "--by", "档案员李明").exit_code == EXIT_WORKFLOW
    assert cli(root, "refuse", cid, "--reason", "again", "--by", "x").exit_code == EXIT_WORKFLOW
    rows = json.loads(cli(root, "list", "--json").output)
    assert rows[0]["state"] == "refused" and rows[0]["refusal"] == "理由不充分"
    assert rows[0]["object"]["kind"] == "customer"


def test_restricted_material_needs_a_second_different_approver(lending: Lending) -> None:
    root = lending.root
    cid = request(root, lending.secret.id)  # a secret record
    assert cli(root, "approve", cid, "--by", "李明").exit_code == 0
    assert states(root)[cid] == "approving"
    r = cli(root, "approve", cid, "--by", "李明")
    assert r.exit_code == EXIT_WORKFLOW and "different person" in r.output
    assert cli(root, "approve", cid, "--by", "王芳").exit_code == 0
    assert states(root)[cid] == "approved"
    # both approvals in one step, and the same person twice refused
    cid2 = request(root, lending.secret.id)
    r = cli(root, "approve", cid2, "--by", "李明", "--second-approver", "李明")
    assert r.exit_code == EXIT_WORKFLOW
    assert states(root)[cid2] == "requested"  # nothing half-recorded
    r = cli(root, "approve", cid2, "--by", "李明", "--second-approver", "王芳", "--json")
    assert r.exit_code == 0 and [e["by"] for e in json.loads(r.output)] == ["李明", "王芳"]
    assert states(root)[cid2] == "approved"


def test_self_approval_when_the_configuration_allows_it(lending: Lending) -> None:
    root = lending.root
    set_config(root, r"^allow_self_approval = false", "allow_self_approval = true")
    cid = request(root, "C0002")
    assert cli(root, "approve", cid, "--by", "赵敏").exit_code == 0


def test_object_must_exist_and_fields_must_be_given(lending: Lending) -> None:
    root = lending.root
    r = cli(root, "request", *FORM, "--object", "C9999")
    assert r.exit_code == EXIT_NOT_FOUND and "C9999" in r.output
    form = list(FORM)
    form[form.index("--purpose") + 1] = "  "
    assert cli(root, "request", *form, "--object", "C0001").exit_code == EXIT_WORKFLOW
    assert cli(root, "approve", "CQ-2026-0099").exit_code == EXIT_NOT_FOUND
    assert not (root / "registers" / "consultations.jsonl").exists()


def test_help_and_text_list(lending: Lending) -> None:
    root = lending.root
    for sub in ("request", "approve", "refuse", "list"):
        assert cli(root, sub, "--help").exit_code == 0
    request(root, "C0001")
    out = cli(root, "list").output
    assert "CQ-2026-0001" in out and "requested" in out and "赵敏" in out


def test_a_second_clerk_waits_for_the_custody_lock(lending: Lending) -> None:
    """Two custody commands at once: the second waits, then numbers its case after the first."""
    import threading
    import time

    from archiver.custody.workflow import custody_lock
    from archiver.errors import LockedError

    root = lending.root
    archive = Archive.open(root)
    held, release = threading.Event(), threading.Event()

    def other_clerk() -> None:
        with custody_lock(archive, "archiver consult request"):
            held.set()
            release.wait(timeout=60)  # holds the lock until the test lets go (no timing race)
            time.sleep(0.3)  # … and a little longer, while the second clerk is already waiting

    t = threading.Thread(target=other_clerk)
    t.start()
    held.wait()
    with pytest.raises(LockedError), custody_lock(archive, "test", wait_seconds=0):
        pass
    release.set()
    assert request(root, "C0001") == "CQ-2026-0001"  # waited for the lock, then went ahead
    t.join()


def test_a_request_without_the_departments_signature_cannot_be_approved(lending: Lending) -> None:
    root = lending.root
    unsigned = FORM[: FORM.index("--signer")]
    r = cli(root, "request", *unsigned, "--object", "C0001", "--json")
    assert r.exit_code == 0
    cid = json.loads(r.output)["id"]
    r = cli(root, "approve", cid, "--by", "档案员李明")
    assert r.exit_code == EXIT_WORKFLOW and "signature" in r.output and "--signer" in r.output
    assert states(root)[cid] == "requested"
    assert cli(root, "refuse", cid, "--reason", "手续不全", "--by", "档案员李明").exit_code == 0
