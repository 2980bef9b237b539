"""Chinese line breaking (pure): where a line may break, and text broken into lines.

Breaks between CJK characters and at spaces, keeps Latin words and numbers whole when
they fit, and follows the Chinese rules: no closing punctuation at the start of a line
(避头点), no opening bracket at its end (避尾点); a bracketed phrase such as （长期·第1卷）
is kept on one line when it fits.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator

# Characters that must not start a line (避头点) …
NO_LINE_START = set("，。、；：？！）」』》〉】〕”’,.;:?!)]}%…—–·")
NO_LINE_END = set("（「『《〈【〔“‘([{")  # … and these must not end one (避尾点)


def tokens(text: str) -> Iterator[str]:
    """Break opportunities: each CJK character alone; Latin words and numbers kept whole."""
    word = ""
    for ch in text:
        if ch.isspace():
            if word:
                yield word
            word = ""
            yield ch
        elif ord(ch) < 0x2E80 and ch not in NO_LINE_START and ch not in NO_LINE_END:
            word += ch
        else:
            if word:
                yield word
                word = ""
            yield ch
    if word:
        yield word


def wrap(s: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``s`` broken into lines no wider than ``width`` (``measure``: the width of a text)."""
    lines: list[str] = []
    for paragraph in unicodedata.normalize("NFC", s).split("\n"):
        line: list[str] = []
        used = 0.0
        for token in tokens(paragraph):
            if not line and token.isspace():
                continue
            w = measure(token)
            if used + w <= width:
                line.append(token)
                used += w
                continue
            carry: list[str] = []
            if token[0] in NO_LINE_START and len(line) > 1:
                carry.append(line.pop())
            while len(line) > 1 and line[-1][-1] in NO_LINE_END:
                carry.insert(0, line.pop())
            opened = max((i for i, t in enumerate(line) if t == "（"), default=0)
            if opened and measure("".join(line[opened:] + carry) + token) <= width:
                carry = line[opened:] + carry  # keep a bracketed phrase （长期·第1卷） on one line
                del line[opened:]
            if line:
                lines.append("".join(line).rstrip())
            line = [t for t in carry if not t.isspace()]
            used = measure("".join(line))
            if token.isspace():
                continue
            if used + w <= width:
                line.append(token)
                used += w
                continue
            for ch in token:  # longer than a whole line: break it anywhere
                cw = measure(ch)
                if line and used + cw > width:
                    lines.append("".join(line))
                    line, used = [], 0.0
                line.append(ch)
                used += cw
        lines.append("".join(line).rstrip())
    return lines or [""]
