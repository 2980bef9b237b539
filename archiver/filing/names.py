"""File names as the archive writes them down: any byte sequence, shown safely.

A name in the inbox may hold bytes that are not UTF-8 (a scanner with a Windows code
page, a share mounted with the wrong charset), control characters, newlines or bidi
overrides that would make a log line or a terminal lie. Python hands such bytes over as
lone surrogates (``surrogateescape``), which no TOML or JSON writer accepts.

:func:`escape_name` turns every name into plain, printable text that says exactly which
bytes it had, and is the form kept in sidecars, reason files and the journal:

* an undecodable byte 0xNN → ``\\xNN``;
* a control character, a line or paragraph separator, or a bidi control
  (U+200E/F, U+061C, U+202A–202E, U+2066–2069) → ``\\xNN`` (ASCII controls only, so it
  never reads like an undecodable byte) / ``\\uNNNN`` / ``\\UNNNNNNNN`` (above U+FFFF);
* a backslash → ``\\\\`` (so an escaped name never reads like another name).

Every other character — Chinese included — is kept as it is.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if ch == "\\":
        return "\\\\"
    if ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp", "Cf") and ch not in "\u200d":
        if code < 0x80:
            return f"\\x{code:02x}"  # an ASCII control: \xNN is unambiguous (raw bytes 0x80–0xFF only)
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return ch


def escape_name(name: str) -> str:
    """``name`` as printable text that keeps every byte it had (see the module docstring)."""
    if name.isprintable() and "\\" not in name:
        return name  # the usual case: nothing to escape
    return "".join(_escape_char(ch) for ch in name)


def escape_path(rel: str) -> str:
    """An inbox-relative path (``a/b.pdf``), each part escaped; ``/`` stays the separator."""
    return "/".join(escape_name(part) for part in rel.split("/"))


def is_clean(name: str) -> bool:
    """Whether ``name`` needs no escaping."""
    return escape_name(name) == name
