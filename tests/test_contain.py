"""archiver.filing.contain: an unexpected failure sets that one entry aside with a reason
a clerk can act on; the traceback, escaped, goes to the filing log."""

from __future__ import annotations

from filing_helpers import AT, context

from archiver.filing.contain import contain, could_not_file, failure_log, log_failure


def boom() -> RuntimeError:
    try:
        raise RuntimeError("broken\x1b[31m")
    except RuntimeError as exc:
        return exc


def test_the_traceback_goes_to_the_log_escaped(archive) -> None:
    where = log_failure(archive, AT, "a.pdf", boom())
    assert where == ".archiver/log/filing.log"
    text = failure_log(archive).read_text("utf-8")
    assert text.startswith(f"{AT.isoformat(timespec='seconds')} a.pdf\n") and "Traceback" in text
    assert "\x1b" not in text and "RuntimeError" in text


def test_the_reason_names_the_file_the_problem_and_the_log() -> None:
    r = could_not_file("a.pdf", boom(), ".archiver/log/filing.log")
    assert r.code == "could-not-file" and "a.pdf" in r.reason and "RuntimeError" in r.reason
    assert ".archiver/log/filing.log" in r.reason and "administrator" in r.fix


def test_the_entry_is_set_aside_once(archive) -> None:
    ctx = context(archive)
    path = archive.inbox / "a.pdf"
    path.write_bytes(b"%PDF-1.7 broken")
    given_up: set[tuple[str, int, int]] = set()
    outcome = contain(ctx, path, boom(), given_up)
    assert outcome is not None and outcome.code == "could-not-file" and outcome.status == "rejected"
    assert (archive.rejected / "a.pdf").read_bytes() == b"%PDF-1.7 broken" and not path.exists()
    assert "RuntimeError" in (archive.rejected / "a.pdf.reason.txt").read_text("utf-8")


def test_an_entry_that_cannot_even_be_set_aside_stays_and_is_said_once(archive, monkeypatch) -> None:
    ctx = context(archive)
    path = archive.inbox / "a.pdf"
    path.write_bytes(b"x")

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(ctx.setaside, "move", refuse)
    given_up: set[tuple[str, int, int]] = set()
    first = contain(ctx, path, boom(), given_up)
    assert first is not None and "could not be filed or set aside" in first.reason and path.exists()
    assert contain(ctx, path, boom(), given_up) is None  # said once
