"""When and who: the archive's one clock and one actor.

Every date and time the archive records or decides by (filing times, due dates, loan due
dates, the six-month disposal hold of Art. 29, register entries) comes from :func:`now`;
every "who" that a command is not given with ``--by`` comes from :func:`login_name`.

* The clock is the system clock. **No environment variable changes it**: what time the
  archive thinks it is cannot be moved by whoever runs a command (a clock set forward
  would otherwise record a destruction today and skip the hold of Art. 29).
* The actor is ``--by`` when given, else the name of the operating-system account the
  process runs as (from the account database by user id, not from ``$USER`` or
  ``$LOGNAME``, which anyone can set).

Tests — and only code running in the same process — replace both with :func:`install`
(the test suite does it through one fixture, ``clock`` in ``tests/conftest.py``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

Now = Callable[[], dt.datetime]
User = Callable[[], str]


def system_now() -> dt.datetime:
    """The system clock, timezone-aware (the local offset), to the second."""
    return dt.datetime.now().astimezone().replace(microsecond=0)


def system_login() -> str:
    """The name of the account this process runs as (its effective user id)."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, OSError):  # no account database (Windows), or a uid without entry
        uid = getattr(os, "geteuid", lambda: None)()
        return f"uid-{uid}" if uid is not None else "unknown"


_now: Now = system_now
_login: User = system_login


def now() -> dt.datetime:
    """The current time, timezone-aware."""
    value = _now()
    return value if value.tzinfo else value.astimezone()


def today() -> dt.date:
    return now().date()


def login_name() -> str:
    """Who acts when a command is not given ``--by``."""
    return _login()


def install(now: Now | None = None, login: User | None = None) -> tuple[Now, User]:
    """Replace the clock and/or the actor in this process (tests); returns the previous
    pair, to be given back to :func:`restore`."""
    global _now, _login
    previous = (_now, _login)
    if now is not None:
        _now = now
    if login is not None:
        _login = login
    return previous


def restore(previous: tuple[Now, User]) -> None:
    global _now, _login
    _now, _login = previous
