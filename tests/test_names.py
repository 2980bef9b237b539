"""File names as the archive writes them down: any byte sequence becomes printable text that
says which bytes it had; control characters, separators and bidi overrides are never raw."""

from __future__ import annotations

import re
import unicodedata

import pytest

from archiver.filing.names import BIDI_CONTROLS, escape_name, escape_path, is_clean


def name_of(raw: bytes) -> str:
    """The name Python hands over for these bytes (undecodable bytes as lone surrogates)."""
    return raw.decode("utf-8", "surrogateescape")


def unescape(text: str) -> bytes:
    """The bytes an escaped name says it had (the reading of the module docstring)."""
    def one(m: re.Match[str]) -> str:
        body = m.group(1)
        if body == "\\":
            return "\\"
        code = int(body[1:], 16)
        return chr(0xDC00 + code) if body[0] == "x" and code >= 0x80 else chr(code)

    return re.sub(r"\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})", one, text).encode("utf-8", "surrogateescape")


NAMES = [
    "扫描件 合同.pdf".encode(),
    b"\xba\xcf\xcd\xac.pdf",  # 合同 in GBK: not UTF-8
    b"a\nb.pdf", b"tab\there.pdf", b"\x1b[31mred.pdf", b"nul\x7f.pdf",
    "invoice\u202efdp.exe".encode(), "\u2066x\u2069\u200e\u200f\u061c.pdf".encode(),
    "line\u2028para\u2029.pdf".encode(), "zero\u200bwidth\ufeff.pdf".encode(),
    b"back\\slash.pdf", b"\\xba.pdf", b"\\\\xba.pdf", b"\\u202e.pdf",
    "c1\x85.pdf".encode(), b"c1\x85.pdf",  # NEL (U+0085) and the raw byte 0x85 must read apart
    "tag\U000e0001.pdf".encode(),  # a format character above U+FFFF
    *(bytes([b]) for b in range(1, 256) if b != ord("/")),
]


@pytest.mark.parametrize("raw", NAMES, ids=repr)
def test_any_byte_sequence_becomes_printable_text_that_says_its_bytes(raw: bytes) -> None:
    out = escape_name(name_of(raw))
    out.encode("utf-8")  # no lone surrogate: every TOML and JSON writer takes it
    assert out.isprintable()
    assert not any(ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in out)
    assert unescape(out) == raw


def test_different_names_never_read_alike() -> None:
    escaped = [escape_name(name_of(raw)) for raw in NAMES]
    assert len(set(escaped)) == len(NAMES)


@pytest.mark.parametrize("name, shown", [
    ("合同 2026.pdf", "合同 2026.pdf"),
    (name_of(b"\xba\xcf.pdf"), "\\xba\\xcf.pdf"),
    ("a\nb\r.pdf", "a\\x0ab\\x0d.pdf"),
    ("\x1b[2J.pdf", "\\x1b[2J.pdf"),
    ("invoice\u202efdp.exe", "invoice\\u202efdp.exe"),
    ("\u2067x\u2069", "\\u2067x\\u2069"),
    ("p\u2029q", "p\\u2029q"),
    ("nel\x85", "nel\\u0085"),
    ("\U000e0001x", "\\U000e0001x"),
    ("C:\\scan.pdf", "C:\\\\scan.pdf"),
])  # fmt: skip
def test_what_each_kind_of_character_becomes(name: str, shown: str) -> None:
    assert escape_name(name) == shown
    assert is_clean(name) == (name == shown)


def test_a_path_is_escaped_part_by_part_and_keeps_its_separators() -> None:
    assert escape_path("客户/a\nb/" + name_of(b"\xff.pdf")) == "客户/a\\x0ab/\\xff.pdf"
    assert escape_path("plain/name.pdf") == "plain/name.pdf"
