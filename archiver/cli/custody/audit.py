"""``archiver audit``: the archive checked under the four properties of DA/T 70-2018
(Art. 21–23), recorded in ``registers/audit.jsonl``."""

from __future__ import annotations

import sys
from typing import Any

import click

from ...custody.audit.report import record_audit, report_lines
from ...custody.audit.run import audit_archive
from ...errors import EXIT_INTEGRITY
from .. import AppContext, by_option, echo_json, json_option, main


@main.command("audit")
@click.option("--fast", is_flag=True, help="Check presence and sizes only (no re-hashing).")
@by_option
@json_option
@click.pass_obj
def audit_cmd(app: AppContext, fast: bool, by: str, as_json: bool) -> None:
    """Check the archive under the four properties of DA/T 70-2018 (Art. 21–23).

    \b
    真实性 Authenticity: checksums, sizes, page counts and metadata agree with the records.
    完整性 Integrity: every record and volume present, page sequences without gaps,
                     nothing unregistered, hold/ in every state of a destruction list.
    可用性 Usability: every file opens; volumes pass PDF/A-2b.
    安全性 Security: no active content in volumes or the catalogue, permissions as the
                    archive sets them, no link out of the archive.

    Runs under the archive's custody and build locks (and filing's when no watcher holds
    it), and says so. By default every file is re-hashed and opened (each read once);
    --fast checks presence, sizes, permissions and links only. Recorded in
    registers/audit.jsonl. Exit code 6 when anything is wrong; warnings (records not yet
    bound, volumes without a PDF/A result) do not change it.
    """
    archive = app.archive
    bar: Any = None

    def progress(size: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label="Auditing", file=sys.stderr)
            bar.__enter__()
        bar.update(size)

    use_bar = sys.stderr.isatty() and not as_json
    try:
        report = audit_archive(archive, fast=fast, progress=progress if use_bar else None)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    entry = record_audit(archive, report, by=by)
    if as_json:
        echo_json({"at": entry["at"], "by": entry["by"], **report.as_dict()})
    else:
        for line in report_lines(report):
            click.echo(line)
    if report.errors:
        sys.exit(EXIT_INTEGRITY)
