"""What the custody commands share: who acts, dates given on the command line, printing a
step's result as text or JSON."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import click

from ...clock import login_name
from .. import echo_json


def who(by: str) -> str:
    """``--by``, else the login name (:mod:`archiver.clock`)."""
    return by or login_name()


def parse_date(text: str | None, option: str = "") -> dt.date | None:
    """A YYYY-MM-DD date given on the command line (None when not given)."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        where = f"{option}: " if option else ""
        raise click.BadParameter(f"{where}{text!r} is not a date; write YYYY-MM-DD.") from None


def echo_step(as_json: bool, data: Any, text: str) -> None:
    """A recorded step: its entry as JSON, or one line of text."""
    if as_json:
        echo_json(data)
    else:
        click.echo(text)


def pad(text: str, width: int) -> str:
    """Pad to ``width`` terminal columns; CJK characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)
