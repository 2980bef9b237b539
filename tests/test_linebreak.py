"""Chinese line breaking (archiver.forms.linebreak), measured in characters: pure rules."""

from __future__ import annotations

from archiver.forms.linebreak import tokens, wrap


def cells(s: str) -> float:
    """One unit per character (CJK and Latin alike): the lines are easy to count."""
    return float(len(s))


def test_tokens_keep_latin_words_and_numbers_whole() -> None:
    assert list(tokens("合同No.2026号 ab")) == ["合", "同", "No", ".", "2026", "号", " ", "ab"]


def test_wrap_breaks_between_cjk_characters() -> None:
    assert wrap("上海明远贸易有限公司", 4, cells) == ["上海明远", "贸易有限", "公司"]


def test_closing_punctuation_never_starts_a_line() -> None:
    """避头点: '，' would start the second line; the character before it goes down with it."""
    lines = wrap("甲乙丙丁，戊己", 4, cells)
    assert lines == ["甲乙丙", "丁，戊己"]
    assert not any(line[0] in "，。、" for line in lines)


def test_opening_bracket_never_ends_a_line() -> None:
    """避尾点: '（' at the end of a line goes down to the next one."""
    lines = wrap("甲乙丙（丁戊", 4, cells)
    assert lines == ["甲乙丙", "（丁戊"]


def test_a_bracketed_phrase_is_kept_together_when_it_fits() -> None:
    assert wrap("客户档案（长期·第1卷）", 8, cells) == ["客户档案", "（长期·第1卷）"]


def test_a_word_longer_than_a_line_is_broken_anywhere() -> None:
    assert wrap("ABCDEFGHIJ", 4, cells) == ["ABCD", "EFGH", "IJ"]


def test_paragraphs_and_empty_text() -> None:
    assert wrap("甲乙\n丙", 4, cells) == ["甲乙", "丙"]
    assert wrap("", 4, cells) == [""]
    assert wrap("Cafe\u0301", 8, cells) == ["Café"]  # NFC first
