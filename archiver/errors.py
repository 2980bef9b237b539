"""Every failure the archiver reports, with the exit code the CLI returns for it.

One hierarchy: the CLI catches :class:`ArchiverError` and exits with its ``exit_code``;
anything else is a bug and exits 1 with a traceback. Messages say what happened, to which
file, and what to do next.
"""

from __future__ import annotations

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


class UnreadableFileError(IntegrityError, ConfigError):
    """A stored file of the archive (a record sidecar, a volume manifest) no longer parses.

    An integrity problem (exit 6), not a settings error; it is also a ConfigError so code
    that skips unreadable TOML files keeps doing so."""

    exit_code = EXIT_INTEGRITY


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

    def as_text(self, source: Path) -> str:
        lines = [
            f"File: {source.name}",
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
