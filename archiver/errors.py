"""Every failure the archiver reports, with the exit code the CLI returns for it.

One hierarchy, single inheritance only: :class:`ArchiverError` and its subclasses, each
with one exit code (a subclass that only says more, such as :class:`UnreadableFileError`,
keeps its parent's). The CLI (:mod:`archiver.cli`, ``ArchiverGroup.invoke``) catches ArchiverError and
exits with its ``exit_code``; anything else is a bug and exits 1 with a traceback.
Messages say what happened, to which file, and what to do next. :data:`EXIT_CODES` is the
table the README and ``archiver --help`` show.

:class:`Rejection` is not one of them: it is why one scan is set aside (the rest goes on),
carried as data into the scan's reason file; ``ingest`` then exits 8.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

# Exit codes (documented in the README, section "Exit codes").
EXIT_OK = 0
EXIT_FAILURE = 1  # an unexpected error (a bug): please report it
EXIT_USAGE = 2  # wrong input: command-line words (click's own code) or values (an impossible date…)
EXIT_CONFIG = 3  # archive.toml or another settings file is invalid
EXIT_NOT_FOUND = 4  # no archive root, customer, record, volume… of that name
EXIT_LOCKED = 5  # another archiver process holds the archive (a watcher is running)
EXIT_INTEGRITY = 6  # stored data does not match what was recorded (audit, build inputs)
EXIT_WORKFLOW = 7  # a register step out of order (return a loan not out, destroy in hold…)
EXIT_REJECTED = 8  # ingest ran, and at least one scan was set aside in inbox/rejected/
EXIT_NO_SPACE = 9  # a file could not be written: disk full, quota, I/O error, read-only file system

# code → what it means (the README's table and the CLI's --help show this).
EXIT_CODES = {
    EXIT_OK: "done",
    EXIT_FAILURE: "unexpected error (a bug: please report it with the traceback)",
    EXIT_USAGE: "wrong input: command-line words, or values that cannot be acted on",
    EXIT_CONFIG: "archive.toml or another settings file is invalid",
    EXIT_NOT_FOUND: "not found (no archive root, customer, record, …)",
    EXIT_LOCKED: "the archive is busy",
    EXIT_INTEGRITY: "integrity: stored files do not match what was recorded",
    EXIT_WORKFLOW: "a register step out of order was refused",
    EXIT_REJECTED: "ingest ran, and at least one scan was set aside",
    EXIT_NO_SPACE: "a file could not be written (disk full, quota, I/O error, read-only)",
}


class ArchiverError(Exception):
    """Base of every error the archiver reports to a user; raised as it is, it means the
    user's input cannot be acted on (exit 2). Exit 1 is left to unexpected errors."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  → {self.hint}" if self.hint else self.message


class ConfigError(ArchiverError):
    """archive.toml (or another settings file) is missing a key or holds a bad value."""

    exit_code = EXIT_CONFIG


class NotFoundError(ArchiverError):
    """A thing named by the user does not exist."""

    exit_code = EXIT_NOT_FOUND


class LockedError(ArchiverError):
    """Another process holds the archive's lock."""

    exit_code = EXIT_LOCKED


class IntegrityError(ArchiverError):
    """Stored files do not match what the archive recorded about them."""

    exit_code = EXIT_INTEGRITY


class UnreadableFileError(IntegrityError):
    """A stored file of the archive (a record sidecar, a volume manifest) no longer parses:
    an integrity problem (exit 6), not a settings error. Code that goes on past such a
    file (audit, build, destruction) catches this class."""


class StorageError(ArchiverError):
    """The disk refused a write (full, over quota, read-only, failing): nothing was lost,
    the command stopped where it was and a re-run after the cause is fixed completes."""

    exit_code = EXIT_NO_SPACE


# errno → (what happened, what to do)
STORAGE_ERRNOS = {
    errno.ENOSPC: ("no space is left on the disk", "Free space on that disk"),
    errno.EDQUOT: ("the disk quota of the archiver's user is used up", "Free space or raise the quota"),
    errno.EIO: ("the disk reported an input/output error", "Check the disk (dmesg, SMART) and its cabling"),
    errno.EROFS: ("the file system is mounted read-only", "Remount it read-write"),
}


def is_storage_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the disk refusing to work (not a problem of one file)."""
    return isinstance(exc, StorageError) or (isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS)


def storage_error(exc: OSError, path: str | os.PathLike[str] | None = None) -> StorageError:
    """One clear line for a disk that refused a write to ``path`` (default: the error's own file name)."""
    where = os.fspath(path) if path is not None else (exc.filename if isinstance(exc.filename, str) else "")
    what, todo = STORAGE_ERRNOS.get(exc.errno or 0, (exc.strerror or str(exc), "Fix the cause"))
    place = f" {where}" if where else ""
    return StorageError(
        f"Could not write{place}: {what} ({errno.errorcode.get(exc.errno or 0, '?')}).",
        hint=f"{todo}, then run the command again: nothing was lost, and what was not finished "
        "is done by the next run (scans not yet filed are still in the inbox).",
    )


class WorkflowError(ArchiverError):
    """A register step that is not allowed in the current state."""

    exit_code = EXIT_WORKFLOW


@dataclass
class Rejection(Exception):
    """Why a scan cannot be filed (Art. 6 step 1 failed).

    Carries data, not only a sentence: ``code`` is a stable machine-readable reason
    (``unknown-customer``, ``not-a-pdf`` …), ``reason`` the plain-words explanation and
    ``fix`` what the clerk should do about it.
    """

    code: str
    reason: str
    fix: str = ""
    details: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.reason} {self.fix}".strip()

    def as_text(self, source: Path | str) -> str:
        """The reason file's text; ``source`` is the file (or its escaped name)."""
        lines = [
            f"File: {source.name if isinstance(source, Path) else source}",
            f"Problem ({self.code}): {self.reason}",
        ]
        if self.fix:
            lines.append(f"What to do: {self.fix}")
        for key, value in sorted(self.details.items()):
            lines.append(f"{key}: {value}")
        lines.append(
            "Nothing was filed. This file stays here until you remove it; a corrected file "
            "dropped into the inbox again is filed normally."
        )
        return "\n".join(lines) + "\n"
